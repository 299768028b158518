import anyTest from "ava";
import type { ExecutionContext, TestFn } from "ava";
import { Redis } from "ioredis";
import { parseMetrics, sampleValue } from "../helpers/parse-metrics.js";
import { get, startPolicyGateways } from "../helpers/policy-gateway.js";
import type { Answer, PolicyGateway } from "../helpers/policy-gateway.js";
import { now, signJwt } from "../helpers/sign-jwt.js";
import { startRedis } from "../helpers/start-redis.js";
import type { EchoBackend } from "../helpers/start-echo-backend.js";

const test = anyTest as TestFn<PolicyGateway & { url: string }>;
const SECRET = "cache-e2e-hmac-secret-long-enough-0123456789";

// GetCached: cache ttl 1m (proto). GetOptional: auth optional (proto) + cache (config), so
// answers are cached per verified subject and marked private. SearchItems (NO_SIDE_EFFECTS,
// POST with a body) and CreateItem (plain POST) both get a cache rule: only the first may use it.
const RULES = `json: { emitUnpopulated: false }
auth:
  providers:
    - { id: main, secret: "${SECRET}" }
rules:
  - selector: policy.v1.PolicyService.GetOptional
    cache: { ttl: 1m }
  - selector: policy.v1.PolicyService.SearchItems
    cache: { ttl: 1m }
  - selector: policy.v1.PolicyService.CreateItem
    cache: { ttl: 1m }
`;
const CONFIG = RULES;

test.before(async (t) => {
  const started = await startPolicyGateways([CONFIG]);
  t.context = { ...started, url: started.gateways[0]!.url };
});
test.after.always(async (t) => {
  await t.context.stop?.();
});

const callsTo = (backend: EchoBackend, rpc: string, id: string): number =>
  backend.calls.filter((c) => c.path.endsWith(`/${rpc}`) && c.request.includes(Buffer.from(id))).length;
const calls = (t: { context: PolicyGateway }, rpc: string, id: string): number => callsTo(t.context.backend, rpc, id);
const token = (sub: string): Record<string, string> => ({ authorization: `Bearer ${signJwt({ alg: "HS256" }, { sub, exp: now(300) }, SECRET)}` });

test.serial("cache e2e: the second GET is a hit (the backend sees one call), with the same ETag and public Cache-Control", async (t) => {
  const first = await get(`${t.context.url}/v1/cached/hit-1?note=x`);
  const second = await get(`${t.context.url}/v1/cached/hit-1?note=x`);
  t.is(first.status, 200);
  t.is(second.status, 200);
  t.deepEqual(second.json, { id: "hit-1", note: "x" });
  t.is(second.text, first.text);
  t.is(calls(t, "GetCached", "hit-1"), 1);
  t.is(first.headers.get("x-cache"), "miss");
  t.is(second.headers.get("x-cache"), "hit");
  t.regex(first.headers.get("etag") ?? "", /^"[A-Za-z0-9_-]{27}"$/);
  t.is(second.headers.get("etag"), first.headers.get("etag"));
  t.is(first.headers.get("cache-control"), "public, max-age=60");
  t.regex(second.headers.get("cache-control") ?? "", /^public, max-age=(?:59|60)$/);
  t.regex(await (await fetch(`${t.context.url}/metrics`)).text(), /^protogate_cache_hits_total\{rpc="policy\.v1\.PolicyService\.GetCached"\} 1$/m);
  // Another query string is another key.
  await get(`${t.context.url}/v1/cached/hit-1?note=y`);
  t.is(calls(t, "GetCached", "hit-1"), 2);
});

test.serial("cache e2e: If-None-Match with the ETag is a 304 without body, on hits and on uncached GETs", async (t) => {
  const first = await get(`${t.context.url}/v1/cached/etag-1`);
  const etag = first.headers.get("etag")!;
  const notModified = await get(`${t.context.url}/v1/cached/etag-1`, { "if-none-match": `"other", W/${etag}` });
  t.is(notModified.status, 304);
  t.is(notModified.text, "");
  t.is(notModified.headers.get("etag"), etag);
  const changed = await get(`${t.context.url}/v1/cached/etag-1`, { "if-none-match": '"other"' });
  t.is(changed.status, 200);
  // An uncached GET still has an ETag and honours If-None-Match; the backend is called each time.
  const open = await get(`${t.context.url}/v1/open/etag-2`);
  t.is(open.headers.get("cache-control"), null);
  const openAgain = await get(`${t.context.url}/v1/open/etag-2`, { "if-none-match": open.headers.get("etag")! });
  t.is(openAgain.status, 304);
  t.is(calls(t, "GetOpen", "etag-2"), 2);
  // HEAD is GET without the body (RFC 9110 §9.3.2): the same ETag, and the same 304.
  const head = await fetch(`${t.context.url}/v1/open/etag-2`, { method: "HEAD" });
  t.is(head.status, 200);
  t.is(head.headers.get("etag"), open.headers.get("etag"));
  const headNotModified = await fetch(`${t.context.url}/v1/cached/etag-1`, { method: "HEAD", headers: { "if-none-match": etag } });
  t.is(headNotModified.status, 304);
  t.is(headNotModified.headers.get("etag"), etag);
});

test.serial("cache e2e: answers are cached per verified subject, and private when the method has auth", async (t) => {
  const alice = await get(`${t.context.url}/v1/optional/subj-1`, token("alice"));
  const aliceAgain = await get(`${t.context.url}/v1/optional/subj-1`, token("alice"));
  const bob = await get(`${t.context.url}/v1/optional/subj-1`, token("bob"));
  const anonymous = await get(`${t.context.url}/v1/optional/subj-1`);
  t.deepEqual([alice.status, aliceAgain.status, bob.status, anonymous.status], [200, 200, 200, 200]);
  t.deepEqual([alice, aliceAgain, bob, anonymous].map((a) => a.headers.get("x-cache")), ["miss", "hit", "miss", "miss"]);
  t.is(calls(t, "GetOptional", "subj-1"), 3);
  t.is(alice.headers.get("cache-control"), "private, max-age=60");
  const subs = t.context.backend.calls.filter((c) => c.request.includes(Buffer.from("subj-1"))).map((c) => c.metadata.get("x-jwt-sub")[0] ?? "-");
  t.deepEqual(subs, ["alice", "bob", "-"]);
});

test.serial("cache e2e: errors are never cached", async (t) => {
  const failed = await get(`${t.context.url}/v1/cached/err-1`, { "grpc-metadata-fail-code": "5", "grpc-metadata-fail-message": "gone" });
  t.is(failed.status, 404);
  t.is(failed.headers.get("etag"), null);
  const ok = await get(`${t.context.url}/v1/cached/err-1`);
  t.is(ok.status, 200);
  t.is(ok.headers.get("x-cache"), "miss");
  t.is(calls(t, "GetCached", "err-1"), 2);
});

/** POST a JSON body, bounded like `get`. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

async function cacheCounts(url: string, rpc: string): Promise<{ hits: number; misses: number }> {
  const samples = parseMetrics(await (await fetch(`${url}/metrics`)).text());
  const labels = { rpc: `policy.v1.PolicyService.${rpc}` };
  return { hits: sampleValue(samples, "protogate_cache_hits_total", labels) ?? 0, misses: sampleValue(samples, "protogate_cache_misses_total", labels) ?? 0 };
}

test.serial("cache e2e: a NO_SIDE_EFFECTS POST is cached by body (another body is a miss); a plain POST never is, rule or not", async (t) => {
  const { url } = t.context;
  const first = await post(`${url}/v1/items:search`, { id: "search-1", note: "a" });
  const again = await post(`${url}/v1/items:search`, { id: "search-1", note: "a" });
  const other = await post(`${url}/v1/items:search`, { id: "search-1", note: "b" });
  t.deepEqual([first.status, again.status, other.status], [200, 200, 200]);
  t.deepEqual([first, again, other].map((a) => a.headers.get("x-cache")), ["miss", "hit", "miss"]);
  t.deepEqual(again.json, { id: "search-1", note: "a" });
  t.deepEqual(other.json, { id: "search-1", note: "b" });
  t.is(callsTo(t.context.backend, "SearchItems", "search-1"), 2);
  // Shared HTTP caches do not reuse POST answers: no max-age, and If-None-Match is no 304 here.
  t.is(first.headers.get("cache-control"), null);
  const conditional = await post(`${url}/v1/items:search`, { id: "search-1", note: "a" }, { "if-none-match": first.headers.get("etag")! });
  t.is(conditional.status, 200);
  t.is(conditional.headers.get("x-cache"), "hit");

  const created = await post(`${url}/v1/items`, { id: "create-1" });
  const createdAgain = await post(`${url}/v1/items`, { id: "create-1" });
  t.deepEqual([created.status, createdAgain.status], [200, 200]);
  t.deepEqual([created.headers.get("x-cache"), createdAgain.headers.get("x-cache")], [null, null]);
  t.is(callsTo(t.context.backend, "CreateItem", "create-1"), 2);
  t.deepEqual(await cacheCounts(url, "CreateItem"), { hits: 0, misses: 0 });
  t.deepEqual(await cacheCounts(url, "SearchItems"), { hits: 2, misses: 2 });
});

/** Until `url` answers a repeated GET from its store (its Redis client is connected). */
async function waitForStore(url: string, id: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await get(`${url}/v1/cached/${id}-${i}`);
    if ((await get(`${url}/v1/cached/${id}-${i}`)).headers.get("x-cache") === "hit") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered from its cache store`);
}

async function startRedisReplicas(t: ExecutionContext<unknown>): Promise<{ policy: PolicyGateway; urls: [string, string]; redisUrl: string; stopRedis: () => Promise<void> }> {
  const redis = await startRedis();
  t.teardown(() => redis.stop("SIGKILL"));
  const config = `cacheStore: { redis: "${redis.url}", timeout: 300ms }\n${RULES}`;
  const policy = await startPolicyGateways([config, config]);
  t.teardown(() => policy.stop());
  const urls = policy.gateways.map((g) => g.url) as [string, string];
  for (const [i, url] of urls.entries()) await waitForStore(url, `warm${i}`);
  return { policy, urls, redisUrl: redis.url, stopRedis: () => redis.stop("SIGKILL") };
}

test("cache e2e (redis): replicas share answers, per subject, bodies hashed; errors and plain POSTs are not stored", async (t) => {
  const { policy, urls, redisUrl } = await startRedisReplicas(t);
  const [a, b] = urls;
  const before = { a: await cacheCounts(a, "GetCached"), b: await cacheCounts(b, "GetCached") };

  // Answered by A, a hit on B: the backend sees one call; headers replay; same ETag.
  const fromA = await get(`${a}/v1/cached/shared-1?note=x`, { "grpc-metadata-reply-header": "k=v" });
  const fromB = await get(`${b}/v1/cached/shared-1?note=x`);
  t.deepEqual([fromA.status, fromB.status], [200, 200]);
  t.deepEqual([fromA.headers.get("x-cache"), fromB.headers.get("x-cache")], ["miss", "hit"]);
  t.is(fromB.text, fromA.text);
  t.is(fromB.headers.get("etag"), fromA.headers.get("etag"));
  t.is(fromB.headers.get("grpc-metadata-k"), "v");
  t.regex(fromB.headers.get("cache-control") ?? "", /^public, max-age=(?:59|60)$/);
  t.is(callsTo(policy.backend, "GetCached", "shared-1"), 1);
  const notModified = await get(`${b}/v1/cached/shared-1?note=x`, { "if-none-match": fromA.headers.get("etag")! });
  t.is(notModified.status, 304);
  // The hooks fire for the Redis store too: one miss on A, two hits on B.
  t.deepEqual(await cacheCounts(a, "GetCached"), { hits: before.a.hits, misses: before.a.misses + 1 });
  t.deepEqual(await cacheCounts(b, "GetCached"), { hits: before.b.hits + 2, misses: before.b.misses });

  // Per verified subject, across replicas.
  const alice = await get(`${a}/v1/optional/subj-r`, token("alice"));
  const aliceOnB = await get(`${b}/v1/optional/subj-r`, token("alice"));
  const bobOnB = await get(`${b}/v1/optional/subj-r`, token("bob"));
  const anonymousOnB = await get(`${b}/v1/optional/subj-r`);
  t.deepEqual([alice, aliceOnB, bobOnB, anonymousOnB].map((x) => x.headers.get("x-cache")), ["miss", "hit", "miss", "miss"]);
  t.is(callsTo(policy.backend, "GetOptional", "subj-r"), 3);
  t.regex(aliceOnB.headers.get("cache-control") ?? "", /^private, max-age=(?:59|60)$/);

  // NO_SIDE_EFFECTS POST: the body is in the key, on the shared store as well.
  const searched = await post(`${a}/v1/items:search`, { id: "search-r", note: "a" });
  const searchedOnB = await post(`${b}/v1/items:search`, { id: "search-r", note: "a" });
  const otherBody = await post(`${b}/v1/items:search`, { id: "search-r", note: "b" });
  t.deepEqual([searched, searchedOnB, otherBody].map((x) => x.headers.get("x-cache")), ["miss", "hit", "miss"]);
  t.deepEqual(otherBody.json, { id: "search-r", note: "b" });
  t.is(callsTo(policy.backend, "SearchItems", "search-r"), 2);

  // A plain POST with a cache rule, and an error: neither reaches the store.
  await post(`${a}/v1/items`, { id: "create-r" });
  t.is((await post(`${b}/v1/items`, { id: "create-r" })).headers.get("x-cache"), null);
  t.is(callsTo(policy.backend, "CreateItem", "create-r"), 2);
  const failed = await get(`${a}/v1/cached/err-r`, { "grpc-metadata-fail-code": "5", "grpc-metadata-fail-message": "gone" });
  t.is(failed.status, 404);
  const afterError = await get(`${b}/v1/cached/err-r`);
  t.is(afterError.status, 200);
  t.is(afterError.headers.get("x-cache"), "miss");
  t.is(callsTo(policy.backend, "GetCached", "err-r"), 2);

  // What Redis holds: prefixed keys with a PX expiry, none for the plain POST.
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  t.teardown(() => client.disconnect());
  await client.connect();
  const keys = await client.keys("protogate:cache:*");
  t.true(keys.length > 0);
  t.true(keys.every((key) => key.startsWith("protogate:cache:")));
  t.false(keys.some((key) => key.includes("CreateItem")));
  t.is(keys.filter((key) => key.includes("SearchItems")).length, 2);
  const shared = keys.find((key) => key.includes("/v1/cached/shared-1?note=x"));
  t.truthy(shared);
  const pttl = await client.pttl(shared!);
  t.true(pttl > 0 && pttl <= 60_000, String(pttl));
  // err-r: only the 200 that followed the error was stored.
  t.is(keys.filter((key) => key.includes("err-r")).length, 1);
});

test("cache e2e (redis): Redis stopped mid-test → answers still come from the backend (200), logged once, no hang", async (t) => {
  const { policy, urls, stopRedis } = await startRedisReplicas(t);
  const [a, b] = urls;
  t.is((await get(`${a}/v1/cached/down-1`)).headers.get("x-cache"), "miss");
  t.is((await get(`${b}/v1/cached/down-1`)).headers.get("x-cache"), "hit");
  t.is(callsTo(policy.backend, "GetCached", "down-1"), 1);

  await stopRedis();
  // get() gives up after 10s, so a hang fails here rather than stalling the suite.
  const after = await Promise.all([get(`${a}/v1/cached/down-1`), get(`${b}/v1/cached/down-1`), get(`${b}/v1/cached/down-2`)]);
  t.deepEqual(after.map((x) => x.status), [200, 200, 200]);
  t.deepEqual(after.map((x) => x.headers.get("x-cache")), ["miss", "miss", "miss"]);
  t.deepEqual(after[0]!.json, { id: "down-1" });
  t.is(callsTo(policy.backend, "GetCached", "down-1"), 3);
  const searched = await post(`${a}/v1/items:search`, { id: "down-s" });
  t.is(searched.status, 200);
  t.deepEqual(searched.json, { id: "down-s" });
  // Per subject still: with no store, nothing is shared between subjects either.
  const alice = await get(`${a}/v1/optional/down-o`, token("alice"));
  const bob = await get(`${a}/v1/optional/down-o`, token("bob"));
  t.deepEqual([alice.status, bob.status], [200, 200]);
  const subs = policy.backend.calls.filter((c) => c.request.includes(Buffer.from("down-o"))).map((c) => c.metadata.get("x-jwt-sub")[0] ?? "-");
  t.deepEqual(subs, ["alice", "bob"]);

  // The log line crosses a pipe: give it a moment to arrive. Once per outage, not per request.
  const output = (): string => policy.gateways[0]!.output();
  for (let i = 0; i < 50 && !output().includes("cache store unavailable"); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(output().split('"msg":"cache store unavailable').length - 1, 1);
  // …while the metric counts every failed store call.
  const samples = parseMetrics(await (await fetch(`${a}/metrics`)).text());
  t.true((sampleValue(samples, "protogate_cache_store_errors_total", { operation: "get" }) ?? 0) >= 1);
});
