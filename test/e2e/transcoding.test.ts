import anyTest from "ava";
import type { TestFn } from "ava";
import { gzipSync } from "node:zlib";
import { startEchoGateway } from "../helpers/echo-gateway.js";
import type { EchoGateway } from "../helpers/echo-gateway.js";

const test = anyTest as TestFn<EchoGateway>;

test.before(async (t) => {
  t.context = await startEchoGateway();
});
test.after.always(async (t) => {
  await t.context.stop();
});

async function call(t: { context: EchoGateway }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const response = await fetch(t.context.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

test.serial("transcoding: path variable and query parameters of every kind fill the request", async (t) => {
  const query = [
    "i32=-5", "i64=9007199254740993", "u64=18446744073709551615", "flag=true", "dbl=1.5", "flt=NaN",
    "data=AQID", "color=COLOR_RED", "tags=a", "tags=b", "nums=1", "nums=2", "labels[k]=v",
    "nested.name=x", "nested.child.count=3", "when=2020-01-01T00:00:00Z", "ttl=1.5s", "mask=nested.name,i32",
    "wrapped=7", "name_value=hi", "maybe=", "choice_b=4", "customName=r", "s32=-3", "f64=77", "colors=1", "colors=COLOR_GREEN",
  ].join("&");
  const response = await call(t, "GET", `/v1/things/abc?${query}`);
  t.is(response.status, 200, response.text);
  t.deepEqual(response.json, {
    id: "abc", i32: -5, i64: "9007199254740993", u64: "18446744073709551615", flag: true, dbl: 1.5, flt: "NaN",
    data: "AQID", color: "COLOR_RED", tags: ["a", "b"], nums: [1, 2], labels: { k: "v" },
    nested: { name: "x", child: { count: "3" } }, when: "2020-01-01T00:00:00Z", ttl: "1.500s", mask: "nested.name,i32",
    wrapped: 7, nameValue: "hi", maybe: "", choiceB: 4, customName: "r", s32: -3, f64: "77", colors: ["COLOR_RED", "COLOR_GREEN"],
  });
});

test.serial("transcoding: query parameter names may be json names", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc?nameValue=hi&nested.name=x");
  t.deepEqual(response.json, { id: "abc", nameValue: "hi", nested: { name: "x" } });
});

test.serial("transcoding: additional_bindings route to the same rpc with a nested path field", async (t) => {
  const response = await call(t, "GET", "/v1/nested/nn/things/abc");
  t.deepEqual(response.json, { id: "abc", nested: { name: "nn" } });
});

test.serial("transcoding: body \"*\" is the whole request, proto names accepted", async (t) => {
  const response = await call(t, "POST", "/v1/things", { id: "x", i64: 5, name_value: "n", nested: { name: "m" } });
  t.is(response.status, 200, response.text);
  t.deepEqual(response.json, { id: "x", i64: "5", nameValue: "n", nested: { name: "m" } });
});

test.serial("transcoding: 64-bit integers sent as JSON numbers past 2^53 reach the backend exactly", async (t) => {
  // JSON.parse would make 9223372036854775807 a double (…5808, out of range) and 2^53+1 into 2^53.
  const response = await call(t, "POST", "/v1/things", '{"id":"big","i64":9223372036854775807,"u64":18446744073709551615,"dbl":9007199254740993}');
  t.is(response.status, 200, response.text);
  t.deepEqual(response.json, { id: "big", i64: "9223372036854775807", u64: "18446744073709551615", dbl: 9007199254740992 });
  const exact = await call(t, "POST", "/v1/things", '{"i64":-9007199254740993}');
  t.deepEqual(exact.json, { i64: "-9007199254740993" });
  const over = await call(t, "POST", "/v1/things", '{"i64":9223372036854775808}');
  t.is(over.status, 400, over.text);
  t.regex((over.json as { message: string }).message, /"i64".*9223372036854775808 is out of range for int64/);
  const wrongType = await call(t, "POST", "/v1/things", '{"id":12345678901234567890}');
  t.is(wrongType.status, 400, wrongType.text);
  t.regex((wrongType.json as { message: string }).message, /"id".*expected string, got number/);
});

test.serial("transcoding: an empty or all-whitespace body on a body binding is the empty message", async (t) => {
  for (const body of ["", "  \r\n\t "]) {
    const response = await call(t, "POST", "/v1/things", body);
    t.is(response.status, 200, response.text);
    t.deepEqual(response.json, {});
  }
  const trailing = await call(t, "POST", "/v1/things", ' {"id":"x"} \n');
  t.deepEqual(trailing.json, { id: "x" });
});

test.serial("transcoding: body field binding fills only that field; path fills the rest", async (t) => {
  const response = await call(t, "PUT", "/v1/things/abc/nested", { name: "n", count: "12" });
  t.deepEqual(response.json, { id: "abc", nested: { name: "n", count: "12" } });
});

test.serial("transcoding: path values win over body values", async (t) => {
  const response = await call(t, "PATCH", "/v1/things/abc", { id: "zzz", i32: 1 });
  t.is((response.json as { thing: { id: string } }).thing.id, "abc");
});

test.serial("transcoding: PATCH fills the update mask from the body's keys", async (t) => {
  const response = await call(t, "PATCH", "/v1/things/abc", { i32: 1, nested: { name: "x", count: "2" }, labels: { a: "b" } });
  t.deepEqual(response.json, {
    thing: { id: "abc", i32: 1, nested: { name: "x", count: "2" }, labels: { a: "b" } },
    updateMask: "i32,nested.name,nested.count,labels",
  });
});

test.serial("transcoding: PATCH keeps a mask the client sent", async (t) => {
  const response = await call(t, "PATCH", "/v1/things/abc?update_mask=i32", { i32: 1, flag: true });
  t.is((response.json as { updateMask: string }).updateMask, "i32");
  // In JSON names (Google's and Envoy's `?updateMask=nameValue`) or proto names alike; the
  // backend gets proto names either way (a camelCase path sent on verbatim did not render back: 500).
  for (const query of ["updateMask=nameValue,nested.name", "update_mask=name_value,nested.name"]) {
    const named = await call(t, "PATCH", `/v1/things/abc?${query}`, { nameValue: "n" });
    t.is(named.status, 200, named.text);
    t.is((named.json as { updateMask: string }).updateMask, "nameValue,nested.name", query);
  }
});

test.serial("transcoding: multi-segment capture keeps %2F encoded", async (t) => {
  const response = await call(t, "GET", "/v1/files/a/b%2Fc/d%20e");
  t.deepEqual(response.json, { id: "a/b%2Fc/d e" });
});

test.serial("transcoding: single-segment variable is fully percent-decoded", async (t) => {
  const response = await call(t, "GET", "/v1/things/a%2Fb%20c");
  t.deepEqual(response.json, { id: "a/b c" });
});

test.serial("transcoding: a variable with a segments pattern captures the whole path", async (t) => {
  const response = await call(t, "GET", "/v1/shelves/s1/books/b1");
  t.deepEqual(response.json, { id: "shelves/s1/books/b1" });
});

test.serial("transcoding: custom verb", async (t) => {
  const response = await call(t, "POST", "/v1/things/abc:archive", { i32: 2 });
  t.deepEqual(response.json, { id: "abc", i32: 2 });
  t.is(t.context.backend.calls.at(-1)?.path, "/e2e.v1.EchoService/ArchiveThing");
});

test.serial("transcoding: response_body sends only that field", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc/nested?nested.name=q");
  t.deepEqual(response.json, { name: "q" });
});

test.serial("transcoding: DELETE answering google.protobuf.Empty gives {}", async (t) => {
  const response = await call(t, "DELETE", "/v1/things/abc");
  t.is(response.status, 200);
  t.deepEqual(response.json, {});
});

test.serial("transcoding: a literal route wins over a variable", async (t) => {
  await call(t, "GET", "/v1/things/special");
  t.is(t.context.backend.calls.at(-1)?.path, "/e2e.v1.EchoService/GetLiteral");
});

test.serial("transcoding: custom HEAD binding answers without a body", async (t) => {
  const response = await call(t, "HEAD", "/v1/heads/abc");
  t.is(response.status, 200);
  t.is(response.text, "");
  t.is(t.context.backend.calls.at(-1)?.path, "/e2e.v1.EchoService/HeadThing");
});

test.serial("errors: a path that exists under other methods is 405 with Allow", async (t) => {
  const response = await call(t, "POST", "/v1/things/abc");
  t.is(response.status, 405);
  // GET and DELETE bind /v1/things/{id}; PATCH binds /v1/things/{thing.id}.
  t.is(response.headers.get("allow"), "DELETE, GET, PATCH");
  t.like(response.json as object, { code: 12, details: [] });
});

test.serial("errors: no route is 404 NOT_FOUND", async (t) => {
  const response = await call(t, "GET", "/v2/nothing");
  t.is(response.status, 404);
  t.deepEqual(Object.keys(response.json as object), ["code", "message", "details"]);
  t.like(response.json as object, { code: 5, details: [] });
});

test.serial("errors: an unknown query parameter is a 400 naming it", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc?pge_size=1");
  t.is(response.status, 400);
  t.like(response.json as object, { code: 3, message: 'unknown query parameter "pge_size"' });
});

test.serial("errors: an unparsable query parameter is a 400 naming it", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc?i32=abc");
  t.is(response.status, 400);
  t.regex((response.json as { message: string }).message, /query parameter "i32"/);
});

test.serial("errors: an unknown body field is a 400 naming it", async (t) => {
  const response = await call(t, "POST", "/v1/things", { id: "x", bogus: 1 });
  t.is(response.status, 400);
  t.regex((response.json as { message: string }).message, /"bogus"/);
});

test.serial("errors: a wrong JSON type is a 400 naming the field path", async (t) => {
  const response = await call(t, "POST", "/v1/things", { nested: { count: "twelve" } });
  t.is(response.status, 400);
  t.regex((response.json as { message: string }).message, /nested\.count/);
});

test.serial("errors: an out-of-range number is a 400 naming the field", async (t) => {
  const response = await call(t, "POST", "/v1/things", { i32: 2147483648 });
  t.is(response.status, 400);
  t.regex((response.json as { message: string }).message, /i32/);
});

test.serial("errors: malformed JSON is a 400", async (t) => {
  const response = await call(t, "POST", "/v1/things", "{\"id\": ");
  t.is(response.status, 400);
  t.regex((response.json as { message: string }).message, /^malformed JSON in request body/);
});

test.serial("errors: invalid UTF-8 in the body is a 400 naming where (SPEC §6)", async (t) => {
  const response = await call(t, "POST", "/v1/things", new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]));
  t.is(response.status, 400);
  t.is((response.json as { message: string }).message, 'request body is not valid UTF-8 (in "id")');
  const nested = Buffer.concat([Buffer.from('{"nested":{"name":"ok"},"tags":["a","b'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
  t.is(((await call(t, "POST", "/v1/things", nested)).json as { message: string }).message, 'request body is not valid UTF-8 (in "tags[1]")');
  // Bad bytes where no string is: nothing to name.
  const outside = Buffer.concat([Buffer.from('{"id":"x"}'), Buffer.from([0xff])]);
  t.is(((await call(t, "POST", "/v1/things", outside)).json as { message: string }).message, "request body is not valid UTF-8");
  // Nested 20,000 levels (JSON.parse takes it, a plain recursive search would not): still the plain 400, never a 500.
  const deep = Buffer.concat([Buffer.from(`{"id":${"[".repeat(20_000)}"`), Buffer.from([0xff]), Buffer.from(`"${"]".repeat(20_000)}}`)]);
  const refused = await call(t, "POST", "/v1/things", deep);
  t.is(refused.status, 400, refused.text);
  t.is((refused.json as { message: string }).message, "request body is not valid UTF-8");
});

test.serial("errors: a body that is not JSON is 415 INVALID_ARGUMENT", async (t) => {
  const response = await call(t, "POST", "/v1/things", "id=x", { "content-type": "application/x-www-form-urlencoded" });
  t.is(response.status, 415);
  t.like(response.json as object, { code: 3 });
});

test.serial("body: application/*+json and charset=utf-8 are accepted", async (t) => {
  for (const type of ["application/json; charset=UTF-8", "application/merge-patch+json"]) {
    const response = await call(t, "POST", "/v1/things", { id: "x" }, { "content-type": type });
    t.is(response.status, 200, type);
  }
});

test.serial("body: gzip-encoded bodies are decompressed", async (t) => {
  const response = await call(t, "POST", "/v1/things", gzipSync(JSON.stringify({ id: "zipped" })), {
    "content-type": "application/json",
    "content-encoding": "gzip",
  });
  t.is(response.status, 200, response.text);
  t.deepEqual(response.json, { id: "zipped" });
});

test.serial("errors: a body over the limit is 413 RESOURCE_EXHAUSTED, also after decompression", async (t) => {
  const big = JSON.stringify({ id: "x".repeat(5 * 1024 * 1024) });
  const plain = await call(t, "POST", "/v1/things", big);
  t.is(plain.status, 413);
  t.like(plain.json as object, { code: 8 });
  // The direct lane closes too: the rest of a body over the limit is not drained for keep-alive.
  t.is(plain.headers.get("connection"), "close");
  const zipped = await call(t, "POST", "/v1/things", gzipSync(big), { "content-type": "application/json", "content-encoding": "gzip" });
  t.is(zipped.status, 413);
});

test.serial("errors: backend status, message and details come back as google.rpc.Status", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, {
    "grpc-metadata-fail-code": "5",
    "grpc-metadata-fail-message": "no such thing",
    "grpc-metadata-fail-details": "bad-request",
  });
  t.is(response.status, 404);
  t.deepEqual(response.json, {
    code: 5,
    message: "no such thing",
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        fieldViolations: [{ field: "id", description: "must not be empty" }],
      },
    ],
  });
});

test.serial("errors: a detail of a type the gateway does not know is left out; the others stay", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, {
    "grpc-metadata-fail-code": "3",
    "grpc-metadata-fail-message": "bad",
    "grpc-metadata-fail-details": "bad-request+unknown",
  });
  t.is(response.status, 400);
  t.deepEqual(response.json, {
    code: 3,
    message: "bad",
    details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "id", description: "must not be empty" }] }],
  });
});

const statusCases: ReadonlyArray<readonly [number, number]> = [
  [1, 499], [2, 500], [3, 400], [4, 504], [6, 409], [7, 403], [8, 429], [9, 400], [10, 409],
  [11, 400], [12, 501], [13, 500], [14, 503], [15, 500], [16, 401],
];
for (const [code, status] of statusCases) {
  test(`errors: backend code ${code} is HTTP ${status}`, async (t) => {
    const response = await call(t, "GET", "/v1/things/abc", undefined, { "grpc-metadata-fail-code": String(code) });
    t.is(response.status, status);
    t.like(response.json as object, { code, details: [] });
  });
}

test.serial("deadline: Grpc-Timeout bounds the call and gives 504", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, { "grpc-timeout": "100m", "grpc-metadata-delay-ms": "2000" });
  t.is(response.status, 504);
  t.like(response.json as object, { code: 4 });
});

test.serial("deadline: a malformed Grpc-Timeout is a 400", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, { "grpc-timeout": "soon" });
  t.is(response.status, 400);
});

test.serial("headers: metadata is forwarded, forbidden names are not", async (t) => {
  await call(t, "GET", "/v1/things/meta", undefined, {
    authorization: "Bearer abc",
    "grpc-metadata-tenant": "acme",
    "x-jwt-sub": "forged",
    "grpc-metadata-x-jwt-sub": "forged",
    "x-request-id": "req-42",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  });
  const metadata = t.context.backend.calls.at(-1)!.metadata;
  t.deepEqual(metadata.get("authorization"), ["Bearer abc"]);
  t.deepEqual(metadata.get("tenant"), ["acme"]);
  t.deepEqual(metadata.get("x-jwt-sub"), []);
  t.deepEqual(metadata.get("x-request-id"), ["req-42"]);
  t.deepEqual(metadata.get("traceparent"), ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]);
  t.deepEqual(metadata.get("x-forwarded-for"), ["127.0.0.1"]);
});

test.serial("headers: backend headers and trailers come back prefixed; X-Request-Id always", async (t) => {
  const response = await call(t, "GET", "/v1/things/abc", undefined, {
    "grpc-metadata-reply-header": "served-by=b1",
    "grpc-metadata-reply-trailer": "cost=3",
  });
  t.is(response.headers.get("grpc-metadata-served-by"), "b1");
  t.is(response.headers.get("grpc-trailer-cost"), "3");
  t.regex(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  const notFound = await call(t, "GET", "/nowhere");
  t.truthy(notFound.headers.get("x-request-id"));
});

test.serial("cancel: a client that disconnects cancels the backend call", async (t) => {
  const controller = new AbortController();
  const pending = fetch(`${t.context.url}/v1/things/slow`, { headers: { "grpc-metadata-delay-ms": "3000" }, signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 300));
  controller.abort();
  await t.throwsAsync(pending, { any: true }); // fetch rejects with a DOMException, not an Error
  for (let i = 0; i < 40 && !t.context.backend.cancelled.includes("/e2e.v1.EchoService/GetThing"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.true(t.context.backend.cancelled.includes("/e2e.v1.EchoService/GetThing"));
});
