import anyTest from "ava";
import type { ExecutionContext, TestFn } from "ava";
import { createCodecRegistry } from "../../../../src/codec/index.js";
import { GrpcJsTransport } from "../../../../src/runtime/backend/grpc-js-transport.js";
import { NativeTransport } from "../../../../src/runtime/backend/native-transport/native-transport.js";
import type { MetadataPairs, ResponseStream, Transport } from "../../../../src/runtime/backend/transport.js";
import { BackendStatusError } from "../../../../src/runtime/backend/transport.js";
import { loadTypeSet } from "../../../helpers/load-types.js";
import { STREAM_PROTOS, startStreamBackend } from "../../../helpers/start-stream-backend.js";
import type { StreamBackend } from "../../../helpers/start-stream-backend.js";

interface Context {
  readonly backend: StreamBackend;
  readonly transports: Readonly<Record<string, Transport>>;
}
// Serial: one backend and its event log. Every case runs on both transports: the same contract.
const serial = (anyTest as TestFn<Context>).serial;
const KINDS = ["grpc-js", "native"] as const;
function test(title: string, body: (t: ExecutionContext<Context>, transport: Transport) => Promise<void>): void {
  for (const kind of KINDS) serial(`${kind} ${title}`, (t) => body(t, t.context.transports[kind]!));
}

const codecs = createCodecRegistry(loadTypeSet([STREAM_PROTOS]), { emitUnpopulated: false, useProtoNames: false, enumsAsInts: false, discardUnknown: false });
const count = (json: unknown): Uint8Array => codecs.message("stream.v1.CountRequest").fromJson(json);
const chunk = (json: unknown): Uint8Array => codecs.message("stream.v1.Chunk").fromJson(json);
const tick = (bytes: Uint8Array): string => codecs.message("stream.v1.Tick").toJson(bytes);
const P = "/stream.v1.StreamService/";
const call = { metadata: [] as MetadataPairs, deadline: undefined, signal: undefined };

anyTest.before(async (t) => {
  const backend = await startStreamBackend();
  const address = backend.address;
  const transports = { "grpc-js": new GrpcJsTransport({ address }), native: new NativeTransport({ address }) };
  (t.context as Context) = { backend, transports };
});
anyTest.after.always(async (t) => {
  const context = t.context as Context;
  for (const transport of Object.values(context.transports ?? {})) transport.close();
  await context.backend?.stop();
});

async function drain(stream: ResponseStream): Promise<{ messages: string[]; error: unknown }> {
  const messages: string[] = [];
  try {
    for await (const message of stream) messages.push(tick(message));
    return { messages, error: undefined };
  } catch (error: unknown) {
    return { messages, error };
  }
}

test("serverStream: every message in order, then headers and trailers", async (t, transport) => {
  const stream = transport.serverStream({ ...call, path: `${P}Count`, message: count({ n: 3 }) });
  const { messages, error } = await drain(stream);
  t.is(error, undefined);
  t.deepEqual(messages, ['{"text":"tick 0"}', '{"seq":1,"text":"tick 1"}', '{"seq":2,"text":"tick 2"}']);
  t.true(stream.headers.some(([key, value]) => key === "x-stream" && value === "count"));
  t.true(stream.trailers.some(([key, value]) => key === "x-count" && value === "3"));
});

test("serverStream: a non-OK status after messages throws BackendStatusError once they are read", async (t, transport) => {
  const { messages, error } = await drain(transport.serverStream({ ...call, path: `${P}Count`, message: count({ n: 3, failAfter: 1, failCode: 9 }) }));
  t.deepEqual(messages, ['{"text":"tick 0"}']);
  t.true(error instanceof BackendStatusError);
  t.deepEqual([(error as BackendStatusError).code, (error as BackendStatusError).details], [9, "failed after 1"]);
});

test("serverStream: aborting the signal cancels the call (CANCELLED, and the backend sees it)", async (t, transport) => {
  const { backend } = t.context;
  backend.events.length = 0;
  const abort = new AbortController();
  const stream = transport.serverStream({ ...call, path: `${P}Count`, message: count({ n: 3, gated: true }), signal: abort.signal });
  const iterator = stream[Symbol.asyncIterator]();
  t.is(tick(((await iterator.next()).value as Uint8Array)), '{"text":"tick 0"}');
  abort.abort();
  const error = await t.throwsAsync(iterator.next());
  t.is((error as unknown as BackendStatusError).code, 1);
  await backend.waitFor((events) => events.includes("Count cancelled"));
  backend.release();
  t.pass();
});

test("serverStream: leaving the loop early cancels the call", async (t, transport) => {
  const { backend } = t.context;
  backend.events.length = 0;
  const stream = transport.serverStream({ ...call, path: `${P}Count`, message: count({ n: 3, gated: true }) });
  for await (const message of stream) {
    t.is(tick(message), '{"text":"tick 0"}');
    break;
  }
  await backend.waitFor((events) => events.includes("Count cancelled"));
  backend.release();
  t.false(backend.events.includes("Count done"));
});

test("serverStream: the deadline ends a stalled stream with DEADLINE_EXCEEDED", async (t, transport) => {
  const { backend } = t.context;
  const { messages, error } = await drain(transport.serverStream({ ...call, path: `${P}Count`, message: count({ n: 2, gated: true }), deadline: Date.now() + 300 }));
  backend.release();
  t.deepEqual(messages, ['{"text":"tick 0"}']);
  t.is((error as BackendStatusError).code, 4);
});

test("clientStream: messages written with back-pressure, then one response", async (t, transport) => {
  const { requests, response } = transport.clientStream({ ...call, path: `${P}Upload` });
  for (let seq = 1; seq <= 500; seq++) t.true(await requests.write(chunk({ seq })));
  requests.end();
  const answer = await response;
  t.is(codecs.message("stream.v1.UploadSummary").toJson(answer.message), '{"count":500,"lastSeq":500}');
});

test("clientStream: after the call ended, write resolves false and the response rejects", async (t, transport) => {
  const abort = new AbortController();
  const { requests, response } = transport.clientStream({ ...call, path: `${P}Upload`, signal: abort.signal });
  t.true(await requests.write(chunk({ seq: 1 })));
  abort.abort();
  const error = await t.throwsAsync(response);
  t.is((error as unknown as BackendStatusError).code, 1);
  t.false(await requests.write(chunk({ seq: 2 })));
  requests.end(); // harmless after the end
});

test("bidiStream: an answer per request while the request side is still open", async (t, transport) => {
  const { requests, responses } = transport.bidiStream({ ...call, path: `${P}Chat` });
  const iterator = responses[Symbol.asyncIterator]();
  await requests.write(chunk({ seq: 1, text: "a" }));
  t.is(tick(((await iterator.next()).value as Uint8Array)), '{"seq":1,"text":"re: a"}');
  await requests.write(chunk({ seq: 2, text: "b" }));
  t.is(tick(((await iterator.next()).value as Uint8Array)), '{"seq":2,"text":"re: b"}');
  requests.end();
  t.true((await iterator.next()).done);
});
