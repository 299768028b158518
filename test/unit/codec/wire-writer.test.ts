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

// Writers share scratch buffers and one output slab (wire-writer.ts): what one hands out must
// stay as it was whatever later, nested or abandoned writers do.
function filled(byte: number, length: number): WireWriter {
  const w = new WireWriter();
  for (let i = 0; i < length; i++) w.raw(Uint8Array.of(byte));
  return w;
}

test("WireWriter: results stay intact across several slabs' worth of later writers", (t) => {
  const kept: Array<{ byte: number; length: number; bytes: Uint8Array }> = [];
  // Lengths up to 5000 cross the 4 KiB limit for a slab view, and 64 KiB slabs fill several times.
  for (let i = 0; i < 400; i++) {
    const byte = i % 251;
    const length = (i * 97) % 5000;
    kept.push({ byte, length, bytes: filled(byte, length).finish() });
  }
  for (const { byte, length, bytes } of kept) {
    t.is(bytes.length, length);
    t.true(bytes.every((b) => b === byte), `a result of ${length} bytes of ${byte} was overwritten`);
  }
});

test("WireWriter: a writer opened while another is open (a JSON value in a query parameter) writes apart", (t) => {
  const outer = filled(1, 10);
  const inner = filled(2, 20);
  outer.raw(Uint8Array.of(9));
  const innerBytes = inner.finish();
  const outerBytes = outer.finish();
  t.deepEqual([...innerBytes], new Array<number>(20).fill(2));
  t.deepEqual([...outerBytes], [...new Array<number>(10).fill(1), 9]);
});

test("WireWriter: a writer given up half-way (a field error) leaves later writers and results alone", (t) => {
  const before = filled(3, 30).finish();
  filled(4, 2000); // never finished: its scratch is not given back
  const after = filled(5, 40);
  after.tag(1, 2);
  after.fork();
  after.raw(new Uint8Array(200).fill(6)); // a two-byte length: join moves the value
  after.join();
  const bytes = after.finish();
  t.deepEqual([...before], new Array<number>(30).fill(3));
  t.is(bytes.length, 40 + 1 + 2 + 200);
  t.deepEqual([...bytes.subarray(40, 43)], [0x0a, 0xc8, 0x01]);
  t.true(bytes.subarray(43).every((b) => b === 6));
});
