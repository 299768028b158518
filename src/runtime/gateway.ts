import type { IncomingMessage, ServerResponse } from "node:http";
import Koa from "koa";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { CodecRegistry } from "../codec/index.js";
import type { RouteTable } from "../model/route-table.js";
import type { RouteResolvers } from "./compiled-route.js";
import { compileRoutes } from "./compiled-route.js";
import type { CorsConfig } from "../config/gateway-config.js";
import { errorMiddleware } from "./errors/error-middleware.js";
import { cors } from "./ops/cors.js";
import type { GatewayMetrics } from "./ops/metrics.js";
import { metricsMiddleware } from "./ops/metrics.js";
import type { ReadinessReport } from "./ops/readiness.js";
import { docsPage } from "./ops/docs-page.js";
import { opsRoutes } from "./ops/ops-routes.js";
import { auth } from "./policy/auth.js";
import { responseCache } from "./policy/cache.js";
import type { PolicyLayer } from "./policy/policy-layer.js";
import { rateLimit } from "./policy/rate-limit.js";
import { requestContext } from "./request-context.js";
import { AccessLog } from "./ops/access-log.js";
import { buildRouteMatcher, routeMatch } from "./router/route-match.js";
import { DirectLane } from "./direct-lane.js";
import { OPS_PATHS } from "./ops/ops-routes.js";
import { DOCS_PREFIX } from "./ops/docs-page.js";
import { withAutoMapping } from "./auto-mapping.js";
import { callDispatch } from "./transcode/call-dispatch.js";

export interface GatewayOptions extends RouteResolvers {
  readonly table: RouteTable;
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
  readonly logger: Logger;
  /** The OpenAPI document served at /openapi.json. */
  readonly openapi: unknown;
  /** False once shutdown began: /readyz fails first so load balancers drain us. */
  readonly isReady: () => boolean;
  /** SPEC §3 autoMapping: RPCs without an HTTP rule as `POST /<pkg>.<Service>/<Method>`. */
  readonly autoMapping?: boolean;
  /** Backend reachability for /readyz (ops/readiness.ts); without it /readyz only reflects shutdown. */
  readonly backendReadiness?: (() => Promise<ReadinessReport>) | undefined;
  /** Prometheus metrics and /metrics; none when undefined. */
  readonly metrics?: GatewayMetrics | undefined;
  /** CORS is off when undefined. */
  readonly cors?: CorsConfig | undefined;
  /** OpenTelemetry server spans (ops/tracing.ts); none when undefined. */
  readonly tracing?: Middleware | undefined;
  /** Per-method auth, rate limits and cache (runtime/policy); every method is open without it. */
  readonly policy?: PolicyLayer;
}

/** The request listener for node:http / node:https. */
export type Gateway = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The request listener: unary JSON bindings without a cache rule take the direct lane
 * (direct-lane.ts); everything else goes to the Koa app.
 *
 * The Koa app is the one place the middleware order is set. Outermost first:
 *
 *   requestContext   X-Request-Id on every response; one access-log line per request
 *   tracing          (when configured) a span per request, the backend's parent via traceparent
 *   metrics          counts and times every request (ops and errors too), so it wraps all below
 *   cors             answers preflights for every transcoded path before matching (never 404/405);
 *                    outside errorMiddleware so error answers carry the CORS headers too
 *   errorMiddleware  any throw below → google.rpc.Status JSON; stack traces never leave
 *   opsRoutes        /healthz, /readyz, /metrics, /openapi.json — before matching, so no proto can shadow them
 *   routeMatch       protogate's matcher: 404, 405 + Allow, or the binding and its path values
 *   auth             JWT per method: 401/403 before any budget is spent or any cache is read
 *   rateLimit        after auth so `key: sub` sees the verified subject; before the cache, so hits count too
 *   responseCache    GET: ETag/304, and cached answers keyed by the verified subject (so after auth)
 *   callDispatch     per binding kind: unary JSON, HttpBody, server stream, client/bidi stream
 */
export function createGateway(options: GatewayOptions): Gateway {
  const table = options.autoMapping === true ? withAutoMapping(options.table) : options.table;
  const routes = compileRoutes(table, options.codecs, options);
  const matcher = buildRouteMatcher(routes);
  const app = new Koa();
  app.proxy = false; // X-Forwarded-For is judged by ClientAddressResolver against trustedProxies
  app.silent = true; // errorMiddleware answers and logs; Koa must not print stacks
  const accessLog = new AccessLog(options.logger, options.trustedProxies);
  app.use(requestContext(accessLog));
  if (options.tracing !== undefined) app.use(options.tracing);
  if (options.metrics !== undefined) app.use(metricsMiddleware(options.metrics));
  if (options.cors !== undefined) app.use(cors(options.cors, routes));
  app.use(errorMiddleware(options.logger));
  app.use(opsRoutes(options));
  app.use(docsPage()); // /docs/: Swagger UI on /openapi.json, from node_modules
  app.use(routeMatch(matcher));
  if (options.policy !== undefined) {
    app.use(auth(options.policy, options.logger));
    app.use(rateLimit(options.policy, options.trustedProxies));
    app.use(responseCache(options.policy, options.maxBodySize));
  }
  app.use(callDispatch(options));

  const koa = app.callback();
  // CORS and tracing wrap every answer, so with either configured all requests go through Koa.
  if (options.cors !== undefined || options.tracing !== undefined) return (req, res) => void koa(req, res);
  const direct = new DirectLane(routes, matcher, {
    ...options,
    accessLog,
    reservedPaths: new Set([...OPS_PATHS, DOCS_PREFIX]),
    reservedPrefixes: [`${DOCS_PREFIX}/`],
  });
  return (req, res) => {
    if (!direct.tryServe(req, res)) void koa(req, res);
  };
}
