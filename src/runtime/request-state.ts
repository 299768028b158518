import type { JWTPayload } from "jose";
import type { CompiledRoute } from "./compiled-route.js";

/**
 * What the middleware chain learns about one request, in `ctx.state`. Each field is set
 * by exactly one middleware (named here) and read by the ones after it.
 */
export interface RequestState {
  /** request-context: the client's X-Request-Id when sane, else a fresh UUID. */
  requestId: string;
  /** route-match: the binding the request matched. */
  route?: CompiledRoute;
  /** route-match: percent-decoded path variable values, in template order. */
  pathValues?: readonly string[];
  /** route-match: the raw query string (no `?`), still percent-encoded. */
  rawQuery?: string;
  /** auth: the verified JWT payload, when the method has an auth policy and a valid token came. */
  claims?: JWTPayload;
  /** auth: the verified token's `sub`, for `key: sub` rate limits and per-subject caching. */
  subject?: string;
  /** The JSON request body once read (transcode/read-body.ts bodyTextOf): the stream can be read only once. */
  bodyText?: string;
  /** The gRPC code of the answer, for the access log and metrics. */
  grpcCode?: number;
  /** unary-call: time spent waiting on the backend (retries included), for the access log. */
  backendMs?: number;
}

/** Koa's `ctx.state` typed as ours. */
export function requestState(ctx: { state: unknown }): RequestState {
  return ctx.state as RequestState;
}
