import type { IncomingMessage } from "node:http";
import type { Middleware } from "koa";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { RateLimiterCluster, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimitRule, StoreErrorPolicy } from "../../config/gateway-config.js";
import { ClientAddressResolver } from "../client-address.js";
import { isClusterWorker } from "../ops/cluster-ipc.js";
import type { CompiledRoute } from "../compiled-route.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { headerOf } from "../request-header.js";
import { requestState } from "../request-state.js";
import type { PolicyLayer } from "./policy-layer.js";
import { OutageLog, withinTimeout } from "./store-outage.js";
import type { MethodPolicy } from "./resolve-policy.js";

export type RateLimitStore =
  | { readonly kind: "memory" }
  /** `timeoutMs` bounds every store call: a slower answer counts as a store error. */
  | { readonly kind: "redis"; readonly client: Redis; readonly timeoutMs: number };

/** The outcome of one `consume`. */
export type Decision =
  | { readonly kind: "allowed" | "limited"; readonly limit: number; readonly remaining: number; readonly resetMs: number }
  /** The store did not answer; the rule's onStoreError says what happens. */
  | { readonly kind: "store-error"; readonly policy: StoreErrorPolicy };

const KEY_PREFIX = "protogate:rl";
// A worker's question to the primary's in-memory limiter; no answer by then is a store error.
const CLUSTER_TIMEOUT_MS = 1_000;

/**
 * One limiter per rate-limited RPC, built at start-up. A rule allows `burst` requests
 * at once and `requests` per `per` on average: `burst` points per window of
 * `per × burst / requests` (with the default burst = requests, simply `requests` per `per`).
 * With Redis every replica counts in the same keys, so the budget is shared.
 */
export class RateLimits {
  private readonly limiters = new Map<string, { limiter: RateLimiterAbstract; rule: RateLimitRule }>();
  private readonly outages: OutageLog;

  constructor(
    policies: ReadonlyMap<string, MethodPolicy>,
    private readonly store: RateLimitStore,
    logger: Logger,
  ) {
    this.outages = new OutageLog(logger, { down: "rate-limit store unavailable", up: "rate-limit store answering again" });
    for (const [method, policy] of policies) {
      const rule = policy.rateLimit;
      if (rule === undefined) continue;
      const options = { keyPrefix: `${KEY_PREFIX}:${method}`, points: rule.burst, duration: (rule.perMs * rule.burst) / rule.requests / 1000 };
      const limiter =
        store.kind === "redis"
          ? new RateLimiterRedis({ ...options, storeClient: store.client, rejectIfRedisNotReady: true })
          : isClusterWorker()
            ? // `serve --workers N`: the budget lives in the primary (RateLimiterClusterMaster), one for all workers.
              new RateLimiterCluster({ ...options, timeoutMs: CLUSTER_TIMEOUT_MS })
            : new RateLimiterMemory(options);
      this.limiters.set(method, { limiter, rule });
    }
  }

  /** Store calls that failed or timed out, for metrics. */
  get storeErrors(): number {
    return this.outages.failures;
  }

  /** Takes one point for `key` of `method`; never throws, never waits longer than the store timeout. */
  async consume(method: string, key: string): Promise<Decision | undefined> {
    const entry = this.limiters.get(method);
    if (entry === undefined) return undefined;
    const { limiter, rule } = entry;
    try {
      const call = limiter.consume(key, 1);
      const result = this.store.kind === "redis" ? await withinTimeout(call, this.store.timeoutMs, "rate-limit store") : await call;
      this.outages.recovered();
      return { kind: "allowed", limit: rule.burst, remaining: result.remainingPoints, resetMs: result.msBeforeNext };
    } catch (reason: unknown) {
      if (reason instanceof RateLimiterRes) {
        this.outages.recovered();
        return { kind: "limited", limit: rule.burst, remaining: 0, resetMs: reason.msBeforeNext };
      }
      this.outages.failed(reason, { onStoreError: rule.onStoreError });
      return { kind: "store-error", policy: rule.onStoreError };
    }
  }
}

/**
 * Per-method rate limits (SPEC §7): 429 RESOURCE_EXHAUSTED with Retry-After when the
 * key's budget is spent; RateLimit-Limit / -Remaining / -Reset on every answer of a
 * limited method. Keys: client IP (X-Forwarded-For only from trusted proxies), the
 * verified `sub`, or a header — the last two fall back to the IP when absent.
 */
export function rateLimit(layer: PolicyLayer, trustedProxies: readonly string[]): Middleware {
  const addresses = new ClientAddressResolver(trustedProxies);
  return async (ctx, next) => {
    const state = requestState(ctx);
    const outcome = await checkRateLimit(layer, addresses, state.route as CompiledRoute, ctx.req, state.subject);
    for (const [name, value] of outcome.headers) ctx.set(name, value);
    if (outcome.rejection !== undefined) throw outcome.rejection;
    return next();
  };
}

/** The RateLimit-* headers for the answer, and the error when the request may not pass. */
export interface RateLimitOutcome {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly rejection: GatewayError | undefined;
}

const NO_LIMIT: RateLimitOutcome = { headers: [], rejection: undefined };

/** The rate-limit step of one request, shared by the Koa chain and the direct lane. */
export async function checkRateLimit(
  layer: PolicyLayer,
  addresses: ClientAddressResolver,
  target: CompiledRoute,
  req: IncomingMessage,
  subject: string | undefined,
): Promise<RateLimitOutcome> {
  const rule = layer.policies.get(target.method.name)?.rateLimit;
  if (rule === undefined) return NO_LIMIT;
  const ip = (): string => `ip:${addresses.resolve(req.socket.remoteAddress ?? "", headerOf(req, "x-forwarded-for")).clientIp}`;
  let key: string;
  if (rule.key.kind === "sub") key = subject === undefined ? ip() : `sub:${subject}`;
  else if (rule.key.kind === "header") {
    const value = headerOf(req, rule.key.name);
    key = value === undefined ? ip() : `header:${value}`;
  } else key = ip();

  const decision = await layer.rateLimits.consume(target.method.name, key);
  if (decision?.kind === "store-error") layer.metrics?.recordRateLimitStoreError(decision.policy);
  if (decision === undefined || decision.kind === "store-error") {
    if (decision?.policy === "deny") return { headers: [], rejection: new GatewayError(Code.UNAVAILABLE, "rate limit store unavailable; try again later") };
    return NO_LIMIT;
  }
  const resetSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
  const headers: Array<readonly [string, string]> = [
    ["RateLimit-Limit", String(decision.limit)],
    ["RateLimit-Remaining", String(decision.remaining)],
    ["RateLimit-Reset", String(resetSeconds)],
  ];
  if (decision.kind !== "limited") return { headers, rejection: undefined };
  layer.metrics?.recordRateLimitRejection(target.method.name);
  return {
    headers,
    rejection: new GatewayError(Code.RESOURCE_EXHAUSTED, `rate limit exceeded: ${rule.requests} requests per ${rule.perMs / 1000}s`, {
      headers: { "Retry-After": String(resetSeconds) },
    }),
  };
}
