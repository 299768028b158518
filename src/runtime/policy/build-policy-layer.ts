import { Redis } from "ioredis";
import type { Logger } from "pino";
import type { GatewayConfig } from "../../config/gateway-config.js";
import type { RouteTable } from "../../model/route-table.js";
import { ResponseCache } from "./cache.js";
import { JwtVerifier } from "./jwt-verifier.js";
import type { PolicyLayer, PolicyMetrics } from "./policy-layer.js";
import { RateLimits } from "./rate-limit.js";
import type { RateLimitStore } from "./rate-limit.js";
import { resolvePolicies } from "./resolve-policy.js";

export interface BuiltPolicyLayer {
  readonly layer: PolicyLayer;
  /**
   * Resolves once Redis is connected, or after `waitMs` (then requests meet onStoreError
   * until it is): start-up waits a little for the store rather than fail open at once.
   */
  ready(waitMs?: number): Promise<boolean>;
  /** Disconnects from Redis; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Start-up: every RPC's policy, one verifier per provider (keys read or fetched lazily),
 * and the rate-limit store. Redis commands never queue while disconnected and time out,
 * so a Redis outage turns into fast store errors (onStoreError), never a hang; ioredis
 * keeps reconnecting in the background.
 */
export function buildPolicyLayer(table: RouteTable, config: GatewayConfig, logger: Logger, metrics?: PolicyMetrics): BuiltPolicyLayer {
  const policies = resolvePolicies(table, config);
  const verifiers = new Map(config.auth.providers.map((provider) => [provider.id, new JwtVerifier(provider)]));
  let redis: Redis | undefined;
  let store: RateLimitStore = { kind: "memory" };
  const limited = [...policies.values()].some((policy) => policy.rateLimit !== undefined);
  if (config.rateLimitStore.kind === "redis" && limited) {
    const timeoutMs = config.rateLimitStore.timeoutMs;
    redis = new Redis(config.rateLimitStore.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(timeoutMs, 1000),
      commandTimeout: timeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    // ioredis emits "error" on every failed reconnect; RateLimits logs the outage once.
    redis.on("error", () => undefined);
    store = { kind: "redis", client: redis, timeoutMs };
  }
  const layer: PolicyLayer = { policies, verifiers, rateLimits: new RateLimits(policies, store, logger), cache: new ResponseCache(), metrics };
  let closed = false;
  return {
    layer,
    ready: async (waitMs = 2000) => {
      const client = redis;
      if (client === undefined || client.status === "ready") return true;
      let timer: NodeJS.Timeout | undefined;
      const connected = await Promise.race([
        new Promise<boolean>((resolve) => client.once("ready", () => resolve(true))),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
      ]);
      clearTimeout(timer);
      if (!connected) logger.warn({ waitMs }, "rate-limit store not reachable at start-up; onStoreError applies until it is");
      return connected;
    },
    close: async () => {
      if (closed || redis === undefined) return;
      closed = true;
      redis.disconnect();
    },
  };
}
