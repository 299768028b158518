import anyTest from "ava";
import type { TestFn } from "ava";
import { gzipSync } from "node:zlib";
import { startEchoGateway } from "../helpers/echo-gateway.js";
import { parseMetrics, sampleValue } from "../helpers/parse-metrics.js";
import { now, signJwt } from "../helpers/sign-jwt.js";
import type { EchoGateway } from "../helpers/echo-gateway.js";

/**
 * The direct lane (runtime/direct-lane.ts) must answer exactly as the Koa chain does. Two
 * gateways on one backend: `direct` with the default config (unary bindings without policy
 * take the lane), `koa` with CORS configured, which turns the lane off. Every request goes
 * to both; status, headers and body must be the same, but for what CORS adds (Vary) and
 * per-response values (Date).
 */
interface Lanes {
  readonly direct: EchoGateway;
  readonly koa: EchoGateway;
}
const test = anyTest as TestFn<Lanes>;

// Policies on two methods, the same for both gateways: DeleteThing needs a token with a
// scope, GetLiteral allows 2 calls a minute per client.
const SECRET = "direct-lane-e2e-secret-0123456789";
const POLICIES = [
  "json: { emitUnpopulated: false }",
  "auth:",
  "  providers:",
  `    - { id: main, secret: ${SECRET} }`,
  "rules:",
  '  - selector: "e2e.v1.EchoService.DeleteThing"',
  "    auth: { scopes: [things.delete] }",
  '  - selector: "e2e.v1.EchoService.GetLiteral"',
  "    rateLimit: { requests: 2, per: 60s }",
  "",
].join("\n");

test.before(async (t) => {
  const [direct, koa] = await Promise.all([
    startEchoGateway(POLICIES),
    startEchoGateway(`${POLICIES}cors: { origins: ['https://app.example'] }\n`),
  ]);
  t.context = { direct, koa };
});
test.after.always(async (t) => {
  await Promise.all([t.context.direct.stop(), t.context.koa.stop()]);
});

const IGNORED = new Set(["date", "vary", "connection", "keep-alive"]);
const token = (scope: string): string => `Bearer ${signJwt({ alg: "HS256" }, { sub: "ada", scope, exp: now(600) }, SECRET)}`;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

async function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<Answer> {
  const response = await fetch(url + path, { method, headers: { "x-request-id": "lane-test", ...headers }, ...(body === undefined ? {} : { body }) });
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!IGNORED.has(name)) out[name] = value;
  });
  return { status: response.status, headers: out, body: await response.text() };
}

const JSON_HEADERS = { "content-type": "application/json" };

const CASES: ReadonlyArray<{ readonly name: string; readonly method: string; readonly path: string; readonly headers?: Record<string, string>; readonly body?: string | Uint8Array; readonly status: number }> = [
  { name: "GET with path and query", method: "GET", path: "/v1/things/abc?i32=5&tags=a&tags=b&nested.name=x", status: 200 },
  { name: "GET with a percent-encoded path value", method: "GET", path: "/v1/files/a%2Fb/c%20d", status: 200 },
  { name: "GET with response_body", method: "GET", path: "/v1/things/abc/nested?nested.name=n", status: 200 },
  { name: "POST body *", method: "POST", path: "/v1/things", headers: JSON_HEADERS, body: '{"id":"x","i64":"7"}', status: 200 },
  { name: "POST gzip body", method: "POST", path: "/v1/things", headers: { ...JSON_HEADERS, "content-encoding": "gzip" }, body: gzipSync('{"id":"z"}'), status: 200 },
  { name: "PUT body field", method: "PUT", path: "/v1/things/abc/nested", headers: JSON_HEADERS, body: '{"name":"n"}', status: 200 },
  { name: "PATCH fills the mask", method: "PATCH", path: "/v1/things/abc", headers: JSON_HEADERS, body: '{"i32":1,"nested":{"name":"q"}}', status: 200 },
  { name: "bad query value names the parameter", method: "GET", path: "/v1/things/abc?i32=seven", status: 400 },
  { name: "malformed JSON body", method: "POST", path: "/v1/things", headers: JSON_HEADERS, body: '{"id":', status: 400 },
  { name: "unknown body field", method: "POST", path: "/v1/things", headers: JSON_HEADERS, body: '{"nope":1}', status: 400 },
  { name: "wrong media type", method: "POST", path: "/v1/things", headers: { "content-type": "text/plain" }, body: "hi", status: 415 },
  { name: "bad Grpc-Timeout", method: "GET", path: "/v1/things/abc", headers: { "grpc-timeout": "soon" }, status: 400 },
  { name: "backend status with details and metadata", method: "GET", path: "/v1/things/abc", headers: { "grpc-metadata-fail-code": "5", "grpc-metadata-fail-message": "no such thing", "grpc-metadata-fail-details": "bad-request", "grpc-metadata-reply-header": "h=1", "grpc-metadata-reply-trailer": "t=2" }, status: 404 },
  { name: "response metadata on success", method: "GET", path: "/v1/things/abc", headers: { "grpc-metadata-reply-header": "h=1", "grpc-metadata-reply-trailer": "t=2" }, status: 200 },
  // A varint that never ends: bytes the response codec cannot render.
  { name: "backend answer the codec cannot read", method: "GET", path: "/v1/things/abc", headers: { "grpc-metadata-reply-hex": "10ff" }, status: 500 },
  { name: "deadline exceeded", method: "GET", path: "/v1/things/abc", headers: { "grpc-timeout": "50m", "grpc-metadata-delay-ms": "1000" }, status: 504 },
  { name: "no route", method: "GET", path: "/v1/nothing", status: 404 },
  { name: "wrong method", method: "PUT", path: "/v1/things/abc", status: 405 },
  { name: "HEAD on a GET binding", method: "HEAD", path: "/v1/things/abc", status: 200 },
  { name: "auth: no token", method: "DELETE", path: "/v1/things/abc", status: 401 },
  { name: "auth: not a JWT", method: "DELETE", path: "/v1/things/abc", headers: { authorization: "Bearer nope" }, status: 401 },
  { name: "auth: token without the scope", method: "DELETE", path: "/v1/things/abc", headers: { authorization: token("things.read") }, status: 403 },
  { name: "auth: token with the scope; DELETE answers Empty", method: "DELETE", path: "/v1/things/abc", headers: { authorization: token("things.delete") }, status: 200 },
  { name: "client request id not a sane token is replaced", method: "GET", path: "/v1/things/abc", headers: { "x-request-id": "a b" }, status: 200 },
];

for (const one of CASES) {
  test(`direct lane answers as the Koa chain: ${one.name}`, async (t) => {
    const [direct, koa] = await Promise.all(
      [t.context.direct, t.context.koa].map((lane) => send(lane.url, one.method, one.path, one.headers ?? {}, one.body)),
    );
    t.is(direct!.status, one.status, direct!.body);
    if (one.status >= 400 && one.method !== "HEAD") {
      // SPEC §6: a google.rpc.Status, never a stack trace.
      const status = JSON.parse(direct!.body) as { code?: unknown; message?: unknown };
      t.is(typeof status.code, "number");
      t.is(typeof status.message, "string");
      t.notRegex(String(status.message), /\n\s+at /);
    }
    if (one.headers?.["x-request-id"] === "a b") {
      // A fresh UUID each: only its shape can match.
      t.regex(direct!.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
      t.regex(koa!.headers["x-request-id"] ?? "", /^[0-9a-f-]{36}$/);
      delete direct!.headers["x-request-id"];
      delete koa!.headers["x-request-id"];
    }
    t.deepEqual(direct, koa);
  });
}

test("direct lane: If-None-Match with the ETag of a GET gets 304 without a body, as on the Koa chain", async (t) => {
  const first = await send(t.context.direct.url, "GET", "/v1/things/etag", {});
  const etag = first.headers["etag"];
  t.truthy(etag);
  const [direct, koa] = await Promise.all(
    [t.context.direct, t.context.koa].map((lane) => send(lane.url, "GET", "/v1/things/etag", { "if-none-match": etag ?? "" })),
  );
  t.is(direct!.status, 304);
  t.is(direct!.body, "");
  t.deepEqual(direct, koa);
});

test("direct lane: a client that goes away is logged as 499 CANCELLED on both lanes", async (t) => {
  for (const [name, lane] of [["direct", t.context.direct], ["koa", t.context.koa]] as const) {
    const requestId = `gone-${name}`;
    const controller = new AbortController();
    const pending = fetch(`${lane.url}/v1/things/slow`, { headers: { "x-request-id": requestId, "grpc-metadata-delay-ms": "2000" }, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await t.throwsAsync(pending, { any: true });
    let line: { status?: number; grpcCode?: number } | undefined;
    for (let i = 0; i < 40 && line === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      line = lane.gateway
        .output()
        .split("\n")
        .filter((text) => text.includes(`"requestId":"${requestId}"`))
        .map((text) => JSON.parse(text) as { status?: number; grpcCode?: number })[0];
    }
    t.is(line?.status, 499, name);
    t.is(line?.grpcCode, 1, name);
    // Metrics count it the same way (the one clientClosedFirst rule).
    const samples = parseMetrics(await (await fetch(`${lane.url}/metrics`)).text());
    t.is(sampleValue(samples, "protogate_http_requests_total", { rpc: "e2e.v1.EchoService.GetThing", code: "499", grpc_code: "CANCELLED" }), 1, name);
  }
});

test("direct lane: a rate-limited method answers as on the Koa chain, 429 with RateLimit-* and Retry-After at the third call", async (t) => {
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const [direct, koa] = await Promise.all(
      [t.context.direct, t.context.koa].map((lane) => send(lane.url, "GET", "/v1/things/special", {})),
    );
    statuses.push(direct!.status);
    // Seconds left in the window: read on each gateway at a slightly different moment.
    for (const answer of [direct!, koa!]) {
      t.regex(answer.headers["ratelimit-reset"] ?? "", /^\d+$/);
      delete answer.headers["ratelimit-reset"];
      if (answer.status === 429) {
        t.regex(answer.headers["retry-after"] ?? "", /^\d+$/);
        delete answer.headers["retry-after"];
      }
    }
    t.deepEqual(direct, koa);
  }
  t.deepEqual(statuses, [200, 200, 429]);
});
