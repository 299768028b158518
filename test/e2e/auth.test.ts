import anyTest from "ava";
import type { TestFn } from "ava";
import { get, startPolicyGateways } from "../helpers/policy-gateway.js";
import type { PolicyGateway } from "../helpers/policy-gateway.js";
import { generateKey, now, signJwt } from "../helpers/sign-jwt.js";

const test = anyTest as TestFn<PolicyGateway & { url: string }>;

const SECRET = "e2e-hmac-secret-that-is-long-enough-0123456789";
const rsa = generateKey("rsa");
const ec = generateKey("P-256");

// GetSecret: auth required + scope items.read (proto). GetOptional: auth.required false (proto).
// GetOpen: no auth. GetSlow: the config's rule timeout, below the proto service's 5s.
const CONFIG = `json: { emitUnpopulated: false }
auth:
  providers:
    - id: main
      issuer: https://issuer.test
      audiences: [api]
      secret: \${POLICY_JWT_SECRET}
      jwks: jwks.json
      clockSkew: 30s
rules:
  - selector: policy.v1.PolicyService.GetSlow
    timeout: 200ms
`;

test.before(async (t) => {
  const jwks = JSON.stringify({ keys: [rsa.jwk("rsa-1", "RS256"), ec.jwk("ec-1", "ES256")] });
  const started = await startPolicyGateways([CONFIG], { "jwks.json": jwks }, { POLICY_JWT_SECRET: SECRET });
  t.context = { ...started, url: started.gateways[0]!.url };
});
test.after.always(async (t) => {
  await t.context.stop?.();
});

const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  sub: "alice", iss: "https://issuer.test", aud: "api", exp: now(300), scope: "items.read other", ...extra,
});
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const rs = (extra: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string =>
  signJwt({ alg: "RS256", kid: "rsa-1", ...header }, claims(extra), rsa.privateKey);

function lastCall(t: { context: PolicyGateway }, rpc: string) {
  const calls = t.context.backend.calls.filter((c) => c.path.endsWith(`/${rpc}`));
  return calls[calls.length - 1];
}

test.serial("auth e2e: a required method without a token is 401 with a bare Bearer challenge", async (t) => {
  const before = t.context.backend.calls.length;
  const answer = await get(`${t.context.url}/v1/secret/1`);
  t.is(answer.status, 401);
  t.is(answer.headers.get("www-authenticate"), 'Bearer realm="protogate"');
  t.deepEqual(answer.json, { code: 16, message: "missing bearer token", details: [] });
  t.is(t.context.backend.calls.length, before);
});

const [head, body, sig] = rs().split(".") as [string, string, string];
const BAD: ReadonlyArray<readonly [string, string, string]> = [
  ["alg none", signJwt({ alg: "none" }, claims(), undefined), "algorithm not allowed"],
  ["HS256 keyed with the RSA public key (key confusion)", signJwt({ alg: "HS256", kid: "rsa-1" }, claims(), rsa.pem), "signature verification failed"],
  ["expired", rs({ exp: now(-120) }), "token expired"],
  ["not yet valid", rs({ nbf: now(120) }), "token not yet valid"],
  ["wrong issuer", rs({ iss: "https://evil.test" }), "unexpected issuer"],
  ["wrong audience", rs({ aud: "someone-else" }), "unexpected audience"],
  ["tampered signature", `${head}.${body}.${(sig[0] === "A" ? "B" : "A") + sig.slice(1)}`, "signature verification failed"],
  ["tampered payload", `${head}.${Buffer.from(JSON.stringify(claims({ sub: "root" }))).toString("base64url")}.${sig}`, "signature verification failed"],
  ["unknown kid", rs({}, { kid: "rotated-away" }), "no matching signing key"],
  ["garbage", "not-a-jwt", "malformed token"],
];

for (const [name, token, description] of BAD) {
  test.serial(`auth e2e: ${name} is 401 invalid_token`, async (t) => {
    const before = t.context.backend.calls.length;
    const answer = await get(`${t.context.url}/v1/secret/1`, bearer(token));
    t.is(answer.status, 401);
    t.is(answer.headers.get("www-authenticate"), `Bearer realm="protogate", error="invalid_token", error_description="${description}"`);
    t.deepEqual(answer.json, { code: 16, message: `invalid token: ${description}`, details: [] });
    t.is(t.context.backend.calls.length, before);
  });
}

test.serial("auth e2e: a non-Bearer Authorization header is 401", async (t) => {
  const answer = await get(`${t.context.url}/v1/secret/1`, { authorization: "Basic YWxpY2U6c2VjcmV0" });
  t.is(answer.status, 401);
  t.is(answer.headers.get("www-authenticate"), 'Bearer realm="protogate", error="invalid_token", error_description="the Authorization header is not a Bearer token"');
});

test.serial("auth e2e: auth outcomes are counted by reason in /metrics", async (t) => {
  await get(`${t.context.url}/v1/secret/1`, bearer(rs({ exp: now(-3600) })));
  const metrics = await (await fetch(`${t.context.url}/metrics`)).text();
  t.regex(metrics, /^protogate_auth_failures_total\{rpc="policy\.v1\.PolicyService\.GetSecret",reason="expired"\} 2$/m);
  t.regex(metrics, /^protogate_auth_failures_total\{rpc="policy\.v1\.PolicyService\.GetSecret",reason="missing_token"\} 1$/m);
});

test.serial("auth e2e: a valid token without the scope is 403 insufficient_scope", async (t) => {
  const answer = await get(`${t.context.url}/v1/secret/1`, bearer(rs({ scope: "other" })));
  t.is(answer.status, 403);
  t.is(answer.headers.get("www-authenticate"), 'Bearer error="insufficient_scope", scope="items.read"');
  t.deepEqual(answer.json, { code: 7, message: "missing scope items.read", details: [] });
});

test.serial("auth e2e: valid RS256, ES256 and HS256 tokens pass; scp arrays grant scopes", async (t) => {
  const tokens = [
    rs(),
    signJwt({ alg: "ES256", kid: "ec-1" }, claims(), ec.privateKey),
    signJwt({ alg: "HS256" }, claims(), SECRET),
    rs({ scope: undefined, scp: ["items.read"] }),
  ];
  for (const token of tokens) {
    const answer = await get(`${t.context.url}/v1/secret/7`, bearer(token));
    t.is(answer.status, 200, answer.text);
    t.deepEqual(answer.json, { id: "7" });
  }
});

test.serial("auth e2e: verified claims reach the backend as x-jwt-sub and x-jwt-payload; forged ones never do", async (t) => {
  const token = rs({ name: "Alice" });
  const answer = await get(`${t.context.url}/v1/secret/9`, {
    ...bearer(token),
    "x-jwt-sub": "mallory",
    "grpc-metadata-x-jwt-sub": "mallory",
    "grpc-metadata-x-jwt-payload": Buffer.from('{"sub":"mallory"}').toString("base64url"),
    "grpc-metadata-x-jwt-role": "admin",
  });
  t.is(answer.status, 200, answer.text);
  const call = lastCall(t, "GetSecret")!;
  t.deepEqual(call.metadata.get("x-jwt-sub"), ["alice"]);
  t.deepEqual(call.metadata.get("x-jwt-role"), []);
  const payloads = call.metadata.get("x-jwt-payload");
  t.is(payloads.length, 1);
  // The token's own payload: claims() again would read the clock again (exp one second on).
  const signed = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as unknown;
  t.like(signed, { sub: "alice", name: "Alice" });
  t.deepEqual(JSON.parse(Buffer.from(String(payloads[0]), "base64url").toString()), signed);
  t.deepEqual(call.metadata.get("authorization"), [`Bearer ${token}`]);
});

test.serial("auth e2e: an open method ignores tokens, and forged x-jwt-* headers are stripped there too", async (t) => {
  const answer = await get(`${t.context.url}/v1/open/3`, {
    authorization: "Bearer not-a-jwt",
    "grpc-metadata-x-jwt-sub": "mallory",
    "grpc-metadata-x-jwt-payload": "e30",
  });
  t.is(answer.status, 200, answer.text);
  const call = lastCall(t, "GetOpen")!;
  t.deepEqual(call.metadata.get("x-jwt-sub"), []);
  t.deepEqual(call.metadata.get("x-jwt-payload"), []);
  t.deepEqual(call.metadata.get("authorization"), ["Bearer not-a-jwt"]);
});

test.serial("auth e2e: required: false lets anonymous calls through, verifies a present token, refuses a bad one", async (t) => {
  const anonymous = await get(`${t.context.url}/v1/optional/1`);
  t.is(anonymous.status, 200, anonymous.text);
  t.deepEqual(lastCall(t, "GetOptional")!.metadata.get("x-jwt-sub"), []);
  const verified = await get(`${t.context.url}/v1/optional/2`, bearer(rs({ sub: "bob" })));
  t.is(verified.status, 200, verified.text);
  t.deepEqual(lastCall(t, "GetOptional")!.metadata.get("x-jwt-sub"), ["bob"]);
  const bad = await get(`${t.context.url}/v1/optional/3`, bearer(rs({ exp: now(-600) })));
  t.is(bad.status, 401);
  t.is(bad.headers.get("www-authenticate"), 'Bearer realm="protogate", error="invalid_token", error_description="token expired"');
});

test.serial("auth e2e: the config rule's timeout bounds the call: 504 DEADLINE_EXCEEDED", async (t) => {
  const answer = await get(`${t.context.url}/v1/slow/1`, { "grpc-metadata-delay-ms": "3000" });
  t.is(answer.status, 504, answer.text);
  t.is((answer.json as { code: number }).code, 4);
  const quick = await get(`${t.context.url}/v1/slow/2`);
  t.is(quick.status, 200);
});

test("auth e2e: a provider named by its issuer alone finds the JWKS by OIDC discovery; EdDSA tokens verify", async (t) => {
  const { createServer } = await import("node:http");
  const ed = generateKey("ed25519");
  let base = "";
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.url === "/.well-known/openid-configuration") response.end(JSON.stringify({ issuer: base, jwks_uri: `${base}/keys` }));
    else response.end(JSON.stringify({ keys: [ed.jwk("ed-1", "EdDSA")] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
  const started = await startPolicyGateways([`auth:\n  providers:\n    - { id: idp, issuer: "${base}" }\n`]);
  t.teardown(() => started.stop());
  const token = signJwt({ alg: "EdDSA", kid: "ed-1" }, { sub: "carol", iss: base, exp: now(300), scope: "items.read" }, ed.privateKey);
  const answer = await get(`${started.gateways[0]!.url}/v1/secret/5`, bearer(token));
  t.is(answer.status, 200, answer.text);
  t.deepEqual(started.backend.calls.map((c) => c.metadata.get("x-jwt-sub")[0]), ["carol"]);
  const wrongIssuer = signJwt({ alg: "EdDSA", kid: "ed-1" }, { sub: "carol", iss: "https://other.test", exp: now(300), scope: "items.read" }, ed.privateKey);
  t.is((await get(`${started.gateways[0]!.url}/v1/secret/6`, bearer(wrongIssuer))).status, 401);
});
