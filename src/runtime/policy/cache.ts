import { hash } from "node:crypto";
import type { Context, Middleware } from "koa";
import type { CompiledRoute } from "../compiled-route.js";
import { requestState } from "../request-state.js";
import { bodyTextOf } from "../transcode/read-body.js";
import type { PolicyLayer } from "./policy-layer.js";


/**
 * A strong validator of the JSON body: equal bodies, equal tags, whichever replica answered.
 * Pass the bytes when the caller sends bytes anyway: hashing a string encodes it first, which
 * costs as much again as the hash (ListBooks: 8 of 17 µs).
 */
export function etagOf(body: string | Buffer): string {
  // One-shot hash(): half the cost of a Hash object per response.
  return `"${hash("sha256", body, "base64url").slice(0, 27)}"`;
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
 * subject) for the ttl, so the backend is called once per key (per deployment with a
 * Redis cacheStore); `Cache-Control` is `private` when the method has auth (one user's
 * answer must not sit in a shared cache). Only 200s are stored: errors are never cached.
 *
 * A method whose proto says `idempotency_level = NO_SIDE_EFFECTS` is also cached on its
 * other bindings (`POST /v1/x:search` with a body) when it has a cache ttl; the key then
 * adds the HTTP method and a SHA-256 of the request body, so another body is another key.
 * Any other non-GET is never cached, cache rule or not: it may change something.
 */
export function responseCache(layer: PolicyLayer, maxBodySize: number): Middleware {
  return async (ctx, next) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const policy = layer.policies.get(route.method.name);
    const rule = policy?.cache;
    // HEAD is a GET without the body (RFC 9110 §9.3.2): the same ETag, 304 and cache.
    const isGet = ctx.method === "GET" || ctx.method === "HEAD";
    // JSON unary bindings only: an HttpBody or streaming request body is not ours to read.
    const bodyCached = !isGet && rule !== undefined && route.method.idempotency === "NO_SIDE_EFFECTS" && route.kind === "unary";
    if (!isGet && !bodyCached) return next();

    const cacheControl = (ms: number): string => `${policy?.auth === undefined ? "public" : "private"}, max-age=${Math.max(0, Math.floor(ms / 1000))}`;
    let key: string | undefined;
    if (rule !== undefined) {
      key = `${route.method.name}\n${ctx.url}\n${state.subject ?? ""}`;
      if (bodyCached) {
        // Same checks and errors (413, 415, 400) as unary-call; it reuses the text.
        const text = route.request.body === undefined ? "" : await bodyTextOf(ctx, maxBodySize);
        key = `${ctx.method} ${key}\n${hash("sha256", text, "base64url")}`;
      }
    }

    if (key !== undefined) {
      const hit = await layer.cache.get(key);
      if (hit !== undefined) {
        layer.metrics?.recordCacheHit(route.method.name);
        state.grpcCode = 0;
        for (const [name, value] of hit.response.headers) ctx.append(name, value);
        if (isGet) ctx.set("Cache-Control", cacheControl(hit.remainingMs));
        ctx.set("X-Cache", "hit");
        answer(ctx, hit.response.body, hit.response.etag, isGet);
        return;
      }
      layer.metrics?.recordCacheMiss(route.method.name);
    }

    await next();
    // JSON answers only: HttpBody and streamed answers pass through untouched.
    if (ctx.status !== 200 || typeof ctx.body !== "string" || ctx.response.type !== "application/json") return;
    const body = ctx.body;
    const etag = etagOf(body);
    if (key !== undefined && rule !== undefined) {
      // Awaited (bounded by the store's timeout) so the next request, on any replica, finds it.
      await layer.cache.set(key, { body, etag, headers: metadataHeaders(ctx) }, rule.ttlMs);
      // Shared HTTP caches do not reuse POST answers by URL; max-age is for GETs only.
      if (isGet) ctx.set("Cache-Control", cacheControl(rule.ttlMs));
      ctx.set("X-Cache", "miss");
    }
    answer(ctx, body, etag, isGet);
  };
}

/** The body with its ETag; a GET whose If-None-Match matches gets 304 (RFC 9110 §13.1.2 is for GET/HEAD). */
function answer(ctx: Context, body: string, etag: string, conditional: boolean): void {
  ctx.set("ETag", etag);
  const ifNoneMatch = ctx.get("if-none-match");
  if (conditional && ifNoneMatch !== "" && matchesIfNoneMatch(ifNoneMatch, etag)) {
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
