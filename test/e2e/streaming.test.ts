import anyTest from "ava";
import type { TestFn } from "ava";
import { request as httpRequest } from "node:http";
import type { IncomingMessage } from "node:http";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { STREAM_PROTOS, startStreamBackend } from "../helpers/start-stream-backend.js";
import type { StreamBackend } from "../helpers/start-stream-backend.js";

interface Context {
  readonly backend: StreamBackend;
  readonly gateway: GatewayProcess;
}
// Serial: the tests read the one backend's event log.
const test = (anyTest as TestFn<Context>).serial;

anyTest.before(async (t) => {
  const backend = await startStreamBackend();
  const gateway = await startGateway(["--proto-path", STREAM_PROTOS, "--backend", backend.address]);
  (t.context as Context) = { backend, gateway };
});
anyTest.after.always(async (t) => {
  const context = t.context as Context;
  await context.gateway?.stop();
  await context.backend?.stop();
});

/** The lines of a response body as they arrive. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    pending += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = pending.indexOf("\n")) >= 0) {
      yield pending.slice(0, at);
      pending = pending.slice(at + 1);
    }
  }
  if (pending !== "") yield pending;
}

test("server stream: N messages arrive as N NDJSON lines, each before the backend sends the next", async (t) => {
  const { backend, gateway } = t.context;
  backend.events.length = 0;
  const response = await fetch(`${gateway.url}/v1/count/3?gated=true`);
  t.is(response.status, 200);
  t.is(response.headers.get("content-type"), "application/x-ndjson");
  t.is(response.headers.get("grpc-metadata-x-stream"), "count");
  const received: string[] = [];
  for await (const line of lines(response.body!)) {
    // The backend is gated: it cannot send tick i+1 before we saw line i and released it.
    t.is(backend.events.filter((event) => event.startsWith("Count sent")).length, received.length + 1);
    received.push(line);
    if (received.length < 3) backend.release();
  }
  t.deepEqual(received, [
    '{"result":{"seq":0,"text":"tick 0"}}',
    '{"result":{"seq":1,"text":"tick 1"}}',
    '{"result":{"seq":2,"text":"tick 2"}}',
  ]);
});

test("server stream: a failure after the first message is a final error line", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/count/3?failAfter=2&failCode=9`);
  t.is(response.status, 200);
  t.is(await response.text(), [
    '{"result":{"seq":0,"text":"tick 0"}}',
    '{"result":{"seq":1,"text":"tick 1"}}',
    '{"error":{"code":9,"message":"failed after 2","details":[]}}',
    "",
  ].join("\n"));
});

test("server stream: a failure before the first message gets its real HTTP status and Status body", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/count/3?failAfter=0&failCode=5`);
  t.is(response.status, 404);
  t.is(response.headers.get("content-type"), "application/json; charset=utf-8");
  t.deepEqual(await response.json(), { code: 5, message: "failed after 0", details: [] });
});

test("server stream: zero messages is an empty 200", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/count/0`);
  t.is(response.status, 200);
  t.is(await response.text(), "");
});

test("server stream: Accept: text/event-stream gives SSE data frames and an error event", async (t) => {
  const ok = await fetch(`${t.context.gateway.url}/v1/count/2`, { headers: { accept: "text/event-stream" } });
  t.is(ok.headers.get("content-type"), "text/event-stream");
  t.is(ok.headers.get("cache-control"), "no-cache");
  t.is(await ok.text(), 'data: {"seq":0,"text":"tick 0"}\n\ndata: {"seq":1,"text":"tick 1"}\n\n');
  const failed = await fetch(`${t.context.gateway.url}/v1/count/2?failAfter=1&failCode=10`, { headers: { accept: "text/event-stream" } });
  t.is(
    await failed.text(),
    'data: {"seq":0,"text":"tick 0"}\n\nevent: error\ndata: {"code":10,"message":"failed after 1","details":[]}\n\n',
  );
});

test("server stream: Accept: application/json gives one JSON array", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/count/3`, { headers: { accept: "application/json" } });
  t.is(response.headers.get("content-type"), "application/json");
  t.is(await response.text(), '[{"seq":0,"text":"tick 0"},{"seq":1,"text":"tick 1"},{"seq":2,"text":"tick 2"}]');
  const empty = await fetch(`${t.context.gateway.url}/v1/count/0`, { headers: { accept: "application/json" } });
  t.is(await empty.text(), "[]");
});

test("server stream: a failure mid-array cuts the response off (no valid JSON pretends success)", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/count/3?failAfter=1&failCode=13`, { headers: { accept: "application/json" } });
  t.is(response.status, 200);
  await t.throwsAsync(response.text());
});

test("server stream: backend trailers arrive as HTTP/1.1 chunked trailers", async (t) => {
  const url = new URL(`${t.context.gateway.url}/v1/count/2`);
  const trailers = await new Promise<NodeJS.Dict<string>>((resolve, reject) => {
    httpRequest(url, (res: IncomingMessage) => {
      res.resume();
      res.on("end", () => resolve(res.trailers));
    })
      .on("error", reject)
      .end();
  });
  t.is(trailers["grpc-trailer-x-count"], "2");
});

test("server stream: a client that disconnects cancels the backend call", async (t) => {
  const { backend, gateway } = t.context;
  backend.events.length = 0;
  const abort = new AbortController();
  const response = await fetch(`${gateway.url}/v1/count/5?gated=true`, { signal: abort.signal });
  const reader = lines(response.body!);
  t.is((await reader.next()).value, '{"result":{"seq":0,"text":"tick 0"}}');
  abort.abort();
  await backend.waitFor((events) => events.includes("Count cancelled"));
  backend.release(); // the gated loop wakes, sees the cancellation and stops
  t.false(backend.events.includes("Count done"));
  t.deepEqual(backend.events.filter((event) => event.startsWith("Count sent")), ["Count sent 0"]);
});

test("server stream: a client that stops reading stops the backend through back-pressure", async (t) => {
  const { backend, gateway } = t.context;
  backend.events.length = 0;
  const n = 400;
  const url = new URL(`${gateway.url}/v1/count/${n}?textBytes=65536`);
  const response = await new Promise<IncomingMessage>((resolve, reject) => httpRequest(url, resolve).on("error", reject).end());
  response.pause(); // a client that does not read
  await backend.waitFor((events) => events.some((event) => event.startsWith("Count blocked")));
  // Had the gateway read on regardless of 'drain', it would drain the backend to the end.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.false(backend.events.includes("Count done"));
  const sentWhilePaused = backend.events.filter((event) => event.startsWith("Count sent")).length;
  t.true(sentWhilePaused < n);
  let lines = 0;
  let outOfOrder = 0;
  let tail = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    const parts = (tail + chunk).split("\n");
    tail = parts.pop() ?? "";
    for (const part of parts) {
      if (!part.startsWith(`{"result":{"seq":${lines},"text":"xxx`)) outOfOrder++;
      lines++;
    }
  });
  response.resume();
  await new Promise((resolve) => response.on("end", resolve));
  t.deepEqual([lines, outOfOrder], [n, 0]);
  t.true(backend.events.includes("Count done"));
});

test("server stream: a deadline that passes mid-stream is the final error line (DEADLINE_EXCEEDED)", async (t) => {
  const { backend, gateway } = t.context;
  const response = await fetch(`${gateway.url}/v1/count/2?gated=true`, { headers: { "grpc-timeout": "300m" } });
  const text = await response.text();
  backend.release(); // unblock the gated backend loop; the call is already over
  t.is(response.status, 200);
  t.regex(text, /^\{"result":\{"seq":0,"text":"tick 0"\}\}\n\{"error":\{"code":4,/);
});

test("client stream: a client that disconnects mid-upload cancels the backend call", async (t) => {
  const { backend, gateway } = t.context;
  backend.events.length = 0;
  const abort = new AbortController();
  async function* stalled(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('{"seq":1}\n{"seq":2}\n');
    await backend.waitFor((events) => events.includes("Upload got 1"));
    abort.abort();
    // Never finish the body: a finished generator would end the upload normally.
    await new Promise<never>(() => {});
  }
  const outcome = await fetch(`${gateway.url}/v1/upload`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: stalled(),
    duplex: "half",
    signal: abort.signal,
  } as RequestInit).catch((error: unknown) => error);
  t.is((outcome as { name?: string }).name, "AbortError");
  // grpc-js (Node's Http2Stream.close) may deliver a half-close just before the
  // RST_STREAM, so the backend can see the end of input first; the cancel still arrives.
  await backend.waitFor((events) => events.includes("Upload cancelled"));
  t.pass();
});

/** 100k NDJSON lines; pauses half-way until the backend has seen a message. */
async function* hundredThousandLines(backend: StreamBackend): AsyncGenerator<Uint8Array> {
  let batch = "";
  for (let seq = 1; seq <= 100_000; seq++) {
    if (seq === 50_000) {
      yield Buffer.from(batch);
      batch = "";
      await backend.waitFor((events) => events.includes("Upload got 1"));
    }
    batch += `{"seq":${seq},"text":"line ${seq} ${"x".repeat(20)}"}\n`;
    // Chunks of 100 lines; the split inside a line tests lines that span chunks.
    if (seq % 100 === 0) {
      yield Buffer.from(batch.slice(0, 17));
      yield Buffer.from(batch.slice(17));
      batch = "";
    }
  }
  if (batch !== "") yield Buffer.from(batch);
}

test("client stream: a 100k-line NDJSON body goes through without the gateway buffering it", async (t) => {
  const { backend, gateway } = t.context;
  backend.events.length = 0;
  // If the gateway read the whole body before calling, the backend would see nothing
  // before the end and the generator above would wait forever (the test times out).
  const response = await fetch(`${gateway.url}/v1/upload`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body: hundredThousandLines(backend),
    duplex: "half",
  } as RequestInit);
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { count: 100_000, lastSeq: 100_000 });
  t.true(backend.events.indexOf("Upload got 1") < backend.events.indexOf("Upload ended after 100000"));
});

test("client stream: a bad line is a 400 naming its line number", async (t) => {
  const post = (body: string) =>
    fetch(`${t.context.gateway.url}/v1/upload`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body });
  const malformed = await post('{"seq":1}\n\n{"seq":\n');
  t.is(malformed.status, 400);
  const status = (await malformed.json()) as { code: number; message: string };
  t.is(status.code, 3);
  t.regex(status.message, /^line 3: malformed JSON/);
  const unknown = await post('{"seq":1}\n{"seq":2}\n{"nope":1}\n');
  t.is(unknown.status, 400);
  t.regex(((await unknown.json()) as { message: string }).message, /^line 3: .*nope/);
});

test("client stream: an empty body sends no message and gets the backend's answer", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/upload`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: "" });
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { count: 0, lastSeq: 0 });
});

test("client stream: a non-NDJSON content type is 415", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/upload`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}\n" });
  t.is(response.status, 415);
});

/** POSTs to /v1/chat with a body written piece by piece; returns the request and the response lines. */
async function openChat(gatewayUrl: string, firstLine: string) {
  const request = httpRequest(new URL(`${gatewayUrl}/v1/chat`), {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "transfer-encoding": "chunked" },
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.on("response", resolve).on("error", reject);
    request.write(firstLine);
  });
  return { request, response, reader: lines(response as unknown as ReadableStream<Uint8Array>) };
}

test("bidi stream: answers flow while the request body is still being sent (one HTTP/1.1 exchange)", async (t) => {
  const { request, response, reader } = await openChat(t.context.gateway.url, '{"seq":1,"text":"hello"}\n');
  t.is(response.statusCode, 200);
  t.is((await reader.next()).value, '{"result":{"seq":1,"text":"re: hello"}}');
  request.write('{"seq":2,"text":"again"}\n');
  t.is((await reader.next()).value, '{"result":{"seq":2,"text":"re: again"}}');
  request.end();
  t.true((await reader.next()).done);
});

test("bidi stream: a bad line after answers started is the final error line", async (t) => {
  const { request, response, reader } = await openChat(t.context.gateway.url, '{"seq":1,"text":"a"}\n');
  t.is(response.statusCode, 200);
  t.is((await reader.next()).value, '{"result":{"seq":1,"text":"re: a"}}');
  request.end('{"seq":"x"}\n');
  const last = (await reader.next()).value ?? "";
  t.regex(last, /^\{"error":\{"code":3,"message":"line 2: /);
  t.true((await reader.next()).done);
});
