import anyTest from "ava";
import type { TestFn } from "ava";
import { connect } from "node:net";
import { startEchoGateway } from "../helpers/echo-gateway.js";
import type { EchoGateway } from "../helpers/echo-gateway.js";

const test = anyTest as TestFn<EchoGateway>;
test.before(async (t) => {
  t.context = await startEchoGateway();
});
test.after.always(async (t) => {
  await t.context.stop();
});

/** Sends raw bytes and collects the whole answer until the server closes. */
function raw(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve(answer);
    });
  });
}

const REQUEST_ID = /\r\nx-request-id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\r\n/i;

test("malformed http: a garbage request line is 400 with a Status body and a request id", async (t) => {
  const answer = await raw(t.context.url, "NOT A REQUEST\r\n\r\n");
  t.regex(answer, /^HTTP\/1\.1 400 /);
  t.regex(answer, REQUEST_ID);
  t.true(answer.endsWith('{"code":3,"message":"malformed HTTP request","details":[]}'));
});

test("malformed http: HTTP/1.1 without Host is 400 with a Status body and a request id; HTTP/1.0 needs none", async (t) => {
  const answer = await raw(t.context.url, "GET /v1/things/a HTTP/1.1\r\n\r\n");
  t.regex(answer, /^HTTP\/1\.1 400 /);
  t.regex(answer, REQUEST_ID);
  t.true(answer.endsWith('{"code":3,"message":"HTTP/1.1 request without a Host header","details":[]}'), answer);
  const old = await raw(t.context.url, "GET /v1/things/a HTTP/1.0\r\n\r\n");
  t.regex(old, /^HTTP\/1\.1 200 /);
});

test("malformed http: an absolute-form target (RFC 9112 §3.2.2) is routed by its path and query", async (t) => {
  const answer = await raw(t.context.url, "GET http://api.example/v1/things/abs?i32=7 HTTP/1.1\r\nHost: api.example\r\nConnection: close\r\n\r\n");
  t.regex(answer, /^HTTP\/1\.1 200 /);
  t.regex(answer, /"id":"abs"/);
  t.regex(answer, /"i32":7/);
});

test("malformed http: an Expect other than 100-continue is 417 with a Status body and a request id", async (t) => {
  const answer = await raw(t.context.url, "GET /v1/things/a HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n");
  t.regex(answer, /^HTTP\/1\.1 417 /);
  t.regex(answer, REQUEST_ID);
  t.true(answer.endsWith('{"code":9,"message":"unsupported Expect header (only 100-continue is)","details":[]}'), answer);
});

test("malformed http: oversized headers are 431 with a Status body", async (t) => {
  const answer = await raw(t.context.url, `GET /v1/things/a HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
  t.regex(answer, /^HTTP\/1\.1 431 /);
  t.regex(answer, REQUEST_ID);
  t.true(answer.endsWith('{"code":8,"message":"request headers are too large","details":[]}'));
});

test("malformed http: the gateway still answers after bad requests", async (t) => {
  await raw(t.context.url, "\x00\x01\x02\r\n\r\n");
  const response = await fetch(`${t.context.url}/healthz`);
  t.is(response.status, 200);
});

test("malformed http: a metadata value gRPC cannot carry is dropped, never a 5xx; X-Forwarded-Host is set", async (t) => {
  // Raw bytes: fetch would refuse or re-encode the non-ASCII value before it left.
  const answer = await raw(
    t.context.url,
    "GET /v1/things/abc HTTP/1.1\r\nHost: api.example\r\nGrpc-Metadata-Bad: caf\u00e9\r\nGrpc-Metadata-Good: ok\r\nConnection: close\r\n\r\n",
  );
  t.regex(answer, /^HTTP\/1\.1 200 /);
  const call = t.context.backend.calls.find((c) => c.metadata.get("good")[0] === "ok");
  t.truthy(call, "the call reached the backend");
  t.deepEqual(call?.metadata.get("bad"), []);
  t.deepEqual(call?.metadata.get("x-forwarded-host"), ["api.example"]);
});

test("malformed http: a declared body that arrives in pieces is read whole", async (t) => {
  const { hostname, port } = new URL(t.context.url);
  const body = JSON.stringify({ id: "pieces", tags: ["x".repeat(3000)] });
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 100)}`);
      setTimeout(() => socket.write(body.slice(100, 2000)), 50);
      setTimeout(() => socket.write(body.slice(2000)), 100);
    });
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
  t.regex(answer, /^HTTP\/1\.1 200 /);
  t.true(answer.includes('"id":"pieces"') && answer.includes("x".repeat(3000)));
});

test("malformed http: a client that leaves before its declared body ends: no backend call, a 499 line, the gateway goes on", async (t) => {
  const { hostname, port } = new URL(t.context.url);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write('POST /v1/things HTTP/1.1\r\nHost: x\r\nX-Request-Id: leaves-early\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":');
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
  });
  const line = async (): Promise<string | undefined> => t.context.gateway.output().split("\n").find((text) => text.includes('"requestId":"leaves-early"'));
  for (let i = 0; i < 50 && (await line()) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  t.like(JSON.parse((await line()) ?? "{}") as object, { status: 499, method: "POST" });
  t.false(t.context.backend.calls.some((call) => call.metadata.get("x-request-id")[0] === "leaves-early"));
  t.is((await fetch(`${t.context.url}/healthz`)).status, 200);
});

/** Sends a request head, then `chunks` as chunked transfer coding, and collects the answer. */
function chunked(url: string, head: string, chunks: readonly Buffer[]): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${head}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n`);
      for (const chunk of chunks) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]));
      socket.write("0\r\n\r\n");
    });
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("end", () => resolve(answer));
    socket.on("error", (error) => (answer === "" ? reject(error) : resolve(answer)));
  });
}

test("malformed http: a chunked body (no Content-Length) over the limit is 413 with a Status body", async (t) => {
  const piece = Buffer.alloc(1024 * 1024, "x");
  const answer = await chunked(t.context.url, "POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n", [Buffer.from('{"id":"'), piece, piece, piece, piece, piece]);
  t.regex(answer, /^HTTP\/1\.1 413 /);
  t.regex(answer, /\{"code":8,"message":"request body exceeds the limit of \d+ bytes","details":\[\]\}$/);
});

test("malformed http: a gzip body that is not gzip is 400 naming the encoding", async (t) => {
  const answer = await chunked(t.context.url, "POST /v1/things HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n", [Buffer.from("this is not gzip at all")]);
  t.regex(answer, /^HTTP\/1\.1 400 /);
  t.true(answer.includes("cannot decode request body (Content-Encoding gzip)"), answer);
});
