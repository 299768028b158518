import type { JWTPayload } from "jose";
import type { CompiledRoute } from "../compiled-route.js";
import type { GatewayMetrics } from "../ops/metrics.js";
import type { JwtVerifier } from "./jwt-verifier.js";
import type { RateLimits } from "./rate-limit.js";
import type { CacheStore } from "./cache-store.js";
import type { MethodPolicy } from "./resolve-policy.js";

/**
 * What the policy middleware share, built once by `protogate serve`: the effective
 * policy of every RPC, the providers' verifiers, the rate-limit store and the cache store.
 */
export interface PolicyLayer {
  /** By full RPC name; a method that is absent is open. */
  readonly policies: ReadonlyMap<string, MethodPolicy>;
  readonly verifiers: ReadonlyMap<string, JwtVerifier>;
  readonly rateLimits: RateLimits;
  /** Memory (per replica) or Redis (shared by replicas), per `cacheStore`. */
  readonly cache: CacheStore;
  /** Prometheus counters (auth outcomes, 429s, store errors, cache hits); none when undefined. */
  readonly metrics?: PolicyMetrics | undefined;
}

/** The hooks of GatewayMetrics the policies call. */
export type PolicyMetrics = Pick<
  GatewayMetrics,
  | "recordAuthSuccess" | "recordAuthFailure" | "recordRateLimitRejection" | "recordRateLimitStoreError" | "recordCacheHit" | "recordCacheMiss"
  | "recordCacheStoreError"
>;

export function policyOf(layer: PolicyLayer, route: CompiledRoute): MethodPolicy | undefined {
  return layer.policies.get(route.method.name);
}

/** Scopes granted by a token: `scope` (space-separated) or `scp` (array or string). */
export function grantedScopes(claims: JWTPayload): ReadonlySet<string> {
  const out = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === "string") {
      for (const scope of value.split(" ")) if (scope !== "") out.add(scope);
    } else if (Array.isArray(value)) {
      for (const scope of value) if (typeof scope === "string") out.add(scope);
    }
  };
  add(claims["scope"]);
  add(claims["scp"]);
  return out;
}
