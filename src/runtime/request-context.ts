import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import { ClientAddressResolver } from "./client-address.js";
import { requestState } from "./request-state.js";

// Echo a client's request id only when it is a sane token; otherwise mint one.
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Every response carries X-Request-Id; one access-log line per request: id, method, path,
 * route template, RPC, HTTP status, gRPC code, total and backend time, client address and the
 * verified `sub` when there is one. Never the token or any other header value.
 */
export function requestContext(logger: Logger, trustedProxies: readonly string[] = []): Middleware {
  // Behind a proxy (Istio's sidecar) the peer is the proxy: log the client it vouches for.
  const addresses = new ClientAddressResolver(trustedProxies);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get("x-request-id");
    const state = requestState(ctx);
    state.requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set("X-Request-Id", state.requestId);
    try {
      await next();
    } finally {
      if (logger.isLevelEnabled("info")) {
        logger.info({
          msg: "request",
          requestId: state.requestId,
          method: ctx.method,
          path: ctx.path,
          route: state.route?.entry.pattern,
          rpc: state.route?.method.name,
          status: ctx.status,
          grpcCode: state.grpcCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          backendMs: state.backendMs,
          clientIp: addresses.resolve(ctx.socket.remoteAddress ?? "", ctx.get("x-forwarded-for") || undefined).clientIp,
          sub: state.subject,
        });
      }
    }
  };
}
