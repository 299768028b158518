import test from "ava";
import fc from "fast-check";
import { Http2ProtocolError } from "../../../../../src/runtime/backend/native-transport/errors.js";
import type { Frame } from "../../../../../src/runtime/backend/native-transport/frames.js";
import {
  Flag,
  FrameParser,
  FrameType,
  decodeSettings,
  encodeFrame,
  encodeGoaway,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  unpaddedPayload,
} from "../../../../../src/runtime/backend/native-transport/frames.js";
import { HpackDecoder } from "../../../../../src/runtime/backend/native-transport/hpack.js";

function parseAll(bytes: Buffer, chunkSize = bytes.length, maxFrameSize?: number): Frame[] {
  const parser = new FrameParser(maxFrameSize);
  const frames: Frame[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) parser.push(bytes.subarray(i, i + chunkSize), (frame) => frames.push({ ...frame, payload: Buffer.from(frame.payload) }));
  return frames;
}

test("frames: encodeFrame writes the 9-byte header (length, type, flags, stream id)", (t) => {
  t.is(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from("ab")).toString("hex"), "000002010500000001" + "6162");
  t.is(encodeWindowUpdate(3, 65_535).toString("hex"), "000004080000000003" + "0000ffff");
  t.is(encodeRstStream(5, 8).toString("hex"), "000004030000000005" + "00000008");
  t.is(encodeGoaway(7, 0, "x").toString("hex"), "000009070000000000" + "00000007" + "00000000" + "78");
  t.is(encodeSettings([[4, 1_048_576]]).toString("hex"), "000006040000000000" + "0004" + "00100000");
});

test("frames: a byte stream split anywhere yields the same frames", (t) => {
  const bytes = Buffer.concat([
    encodeFrame(FrameType.DATA, Flag.END_STREAM, 1, Buffer.alloc(100, 7)),
    encodeSettings([[3, 100]]),
    encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8)),
  ]);
  const whole = parseAll(bytes);
  t.deepEqual(whole.map((f) => [f.type, f.flags, f.streamId, f.payload.length]), [[0, 1, 1, 100], [4, 0, 0, 6], [6, 0, 0, 8]]);
  for (const size of [1, 2, 9, 10, 57]) t.deepEqual(parseAll(bytes, size), whole);
});

test("frames: a frame above our max frame size is a FRAME_SIZE_ERROR", (t) => {
  const error = t.throws(() => parseAll(encodeFrame(FrameType.DATA, 0, 1, Buffer.alloc(16_385))), { instanceOf: Http2ProtocolError });
  t.is(error?.message, "frame of 16385 bytes exceeds 16384");
  t.is(error?.code, 6);
});

test("frames: padding and priority fields are stripped", (t) => {
  const padded = { type: FrameType.DATA, flags: Flag.PADDED, streamId: 1, payload: Buffer.from("02616263" + "0000", "hex") };
  t.is(unpaddedPayload(padded).toString(), "abc");
  const priority = { type: FrameType.HEADERS, flags: Flag.PRIORITY, streamId: 1, payload: Buffer.from("0000000010" + "82", "hex") };
  t.is(unpaddedPayload(priority).toString("hex"), "82");
  const bad = { type: FrameType.DATA, flags: Flag.PADDED, streamId: 1, payload: Buffer.from("05", "hex") };
  t.throws(() => unpaddedPayload(bad), { instanceOf: Http2ProtocolError, message: "padding longer than the frame" });
});

test("frames: SETTINGS round-trip and validation", (t) => {
  const [frame] = parseAll(encodeSettings([[1, 4096], [4, 1 << 20], [5, 32_768]]));
  t.deepEqual(decodeSettings(frame!), [[1, 4096], [4, 1 << 20], [5, 32_768]]);
  const [tooSmall] = parseAll(encodeSettings([[5, 100]]));
  t.throws(() => decodeSettings(tooSmall!), { instanceOf: Http2ProtocolError, message: "bad MAX_FRAME_SIZE" });
  const [odd] = parseAll(encodeFrame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5)));
  t.throws(() => decodeSettings(odd!), { instanceOf: Http2ProtocolError, message: "SETTINGS length not a multiple of 6" });
});

// Fuzzing: any bytes, split anywhere, only ever raise our typed error, and buffer at most one frame.
test("frames: fuzzed byte streams yield frames or Http2ProtocolError, with bounded buffering", (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
      const parser = new FrameParser(1024);
      try {
        for (const chunk of chunks) {
          parser.push(Buffer.from(chunk), (frame) => {
            if (frame.type === FrameType.SETTINGS) decodeSettings(frame);
            if (frame.type === FrameType.DATA || frame.type === FrameType.HEADERS) unpaddedPayload(frame);
          });
          if (parser.bufferedBytes > 1024 + 9) return false;
        }
      } catch (error: unknown) {
        return error instanceof Http2ProtocolError;
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass();
});

test("hpack decoder: fuzzed blocks decode or raise Http2ProtocolError, within the list bound", (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 5 }), (blocks) => {
      const decoder = new HpackDecoder(4096, 16_384);
      for (const block of blocks) {
        try {
          const fields = decoder.decode(block);
          const size = fields.reduce((sum, [name, value]) => sum + name.length + value.length + 32, 0);
          if (size > 16_384 || decoder.tableSize > 4096) return false;
        } catch (error: unknown) {
          if (!(error instanceof Http2ProtocolError)) return false;
          return true;
        }
      }
      return true;
    }),
    { numRuns: 200 },
  );
  t.pass();
});
