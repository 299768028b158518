import type { Context, Middleware } from "koa";
import type { CorsConfig } from "../../config/gateway-config.js";
import type { CompiledRoute } from "../compiled-route.js";
import { RouteMatcherBuilder } from "../router/route-matcher.js";

/** Request headers a browser may send on any route, besides `cors.headers` and `Grpc-Metadata-*`. */
const ALLOWED_HEADERS = [
  "authorization", "content-type", "content-encoding", "grpc-timeout", "if-none-match", "x-request-id", "traceparent", "tracestate",
];

/**
 * Response headers scripts may read. CORS has no wildcard patterns (and `*` does not work with
 * credentials), so the Grpc-Metadata-* / Grpc-Trailer-* names of each response are added to
 * the list as they appear.
 */
const EXPOSED_HEADERS = [
  "X-Request-Id", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "ETag", "WWW-Authenticate", "Allow",
];

// No route binds this method, so a lookup with it yields every method the path allows.
const ANY_METHOD = "\0";

/**
 * CORS from the `cors` config (SPEC §2). A preflight `OPTIONS` on any transcoded path is
 * answered here with 204 — never 404 or 405 — and `Access-Control-Allow-Methods` lists the
 * methods the route table binds on that path. Other requests from an allowed origin get
 * `Access-Control-Allow-Origin` and the exposed headers. A disallowed origin gets no CORS
 * headers at all, so the browser refuses the answer (the request itself is still served,
 * as CORS protects readers, not servers).
 */
export function cors(config: CorsConfig, routes: readonly CompiledRoute[]): Middleware {
  const builder = new RouteMatcherBuilder<true>();
  const seen = new Set<string>();
  for (const route of routes) {
    // Two bindings may share a template under different variable names; the builder rejects duplicates.
    const key = `${route.entry.httpMethod} ${route.entry.pattern}`;
    if (!seen.has(key)) {
      seen.add(key);
      try {
        builder.add(route.entry.httpMethod, route.entry.template, true);
      } catch {
        // Same (method, template) under other names: routeMatch reports that; one entry is enough here.
      }
    }
  }
  const matcher = builder.build();
  const anyOrigin = config.origins.includes("*");
  const origins = new Set(config.origins);
  const allowHeaders = new Set([...ALLOWED_HEADERS, ...config.headers]);
  const maxAge = config.maxAgeMs === undefined ? undefined : String(Math.floor(config.maxAgeMs / 1000));

  const allowOrigin = (ctx: Context): string | undefined => {
    const origin = ctx.get("origin");
    if (origin === "") return undefined;
    if (origins.has(origin)) return origin;
    return anyOrigin ? "*" : undefined;
  };

  return async (ctx, next) => {
    const origin = allowOrigin(ctx);
    if (ctx.method === "OPTIONS") {
      const url = ctx.req.url ?? "/";
      const queryAt = url.indexOf("?");
      const found = matcher.lookup(ANY_METHOD, queryAt < 0 ? url : url.slice(0, queryAt));
      if (found.kind === "method-not-allowed") {
        const methods = found.allowed.filter((m) => m !== "OPTIONS");
        ctx.status = 204;
        ctx.set("Allow", [...methods, "OPTIONS"].join(", "));
        ctx.vary("Origin");
        ctx.vary("Access-Control-Request-Method");
        ctx.vary("Access-Control-Request-Headers");
        if (origin !== undefined) {
          ctx.set("Access-Control-Allow-Origin", origin);
          ctx.set("Access-Control-Allow-Methods", methods.join(", "));
          ctx.set("Access-Control-Allow-Headers", requestedHeaders(ctx, allowHeaders).join(", "));
          if (config.credentials) ctx.set("Access-Control-Allow-Credentials", "true");
          if (maxAge !== undefined) ctx.set("Access-Control-Max-Age", maxAge);
        }
        return;
      }
    }
    ctx.vary("Origin");
    if (origin === undefined) {
      await next();
      return;
    }
    ctx.set("Access-Control-Allow-Origin", origin);
    if (config.credentials) ctx.set("Access-Control-Allow-Credentials", "true");
    ctx.set("Access-Control-Expose-Headers", EXPOSED_HEADERS.join(", "));
    await next();
    // Headers may already be on the wire (a streamed answer); then the fixed list is what the client gets.
    if (ctx.headerSent) return;
    const metadata = Object.keys(ctx.response.headers).filter((name) => name.startsWith("grpc-metadata-") || name.startsWith("grpc-trailer-"));
    if (metadata.length > 0) ctx.set("Access-Control-Expose-Headers", [...EXPOSED_HEADERS, ...metadata].join(", "));
  };
}

/** The default set, plus whatever the preflight asks for that is allowed (Grpc-Metadata-* always is). */
function requestedHeaders(ctx: Context, allowed: ReadonlySet<string>): string[] {
  const result = [...allowed];
  for (const raw of ctx.get("access-control-request-headers").split(",")) {
    const name = raw.trim().toLowerCase();
    if (name.startsWith("grpc-metadata-") && /^[a-z0-9-]+$/.test(name) && !result.includes(name)) result.push(name);
  }
  return result;
}
