import test from "ava";
import { constants, createServer } from "node:http2";
import type { Http2Server, Http2Session, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream, Settings } from "node:http2";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { percentDecode } from "../../../../../src/runtime/backend/native-transport/grpc-status.js";
import { NativeTransport } from "../../../../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../../../../src/runtime/backend/transport.js";
import type { UnaryRequest } from "../../../../../src/runtime/backend/transport.js";

// A node:http2 server speaking gRPC by hand, to make the server side do what grpc-js
// servers never do on purpose: GOAWAY mid-flight, tiny windows, stream limits, resets.

type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer, session: Http2Session) => void;

interface RawServer {
  readonly address: string;
  readonly sessions: Http2Session[];
  readonly requests: IncomingHttpHeaders[];
  stop(): Promise<void>;
}

async function startRawServer(handler: Handler, settings: Settings = {}, onSession?: (session: Http2Session) => void): Promise<RawServer> {
  const sessions: Http2Session[] = [];
  const requests: IncomingHttpHeaders[] = [];
  const server: Http2Server = createServer({ settings });
  server.on("session", (session) => {
    sessions.push(session);
    onSession?.(session);
  });
  server.on("stream", (stream, headers) => {
    requests.push(headers);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => handler(stream, headers, Buffer.concat(chunks), stream.session!));
    stream.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    sessions,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Answers like a gRPC server: headers, the request's message back, trailers. */
function echo(stream: ServerHttp2Stream, body: Buffer, trailers: OutgoingHttpHeaders = { "grpc-status": "0" }): void {
  if (stream.destroyed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers(trailers));
  stream.end(body);
}

const request = (message: string | Buffer, extra: Partial<UnaryRequest> = {}): UnaryRequest => {
  const bytes = typeof message === "string" ? Buffer.from(message) : message;
  return { path: "/t.S/M", message: bytes, metadata: [], deadline: undefined, signal: undefined, ...extra };
};

function nativeFor(address: string, options: Partial<ConstructorParameters<typeof NativeTransport>[0]> = {}): NativeTransport {
  return new NativeTransport({ address, ...options });
}

async function statusOf(promise: Promise<unknown>): Promise<BackendStatusError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof BackendStatusError) return error;
    throw error;
  }
  throw new Error("call succeeded");
}

test("native transport over node:http2: request headers are gRPC's, with grpc-timeout and metadata", async (t) => {
  const server = await startRawServer((stream, _headers, body) => echo(stream, body));
  const native = nativeFor(server.address);
  try {
    await native.unary(request("x", { deadline: Date.now() + 5000, metadata: [["x-one", "1"], ["x-b-bin", Buffer.from([1, 2, 3])]] }));
    const headers = server.requests[0]!;
    t.is(headers[":method"], "POST");
    t.is(headers[":scheme"], "http");
    t.is(headers[":path"], "/t.S/M");
    t.is(headers[":authority"], server.address);
    t.is(headers["content-type"], "application/grpc");
    t.is(headers.te, "trailers");
    t.is(headers["user-agent"], "protogate-native/1");
    t.regex(String(headers["grpc-timeout"]), /^\d{1,8}m$/);
    t.true(Number(String(headers["grpc-timeout"]).slice(0, -1)) <= 5000);
    t.is(headers["x-one"], "1");
    t.is(headers["x-b-bin"], "AQID");
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: the message is framed with the 5-byte prefix both ways", async (t) => {
  const server = await startRawServer((stream, _headers, body) => echo(stream, body));
  const native = nativeFor(server.address);
  try {
    const response = await native.unary(request("abc"));
    // The server echoes the framed request, so the message is the framed bytes' payload.
    t.is(Buffer.from(response.message).toString("hex"), Buffer.from("abc").toString("hex"));
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: trailers-only, HTTP errors, resets and bad framing map to gRPC codes", async (t) => {
  const server = await startRawServer((stream, headers, body) => {
    switch (headers["x-case"]) {
      case "trailers-only":
        stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "7", "grpc-message": "caf%C3%A9 %E2%9C%93" }, { endStream: true });
        return;
      case "http-503":
        stream.respond({ ":status": 503 }, { endStream: true });
        return;
      case "http-404-body":
        stream.respond({ ":status": 404, "content-type": "text/plain" });
        stream.end("nope");
        return;
      case "reset":
        stream.close(constants.NGHTTP2_INTERNAL_ERROR);
        return;
      case "calm":
        stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
        return;
      case "no-trailers":
        stream.respond({ ":status": 200, "content-type": "application/grpc" });
        stream.end(body);
        return;
      case "truncated":
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(body.subarray(0, body.length - 1));
        return;
      case "two-messages":
        echo(stream, Buffer.concat([body, body]));
        return;
      case "compressed":
        echo(stream, Buffer.concat([Buffer.from([1]), body.subarray(1)]));
        return;
      case "html":
        stream.respond({ ":status": 200, "content-type": "text/html" });
        stream.end("<html>");
        return;
      case "bin-headers":
        stream.respond({ ":status": 200, "content-type": "application/grpc", "x-h-bin": "AAEC" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-t-bin": "/w" }));
        stream.end(body);
        return;
      default:
        echo(stream, body);
    }
  });
  const native = nativeFor(server.address);
  const run = (name: string) => native.unary(request("hello", { metadata: [["x-case", name]] }));
  try {
    const cases: Array<[string, number, string]> = [
      ["trailers-only", 7, "café ✓"],
      ["http-503", 14, "Received HTTP status code 503"],
      ["http-404-body", 12, "Received HTTP status code 404"],
      ["reset", 13, "stream reset by the server with code 2"],
      ["calm", 8, "stream reset by the server with code 11"],
      ["no-trailers", 2, "Stream ended without trailers"],
      ["truncated", 13, "Stream ended in the middle of a message"],
      ["two-messages", 13, "Received more than one response message"],
      ["compressed", 13, "Received a compressed message, but no compression was negotiated"],
      ["html", 2, 'Received invalid content-type "text/html"'],
    ];
    for (const [name, code, details] of cases) {
      const error = await statusOf(run(name));
      t.deepEqual([name, error.code, error.details], [name, code, details]);
    }
    const response = await run("bin-headers");
    t.deepEqual(response.headers.find(([key]) => key === "x-h-bin"), ["x-h-bin", Buffer.from([0, 1, 2])]);
    t.deepEqual(response.trailers, [["x-t-bin", Buffer.from([255])]]);
    // After all that, the connection still serves calls.
    t.is(Buffer.from((await run("ok")).message).toString(), "hello");
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: GOAWAY mid-flight retries the unprocessed call on a new connection", async (t) => {
  let first: Http2Session | undefined;
  const held: Array<() => void> = [];
  const server = await startRawServer((stream, _headers, body, session) => {
    if (first === undefined) first = session;
    if (session === first && held.length === 0) {
      // Hold stream 1, then say GOAWAY with last-stream-id 1: stream 3 was never processed.
      held.push(() => echo(stream, body));
      return;
    }
    if (session === first) {
      session.goaway(constants.NGHTTP2_NO_ERROR, 1);
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      held.shift()?.();
      return;
    }
    echo(stream, body);
  });
  const native = nativeFor(server.address);
  try {
    const one = native.unary(request("one"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const two = native.unary(request("two"));
    const [a, b] = await Promise.all([one, two]);
    t.is(Buffer.from(a.message).toString(), "one");
    t.is(Buffer.from(b.message).toString(), "two");
    t.is(server.sessions.length, 2);
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: a peer with tiny windows and frames still gets a 1 MiB message", async (t) => {
  const server = await startRawServer((stream, _headers, body) => echo(stream, body), { initialWindowSize: 1024, maxFrameSize: 16_384 });
  const native = nativeFor(server.address);
  try {
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const response = await native.unary(request(big));
    t.true(Buffer.from(response.message).equals(big));
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: a peer with large frames and windows gets frames bigger than the write slab", async (t) => {
  // 1 MiB frames and windows: a DATA frame no longer fits the connection's 64 KiB slab and
  // takes one of its own, between frames that share one.
  const server = await startRawServer(
    (stream, _headers, body) => echo(stream, body),
    { initialWindowSize: 4 * 1024 * 1024, maxFrameSize: 1024 * 1024 },
    (session) => session.on("connect", () => session.setLocalWindowSize(8 * 1024 * 1024)),
  );
  const native = nativeFor(server.address);
  try {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 253;
    const [small1, large, small2] = await Promise.all([native.unary(request("before")), native.unary(request(big)), native.unary(request("after"))]);
    t.is(Buffer.from(small1.message).toString(), "before");
    t.true(Buffer.from(large.message).equals(big));
    t.is(Buffer.from(small2.message).toString(), "after");
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: calls over the peer's max concurrent streams wait in the queue", async (t) => {
  let active = 0;
  let peak = 0;
  const server = await startRawServer(
    (stream, _headers, body) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        echo(stream, body);
      }, 20);
    },
    { maxConcurrentStreams: 4 },
  );
  const native = nativeFor(server.address);
  try {
    await native.unary(request("warm"));
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => native.unary(request(`q${i}`))));
    t.deepEqual(responses.map((r) => Buffer.from(r.message).toString()), Array.from({ length: 40 }, (_, i) => `q${i}`));
    t.true(peak <= 4, `peak ${peak}`);
    t.is(peak, 4);
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport over node:http2: several connections per address share the calls round robin", async (t) => {
  const perSession = new Map<Http2Session, number>();
  const server = await startRawServer((stream, _headers, body, session) => {
    perSession.set(session, (perSession.get(session) ?? 0) + 1);
    echo(stream, body);
  });
  const native = nativeFor(server.address, { connectionsPerAddress: 3 });
  try {
    // The first call opens every connection; once each has served a call, calls alternate.
    for (let i = 0; i < 200 && perSession.size < 3; i++) await native.unary(request("warm"));
    perSession.clear();
    for (let i = 0; i < 9; i++) await native.unary(request(`r${i}`));
    t.is(server.sessions.length, 3);
    t.deepEqual([...perSession.values()], [3, 3, 3]);
  } finally {
    native.close();
    await server.stop();
  }
});

test("native transport: a peer that stops answering PINGs loses the call as UNAVAILABLE", async (t) => {
  // A raw TCP peer that sends SETTINGS and then nothing at all.
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
    socket.write(Buffer.from("000000040000000000", "hex"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const native = nativeFor(`127.0.0.1:${port}`, { keepaliveMs: 50, keepaliveTimeoutMs: 100 });
  try {
    const error = await statusOf(native.unary(request("x")));
    t.is(error.code, 14);
    t.is(error.details, "keepalive PING not answered");
  } finally {
    native.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("native transport: a peer that breaks the protocol ends its calls UNAVAILABLE with the reason", async (t) => {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => undefined);
    // SETTINGS, then a PUSH_PROMISE although push is disabled.
    socket.write(Buffer.from("000000040000000000" + "000004050400000001" + "00000002", "hex"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const native = nativeFor(`127.0.0.1:${port}`);
  try {
    const error = await statusOf(native.unary(request("x")));
    t.is(error.code, 14);
    t.is(error.details, "protocol error: PUSH_PROMISE with push disabled");
  } finally {
    native.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test("grpc-message: percent-decoding of UTF-8, malformed escapes kept", (t) => {
  t.is(percentDecode("caf%C3%A9"), "café");
  t.is(percentDecode("100%25 done"), "100% done");
  t.is(percentDecode("bad %zz and %4"), "bad %zz and %4");
  t.is(percentDecode("plain"), "plain");
});
