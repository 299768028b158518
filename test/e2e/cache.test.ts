import anyTest from "ava";
import type { TestFn } from "ava";
import { get, startPolicyGateways } from "../helpers/policy-gateway.js";
import type { PolicyGateway } from "../helpers/policy-gateway.js";
import { now, signJwt } from "../helpers/sign-jwt.js";

const test = anyTest as TestFn<PolicyGateway & { url: string }>;
const SECRET = "cache-e2e-hmac-secret-long-enough-0123456789";

// GetCached: cache ttl 1m (proto). GetOptional: auth optional (proto) + cache (config), so
// answers are cached per verified subject and marked private.
const CONFIG = `json: { emitUnpopulated: false }
auth:
  providers:
    - { id: main, secret: "${SECRET}" }
rules:
  - selector: policy.v1.PolicyService.GetOptional
    cache: { ttl: 1m }
`;

test.before(async (t) => {
  const started = await startPolicyGateways([CONFIG]);
  t.context = { ...started, url: started.gateways[0]!.url };
});
test.after.always(async (t) => {
  await t.context.stop?.();
});

const calls = (t: { context: PolicyGateway }, rpc: string, id: string): number =>
  t.context.backend.calls.filter((c) => c.path.endsWith(`/${rpc}`) && c.request.includes(Buffer.from(id))).length;
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
