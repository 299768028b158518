import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { CodecRegistry } from "../codec/index.js";
import { ClientAddressResolver } from "./client-address.js";
import type { CompiledRoute } from "./compiled-route.js";
import { exposedError } from "./errors/error-middleware.js";
import { Code } from "./errors/gateway-error.js";
import type { GatewayMetrics } from "./ops/metrics.js";
import { etagOf, matchesIfNoneMatch } from "./policy/cache.js";
import type { PolicyLayer } from "./policy/policy-layer.js";
import { authenticate } from "./policy/auth.js";
import type { Verified } from "./policy/auth.js";
import { checkRateLimit } from "./policy/rate-limit.js";
import type { MethodPolicy } from "./policy/resolve-policy.js";
import { microsecondsSince } from "./ops/access-log.js";
import type { AccessLog } from "./ops/access-log.js";
import { CLIENT_CLOSED, clientClosedFirst, requestIdFrom } from "./request-context.js";
import type { RouteMatcher } from "./router/route-matcher.js";
import { headerOf } from "./request-header.js";
import { readBodyText } from "./transcode/read-body.js";
import { renderResponseBytes } from "./transcode/response.js";
import { exchangeUnary } from "./transcode/unary-call.js";

export interface DirectLaneOptions {
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
  readonly logger: Logger;
  /** The Koa chain's access log: one line format for both lanes. */
  readonly accessLog: AccessLog;
  readonly metrics?: GatewayMetrics | undefined;
  readonly policy?: PolicyLayer | undefined;
  /** Paths the Koa app answers before any route (ops, docs): never taken here. */
  readonly reservedPaths: ReadonlySet<string>;
  readonly reservedPrefixes: readonly string[];
}

const JSON_TYPE = "application/json; charset=utf-8";
const NO_BODY = Buffer.alloc(0);

/**
 * The direct lane: a unary JSON binding whose method has no cache rule is served straight
 * off node:http, past Koa's context objects and the middleware chain, which together cost
 * about as much as the rest of such a request. Everything else (ops routes, docs, HEAD and
 * OPTIONS, cached methods, streaming, HttpBody, no match) is left to the Koa app. Both
 * lanes share the matcher, the auth and rate-limit steps, exchangeUnary, the error answer,
 * the access log and the metrics, so the answer does not depend on which lane served it;
 * the whole e2e suite runs through this lane for such bindings.
 *
 * The gateway turns the lane off when CORS or tracing is configured: those wrap every answer.
 */
export class DirectLane {
  private readonly addresses: ClientAddressResolver;
  /** The bindings this lane serves, with their method's policy, resolved once at start-up. */
  private readonly accepted: ReadonlyMap<CompiledRoute, MethodPolicy | undefined>;

  constructor(
    routes: readonly CompiledRoute[],
    private readonly matcher: RouteMatcher<CompiledRoute>,
    private readonly options: DirectLaneOptions,
  ) {
    this.addresses = new ClientAddressResolver(options.trustedProxies);
    const accepted = new Map<CompiledRoute, MethodPolicy | undefined>();
    for (const route of routes) {
      const rules = options.policy?.policies.get(route.method.name);
      // A cache rule keeps the method on the Koa chain: hits, misses and stores are responseCache's.
      if (route.kind === "unary" && rules?.cache === undefined) accepted.set(route, rules);
    }
    this.accepted = accepted;
  }

  /** Serves the request and returns true, or returns false (untouched) for the Koa app to serve. */
  tryServe(req: IncomingMessage, res: ServerResponse): boolean {
    const method = req.method ?? "GET";
    if (method === "HEAD" || method === "OPTIONS") return false;
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    if (this.options.reservedPaths.has(rawPath) || this.options.reservedPrefixes.some((prefix) => rawPath.startsWith(prefix))) return false;
    const found = this.matcher.lookup(method, rawPath);
    if (found.kind !== "match" || !this.accepted.has(found.target)) return false;
    // serve never rejects (see there): no handler to attach per request.
    void this.serve(req, res, found.target, this.accepted.get(found.target), found.values, rawPath, queryAt < 0 ? "" : url.slice(queryAt + 1));
    return true;
  }

  private async serve(
    req: IncomingMessage,
    res: ServerResponse,
    route: CompiledRoute,
    rules: MethodPolicy | undefined,
    pathValues: readonly string[],
    path: string,
    rawQuery: string,
  ): Promise<void> {
    try {
      const started = process.hrtime.bigint();
      const metrics = this.options.metrics;
      metrics?.requestStarted();
      const requestId = requestIdFrom(headerOf(req, "x-request-id"));
      const headers: OutgoingHttpHeader[] = ["X-Request-Id", requestId];
      let status: number;
      let grpcCode: number;
      let backendMs: number | undefined;
      // Encoded once: the ETag hash, Content-Length and the socket take the same bytes.
      let body: Buffer;
      let subject: string | undefined;
      try {
        // The policy steps in the Koa chain's order: auth, then the rate limit (which may key on `sub`).
        // (Open methods skip both without an await.)
        const layer = this.options.policy;
        let verified: Verified | undefined;
        if (layer !== undefined && rules?.auth !== undefined) {
          verified = await authenticate(layer, route, headerOf(req, "authorization"), requestId, this.options.logger);
          subject = verified?.subject;
        }
        if (layer !== undefined && rules?.rateLimit !== undefined) {
          const limit = await checkRateLimit(layer, this.addresses, route, req, subject);
          for (const [name, value] of limit.headers) headers.push(name, value);
          if (limit.rejection !== undefined) throw limit.rejection;
        }
        const bodyText = route.request.body === undefined ? undefined : await readBodyText(req, this.options.maxBodySize);
        const input = { requestId, pathValues, rawQuery, bodyText, claims: verified?.claims, subject };
        const outcome = await exchangeUnary(route, req, res, input, this.addresses, this.options.codecs, renderResponseBytes);
        backendMs = outcome.backendMs;
        for (const [name, value] of outcome.headers) headers.push(name, value);
        if (outcome.error !== undefined) throw outcome.error;
        grpcCode = Code.OK;
        status = 200;
        body = outcome.json;
        if (req.method === "GET") {
          // As responseCache does for every GET: a strong ETag, and 304 for a matching If-None-Match.
          const etag = etagOf(body);
          headers.push("ETag", etag);
          const ifNoneMatch = headerOf(req, "if-none-match");
          if (ifNoneMatch !== undefined && matchesIfNoneMatch(ifNoneMatch, etag)) {
            status = 304;
            body = NO_BODY;
          }
        }
      } catch (reason: unknown) {
        const error = exposedError(reason, this.options.logger, requestId);
        grpcCode = error.code;
        status = error.httpStatus;
        body = Buffer.from(error.toJson());
        for (const [name, value] of Object.entries(error.headers)) headers.push(name, value);
      }
      if (clientClosedFirst(res)) {
        status = CLIENT_CLOSED;
      } else {
        if (status !== 304) headers.push("Content-Type", JSON_TYPE, "Content-Length", body.length);
        res.writeHead(status, headers);
        res.end(body);
      }
      // One clock reading for both: the metrics' duration and the access line's.
      const durationUs = microsecondsSince(started);
      metrics?.requestFinished(route.method.name, status, grpcCode, durationUs / 1e6);
      this.options.accessLog.write(req, { requestId, path, route, status, grpcCode, durationUs, backendMs, sub: subject });
    } catch (reason: unknown) {
      // Only writing the answer, its log line or its metrics can fail here (every other
      // failure became a Status above). serve must not reject: nothing waits on it, and an
      // unhandled rejection would end the process.
      this.options.logger.error({ err: reason }, "cannot write the answer");
      res.destroy();
    }
  }
}
