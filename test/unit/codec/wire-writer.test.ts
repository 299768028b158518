import test from "ava";
import { WireWriter, utf8Length } from "../../../src/codec/wire-writer.js";

function bytes(write: (w: WireWriter) => void): number[] {
  const w = new WireWriter(1);
  write(w);
  return [...w.finish()];
}

test("WireWriter: varints for uint32, negative int32 (10 bytes) and sint32 zigzag", (t) => {
  t.deepEqual(bytes((w) => w.uint32(300)), [0xac, 0x02]);
  t.deepEqual(bytes((w) => w.uint32(4294967295)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  t.deepEqual(bytes((w) => w.int32(-1)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  t.deepEqual(bytes((w) => w.sint32(-1)), [0x01]);
  t.deepEqual(bytes((w) => w.sint32(-2147483648)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
});

test("WireWriter: 64-bit values are exact over the whole range", (t) => {
  t.deepEqual(bytes((w) => w.int64(-1n)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  t.deepEqual(bytes((w) => w.int64(2n ** 64n - 1n)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  t.deepEqual(bytes((w) => w.int64(9007199254740993n)), [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
  t.deepEqual(bytes((w) => w.sint64(-9223372036854775808n)), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  t.deepEqual(bytes((w) => w.fixed64(-2n)), [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
});

test("WireWriter: fixed32, float and double are little-endian", (t) => {
  t.deepEqual(bytes((w) => w.fixed32(-3)), [0xfd, 0xff, 0xff, 0xff]);
  t.deepEqual(bytes((w) => w.float(1)), [0x00, 0x00, 0x80, 0x3f]);
  t.deepEqual(bytes((w) => w.double(-2)), [0, 0, 0, 0, 0, 0, 0, 0xc0]);
});

test("WireWriter: join() writes a multi-byte length and moves the value", (t) => {
  const out = bytes((w) => {
    w.tag(1, 2);
    w.fork();
    w.tag(2, 2);
    w.fork();
    for (let i = 0; i < 200; i++) w.bool(true);
    w.join();
    w.join();
  });
  t.deepEqual(out.slice(0, 6), [0x0a, 203, 0x01, 0x12, 200, 0x01]);
  t.is(out.length, 206);
  t.true(out.slice(6).every((b) => b === 1));
});

test("WireWriter: strings are UTF-8; a lone surrogate is refused and nothing written", (t) => {
  t.deepEqual(bytes((w) => w.string("a\u20ac\ud83d\ude00")), [8, 0x61, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
  const w = new WireWriter();
  t.false(w.string("a\ud800b"));
  t.false(w.string("\udc00"));
  t.is(w.finish().length, 0);
});

test("utf8Length: counts bytes, -1 for lone surrogates", (t) => {
  t.is(utf8Length("a\u00e9\u20ac\ud83d\ude00"), 1 + 2 + 3 + 4);
  t.is(utf8Length("\ud83d"), -1);
  t.is(utf8Length("\ude00\ud83d"), -1);
});
