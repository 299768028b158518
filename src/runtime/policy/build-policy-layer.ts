import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { GatewayConfig } from "../../config/gateway-config.js";
import type { RouteTable } from "../../model/route-table.js";
import { MemoryCacheStore, RedisCacheStore } from "./cache-store.js";
import type { CacheStore } from "./cache-store.js";
import { JwtVerifier } from "./jwt-verifier.js";
import type { PolicyLayer, PolicyMetrics } from "./policy-layer.js";
import { RateLimits } from "./rate-limit.js";
import type { RateLimitStore } from "./rate-limit.js";
import { resolvePolicies } from "./resolve-policy.js";

export interface BuiltPolicyLayer {
  readonly layer: PolicyLayer;
  /**
   * Resolves once Redis is connected (the rate-limit store's and the cache store's), or
   * after `waitMs` (then requests meet onStoreError, or cache misses, until it is):
   * start-up waits a little for the stores rather than fail open at once.
   */
  ready(waitMs?: number): Promise<boolean>;
  /** Disconnects from Redis (both stores); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Start-up: every RPC's policy, one verifier per provider (keys read or fetched lazily),
 * the rate-limit store and the cache store. Redis commands never queue while disconnected
 * and time out, so a Redis outage turns into fast store errors (onStoreError; for the
 * cache a miss), never a hang; ioredis keeps reconnecting in the background.
 */
export function buildPolicyLayer(table: RouteTable, config: GatewayConfig, logger: Logger, metrics?: PolicyMetrics): BuiltPolicyLayer {
  const policies = resolvePolicies(table, config);
  const verifiers = new Map(config.auth.providers.map((provider) => [provider.id, new JwtVerifier(provider)]));
  let redis: Redis | undefined;
  let store: RateLimitStore = { kind: "memory" };
  const limited = [...policies.values()].some((policy) => policy.rateLimit !== undefined);
  if (config.rateLimitStore.kind === "redis" && limited) {
    const timeoutMs = config.rateLimitStore.timeoutMs;
    redis = redisClient(config.rateLimitStore.url, timeoutMs);
    store = { kind: "redis", client: redis, timeoutMs };
  }
  // Its own client: the cache's timeout may differ, and a slow cache must not delay limits.
  let cacheRedis: Redis | undefined;
  let cache: CacheStore;
  const cached = [...policies.values()].some((policy) => policy.cache !== undefined);
  if (config.cacheStore.kind === "redis" && cached) {
    cacheRedis = redisClient(config.cacheStore.url, config.cacheStore.timeoutMs);
    cache = new RedisCacheStore(cacheRedis, config.cacheStore.timeoutMs, logger, (operation) => metrics?.recordCacheStoreError(operation));
  } else {
    cache = new MemoryCacheStore(config.cacheStore.kind === "memory" ? config.cacheStore.maxBytes : undefined);
  }
  const layer: PolicyLayer = {
    policies,
    verifiers,
    rateLimits: new RateLimits(policies, store, logger),
    cache,
    metrics,
  };
  let closed = false;
  return {
    layer,
    ready: async (waitMs = 2000) => {
      const [limits, cacheReady] = await Promise.all([
        connected(redis, waitMs, () => logger.warn({ waitMs }, "rate-limit store not reachable at start-up; onStoreError applies until it is")),
        connected(cacheRedis, waitMs, () => logger.warn({ waitMs }, "cache store not reachable at start-up; cacheable requests go to the backend until it is")),
      ]);
      return limits && cacheReady;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      redis?.disconnect();
      cacheRedis?.disconnect();
    },
  };
}

/** No offline queue, no retries per command, a command timeout: a Redis outage is fast errors, never a hang. */
function redisClient(url: string, timeoutMs: number): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: Math.max(timeoutMs, 1000),
    commandTimeout: timeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // ioredis emits "error" on every failed reconnect; the stores log an outage once.
  client.on("error", () => undefined);
  return client;
}

/** True once `client` is ready (or there is none); false after `waitMs`, with `onTimeout` called. */
async function connected(client: Redis | undefined, waitMs: number, onTimeout: () => void): Promise<boolean> {
  if (client === undefined || client.status === "ready") return true;
  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    new Promise<boolean>((resolve) => client.once("ready", () => resolve(true))),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
  ]);
  clearTimeout(timer);
  if (!ready) onTimeout();
  return ready;
}
