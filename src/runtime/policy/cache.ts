import { createHash } from "node:crypto";
import type { Context, Middleware } from "koa";
import { LRUCache } from "lru-cache";
import type { CompiledRoute } from "../compiled-route.js";
import { requestState } from "../request-state.js";
import type { PolicyLayer } from "./policy-layer.js";

interface CachedResponse {
  readonly body: string;
  readonly etag: string;
  /** Grpc-Metadata-* / Grpc-Trailer-* of the original answer, replayed on hits. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** Fixed per-entry overhead counted on top of the body, so tiny bodies still cost. */
const ENTRY_OVERHEAD = 256;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** In-memory response cache, bounded by bytes (body + key + headers), least recently used out first. */
export class ResponseCache {
  private readonly entries: LRUCache<string, CachedResponse>;
  hits = 0;
  misses = 0;

  constructor(maxBytes = DEFAULT_CACHE_BYTES) {
    this.entries = new LRUCache<string, CachedResponse>({
      maxSize: maxBytes,
      sizeCalculation: (value, key) =>
        ENTRY_OVERHEAD + key.length + value.body.length + value.headers.reduce((sum, [name, text]) => sum + name.length + text.length, 0),
    });
  }

  get(key: string): { response: CachedResponse; remainingMs: number } | undefined {
    const response = this.entries.get(key);
    if (response === undefined) return undefined;
    return { response, remainingMs: this.entries.getRemainingTTL(key) };
  }

  set(key: string, response: CachedResponse, ttlMs: number): void {
    this.entries.set(key, response, { ttl: ttlMs });
  }
}

/** A strong validator of the JSON body: equal bodies, equal tags, whichever replica answered. */
export function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/** RFC 9110 §13.1.2: weak comparison, `*` matches any current representation. */
export function matchesIfNoneMatch(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const plain = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === plain);
}

/**
 * GET answers (SPEC §7): every 200 gets an ETag, and a matching If-None-Match a 304
 * without body. With a cache rule the answer is kept per (RPC, path + query, verified
 * subject) for the ttl, so the backend is called once per key; `Cache-Control` is
 * `private` when the method has auth (one user's answer must not sit in a shared cache).
 * Only 200s are stored: errors are never cached.
 */
export function responseCache(layer: PolicyLayer): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== "GET") return next();
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const policy = layer.policies.get(route.method.name);
    const rule = policy?.cache;
    const cacheControl = (ms: number): string => `${policy?.auth === undefined ? "public" : "private"}, max-age=${Math.max(0, Math.floor(ms / 1000))}`;
    const key = rule === undefined ? undefined : `${route.method.name}\n${ctx.url}\n${state.subject ?? ""}`;

    if (key !== undefined) {
      const hit = layer.cache.get(key);
      if (hit !== undefined) {
        layer.cache.hits++;
        layer.metrics?.recordCacheHit(route.method.name);
        state.grpcCode = 0;
        for (const [name, value] of hit.response.headers) ctx.append(name, value);
        ctx.set("Cache-Control", cacheControl(hit.remainingMs));
        ctx.set("X-Cache", "hit");
        answer(ctx, hit.response.body, hit.response.etag);
        return;
      }
      layer.cache.misses++;
      layer.metrics?.recordCacheMiss(route.method.name);
    }

    await next();
    // JSON answers only: HttpBody and streamed answers pass through untouched.
    if (ctx.status !== 200 || typeof ctx.body !== "string" || ctx.response.type !== "application/json") return;
    const body = ctx.body;
    const etag = etagOf(body);
    if (key !== undefined && rule !== undefined) {
      layer.cache.set(key, { body, etag, headers: metadataHeaders(ctx) }, rule.ttlMs);
      ctx.set("Cache-Control", cacheControl(rule.ttlMs));
      ctx.set("X-Cache", "miss");
    }
    answer(ctx, body, etag);
  };
}

function answer(ctx: Context, body: string, etag: string): void {
  ctx.set("ETag", etag);
  const ifNoneMatch = ctx.get("if-none-match");
  if (ifNoneMatch !== "" && matchesIfNoneMatch(ifNoneMatch, etag)) {
    ctx.status = 304;
    ctx.body = null;
    return;
  }
  ctx.status = 200;
  ctx.type = "application/json";
  ctx.body = body;
}

function metadataHeaders(ctx: Context): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(ctx.response.headers)) {
    if (!name.startsWith("grpc-metadata-") && !name.startsWith("grpc-trailer-")) continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) out.push([name, one]);
  }
  return out;
}
