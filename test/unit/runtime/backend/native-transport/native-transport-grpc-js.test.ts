import anyTest from "ava";
import type { TestFn } from "ava";
import * as grpc from "@grpc/grpc-js";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { GrpcJsTransport } from "../../../../../src/runtime/backend/grpc-js-transport.js";
import { NativeTransport } from "../../../../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../../../../src/runtime/backend/transport.js";
import type { MetadataPairs, Transport, UnaryRequest } from "../../../../../src/runtime/backend/transport.js";
import { startEchoBackend } from "../../../../helpers/start-echo-backend.js";
import type { EchoBackend } from "../../../../helpers/start-echo-backend.js";

const ECHO = "/test.Echo/Echo";
const OTHER = "/test.Echo/Other";

interface Context {
  readonly backend: EchoBackend;
  readonly native: Transport;
  readonly grpcJs: Transport;
}
const test = anyTest as TestFn<Context>;

function nativeFor(address: string, options: Partial<ConstructorParameters<typeof NativeTransport>[0]> = {}): NativeTransport {
  return new NativeTransport({ address, ...options });
}

test.before(async (t) => {
  const backend = await startEchoBackend([ECHO, OTHER]);
  t.context = { backend, native: nativeFor(backend.address), grpcJs: new GrpcJsTransport({ address: backend.address }) };
});
test.after.always(async (t) => {
  t.context.native.close();
  t.context.grpcJs.close();
  await t.context.backend.stop();
});

function request(message: Uint8Array, metadata: MetadataPairs = [], extra: Partial<UnaryRequest> = {}): UnaryRequest {
  return { path: ECHO, message, metadata, deadline: undefined, signal: undefined, ...extra };
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

/** A plain grpc-js echo server on a given port (to restart a backend where it was). */
async function startEchoOnPort(port: number): Promise<grpc.Server> {
  const server = new grpc.Server();
  const identity = (value: Buffer): Buffer => value;
  server.addService(
    { Echo: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) },
  );
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return server;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test("native transport: echoes the request message, with response headers and trailers", async (t) => {
  const response = await t.context.native.unary(request(Buffer.from("hello"), [["reply-header", "h=1"], ["reply-trailer", "tr=2"]]));
  t.is(Buffer.from(response.message).toString(), "hello");
  t.deepEqual(response.headers.filter(([key]) => key === "h"), [["h", "1"]]);
  t.deepEqual(response.trailers, [["tr", "2"]]);
});

test("native transport: an empty message and a zero-length response", async (t) => {
  const response = await t.context.native.unary(request(new Uint8Array(0)));
  t.is(response.message.length, 0);
});

test("native transport: request metadata reaches the server, -bin values as bytes", async (t) => {
  const marker = `m-${Math.random()}`;
  await t.context.native.unary(request(Buffer.from(marker), [["x-text", "a b"], ["x-data-bin", Buffer.from([0, 1, 254, 255])], ["x-text", "second"]]));
  const call = t.context.backend.calls.find((c) => c.request.toString() === marker);
  // node:http2 on the server joins repeated keys.
  t.deepEqual(call?.metadata.get("x-text"), ["a b, second"]);
  t.deepEqual(call?.metadata.get("x-data-bin"), [Buffer.from([0, 1, 254, 255])]);
  t.regex(String(call?.metadata.get("grpc-timeout")[0] ?? "none"), /^none$/);
});

test("native transport: status, percent-decoded message and details match @grpc/grpc-js", async (t) => {
  const metadata: MetadataPairs = [["fail-code", "5"], ["fail-message", "no thing: 100% gone"], ["fail-details", "bad-request"], ["reply-trailer", "why=gone"]];
  const native = await statusOf(t.context.native.unary(request(Buffer.from("x"), metadata)));
  const reference = await statusOf(t.context.grpcJs.unary(request(Buffer.from("x"), metadata)));
  t.is(native.code, 5);
  t.is(native.details, "no thing: 100% gone");
  t.is(native.details, reference.details);
  t.true(native.statusDetails !== undefined && native.statusDetails.length > 10);
  t.deepEqual(Buffer.from(native.statusDetails ?? []), Buffer.from(reference.statusDetails ?? []));
  t.deepEqual(native.trailers.filter(([key]) => key === "why"), [["why", "gone"]]);
});

test("native transport: an unknown method is UNIMPLEMENTED", async (t) => {
  const error = await statusOf(t.context.native.unary({ ...request(Buffer.from("x")), path: "/test.Echo/Missing" }));
  t.is(error.code, grpc.status.UNIMPLEMENTED);
});

test("native transport: the deadline ends the call DEADLINE_EXCEEDED and the server sees it cancelled", async (t) => {
  // A backend of its own: the large and concurrent tests share the other one.
  const backend = await startEchoBackend([ECHO]);
  const native = nativeFor(backend.address);
  try {
    const error = await statusOf(native.unary(request(Buffer.from("slow"), [["delay-ms", "10000"]], { deadline: Date.now() + 150 })));
    t.is(error.code, grpc.status.DEADLINE_EXCEEDED);
    t.is(error.details, "Deadline exceeded");
    await waitFor(() => backend.cancelled.length > 0);
    t.deepEqual(backend.cancelled, [ECHO]);
  } finally {
    native.close();
    await backend.stop();
  }
});

test("native transport: a deadline already passed fails without a call", async (t) => {
  const error = await statusOf(t.context.native.unary(request(Buffer.from("x"), [], { deadline: Date.now() - 1 })));
  t.is(error.code, grpc.status.DEADLINE_EXCEEDED);
});

test("native transport: abort cancels the call (CANCELLED) and resets the stream", async (t) => {
  const backend = await startEchoBackend([ECHO]);
  const native = nativeFor(backend.address);
  try {
    const controller = new AbortController();
    const pending = native.unary(request(Buffer.from("slow"), [["delay-ms", "10000"]], { signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const error = await statusOf(pending);
    t.is(error.code, grpc.status.CANCELLED);
    t.is(error.details, "Cancelled on client");
    await waitFor(() => backend.cancelled.length > 0);
    t.deepEqual(backend.cancelled, [ECHO]);
  } finally {
    native.close();
    await backend.stop();
  }
});

test("native transport: 4 MiB messages both ways cross many DATA frames", async (t) => {
  const big = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32BE(i, i);
  const response = await t.context.native.unary(request(big));
  t.true(Buffer.from(response.message).equals(big));
});

test("native transport: a response above the max message size is RESOURCE_EXHAUSTED", async (t) => {
  const small = nativeFor(t.context.backend.address, { maxReceiveMessageBytes: 1024 });
  try {
    const error = await statusOf(small.unary(request(Buffer.alloc(2048, 1))));
    t.is(error.code, grpc.status.RESOURCE_EXHAUSTED);
    // The connection survives: the next call works.
    t.is((await small.unary(request(Buffer.from("ok")))).message.length, 2);
  } finally {
    small.close();
  }
});

test("native transport: 1,000 concurrent calls all complete with their own bytes", async (t) => {
  const calls = Array.from({ length: 1000 }, (_, i) => t.context.native.unary(request(Buffer.from(`call-${i}`))));
  const responses = await Promise.all(calls);
  t.deepEqual(
    responses.map((r) => Buffer.from(r.message).toString()),
    Array.from({ length: 1000 }, (_, i) => `call-${i}`),
  );
});

test("native transport: connection refused is UNAVAILABLE", async (t) => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  const refused = nativeFor(`127.0.0.1:${port}`);
  try {
    const error = await statusOf(refused.unary(request(Buffer.from("x"))));
    t.is(error.code, grpc.status.UNAVAILABLE);
    t.regex(error.details, /ECONNREFUSED/);
    // In backoff: the next call fails at once too.
    t.is((await statusOf(refused.unary(request(Buffer.from("x"))))).code, grpc.status.UNAVAILABLE);
  } finally {
    refused.close();
  }
});

test("native transport: a server shutting down finishes the call in flight; later calls are UNAVAILABLE", async (t) => {
  const backend = await startEchoBackend([ECHO]);
  const native = nativeFor(backend.address);
  try {
    await native.unary(request(Buffer.from("warm")));
    const inFlight = native.unary(request(Buffer.from("during"), [["delay-ms", "300"]]));
    await waitFor(() => backend.calls.length === 2);
    const stopped = backend.stop();
    t.is(Buffer.from((await inFlight).message).toString(), "during");
    await stopped;
    const error = await statusOf(native.unary(request(Buffer.from("after"))));
    t.is(error.code, grpc.status.UNAVAILABLE);
  } finally {
    native.close();
  }
});

test("native transport: a backend that comes back is reached again after the backoff", async (t) => {
  const first = await startEchoBackend([ECHO]);
  const port = first.address.split(":")[1]!;
  const native = nativeFor(first.address);
  try {
    await native.unary(request(Buffer.from("before")));
    await first.stop();
    t.is((await statusOf(native.unary(request(Buffer.from("down"))))).code, grpc.status.UNAVAILABLE);
    const second = await startEchoOnPort(Number(port)).catch(() => undefined);
    if (second === undefined) {
      t.pass("the port was taken meanwhile");
      return;
    }
    try {
      let answer = "";
      for (let i = 0; i < 50 && answer === ""; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = await native.unary(request(Buffer.from("again"))).then((r) => Buffer.from(r.message).toString(), () => "");
      }
      t.is(answer, "again");
    } finally {
      second.forceShutdown();
    }
  } finally {
    native.close();
  }
});

test("native transport: dns:/// addresses resolve and connect", async (t) => {
  const port = t.context.backend.address.split(":")[1]!;
  const native = nativeFor(`dns:///localhost:${port}`);
  try {
    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => native.unary(request(Buffer.from(`dns-${i}`)))));
    t.deepEqual(responses.map((r) => Buffer.from(r.message).toString()), ["dns-0", "dns-1", "dns-2", "dns-3", "dns-4"]);
  } finally {
    native.close();
  }
});

test("native transport: close() fails new calls UNAVAILABLE", async (t) => {
  const native = nativeFor(t.context.backend.address);
  await native.unary(request(Buffer.from("x")));
  native.close();
  const error = await statusOf(native.unary(request(Buffer.from("x"))));
  t.is(error.code, grpc.status.UNAVAILABLE);
  t.is(error.details, "transport closed");
});
