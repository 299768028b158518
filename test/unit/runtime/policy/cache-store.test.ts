import test from "ava";
import { Redis } from "ioredis";
import pino from "pino";
import { REDIS_KEY_PREFIX, RedisCacheStore, redisKey } from "../../../../src/runtime/policy/cache-store.js";
import { freePort } from "../../../helpers/start-redis.js";

test("redisKey: prefixed; long keys stored under their SHA-256", (t) => {
  t.is(redisKey("a.B.C\n/v1/x\n"), `${REDIS_KEY_PREFIX}a.B.C\n/v1/x\n`);
  const long = `a.B.C\n/v1/x?q=${"y".repeat(500)}\n`;
  t.regex(redisKey(long), /^protogate:cache:sha256:[A-Za-z0-9_-]{43}$/);
  t.not(redisKey(long), redisKey(`${long}z`));
  t.is(redisKey(long), redisKey(long));
});

test("RedisCacheStore: with nothing listening, get is a miss and set does nothing; each failure is counted, the outage logged once", async (t) => {
  const port = await freePort();
  const client = new Redis(`redis://127.0.0.1:${port}`, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 100, lazyConnect: true });
  client.on("error", () => undefined);
  t.teardown(() => client.disconnect());
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(line) });
  const failures: string[] = [];
  const store = new RedisCacheStore(client, 100, logger, (operation) => failures.push(operation));
  t.is(await store.get("k"), undefined);
  await store.set("k", { body: "{}", etag: '"e"', headers: [] }, 1000);
  t.is(await store.get("k"), undefined);
  t.deepEqual(failures, ["get", "set", "get"]);
  t.is(store.errors, 3);
  t.is(lines.filter((line) => line.includes("cache store unavailable")).length, 1);
});
