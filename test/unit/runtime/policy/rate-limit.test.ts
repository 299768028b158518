import test from "ava";
import { Redis } from "ioredis";
import { pino } from "pino";
import type { RateLimitRule } from "../../../../src/config/gateway-config.js";
import { RateLimits } from "../../../../src/runtime/policy/rate-limit.js";
import type { MethodPolicy } from "../../../../src/runtime/policy/resolve-policy.js";
import { startRedis } from "../../../helpers/start-redis.js";

const logger = pino({ level: "silent" });

function policies(rule: Partial<RateLimitRule> = {}): Map<string, MethodPolicy> {
  const rateLimit: RateLimitRule = { requests: 5, perMs: 60_000, key: { kind: "ip" }, burst: 5, onStoreError: "allow", ...rule };
  return new Map([["p.S.Get", { auth: undefined, rateLimit, cache: undefined, timeoutMs: undefined }]]);
}

async function fire(limits: RateLimits, key: string, count: number): Promise<string[]> {
  const decisions = await Promise.all(Array.from({ length: count }, () => limits.consume("p.S.Get", key)));
  return decisions.map((d) => d?.kind ?? "none");
}

test("rate limits: memory store lets exactly N of M concurrent requests through, per key", async (t) => {
  const limits = new RateLimits(policies(), { kind: "memory" }, logger);
  const a = await fire(limits, "ip:a", 12);
  const b = await fire(limits, "ip:b", 7);
  t.is(a.filter((k) => k === "allowed").length, 5);
  t.is(a.filter((k) => k === "limited").length, 7);
  t.is(b.filter((k) => k === "allowed").length, 5);
  t.is(await limits.consume("p.S.Other", "ip:a"), undefined);
});

test("rate limits: remaining counts down and the limit is the burst", async (t) => {
  const limits = new RateLimits(policies({ requests: 2, burst: 3 }), { kind: "memory" }, logger);
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const d = await limits.consume("p.S.Get", "k");
    seen.push(d?.kind === "store-error" || d === undefined ? "?" : `${d.kind} ${d.limit} ${d.remaining}`);
  }
  t.deepEqual(seen, ["allowed 3 2", "allowed 3 1", "allowed 3 0", "limited 3 0"]);
});

test("rate limits: two clients of one Redis share one budget; a dead Redis is a fast store error", async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop("SIGKILL"));
  const clients = [0, 1].map(() => new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 300, retryStrategy: () => 200 }));
  for (const c of clients) c.on("error", () => undefined);
  t.teardown(() => clients.forEach((c) => c.disconnect()));
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once("ready", resolve))));
  const [one, two] = clients.map((client, i) => new RateLimits(policies({ onStoreError: i === 0 ? "allow" : "deny" }), { kind: "redis", client, timeoutMs: 300 }, logger)) as [RateLimits, RateLimits];
  const both = (await Promise.all([fire(one, "ip:z", 6), fire(two, "ip:z", 6)])).flat();
  t.is(both.filter((k) => k === "allowed").length, 5);
  t.is(both.filter((k) => k === "limited").length, 7);

  await redis.stop("SIGKILL");
  const afterOne = await one.consume("p.S.Get", "ip:z");
  const afterTwo = await two.consume("p.S.Get", "ip:z");
  t.deepEqual(afterOne, { kind: "store-error", policy: "allow" });
  t.deepEqual(afterTwo, { kind: "store-error", policy: "deny" });
  t.is(one.storeErrors, 1);
});
