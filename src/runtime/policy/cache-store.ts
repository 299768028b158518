import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { OutageLog, withinTimeout } from "./store-outage.js";

/** One cached answer: what a hit replays. */
export interface CachedResponse {
  readonly body: string;
  readonly etag: string;
  /** Grpc-Metadata-* / Grpc-Trailer-* of the original answer, replayed on hits. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

export interface CacheHit {
  readonly response: CachedResponse;
  /** Time left before the entry expires, for Cache-Control max-age. */
  readonly remainingMs: number;
}

/**
 * Where cached answers live. Neither call ever throws or hangs: a store that cannot
 * answer is a miss (get) or keeps nothing (set), and the request goes to the backend.
 * The memory store answers synchronously (no promise per lookup); callers await either.
 */
export interface CacheStore {
  get(key: string): CacheHit | undefined | Promise<CacheHit | undefined>;
  set(key: string, response: CachedResponse, ttlMs: number): void | Promise<void>;
}

/** Fixed per-entry overhead counted on top of the body, so tiny bodies still cost. */
const ENTRY_OVERHEAD = 256;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** In-memory, per replica, bounded by bytes (body + key + headers), least recently used out first. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries: LRUCache<string, CachedResponse>;

  constructor(maxBytes = DEFAULT_CACHE_BYTES) {
    this.entries = new LRUCache<string, CachedResponse>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) =>
        ENTRY_OVERHEAD + key.length + value.body.length + value.headers.reduce((sum, [name, text]) => sum + name.length + text.length, 0),
    });
  }

  get(key: string): CacheHit | undefined {
    const response = this.entries.get(key);
    if (response === undefined) return undefined;
    return { response, remainingMs: this.entries.getRemainingTTL(key) };
  }

  set(key: string, response: CachedResponse, ttlMs: number): void {
    this.entries.set(key, response, { ttl: ttlMs });
  }
}

export const REDIS_KEY_PREFIX = "protogate:cache:";
/** Keys longer than this (long URLs, long subjects) are stored under their SHA-256. */
const MAX_PLAIN_KEY = 200;

/** What one Redis value holds; `x` is the expiry (epoch ms), so a GET alone gives max-age. */
interface StoredValue {
  readonly b: string;
  readonly e: string;
  readonly h: ReadonlyArray<readonly [string, string]>;
  readonly x: number;
}

/**
 * Shared by every replica on one Redis: `SET key value PX ttl`, so Redis expires entries.
 * The client must not queue offline (build-policy-layer.ts builds it so); each call is
 * bounded by `timeoutMs`, so a stalled Redis is a bounded miss. An outage is logged once
 * and counted on every failed call (`onError`).
 */
export class RedisCacheStore implements CacheStore {
  private readonly outages: OutageLog;

  constructor(
    private readonly client: Redis,
    private readonly timeoutMs: number,
    logger: Logger,
    private readonly onError: (operation: "get" | "set") => void = () => undefined,
  ) {
    this.outages = new OutageLog(logger, { down: "cache store unavailable; requests go to the backend", up: "cache store answering again" });
  }

  /** Store calls that failed or timed out. */
  get errors(): number {
    return this.outages.failures;
  }

  async get(key: string): Promise<CacheHit | undefined> {
    try {
      const text = await withinTimeout(this.client.get(redisKey(key)), this.timeoutMs, "cache store");
      this.outages.recovered();
      if (text === null) return undefined;
      const value = parseStored(text);
      if (value === undefined) return undefined;
      return { response: { body: value.b, etag: value.e, headers: value.h }, remainingMs: Math.max(0, value.x - Date.now()) };
    } catch (reason: unknown) {
      this.failed("get", reason);
      return undefined;
    }
  }

  async set(key: string, response: CachedResponse, ttlMs: number): Promise<void> {
    const value: StoredValue = { b: response.body, e: response.etag, h: response.headers, x: Date.now() + ttlMs };
    try {
      await withinTimeout(this.client.set(redisKey(key), JSON.stringify(value), "PX", ttlMs), this.timeoutMs, "cache store");
      this.outages.recovered();
    } catch (reason: unknown) {
      this.failed("set", reason);
    }
  }

  private failed(operation: "get" | "set", reason: unknown): void {
    this.onError(operation);
    this.outages.failed(reason, { operation });
  }
}

/** `protogate:cache:` + the key, or + `sha256:` and its hash when the key is long. */
export function redisKey(key: string): string {
  if (key.length <= MAX_PLAIN_KEY) return REDIS_KEY_PREFIX + key;
  return `${REDIS_KEY_PREFIX}sha256:${createHash("sha256").update(key).digest("base64url")}`;
}

/** A value another version wrote, or one damaged in Redis, is a miss rather than an error answer. */
function parseStored(text: string): StoredValue | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Partial<StoredValue>;
  if (typeof v.b !== "string" || typeof v.e !== "string" || typeof v.x !== "number" || !Array.isArray(v.h)) return undefined;
  const headersOk = v.h.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && typeof pair[1] === "string");
  return headersOk ? (v as StoredValue) : undefined;
}
