import anyTest from "ava";
import type { TestFn } from "ava";
import * as grpc from "@grpc/grpc-js";
import { GrpcJsTransport } from "../../../../src/runtime/backend/grpc-js-transport.js";
import { NativeTransport } from "../../../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../../../src/runtime/backend/transport.js";
import type { MetadataPairs, Transport } from "../../../../src/runtime/backend/transport.js";
import { rawMethod } from "../../../helpers/raw-grpc.js";

// Each transport returns only the backend's application metadata: what node:http2 and
// gRPC put among the headers and trailers (content-type, date, grpc-status, …) stays out.

const UNARY = "/test.Meta/Unary";
const STREAM = "/test.Meta/Stream";
const CLIENT = "/test.Meta/Client";

interface Context {
  readonly server: grpc.Server;
  readonly transports: ReadonlyArray<readonly [string, Transport]>;
}
const test = anyTest as TestFn<Context>;

function isTransportKey(key: string): boolean {
  return key.startsWith(":") || key.startsWith("grpc-") || ["content-type", "date", "te", "content-length", "accept-encoding", "user-agent"].includes(key);
}

/** Sends app metadata both ways; a request "fail" ends the call with a status and details. */
function answer(call: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerUnaryCall<Buffer, Buffer>, fail: boolean): grpc.Metadata {
  const header = new grpc.Metadata();
  header.set("x-app-header", "h");
  header.set("x-app-data-bin", Buffer.from([1, 2]));
  call.sendMetadata(header);
  const trailers = new grpc.Metadata();
  trailers.set("x-app-trailer", "t");
  if (fail) trailers.set("grpc-status-details-bin", Buffer.from([8, 5]));
  return trailers;
}

test.before(async (t) => {
  const server = new grpc.Server();
  server.addService(
    { Unary: rawMethod(UNARY, false, false), Stream: rawMethod(STREAM, false, true), Client: rawMethod(CLIENT, true, false) },
    {
      Unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const fail = call.request.toString() === "fail";
        const trailers = answer(call, fail);
        if (fail) callback({ code: grpc.status.NOT_FOUND, details: "gone", metadata: trailers });
        else callback(null, call.request, trailers);
      },
      Stream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const fail = call.request.toString() === "fail";
        const trailers = answer(call, fail);
        call.write(Buffer.from("one"));
        if (fail) call.emit("error", { code: grpc.status.NOT_FOUND, details: "gone", metadata: trailers });
        else call.end(trailers);
      },
      Client: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        call.on("data", () => undefined);
        call.on("end", () => {
          const header = new grpc.Metadata();
          header.set("x-app-header", "h");
          call.sendMetadata(header);
          const trailers = new grpc.Metadata();
          trailers.set("x-app-trailer", "t");
          callback(null, Buffer.from("done"), trailers);
        });
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const address = `127.0.0.1:${port}`;
  t.context = {
    server,
    transports: [
      ["grpc-js", new GrpcJsTransport({ address })],
      ["native", new NativeTransport({ address })],
    ],
  };
});
test.after.always(async (t) => {
  for (const [, transport] of t.context.transports) transport.close();
  await new Promise<void>((resolve) => t.context.server.tryShutdown(() => resolve()));
});

/** Asserts that the pairs are exactly the application keys expected, with none of the transport's. */
function assertApplicationOnly(t: { deepEqual(a: unknown, b: unknown, message?: string): void }, pairs: MetadataPairs, expected: string[], label: string): void {
  const keys = pairs.map(([key]) => key);
  t.deepEqual(keys.filter(isTransportKey), [], `${label}: transport keys`);
  t.deepEqual([...keys].sort(), [...expected].sort(), `${label}: application keys`);
}

const HEADERS = ["x-app-header", "x-app-data-bin"];
const request = (path: string, text: string) => ({ path, message: Buffer.from(text), metadata: [], deadline: undefined, signal: undefined });

test("transport metadata: unary headers and trailers are the application's only, OK and failed", async (t) => {
  for (const [name, transport] of t.context.transports) {
    const response = await transport.unary(request(UNARY, "ok"));
    assertApplicationOnly(t, response.headers, HEADERS, `${name} unary headers`);
    assertApplicationOnly(t, response.trailers, ["x-app-trailer"], `${name} unary trailers`);
    const error = await t.throwsAsync(transport.unary(request(UNARY, "fail")), { instanceOf: BackendStatusError });
    t.deepEqual(Buffer.from(error?.statusDetails ?? []), Buffer.from([8, 5]), `${name} status details`);
    assertApplicationOnly(t, error?.headers ?? [], HEADERS, `${name} unary error headers`);
    assertApplicationOnly(t, error?.trailers ?? [], ["x-app-trailer"], `${name} unary error trailers`);
  }
});

test("transport metadata: server stream headers and trailers are the application's only, OK and failed", async (t) => {
  for (const [name, transport] of t.context.transports) {
    const stream = transport.serverStream(request(STREAM, "ok"));
    for await (const message of stream) t.is(Buffer.from(message).toString(), "one");
    assertApplicationOnly(t, stream.headers, HEADERS, `${name} stream headers`);
    assertApplicationOnly(t, stream.trailers, ["x-app-trailer"], `${name} stream trailers`);
    const failing = transport.serverStream(request(STREAM, "fail"));
    const error = await t.throwsAsync(
      (async () => {
        for await (const message of failing) void message;
      })(),
      { instanceOf: BackendStatusError },
    );
    t.deepEqual(Buffer.from(error?.statusDetails ?? []), Buffer.from([8, 5]), `${name} status details`);
    assertApplicationOnly(t, error?.headers ?? [], HEADERS, `${name} stream error headers`);
    assertApplicationOnly(t, error?.trailers ?? [], ["x-app-trailer"], `${name} stream error trailers`);
    assertApplicationOnly(t, failing.trailers, ["x-app-trailer"], `${name} failed stream trailers`);
  }
});

test("transport metadata: client stream response headers and trailers are the application's only", async (t) => {
  for (const [name, transport] of t.context.transports) {
    const call = transport.clientStream({ path: CLIENT, metadata: [], deadline: undefined, signal: undefined });
    await call.requests.write(Buffer.from("a"));
    call.requests.end();
    const response = await call.response;
    assertApplicationOnly(t, response.headers, ["x-app-header"], `${name} client stream headers`);
    assertApplicationOnly(t, response.trailers, ["x-app-trailer"], `${name} client stream trailers`);
  }
});
