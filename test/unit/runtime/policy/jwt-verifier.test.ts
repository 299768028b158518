import test from "ava";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KeySourceError, JwtVerifier, TokenError } from "../../../../src/runtime/policy/jwt-verifier.js";
import type { ProviderSpec } from "../../../../src/runtime/policy/jwt-verifier.js";
import { generateKey, now, signJwt } from "../../../helpers/sign-jwt.js";
import { writeTempFiles } from "../../../helpers/temp-dir.js";

const SECRET = "a-long-enough-hmac-secret-for-tests-0123456789";
const rsa = generateKey("rsa");
const p256 = generateKey("P-256");
const p384 = generateKey("P-384");
const p521 = generateKey("P-521");
const ed = generateKey("ed25519");
const attacker = generateKey("rsa");

const JWKS = {
  keys: [
    rsa.jwk("rsa-1", "RS256"), { ...rsa.jwk("rsa-384", "RS384") }, { ...rsa.jwk("rsa-512", "RS512") },
    rsa.jwk("ps-256", "PS256"), rsa.jwk("ps-384", "PS384"), rsa.jwk("ps-512", "PS512"),
    p256.jwk("ec-256", "ES256"), p384.jwk("ec-384", "ES384"), p521.jwk("ec-521", "ES512"), ed.jwk("ed-1", "EdDSA"),
  ],
};
const files = writeTempFiles({ "jwks.json": JSON.stringify(JWKS), "rsa.pem": rsa.pem });
test.after.always(() => files.cleanup());

const ALL = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

function spec(overrides: Partial<ProviderSpec> = {}): ProviderSpec {
  return {
    id: "main",
    issuer: "https://issuer.test",
    audiences: ["api"],
    secret: SECRET,
    publicKeys: { kind: "jwks-file", path: `${files.dir}/jwks.json` },
    algorithms: ALL,
    clockSkewMs: 30_000,
    ...overrides,
  };
}

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: "alice", iss: "https://issuer.test", aud: "api", exp: now(300), iat: now(), ...extra,
});

const verifier = new JwtVerifier(spec());

const valid: ReadonlyArray<readonly [string, string]> = [
  ["HS256", signJwt({ alg: "HS256", typ: "JWT" }, claims(), SECRET)],
  ["HS384", signJwt({ alg: "HS384" }, claims(), SECRET)],
  ["HS512", signJwt({ alg: "HS512" }, claims(), SECRET)],
  ["RS256", signJwt({ alg: "RS256", kid: "rsa-1" }, claims(), rsa.privateKey)],
  ["RS384", signJwt({ alg: "RS384", kid: "rsa-384" }, claims(), rsa.privateKey)],
  ["RS512", signJwt({ alg: "RS512", kid: "rsa-512" }, claims(), rsa.privateKey)],
  ["PS256", signJwt({ alg: "PS256", kid: "ps-256" }, claims(), rsa.privateKey)],
  ["PS384", signJwt({ alg: "PS384", kid: "ps-384" }, claims(), rsa.privateKey)],
  ["PS512", signJwt({ alg: "PS512", kid: "ps-512" }, claims(), rsa.privateKey)],
  ["ES256", signJwt({ alg: "ES256", kid: "ec-256" }, claims(), p256.privateKey)],
  ["ES384", signJwt({ alg: "ES384", kid: "ec-384" }, claims(), p384.privateKey)],
  ["ES512", signJwt({ alg: "ES512", kid: "ec-521" }, claims(), p521.privateKey)],
  ["EdDSA", signJwt({ alg: "EdDSA", kid: "ed-1" }, claims(), ed.privateKey)],
  ["exp just past, inside the clock skew", signJwt({ alg: "HS256" }, claims({ exp: now(-10) }), SECRET)],
  ["nbf just ahead, inside the clock skew", signJwt({ alg: "HS256" }, claims({ nbf: now(10) }), SECRET)],
  ["one of several audiences", signJwt({ alg: "HS256" }, claims({ aud: ["other", "api"] }), SECRET)],
];

for (const [name, token] of valid) {
  test(`jwt verifier: accepts ${name}`, async (t) => {
    const payload = await verifier.verify(token);
    t.is(payload.sub, "alice");
  });
}

const good = signJwt({ alg: "RS256", kid: "rsa-1" }, claims(), rsa.privateKey);
const [goodHead, goodBody, goodSig] = good.split(".") as [string, string, string];
const flipped = (goodSig[0] === "A" ? "B" : "A") + goodSig.slice(1);

const refused: ReadonlyArray<readonly [string, string, string]> = [
  ["alg none", signJwt({ alg: "none" }, claims(), undefined), "algorithm not allowed"],
  ["alg none with a signature part", `${signJwt({ alg: "none" }, claims(), undefined)}c2ln`, "algorithm not allowed"],
  // The key-confusion attack: HS256 keyed with the public key's PEM text.
  ["HS256 signed with the RSA public key", signJwt({ alg: "HS256", kid: "rsa-1" }, claims(), rsa.pem), "signature verification failed"],
  ["expired beyond the skew", signJwt({ alg: "HS256" }, claims({ exp: now(-120) }), SECRET), "token expired"],
  ["not yet valid beyond the skew", signJwt({ alg: "HS256" }, claims({ nbf: now(120) }), SECRET), "token not yet valid"],
  ["wrong issuer", signJwt({ alg: "HS256" }, claims({ iss: "https://evil.test" }), SECRET), "unexpected issuer"],
  ["wrong audience", signJwt({ alg: "HS256" }, claims({ aud: "other" }), SECRET), "unexpected audience"],
  ["tampered signature", `${goodHead}.${goodBody}.${flipped}`, "signature verification failed"],
  ["tampered payload", `${goodHead}.${Buffer.from(JSON.stringify(claims({ sub: "root" }))).toString("base64url")}.${goodSig}`, "signature verification failed"],
  ["unknown kid", signJwt({ alg: "RS256", kid: "nope" }, claims(), rsa.privateKey), "no matching signing key"],
  ["a key of the JWKS used with another kid's algorithm", signJwt({ alg: "ES256", kid: "rsa-1" }, claims(), p256.privateKey), "no matching signing key"],
  ["signed by another key under a known kid", signJwt({ alg: "RS256", kid: "rsa-1" }, claims(), attacker.privateKey), "signature verification failed"],
  ["embedded jwk header is not followed", signJwt({ alg: "RS256", jwk: attacker.jwk("x", "RS256") }, claims(), attacker.privateKey), "signature verification failed"],
  ["wrong secret", signJwt({ alg: "HS256" }, claims(), "another-secret-another-secret-another-secret"), "signature verification failed"],
  ["not a JWT", "abc.def", "malformed token"],
];

for (const [name, token, message] of refused) {
  test(`jwt verifier: refuses ${name}`, async (t) => {
    const error = await t.throwsAsync(verifier.verify(token), { instanceOf: TokenError });
    t.is(error?.message, message);
  });
}

test("jwt verifier: the allow-list limits algorithms, and HS* is refused without a secret", async (t) => {
  const rsOnly = new JwtVerifier(spec({ secret: undefined, algorithms: ["RS256"] }));
  t.is((await rsOnly.verify(good)).sub, "alice");
  const rs512 = signJwt({ alg: "RS512", kid: "rsa-512" }, claims(), rsa.privateKey);
  t.is((await t.throwsAsync(rsOnly.verify(rs512), { instanceOf: TokenError }))?.message, "algorithm not allowed");
  const confused = signJwt({ alg: "HS256" }, claims(), rsa.pem);
  t.is((await t.throwsAsync(rsOnly.verify(confused), { instanceOf: TokenError }))?.message, "algorithm not allowed");
  // Even an allow-list that names HS256 cannot make a public key an HMAC secret.
  const noSecret = new JwtVerifier(spec({ secret: undefined, algorithms: ["HS256", "RS256"] }));
  t.is((await t.throwsAsync(noSecret.verify(confused), { instanceOf: TokenError }))?.message, "algorithm HS256 is not allowed");
  const withNone = new JwtVerifier(spec({ algorithms: ["none", "HS256"] }));
  t.is((await t.throwsAsync(withNone.verify(signJwt({ alg: "none" }, claims(), undefined)), { instanceOf: TokenError }))?.message, "algorithm not allowed");
});

test("jwt verifier: a PEM public key file verifies RS256", async (t) => {
  const pem = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "public-key-file", path: `${files.dir}/rsa.pem` }, algorithms: ["RS256"] }));
  t.is((await pem.verify(signJwt({ alg: "RS256" }, claims(), rsa.privateKey))).sub, "alice");
  const other = signJwt({ alg: "RS256" }, claims(), attacker.privateKey);
  t.is((await t.throwsAsync(pem.verify(other), { instanceOf: TokenError }))?.message, "signature verification failed");
});

interface KeyServer {
  readonly url: string;
  keys: Array<Record<string, unknown>>;
  readonly hits: Record<string, number>;
  close(): Promise<void>;
}

async function keyServer(): Promise<KeyServer> {
  const state = { keys: [] as Array<Record<string, unknown>>, hits: {} as Record<string, number> };
  let base = "";
  const server = createServer((request, response) => {
    const path = request.url ?? "";
    state.hits[path] = (state.hits[path] ?? 0) + 1;
    response.setHeader("content-type", "application/json");
    if (path === "/jwks.json") response.end(JSON.stringify({ keys: state.keys }));
    else if (path === "/.well-known/openid-configuration") response.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks.json` }));
    else {
      response.statusCode = 404;
      response.end("{}");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    get keys() { return state.keys; },
    set keys(keys) { state.keys = keys; },
    hits: state.hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test("jwt verifier: a JWKS URL is fetched once, and an unknown kid refetches it (key rotation)", async (t) => {
  const server = await keyServer();
  t.teardown(() => server.close());
  const next = generateKey("P-256");
  server.keys = [rsa.jwk("old", "RS256")];
  const remote = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "jwks-url", url: `${server.url}/jwks.json` } }), { refreshCooldownMs: 0 });
  const old = signJwt({ alg: "RS256", kid: "old" }, claims(), rsa.privateKey);
  t.is((await remote.verify(old)).sub, "alice");
  t.is((await remote.verify(old)).sub, "alice");
  t.is(server.hits["/jwks.json"], 1);
  server.keys = [rsa.jwk("old", "RS256"), next.jwk("new", "ES256")];
  t.is((await remote.verify(signJwt({ alg: "ES256", kid: "new" }, claims(), next.privateKey))).sub, "alice");
  t.is(server.hits["/jwks.json"], 2);
});

test("jwt verifier: a flood of unknown kids refetches the JWKS at most once per cooldown", async (t) => {
  const server = await keyServer();
  t.teardown(() => server.close());
  server.keys = [rsa.jwk("old", "RS256")];
  const remote = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "jwks-url", url: `${server.url}/jwks.json` } }), { refreshCooldownMs: 3_600_000 });
  t.is((await remote.verify(signJwt({ alg: "RS256", kid: "old" }, claims(), rsa.privateKey))).sub, "alice");
  const made_up = Array.from({ length: 20 }, (_, i) => signJwt({ alg: "RS256", kid: `fake-${i}` }, claims(), attacker.privateKey));
  const results = await Promise.allSettled(made_up.map((token) => remote.verify(token)));
  t.true(results.every((r) => r.status === "rejected" && r.reason instanceof TokenError && r.reason.message === "no matching signing key"));
  t.is(server.hits["/jwks.json"], 1);
});

test("jwt verifier: OIDC discovery finds the JWKS from the issuer alone", async (t) => {
  const server = await keyServer();
  t.teardown(() => server.close());
  server.keys = [p256.jwk("k1", "ES256")];
  const oidc = new JwtVerifier(spec({ issuer: server.url, secret: undefined, publicKeys: { kind: "oidc-discovery", issuer: server.url } }));
  const token = signJwt({ alg: "ES256", kid: "k1" }, claims({ iss: server.url }), p256.privateKey);
  t.is((await oidc.verify(token)).sub, "alice");
  t.is((await oidc.verify(token)).sub, "alice");
  t.is(server.hits["/.well-known/openid-configuration"], 1);
  t.is(server.hits["/jwks.json"], 1);
});

test("jwt verifier: OIDC discovery refuses a jwks_uri that is not https", async (t) => {
  const server = createServer((_request, response) => response.end(JSON.stringify({ jwks_uri: "http://keys.example/jwks.json" })));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const oidc = new JwtVerifier(spec({ issuer, secret: undefined, publicKeys: { kind: "oidc-discovery", issuer } }));
  const token = signJwt({ alg: "ES256", kid: "k1" }, claims({ iss: issuer }), p256.privateKey);
  const error = await t.throwsAsync(oidc.verify(token), { instanceOf: KeySourceError });
  t.is(error?.message, `OIDC discovery at ${issuer}/.well-known/openid-configuration names a jwks_uri that is not https`);
});

test("jwt verifier: an unreachable key source is a KeySourceError, not a bad token", async (t) => {
  const server = await keyServer();
  const url = server.url;
  await server.close();
  const token = signJwt({ alg: "ES256", kid: "k1" }, claims({ iss: url }), p256.privateKey);
  const remote = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "jwks-url", url: `${url}/jwks.json` } }), { fetchTimeoutMs: 2000 });
  await t.throwsAsync(remote.verify(token), { instanceOf: KeySourceError });
  const oidc = new JwtVerifier(spec({ issuer: url, secret: undefined, publicKeys: { kind: "oidc-discovery", issuer: url } }), { fetchTimeoutMs: 2000 });
  await t.throwsAsync(oidc.verify(token), { instanceOf: KeySourceError });
});

test("jwt verifier: a verified token is taken on trust the next time (the same payload, no second check)", async (t) => {
  const cached = new JwtVerifier(spec());
  const token = signJwt({ alg: "HS256" }, claims(), SECRET);
  const first = await cached.verify(token);
  t.is(await cached.verify(token), first);
  // Any other text is another entry: a tampered copy of a trusted token is checked and refused.
  const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
  const error = await t.throwsAsync(cached.verify(tampered));
  t.true(error instanceof TokenError && error.reason === "bad_signature");
  // Off: every call checks the token again, so payloads are new objects.
  const uncached = new JwtVerifier(spec(), { verifiedTtlMs: 0 });
  t.not(await uncached.verify(token), await uncached.verify(token));
});

test("jwt verifier: a trusted token still expires on time", async (t) => {
  const strict = new JwtVerifier(spec({ clockSkewMs: 0 }));
  // Two seconds ahead, so a loaded machine still verifies it before it expires.
  const exp = now(2);
  const token = signJwt({ alg: "HS256" }, claims({ exp }), SECRET);
  t.is((await strict.verify(token)).sub, "alice");
  await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 100));
  const error = await t.throwsAsync(strict.verify(token));
  t.true(error instanceof TokenError && error.reason === "expired");
});

test("jwt verifier: trust lasts verifiedTtl, so a key taken out of the JWKS stops its tokens within it", async (t) => {
  const server = await keyServer();
  t.teardown(() => server.close());
  server.keys = [rsa.jwk("old", "RS256")];
  const url = `${server.url}/jwks.json`;
  const options = { refreshCooldownMs: 0, cacheMaxAgeMs: 50 };
  const shortTrust = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "jwks-url", url } }), { ...options, verifiedTtlMs: 100 });
  const longTrust = new JwtVerifier(spec({ secret: undefined, publicKeys: { kind: "jwks-url", url } }), { ...options, verifiedTtlMs: 60_000 });
  const token = signJwt({ alg: "RS256", kid: "old" }, claims(), rsa.privateKey);
  t.is((await shortTrust.verify(token)).sub, "alice");
  t.is((await longTrust.verify(token)).sub, "alice");
  server.keys = [];
  await new Promise((resolve) => setTimeout(resolve, 200));
  const error = await t.throwsAsync(shortTrust.verify(token));
  t.true(error instanceof TokenError && error.reason === "unknown_key", String(error));
  t.is((await longTrust.verify(token)).sub, "alice");
});
