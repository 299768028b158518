import anyTest from "ava";
import type { TestFn } from "ava";
import { createHash } from "node:crypto";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { STREAM_PROTOS, fileBytes, startStreamBackend } from "../helpers/start-stream-backend.js";
import type { StreamBackend } from "../helpers/start-stream-backend.js";

interface Context {
  readonly backend: StreamBackend;
  readonly gateway: GatewayProcess;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const backend = await startStreamBackend();
  const gateway = await startGateway(["--proto-path", STREAM_PROTOS, "--backend", backend.address]);
  t.context = { backend, gateway };
});
test.after.always(async (t) => {
  await t.context.gateway?.stop();
  await t.context.backend?.stop();
});

test("http-body: an HttpBody response is its raw bytes with its content type", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/files/cover`);
  t.is(response.status, 200);
  t.is(response.headers.get("content-type"), "image/png");
  t.deepEqual(Buffer.from(await response.arrayBuffer()), fileBytes("cover"));
});

test("http-body: a failed HttpBody call is still a Status JSON", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/files/missing`);
  t.is(response.status, 404);
  t.deepEqual(await response.json(), { code: 5, message: "no such file", details: [] });
});

test("http-body: a streamed HttpBody response concatenates the chunks under the first chunk's type", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/files/report:stream?parts=3`);
  t.is(response.headers.get("content-type"), "text/csv");
  t.is(await response.text(), "row 0\nrow 1\nrow 2\n");
});

test("http-body: a body field of type HttpBody takes the raw body and its content type, the rest from path and query", async (t) => {
  const body = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
  const response = await fetch(`${t.context.gateway.url}/v1/files/raw.bin?note=first`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body,
  });
  t.is(response.status, 200);
  t.deepEqual(await response.json(), {
    name: "raw.bin",
    note: "first",
    contentType: "application/octet-stream",
    size: 7,
    sha: createHash("sha256").update(body).digest("hex"),
  });
});

test("http-body: any media type is accepted (no JSON check, no 415), invalid JSON included", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/files/notes.txt`, {
    method: "POST",
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: "{not json",
  });
  t.is(response.status, 200);
  t.like(await response.json(), { contentType: "text/plain; charset=utf-8", size: 9 });
});

test("http-body: an HttpBody request and response round-trip the bytes", async (t) => {
  const body = Buffer.from("<svg/>\u0000\u00ff", "latin1");
  const response = await fetch(`${t.context.gateway.url}/v1/echo`, { method: "POST", headers: { "content-type": "image/svg+xml" }, body });
  t.is(response.headers.get("content-type"), "echo+image/svg+xml");
  t.deepEqual(Buffer.from(await response.arrayBuffer()), body);
});

test("http-body: the size limit applies to raw bodies (413)", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/echo`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: Buffer.alloc(5 * 1024 * 1024),
  });
  t.is(response.status, 413);
  // The rest of the body is not drained for keep-alive (through the Koa chain too).
  t.is(response.headers.get("connection"), "close");
  t.is(((await response.json()) as { code: number }).code, 8);
});
