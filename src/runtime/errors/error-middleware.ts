import type { Middleware } from "koa";
import type { Logger } from "pino";
import { requestState } from "../request-state.js";
import { Code } from "./gateway-error.js";
import type { GatewayError } from "./gateway-error.js";
import { toGatewayError } from "./to-gateway-error.js";

/**
 * The error boundary: any throw below becomes a google.rpc.Status JSON answer. Only
 * exposed errors keep their message; anything else is "internal error" and its cause
 * goes to the log with the request id, never to the client.
 */
export function errorMiddleware(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (reason: unknown) {
      const state = requestState(ctx);
      const error = exposedError(reason, logger, state.requestId);
      state.grpcCode = error.code;
      if (ctx.headerSent || !ctx.writable) return; // a streamed answer already started
      ctx.status = error.httpStatus;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.type = "application/json";
      ctx.body = error.toJson();
    }
  };
}

/** What the client is told about anything thrown; an unexpected error's cause goes to the log, with the request id. */
export function exposedError(reason: unknown, logger: Logger, requestId: string): GatewayError {
  const error = toGatewayError(reason);
  if (error.code === Code.INTERNAL && error.rawMessage === "internal error") {
    logger.error({ err: error.cause, requestId }, "unexpected error");
  }
  return error;
}
