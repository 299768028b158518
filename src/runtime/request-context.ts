import type { Middleware } from "koa";
import type { ServerResponse } from "node:http";
import { microsecondsSince } from "./ops/access-log.js";
import type { AccessLog } from "./ops/access-log.js";
import { freshRequestId } from "./request-id.js";
import { requestState } from "./request-state.js";

// Echo a client's request id only when it is a sane token; otherwise mint one.
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** Every response carries X-Request-Id, and every request leaves an access-log line (ops/access-log.ts). */
export function requestContext(accessLog: AccessLog): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const state = requestState(ctx);
    state.requestId = requestIdFrom(ctx.get("x-request-id"));
    ctx.set("X-Request-Id", state.requestId);
    try {
      await next();
    } finally {
      accessLog.write(ctx.req, {
        requestId: state.requestId,
        path: ctx.path,
        route: state.route,
        // Koa never sets a status for a client gone before its answer.
        status: clientClosedFirst(ctx.res) ? CLIENT_CLOSED : ctx.status,
        grpcCode: state.grpcCode,
        durationUs: microsecondsSince(started),
        backendMs: state.backendMs,
        sub: state.subject,
      });
    }
  };
}

/** nginx's "client closed request": what logs and metrics say of an answer nobody received. */
export const CLIENT_CLOSED = 499;

/** The connection went away before the answer's head was sent. */
export function clientClosedFirst(res: ServerResponse): boolean {
  return res.destroyed && !res.headersSent;
}

/** The client's X-Request-Id when it is a sane token, else a fresh UUID. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : freshRequestId();
}
