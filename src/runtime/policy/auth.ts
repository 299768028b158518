import type { JWTPayload } from "jose";
import type { Middleware } from "koa";
import type { Logger } from "pino";
import type { CompiledRoute } from "../compiled-route.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { requestState } from "../request-state.js";
import type { RequestState } from "../request-state.js";
import { KeySourceError, TokenError } from "./jwt-verifier.js";
import type { PolicyLayer } from "./policy-layer.js";
import { grantedScopes, policyOf } from "./policy-layer.js";

const BEARER = /^Bearer[ \t]+([A-Za-z0-9_.~+/=-]+)[ \t]*$/i;

/**
 * JWT auth per method (SPEC §7). Methods without an auth policy are open and their
 * Authorization header is not looked at (it is still forwarded, SPEC §5). With
 * `required: false` a present token must be valid — a bad token is a 401, as Envoy's
 * `allow_missing` — and its absence is fine. A verified token's claims go to
 * `state.claims` / `state.subject`, which the metadata step turns into `x-jwt-*`.
 */
export function auth(layer: PolicyLayer, logger: Logger): Middleware {
  return async (ctx, next) => {
    const state = requestState(ctx);
    const verified = await authenticate(layer, route(state), ctx.get("authorization") || undefined, state.requestId, logger);
    if (verified !== undefined) {
      state.claims = verified.claims;
      if (verified.subject !== undefined) state.subject = verified.subject;
    }
    return next();
  };
}

/** A token that passed the method's auth rule. */
export interface Verified {
  readonly claims: JWTPayload;
  readonly subject: string | undefined;
}

/**
 * The auth step of one request, shared by the Koa chain and the direct lane: undefined
 * when the method is open or an optional token is absent, the verified claims otherwise;
 * throws the 401 / 403 / 503 GatewayError.
 */
export async function authenticate(
  layer: PolicyLayer,
  target: CompiledRoute,
  authorization: string | undefined,
  requestId: string,
  logger: Logger,
): Promise<Verified | undefined> {
  const rule = policyOf(layer, target)?.auth;
  if (rule === undefined) return undefined;
  const rpc = target.method.name;
  if (authorization === undefined) {
    if (!rule.required) return undefined;
    layer.metrics?.recordAuthFailure(rpc, "missing_token");
    throw unauthenticated("missing bearer token", false);
  }
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) {
    layer.metrics?.recordAuthFailure(rpc, "malformed_token");
    throw unauthenticated("the Authorization header is not a Bearer token", true);
  }
  const verifier = layer.verifiers.get(rule.provider);
  if (verifier === undefined) throw new GatewayError(Code.INTERNAL, "internal error", { cause: new Error(`no verifier for provider ${rule.provider}`) });
  let claims: JWTPayload;
  try {
    claims = await verifier.verify(token);
  } catch (reason: unknown) {
    if (reason instanceof TokenError) {
      layer.metrics?.recordAuthFailure(rpc, reason.reason);
      throw unauthenticated(reason.message, true);
    }
    if (reason instanceof KeySourceError) {
      layer.metrics?.recordAuthFailure(rpc, "jwks_unavailable");
      logger.error({ requestId, provider: rule.provider, err: reason.message }, "auth keys unavailable");
      throw new GatewayError(Code.UNAVAILABLE, "cannot verify the token now: signing keys unavailable", { cause: reason });
    }
    throw reason;
  }
  if (rule.scopes.length > 0) {
    const granted = grantedScopes(claims);
    const missing = rule.scopes.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      layer.metrics?.recordAuthFailure(rpc, "insufficient_scope");
      throw new GatewayError(Code.PERMISSION_DENIED, `missing scope ${missing.join(" ")}`, {
        headers: { "WWW-Authenticate": `Bearer error="insufficient_scope", scope="${rule.scopes.join(" ")}"` },
      });
    }
  }
  layer.metrics?.recordAuthSuccess(rpc);
  return { claims, subject: typeof claims.sub === "string" ? claims.sub : undefined };
}

function route(state: RequestState): CompiledRoute {
  return state.route as CompiledRoute;
}

/** RFC 6750 §3: no error code when the request had no token at all. */
function unauthenticated(description: string, hadToken: boolean): GatewayError {
  const quoted = description.replace(/["\\]/g, "");
  return new GatewayError(Code.UNAUTHENTICATED, hadToken ? `invalid token: ${description}` : description, {
    headers: {
      "WWW-Authenticate": hadToken ? `Bearer realm="protogate", error="invalid_token", error_description="${quoted}"` : `Bearer realm="protogate"`,
    },
  });
}
