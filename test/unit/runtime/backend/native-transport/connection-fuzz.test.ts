import test from "ava";
import fc from "fast-check";
import { createServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { FrameType, encodeFrame } from "../../../../../src/runtime/backend/native-transport/frames.js";
import { HpackWriter } from "../../../../../src/runtime/backend/native-transport/hpack.js";
import { NativeTransport } from "../../../../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../../../../src/runtime/backend/transport.js";

// A hostile server: SETTINGS, then frames made by fast-check (some well-formed gRPC
// responses among them), then it hangs up. Every call must settle with a response or a
// BackendStatusError, and nothing may throw out of the socket's handlers.

const RESPONSE_HEADERS = new HpackWriter().indexed(8).literal("content-type", "application/grpc").finish();
const TRAILERS = new HpackWriter().literal("grpc-status", "0").finish();

const frameArb = fc.oneof(
  fc.record({
    type: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(0x42)),
    flags: fc.integer({ min: 0, max: 255 }),
    streamId: fc.constantFrom(0, 1, 2, 3, 5, 7),
    payload: fc.uint8Array({ maxLength: 40 }),
  }),
  fc.record({
    type: fc.constant(FrameType.HEADERS),
    flags: fc.constantFrom(4, 5),
    streamId: fc.constantFrom(1, 3),
    payload: fc.constantFrom(RESPONSE_HEADERS, TRAILERS),
  }),
  fc.record({
    type: fc.constant(FrameType.DATA),
    flags: fc.constantFrom(0, 1),
    streamId: fc.constantFrom(1, 3),
    payload: fc.constantFrom(Buffer.from("00000000026869", "hex"), Buffer.from("00000000", "hex"), Buffer.alloc(0)),
  }),
);

test("native transport: fuzzed server frames end every call with a response or a status", async (t) => {
  let script: Buffer = Buffer.alloc(0);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
    // Wait for the client's preface and first HEADERS so stream ids 1 and 3 exist.
    socket.once("data", () => {
      setTimeout(() => socket.end(Buffer.concat([Buffer.from("000000040000000000", "hex"), script])), 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const address = `127.0.0.1:${port}`;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { maxLength: 12 }), async (frames) => {
        script = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.flags, f.streamId, f.payload)));
        const native = new NativeTransport({ address });
        try {
          const calls = [1, 2].map((i) =>
            native.unary({ path: "/f.S/M", message: Buffer.from([i]), metadata: [], deadline: Date.now() + 2000, signal: undefined }).then(
              () => true,
              (error: unknown) => error instanceof BackendStatusError,
            ),
          );
          return (await Promise.all(calls)).every(Boolean);
        } finally {
          native.close();
        }
      }),
      { numRuns: 100 },
    );
    t.pass();
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});
