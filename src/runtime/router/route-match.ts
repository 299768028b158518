import type { Middleware } from "koa";
import type { CompiledRoute } from "../compiled-route.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { requestState } from "../request-state.js";
import { RouteMatcherBuilder } from "./route-matcher.js";
import type { RouteMatcher } from "./route-matcher.js";

/** protogate's matcher over the compiled bindings, built once at start-up. */
export function buildRouteMatcher(routes: readonly CompiledRoute[]): RouteMatcher<CompiledRoute> {
  const builder = new RouteMatcherBuilder<CompiledRoute>();
  for (const route of routes) builder.add(route.entry.httpMethod, route.entry.template, route);
  return builder.build();
}

/**
 * Finds the binding for the request with protogate's own matcher (built once): 404 when
 * no template matches, 405 + Allow when only the method is wrong. On a match it fills
 * `route`, `pathValues` and `rawQuery` for the middleware after it.
 */
export function routeMatch(matcher: RouteMatcher<CompiledRoute>): Middleware {
  return async (ctx, next) => {
    const url = ctx.req.url ?? "/";
    const queryAt = url.indexOf("?");
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const found = matcher.lookup(ctx.method, rawPath);
    switch (found.kind) {
      case "not-found":
        throw new GatewayError(Code.NOT_FOUND, `no route for ${ctx.method} ${rawPath}`);
      case "method-not-allowed":
        throw new GatewayError(Code.UNIMPLEMENTED, `method ${ctx.method} not allowed for ${rawPath}`, {
          httpStatus: 405,
          headers: { Allow: found.allowed.join(", ") },
        });
      case "bad-path":
        throw new GatewayError(Code.INVALID_ARGUMENT, found.reason);
      case "match":
        break;
    }
    const state = requestState(ctx);
    state.route = found.target;
    state.pathValues = found.values;
    state.rawQuery = queryAt < 0 ? "" : url.slice(queryAt + 1);
    await next();
  };
}
