import anyTest from "ava";
import type { TestFn } from "ava";
import * as grpc from "@grpc/grpc-js";
import { constants as h2, createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";
import { NativeTransport } from "../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../src/runtime/backend/transport.js";
import type { MetadataPairs, ResponseStream, ServerStreamRequest, Transport } from "../../src/runtime/backend/transport.js";
import { BUNDLED_DIR } from "../helpers/paths.js";
import { drainedOrCancelled, rawMethod } from "../helpers/raw-grpc.js";

// Streaming calls over the native transport against real @grpc/grpc-js servers (and
// node:http2 servers for what grpc-js never does on purpose).

const PATH = "/test.Stream/Messages";
const UPLOAD = "/test.Stream/Upload";
const CHAT = "/test.Stream/Chat";
const MiB = 1024 * 1024;

/** What the test server does for one call; sent as the JSON request message. */
interface Script {
  /** Messages to send; message i is `size` bytes of (i % 251), or its decimal index when size is 0. */
  readonly n: number;
  readonly size?: number;
  /** After this many messages, fail with `failCode` (0 messages: a trailers-only answer). */
  readonly failAfter?: number;
  readonly failCode?: number;
  readonly failMessage?: string;
  /** Attach a google.rpc.Status in grpc-status-details-bin to the failure. */
  readonly details?: boolean;
  /** After this many messages, send nothing more and wait (for cancel, deadline, kill). */
  readonly stallAfter?: number;
  /** Honour write()'s back-pressure (wait for 'drain'), counting what was written. */
  readonly paced?: boolean;
  /** Echoed back so concurrent calls can check they got their own stream. */
  readonly tag?: string;
}

interface Server {
  address: string;
  /** Calls the client cancelled (RST_STREAM seen by grpc-js), in order of cancellation. */
  readonly cancelled: string[];
  /** Messages the paced handler has handed to grpc-js so far, and whether it waits for 'drain'. */
  readonly paced: { written: number; blocked: boolean };
  /** grpc-timeout of the last call as grpc-js saw it (its deadline), or Infinity. */
  lastDeadline: number;
  /** Upload: messages received so far; while `uploadPaused`, the server does not read. */
  uploaded: number;
  uploadPaused: boolean;
  resumeUpload(): void;
  readonly server: grpc.Server;
  stop(): Promise<void>;
}

function messageFor(script: Script, i: number): Buffer {
  if (!script.size) return Buffer.from(`${script.tag ?? ""}${i}`);
  return Buffer.alloc(script.size, i % 251);
}

let statusTypes: protobuf.Root | undefined;
function statusDetails(code: number, message: string): Buffer {
  statusTypes ??= protobuf.loadSync([`${BUNDLED_DIR}google/rpc/status.proto`]);
  const Status = statusTypes.lookupType("google.rpc.Status");
  return Buffer.from(Status.encode(Status.create({ code, message })).finish());
}

async function startServer(): Promise<Server> {
  const server = new grpc.Server();
  const state: Server = {
    address: "",
    cancelled: [],
    paced: { written: 0, blocked: false },
    lastDeadline: Infinity,
    uploaded: 0,
    uploadPaused: false,
    resumeUpload: () => undefined,
    server,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  server.addService(
    { Messages: rawMethod(PATH, false, true), Upload: rawMethod(UPLOAD, true, false), Chat: rawMethod(CHAT, true, true) },
    {
      // Metadata steers it: "tag" names the call, "pause" starts it not reading,
      // "answer-after" answers after that many messages without waiting for the end.
      Upload: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const tag = String(call.metadata.get("tag")[0] ?? "");
        const answerAfter = Number(call.metadata.get("answer-after")[0] ?? 0);
        let count = 0;
        let bytes = 0;
        let answered = false;
        state.uploaded = 0;
        const answer = (): void => {
          if (answered) return;
          answered = true;
          const trailers = new grpc.Metadata();
          trailers.set("x-count", String(count));
          callback(null, Buffer.from(JSON.stringify({ count, bytes })), trailers);
        };
        call.on("cancelled", () => state.cancelled.push(tag));
        call.on("data", (chunk: Buffer) => {
          count++;
          bytes += chunk.length;
          state.uploaded = count;
          if (count === answerAfter) answer();
        });
        call.on("end", answer);
        if (call.metadata.get("pause").length > 0) {
          call.pause();
          state.uploadPaused = true;
          state.resumeUpload = () => {
            state.uploadPaused = false;
            call.resume();
          };
        }
      },
      Chat: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        const tag = String(call.metadata.get("tag")[0] ?? "");
        call.on("cancelled", () => state.cancelled.push(tag));
        call.on("data", (chunk: Buffer) => call.write(Buffer.concat([Buffer.from("re:"), chunk])));
        call.on("end", () => call.end());
      },
      Messages: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const script = JSON.parse(call.request.toString()) as Script;
        const deadline = call.getDeadline();
        state.lastDeadline = deadline instanceof Date ? deadline.getTime() : Number(deadline);
        call.on("cancelled", () => state.cancelled.push(script.tag ?? ""));
        const fail = (): void => {
          const metadata = new grpc.Metadata();
          metadata.set("x-why", "scripted");
          const code = script.failCode ?? grpc.status.INTERNAL;
          if (script.details) metadata.set("grpc-status-details-bin", statusDetails(code, script.failMessage ?? ""));
          call.emit("error", { code, details: script.failMessage ?? "", metadata });
        };
        if (script.failAfter === 0) {
          fail(); // before any header: grpc-js answers trailers-only
          return;
        }
        const header = new grpc.Metadata();
        header.set("x-stream", script.tag ?? "yes");
        call.sendMetadata(header);
        void (async () => {
          for (let i = 0; i < script.n; i++) {
            if (call.cancelled) return;
            if (script.failAfter === i) return fail();
            if (script.stallAfter === i) return;
            const ok = call.write(messageFor(script, i));
            if (script.paced) {
              state.paced.written = i + 1;
              if (!ok) {
                state.paced.blocked = true;
                await drainedOrCancelled(call);
                state.paced.blocked = false;
              }
            } else if (i % 64 === 63) {
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
          if (script.failAfter === script.n) return fail();
          const trailers = new grpc.Metadata();
          trailers.set("x-count", String(script.n));
          call.end(trailers);
        })();
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  state.address = `127.0.0.1:${port}`;
  return state;
}

function nativeFor(address: string): NativeTransport {
  return new NativeTransport({ address });
}

interface Context {
  readonly backend: Server;
  readonly native: NativeTransport;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const backend = await startServer();
  t.context = { backend, native: nativeFor(backend.address) };
});
test.after.always(async (t) => {
  t.context.native.close();
  await t.context.backend.stop();
});

function streamOf(transport: Transport, script: Script, extra: Partial<ServerStreamRequest> = {}): ResponseStream {
  return transport.serverStream({ path: PATH, message: Buffer.from(JSON.stringify(script)), metadata: [], deadline: undefined, signal: undefined, ...extra });
}

/** Reads the whole stream: its messages and, when it failed, the status error. */
async function drain(stream: ResponseStream): Promise<{ messages: Buffer[]; error: BackendStatusError | undefined }> {
  const messages: Buffer[] = [];
  try {
    for await (const message of stream) messages.push(Buffer.from(message));
  } catch (error: unknown) {
    if (error instanceof BackendStatusError) return { messages, error };
    throw error;
  }
  return { messages, error: undefined };
}

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
}

const keys = (pairs: MetadataPairs): string[] => pairs.map(([key]) => key);

test.serial("native stream: 10,000 messages in order; headers after the first, trailers after the end", async (t) => {
  const stream = streamOf(t.context.native, { n: 10_000, tag: "m" });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  t.is(Buffer.from(first.value as Uint8Array).toString(), "m0");
  t.deepEqual(stream.headers, [["x-stream", "m"]]);
  t.deepEqual(stream.trailers, []);
  let count = 1;
  let outOfOrder = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    if (Buffer.from(next.value).toString() !== `m${count}`) outOfOrder++;
    count++;
  }
  t.deepEqual([count, outOfOrder], [10_000, 0]);
  t.deepEqual(stream.trailers, [["x-count", "10000"]]);
  t.true((await iterator.next()).done);
});

test.serial("native stream: zero messages ends at once with headers and trailers", async (t) => {
  const stream = streamOf(t.context.native, { n: 0, tag: "z" });
  const { messages, error } = await drain(stream);
  t.deepEqual([messages.length, error], [0, undefined]);
  t.deepEqual(stream.headers, [["x-stream", "z"]]);
  t.deepEqual(stream.trailers, [["x-count", "0"]]);
});

test.serial("native stream: 6 MiB messages (above the 4 MiB window) cross many DATA frames intact", async (t) => {
  const { messages, error } = await drain(streamOf(t.context.native, { n: 3, size: 6 * MiB }));
  t.is(error, undefined);
  t.deepEqual(
    messages.map((message) => message.length),
    [6 * MiB, 6 * MiB, 6 * MiB],
  );
  for (const [i, message] of messages.entries()) t.true(message.equals(Buffer.alloc(6 * MiB, i)), `message ${i}`);
});

test.serial("native stream: a consumer that does not read keeps the server's writes pending (bounded buffering)", async (t) => {
  const backend = await startServer();
  const native = nativeFor(backend.address);
  try {
    const size = 64 * 1024;
    const n = 400; // 25 MiB: far beyond the 4 MiB stream window
    const iterator = streamOf(native, { n, size, paced: true })[Symbol.asyncIterator]();
    t.false((await iterator.next()).done);
    await waitFor(() => backend.paced.blocked);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Had the transport granted window regardless of reads, the server would be done by now.
    t.true(backend.paced.blocked, "server waits for drain");
    const writtenWhileIdle = backend.paced.written;
    t.log(`server wrote ${writtenWhileIdle} of ${n} messages (${((writtenWhileIdle * size) / MiB).toFixed(1)} MiB) while nobody read`);
    t.true(writtenWhileIdle * size < 4 * MiB + 2 * MiB, `server wrote ${writtenWhileIdle} messages while nobody read`);
    let count = 1;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      t.is(next.value.length, size);
      count++;
    }
    t.is(count, n);
  } finally {
    native.close();
    await backend.stop();
  }
});

test.serial("native stream: an error status mid-stream comes after the messages, percent-decoded, with details", async (t) => {
  const failMessage = "broke: 100% ünïcode";
  const stream = streamOf(t.context.native, { n: 5, failAfter: 3, failCode: grpc.status.FAILED_PRECONDITION, failMessage, details: true });
  const { messages, error } = await drain(stream);
  t.is(messages.length, 3);
  t.true(error instanceof BackendStatusError);
  t.is(error?.code, grpc.status.FAILED_PRECONDITION);
  t.is(error?.details, failMessage);
  t.deepEqual(Buffer.from(error?.statusDetails ?? []), statusDetails(grpc.status.FAILED_PRECONDITION, failMessage));
  t.deepEqual(error?.headers, [["x-stream", "yes"]]);
  t.deepEqual(error?.trailers, [["x-why", "scripted"]]);
  t.deepEqual(stream.trailers, [["x-why", "scripted"]]);
});

test.serial("native stream: a trailers-only error throws on the first read, without response headers", async (t) => {
  const stream = streamOf(t.context.native, { n: 5, failAfter: 0, failCode: grpc.status.NOT_FOUND, failMessage: "no such stream", details: true });
  const { messages, error } = await drain(stream);
  t.is(messages.length, 0);
  t.is(error?.code, grpc.status.NOT_FOUND);
  t.is(error?.details, "no such stream");
  t.true((error?.statusDetails?.length ?? 0) > 0);
  t.deepEqual(error?.headers, []);
  t.deepEqual(keys(error?.trailers ?? []), ["x-why"]);
});

test.serial("native stream: an unknown method is UNIMPLEMENTED", async (t) => {
  const stream = t.context.native.serverStream({ path: "/test.Stream/Missing", message: Buffer.from("{}"), metadata: [], deadline: undefined, signal: undefined });
  t.is((await drain(stream)).error?.code, grpc.status.UNIMPLEMENTED);
});

test.serial("native stream: leaving the loop early cancels the call (the server sees it)", async (t) => {
  const { backend, native } = t.context;
  const received: string[] = [];
  for await (const message of streamOf(native, { n: 1_000_000, tag: "brk" })) {
    received.push(Buffer.from(message).toString());
    if (received.length === 2) break;
  }
  t.deepEqual(received, ["brk0", "brk1"]);
  await waitFor(() => backend.cancelled.includes("brk"));
  t.true(backend.cancelled.includes("brk"));
});

test.serial("native stream: aborting the signal fails the pending read CANCELLED and cancels the call", async (t) => {
  const { backend, native } = t.context;
  const abort = new AbortController();
  const iterator = streamOf(native, { n: 10, stallAfter: 1, tag: "sig" }, { signal: abort.signal })[Symbol.asyncIterator]();
  t.is(Buffer.from((await iterator.next()).value as Uint8Array).toString(), "sig0");
  const pending = iterator.next();
  setTimeout(() => abort.abort(), 50);
  const error = await t.throwsAsync(pending, { instanceOf: BackendStatusError });
  t.is(error?.code, grpc.status.CANCELLED);
  await waitFor(() => backend.cancelled.includes("sig"));
  t.true(backend.cancelled.includes("sig"));
  t.true((await iterator.next()).done);
});

test.serial("native stream: an already aborted signal fails the first read CANCELLED", async (t) => {
  const abort = new AbortController();
  abort.abort();
  const { error } = await drain(streamOf(t.context.native, { n: 1 }, { signal: abort.signal }));
  t.is(error?.code, grpc.status.CANCELLED);
});

test.serial("native stream: the deadline (sent as grpc-timeout) ends a stalled stream DEADLINE_EXCEEDED and resets it", async (t) => {
  const { backend, native } = t.context;
  const deadline = Date.now() + 300;
  const started = Date.now();
  const { messages, error } = await drain(streamOf(native, { n: 10, stallAfter: 2, tag: "ddl" }, { deadline }));
  t.is(messages.length, 2);
  t.is(error?.code, grpc.status.DEADLINE_EXCEEDED);
  t.true(Date.now() - started < 2000);
  t.true(Math.abs(backend.lastDeadline - deadline) < 200, `server deadline ${backend.lastDeadline - deadline} ms off`);
  await waitFor(() => backend.cancelled.includes("ddl"));
  t.true(backend.cancelled.includes("ddl"));
});

test.serial("native stream: the local deadline timer alone ends the call, with RST_STREAM(CANCEL), when the server ignores grpc-timeout", async (t) => {
  const resets: number[] = [];
  const server = createServer();
  server.on("stream", (stream) => {
    stream.on("error", () => undefined);
    stream.on("close", () => resets.push(stream.rstCode));
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.write(Buffer.from([0, 0, 0, 0, 1, 0x78])); // one message, then silence
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const native = nativeFor(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const { messages, error } = await drain(streamOf(native, { n: 1 }, { deadline: Date.now() + 200 }));
    t.deepEqual(messages.map(String), ["x"]);
    t.is(error?.code, grpc.status.DEADLINE_EXCEEDED);
    await waitFor(() => resets.length > 0);
    t.deepEqual(resets, [0x8]);
  } finally {
    native.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.serial("native stream: a server killed mid-stream fails the pending read UNAVAILABLE", async (t) => {
  const backend = await startServer();
  const native = nativeFor(backend.address);
  try {
    const iterator = streamOf(native, { n: 10, stallAfter: 1 })[Symbol.asyncIterator]();
    t.false((await iterator.next()).done);
    const pending = iterator.next();
    backend.server.forceShutdown();
    const error = await t.throwsAsync(pending, { instanceOf: BackendStatusError });
    t.is(error?.code, grpc.status.UNAVAILABLE);
  } finally {
    native.close();
  }
});

test.serial("native stream: after GOAWAY a running stream goes on; the connection lost then ends it UNAVAILABLE", async (t) => {
  const framed = (text: string): Buffer => {
    const out = Buffer.alloc(5 + text.length);
    out.writeUInt32BE(text.length, 1);
    out.write(text, 5);
    return out;
  };
  let streams = 0;
  const server = createServer();
  server.on("stream", (stream) => {
    streams++;
    stream.on("error", () => undefined);
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.write(framed("before"), () => {
      // Graceful GOAWAY: node:http2 names our stream as processed, so it may finish...
      stream.session?.goaway(0, 0);
      stream.write(framed("after"), () => setTimeout(() => stream.session?.destroy(), 50));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const native = nativeFor(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const { messages, error } = await drain(streamOf(native, { n: 1 }));
    t.deepEqual(messages.map(String), ["before", "after"]);
    // ...but the server went away before its trailers: an answered stream is not retried.
    t.is(error?.code, grpc.status.UNAVAILABLE);
    t.is(streams, 1);
  } finally {
    native.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.serial("native stream: several messages in one DATA frame and a message cut into 1-byte frames", async (t) => {
  const framed = (text: string): Buffer => {
    const body = Buffer.from(text);
    const out = Buffer.alloc(5 + body.length);
    out.writeUInt32BE(body.length, 1);
    body.copy(out, 5);
    return out;
  };
  const server = createServer();
  server.on("stream", (stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-done": "1" }));
    stream.on("error", () => undefined);
    void (async () => {
      stream.write(Buffer.concat([framed("a"), framed(""), framed("bc"), framed("def").subarray(0, 3)]));
      // The rest of "def", then "ghij" one byte per DATA frame (each write its own frame).
      const rest = Buffer.concat([framed("def").subarray(3), framed("ghij")]);
      for (const byte of rest) {
        await new Promise<void>((resolve) => stream.write(Buffer.from([byte]), () => setImmediate(resolve)));
      }
      stream.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const native = nativeFor(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const stream = streamOf(native, { n: 0 });
    const { messages, error } = await drain(stream);
    t.is(error, undefined);
    t.deepEqual(messages.map(String), ["a", "", "bc", "def", "ghij"]);
    t.deepEqual(stream.trailers, [["x-done", "1"]]);
  } finally {
    native.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.serial("native stream: 100 concurrent streams each get their own messages", async (t) => {
  const results = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const tag = `c${i}-`;
      const { messages, error } = await drain(streamOf(t.context.native, { n: 200, tag }));
      return error === undefined && messages.length === 200 && messages.every((message, j) => message.toString() === `${tag}${j}`);
    }),
  );
  t.is(results.filter(Boolean).length, 100);
});

test.serial("native stream: a connection refused is UNAVAILABLE", async (t) => {
  const native = nativeFor("127.0.0.1:1");
  try {
    const { error } = await drain(streamOf(native, { n: 1 }));
    t.is(error?.code, grpc.status.UNAVAILABLE);
  } finally {
    native.close();
  }
});

const streamRequest = (path: string, metadata: MetadataPairs = [], extra: Partial<ServerStreamRequest> = {}) => ({ path, metadata, deadline: undefined, signal: undefined, ...extra });

test.serial("native client stream: 2,000 messages, then one response with headers and trailers", async (t) => {
  const call = t.context.native.clientStream(streamRequest(UPLOAD));
  let bytes = 0;
  for (let i = 0; i < 2000; i++) {
    const message = Buffer.alloc(i % 300, i % 256);
    bytes += message.length;
    t.true(await call.requests.write(message));
  }
  call.requests.end();
  const response = await call.response;
  t.deepEqual(JSON.parse(Buffer.from(response.message).toString()), { count: 2000, bytes });
  t.deepEqual(response.trailers, [["x-count", "2000"]]);
  t.false(await call.requests.write(Buffer.from("late")));
});

test.serial("native client stream: an empty request stream and 3 MiB request messages (grpc-js servers take at most 4 MiB)", async (t) => {
  const empty = t.context.native.clientStream(streamRequest(UPLOAD));
  empty.requests.end();
  t.deepEqual(JSON.parse(Buffer.from((await empty.response).message).toString()), { count: 0, bytes: 0 });
  const large = t.context.native.clientStream(streamRequest(UPLOAD));
  for (let i = 0; i < 3; i++) t.true(await large.requests.write(Buffer.alloc(3 * MiB, i)));
  large.requests.end();
  t.deepEqual(JSON.parse(Buffer.from((await large.response).message).toString()), { count: 3, bytes: 9 * MiB });
});

test.serial("native client stream: a server that does not read holds the writes (back-pressure), then gets them all", async (t) => {
  const backend = await startServer();
  const native = nativeFor(backend.address);
  try {
    const call = native.clientStream(streamRequest(UPLOAD, [["pause", "1"]]));
    const size = 64 * 1024;
    const n = 400; // 25 MiB
    let resolved = 0;
    const writing = (async () => {
      for (let i = 0; i < n; i++) {
        if (!(await call.requests.write(Buffer.alloc(size, i % 256)))) return false;
        resolved++;
      }
      call.requests.end();
      return true;
    })();
    await waitFor(() => backend.uploadPaused);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Had write() resolved regardless of the server's window, all 400 would be done.
    t.log(`${resolved} of ${n} writes resolved while the server did not read`);
    t.true(resolved * size < 4 * MiB, `${resolved} writes resolved while the server did not read`);
    backend.resumeUpload();
    t.true(await writing);
    t.deepEqual(JSON.parse(Buffer.from((await call.response).message).toString()), { count: n, bytes: n * size });
  } finally {
    native.close();
    await backend.stop();
  }
});

test.serial("native client stream: a server that answers before the end: response OK, later writes resolve false", async (t) => {
  const call = t.context.native.clientStream(streamRequest(UPLOAD, [["answer-after", "2"]]));
  t.true(await call.requests.write(Buffer.from("a")));
  t.true(await call.requests.write(Buffer.from("b")));
  const response = await call.response;
  t.deepEqual(JSON.parse(Buffer.from(response.message).toString()), { count: 2, bytes: 2 });
  t.false(await call.requests.write(Buffer.from("c")));
  call.requests.end(); // harmless after the end
});

test.serial("native client stream: the signal cancels (the server sees it); the deadline is DEADLINE_EXCEEDED", async (t) => {
  const { backend, native } = t.context;
  const abort = new AbortController();
  const cancelled = native.clientStream(streamRequest(UPLOAD, [["tag", "up-sig"]], { signal: abort.signal }));
  t.true(await cancelled.requests.write(Buffer.from("a")));
  await waitFor(() => backend.uploaded === 1);
  abort.abort();
  t.is((await t.throwsAsync(cancelled.response, { instanceOf: BackendStatusError }))?.code, grpc.status.CANCELLED);
  t.false(await cancelled.requests.write(Buffer.from("b")));
  await waitFor(() => backend.cancelled.includes("up-sig"));
  t.true(backend.cancelled.includes("up-sig"));
  const late = native.clientStream(streamRequest(UPLOAD, [], { deadline: Date.now() + 200 }));
  t.true(await late.requests.write(Buffer.from("a")));
  t.is((await t.throwsAsync(late.response, { instanceOf: BackendStatusError }))?.code, grpc.status.DEADLINE_EXCEEDED);
});

test.serial("native bidi stream: answers interleave with requests; break cancels the call", async (t) => {
  const { backend, native } = t.context;
  const call = native.bidiStream(streamRequest(CHAT, [["tag", "chat-brk"]]));
  const iterator = call.responses[Symbol.asyncIterator]();
  for (let i = 0; i < 20; i++) {
    t.true(await call.requests.write(Buffer.from(`m${i}`)));
    t.is(Buffer.from((await iterator.next()).value as Uint8Array).toString(), `re:m${i}`);
  }
  await iterator.return?.();
  await waitFor(() => backend.cancelled.includes("chat-brk"));
  t.true(backend.cancelled.includes("chat-brk"));
  t.false(await call.requests.write(Buffer.from("late")));
});

test.serial("native bidi stream: 100 concurrent chats each get their own answers, then end OK", async (t) => {
  const results = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const call = t.context.native.bidiStream(streamRequest(CHAT));
      const sending = (async () => {
        for (let j = 0; j < 50; j++) await call.requests.write(Buffer.from(`${i}.${j}`));
        call.requests.end();
      })();
      const { messages, error } = await drain(call.responses);
      await sending;
      return error === undefined && messages.length === 50 && messages.every((message, j) => message.toString() === `re:${i}.${j}`);
    }),
  );
  t.is(results.filter(Boolean).length, 100);
});

test.serial("native streams: a refused (unprocessed) server stream runs again; a client stream that sent data is not retried", async (t) => {
  let streams = 0;
  const server = createServer();
  server.on("stream", (stream, headers) => {
    streams++;
    stream.on("error", () => undefined);
    if (headers[":path"] === UPLOAD) {
      // Refused once the first request message arrived: it cannot be sent again.
      stream.once("data", () => stream.close(h2.NGHTTP2_REFUSED_STREAM));
      return;
    }
    if (streams === 1) {
      stream.close(h2.NGHTTP2_REFUSED_STREAM);
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.from([0, 0, 0, 0, 2, 0x6f, 0x6b]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const native = nativeFor(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    const { messages, error } = await drain(streamOf(native, { n: 1 }));
    t.deepEqual([messages.map(String), error, streams], [["ok"], undefined, 2]);
    streams = 0;
    const upload = native.clientStream(streamRequest(UPLOAD));
    await upload.requests.write(Buffer.from("first"));
    const refused = await t.throwsAsync(upload.response, { instanceOf: BackendStatusError });
    t.is(refused?.code, grpc.status.UNAVAILABLE);
    t.is(streams, 1);
  } finally {
    native.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
