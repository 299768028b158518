import type { AuthRule, CacheRule, GatewayConfig, RateLimitRule, StoreErrorPolicy } from "../../config/gateway-config.js";
import { ConfigError } from "../../config/config-error.js";
import { CONFIG_DEFAULTS } from "../../config/gateway-config.js";
import { parseRateLimitKey } from "../../config/load-config.js";
import { resolveRule } from "../../config/resolve-backends.js";
import type { ProtoPolicy } from "../../model/policy.js";
import type { MethodEntry, RouteTable } from "../../model/route-table.js";

/** The effective policy of one RPC. A key is undefined when nothing sets it. */
export interface MethodPolicy {
  readonly auth: AuthRule | undefined;
  readonly rateLimit: RateLimitRule | undefined;
  /**
   * Only with a ttl above 0. The cache middleware applies it to GET bindings, and to the
   * other bindings of a method whose proto says `idempotency_level = NO_SIDE_EFFECTS`.
   */
  readonly cache: CacheRule | undefined;
  readonly timeoutMs: number | undefined;
}

/** A proto policy the config cannot satisfy (no such provider): a ConfigError, so start-up stops with exit 2. */
function policyError(reason: string): ConfigError {
  return new ConfigError(reason, { keyPath: "auth.providers" });
}

const OPEN: MethodPolicy = Object.freeze({ auth: undefined, rateLimit: undefined, cache: undefined, timeoutMs: undefined });

/**
 * Every RPC's policy, computed once at start-up so no request matches selectors:
 * the proto's options first, then the config's rules (SPEC §2: the config overrides the
 * proto), key by key — a config rule that sets `auth` replaces the proto's auth whole.
 */
export function resolvePolicies(table: RouteTable, config: GatewayConfig): ReadonlyMap<string, MethodPolicy> {
  const policies = new Map<string, MethodPolicy>();
  for (const method of table.methods) policies.set(method.name, resolvePolicy(method, config));
  return policies;
}

export function resolvePolicy(method: MethodEntry, config: GatewayConfig): MethodPolicy {
  const rule = resolveRule(config, method.name);
  const proto = method.policy;
  const storeDefault: StoreErrorPolicy = config.rateLimitStore.kind === "redis" ? config.rateLimitStore.onStoreError : CONFIG_DEFAULTS.onStoreError;
  const cache = rule.cache ?? proto?.cache;
  const policy: MethodPolicy = {
    auth: rule.auth ?? (proto?.auth === undefined ? undefined : protoAuth(method, proto.auth, config)),
    rateLimit: rule.rateLimit ?? (proto?.rateLimit === undefined ? undefined : protoRateLimit(method, proto.rateLimit, storeDefault)),
    cache: cache === undefined || cache.ttlMs <= 0 ? undefined : cache,
    timeoutMs: rule.timeoutMs ?? proto?.timeoutMs,
  };
  const open = policy.auth === undefined && policy.rateLimit === undefined && policy.cache === undefined && policy.timeoutMs === undefined;
  return open ? OPEN : Object.freeze(policy);
}

function protoAuth(method: MethodEntry, auth: NonNullable<ProtoPolicy["auth"]>, config: GatewayConfig): AuthRule {
  const ids = config.auth.providers.map((p) => p.id);
  const provider = auth.provider ?? (ids.length === 1 ? ids[0] : undefined);
  if (provider === undefined) {
    throw policyError(
      `${method.file}: rpc ${method.name} requires auth, but ${ids.length === 0 ? "auth.providers is empty" : `names no provider (one of ${ids.join(", ")})`}`,
    );
  }
  if (!ids.includes(provider)) throw policyError(`${method.file}: rpc ${method.name} names unknown auth provider ${JSON.stringify(provider)}`);
  return Object.freeze({ provider, required: auth.required ?? CONFIG_DEFAULTS.authRequired, scopes: Object.freeze([...(auth.scopes ?? [])]) });
}

function protoRateLimit(method: MethodEntry, limit: NonNullable<ProtoPolicy["rateLimit"]>, onStoreError: StoreErrorPolicy): RateLimitRule {
  try {
    return Object.freeze({
      requests: limit.requests,
      perMs: limit.perMs,
      key: parseRateLimitKey(limit.key ?? CONFIG_DEFAULTS.rateLimitKey),
      burst: limit.burst ?? limit.requests,
      onStoreError,
    });
  } catch (reason: unknown) {
    throw new ConfigError(`${method.file}: rpc ${method.name}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}
