import anyTest from "ava";
import type { TestFn } from "ava";
import { startEchoGateway } from "../helpers/echo-gateway.js";
import type { EchoGateway } from "../helpers/echo-gateway.js";

// The echo transcoding suite's key cases with `transport: native` for the backend
// (--backend replaces the "*" entry's address and keeps its transport).
const test = anyTest as TestFn<EchoGateway>;

const CONFIG = `json: { emitUnpopulated: false }
backends:
  - selector: "*"
    address: "127.0.0.1:1"
    transport: native
`;

test.before(async (t) => {
  t.context = await startEchoGateway(CONFIG);
});
test.after.always(async (t) => {
  await t.context.stop();
});

async function call(t: { context: EchoGateway }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const response = await fetch(t.context.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

test.serial("native transport e2e: calls reach the backend over the native transport", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc?i64=9007199254740993&tags=a&tags=b&nested.name=x");
  t.is(response.status, 200, response.text);
  t.deepEqual(response.json, { id: "abc", i64: "9007199254740993", tags: ["a", "b"], nested: { name: "x" } });
  const userAgent = String(t.context.backend.calls.at(-1)?.metadata.get("user-agent")[0] ?? "");
  t.true(userAgent.startsWith("protogate-native/1"), userAgent);
});

test.serial("native transport e2e: body \"*\" and a body field binding", async (t) => {
  const whole = await call(t, "POST", "/v1/things", { id: "x", i64: 5, name_value: "n", nested: { name: "m" } });
  t.deepEqual(whole.json, { id: "x", i64: "5", nameValue: "n", nested: { name: "m" } });
  const field = await call(t, "PUT", "/v1/things/abc/nested", { name: "n", count: "12" });
  t.deepEqual(field.json, { id: "abc", nested: { name: "n", count: "12" } });
});

test.serial("native transport e2e: backend status, message and details come back as google.rpc.Status", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, {
    "grpc-metadata-fail-code": "5",
    "grpc-metadata-fail-message": "no such thing",
    "grpc-metadata-fail-details": "bad-request",
  });
  t.is(response.status, 404);
  t.deepEqual(response.json, {
    code: 5,
    message: "no such thing",
    details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "id", description: "must not be empty" }] }],
  });
});

for (const [code, status] of [[3, 400], [7, 403], [12, 501], [14, 503], [16, 401]] as const) {
  test.serial(`native transport e2e: backend code ${code} is HTTP ${status}`, async (t) => {
    const response = await call(t, "GET", "/v1/things/abc", undefined, { "grpc-metadata-fail-code": String(code) });
    t.is(response.status, status);
    t.like(response.json as object, { code, details: [] });
  });
}

test.serial("native transport e2e: Grpc-Timeout bounds the call and gives 504", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, { "grpc-timeout": "100m", "grpc-metadata-delay-ms": "2000" });
  t.is(response.status, 504);
  t.like(response.json as object, { code: 4 });
});

test.serial("native transport e2e: metadata forwarded; backend headers and trailers come back prefixed", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, {
    "grpc-metadata-tenant": "acme",
    "grpc-metadata-reply-header": "served-by=b1",
    "grpc-metadata-reply-trailer": "cost=3",
  });
  t.is(response.headers.get("grpc-metadata-served-by"), "b1");
  t.is(response.headers.get("grpc-trailer-cost"), "3");
  t.deepEqual(t.context.backend.calls.at(-1)?.metadata.get("tenant"), ["acme"]);
});

test.serial("native transport e2e: a client that disconnects cancels the backend call", async (t) => {
  const controller = new AbortController();
  const pending = fetch(`${t.context.url}/v1/things/slow`, { headers: { "grpc-metadata-delay-ms": "3000" }, signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 300));
  controller.abort();
  await t.throwsAsync(pending, { any: true });
  for (let i = 0; i < 40 && !t.context.backend.cancelled.includes("/e2e.v1.EchoService/GetThing"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.true(t.context.backend.cancelled.includes("/e2e.v1.EchoService/GetThing"));
});
