import test from "ava";
import { ConfigError } from "../../../src/config/config-error.js";
import type { GatewayConfig } from "../../../src/config/gateway-config.js";
import { parseConfigText } from "../../../src/config/load-config.js";

function parse(input: string): GatewayConfig {
  return parseConfigText(input, { file: "config.yaml", baseDir: "/srv/gateway", env: {} });
}

const loads = test.macro({
  exec(t, input: string, expected: GatewayConfig["cacheStore"]) {
    t.deepEqual(parse(input).cacheStore, expected);
  },
  title: (name = "") => `cacheStore: ${name}`,
});

const fails = test.macro({
  exec(t, input: string, message: string) {
    t.is(t.throws(() => parse(input), { instanceOf: ConfigError })?.message, message);
  },
  title: (name = "") => `cacheStore: ${name}`,
});

test("memory by default, 64 MiB", loads, "{}\n", { kind: "memory", maxBytes: 64 * 1024 * 1024 });
test("memory", loads, "cacheStore: memory\n", { kind: "memory", maxBytes: 64 * 1024 * 1024 });
test("memory with a size", loads, "cacheStore: { memory: { maxSize: 8MiB } }\n", { kind: "memory", maxBytes: 8 * 1024 * 1024 });
test("memory mapping without a size", loads, "cacheStore: { memory: {} }\n", { kind: "memory", maxBytes: 64 * 1024 * 1024 });
test("redis, timeout defaulted", loads, "cacheStore: { redis: 'redis://127.0.0.1:6379' }\n", { kind: "redis", url: "redis://127.0.0.1:6379", timeoutMs: 200 });
test("redis with a timeout", loads, "cacheStore: { redis: 'rediss://r:6380', timeout: 50ms }\n", { kind: "redis", url: "rediss://r:6380", timeoutMs: 50 });

test("both stores", fails, "cacheStore: { memory: {}, redis: 'redis://r' }\n", "config.yaml:1: cacheStore.memory: set memory or redis, not both");
test("an empty mapping", fails, "cacheStore: {}\n", "config.yaml:1: cacheStore: set memory or redis");
test("a timeout without redis", fails, "cacheStore: { memory: {}, timeout: 1s }\n", "config.yaml:1: cacheStore.timeout: applies to the redis store only");
test("a zero size", fails, "cacheStore: { memory: { maxSize: 0 } }\n", "config.yaml:1: cacheStore.memory.maxSize: must be at least 1 byte");
test("a store by another name", fails, "cacheStore: redis\n", 'config.yaml:1: cacheStore: must be "memory" or a mapping with memory or a redis URL (got "redis")');
test("not a redis URL", fails, "cacheStore: { redis: 'http://r' }\n", 'config.yaml:1: cacheStore.redis: must be a redis:// or rediss:// URL (got "http://r")');
test("an unknown key", fails, "cacheStore: { redis: 'redis://r', onStoreError: deny }\n", 'config.yaml:1: cacheStore: unknown key "onStoreError" (expected one of memory, redis, timeout)');
