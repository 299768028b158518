import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CompiledRoute } from "./compiled-route.js";
import { ClientAddressResolver } from "./client-address.js";
import { headerOf } from "./request-header.js";
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
    const state = requestState(ctx);
    state.requestId = requestIdFrom(ctx.get("x-request-id"));
    ctx.set("X-Request-Id", state.requestId);
    try {
      await next();
    } finally {
      if (logger.isLevelEnabled("info")) {
        logRequest(logger, addresses, ctx.req, {
          requestId: state.requestId,
          path: ctx.path,
          route: state.route,
          // Koa never sets a status for a client gone before its answer.
          status: clientClosedFirst(ctx.res) ? CLIENT_CLOSED : ctx.status,
          grpcCode: state.grpcCode,
          started,
          backendMs: state.backendMs,
          sub: state.subject,
        });
      }
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
  return incoming !== undefined && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export interface AccessLogEntry {
  readonly requestId: string;
  readonly path: string;
  readonly route: CompiledRoute | undefined;
  readonly status: number;
  readonly grpcCode: number | undefined;
  /** process.hrtime.bigint() when the request arrived. */
  readonly started: bigint;
  readonly backendMs: number | undefined;
  readonly sub: string | undefined;
}

/** The access-log line; the one shape for both lanes (Koa and direct-lane.ts). */
export function logRequest(logger: Logger, addresses: ClientAddressResolver, req: IncomingMessage, entry: AccessLogEntry): void {
  logger.info({
    msg: "request",
    requestId: entry.requestId,
    method: req.method,
    path: entry.path,
    route: entry.route?.entry.pattern,
    rpc: entry.route?.method.name,
    status: entry.status,
    grpcCode: entry.grpcCode,
    durationMs: Number(process.hrtime.bigint() - entry.started) / 1e6,
    backendMs: entry.backendMs,
    clientIp: addresses.resolve(req.socket.remoteAddress ?? "", headerOf(req, "x-forwarded-for")).clientIp,
    sub: entry.sub,
  });
}
