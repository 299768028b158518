import test from "ava";
import fc from "fast-check";
import { CodecError } from "../../../src/codec/field-error.js";
import {
  int64ToBigInt, int64ToDecimal, sint64ToDecimal, uint64ToDecimal, WireReader,
} from "../../../src/codec/to-json-wire.js";
import { cat, tag, varint, zigzag } from "./to-json-bytes.js";

const split = (v: bigint): [number, number] => {
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffffffffn), Number(u >> 32n)];
};

test("int64ToDecimal / uint64ToDecimal / int64ToBigInt: exact over the whole 64-bit range", (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n })), (v) => {
      const [lo, hi] = split(v);
      t.is(int64ToDecimal(lo, hi), String(v));
      t.is(int64ToBigInt(lo, hi), v);
      t.is(uint64ToDecimal(lo, hi), String(BigInt.asUintN(64, v)));
    }),
    { numRuns: 300 },
  );
});

test("sint64ToDecimal: decodes zigzag over the whole range", (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -1000n, max: 1000n })), (v) => {
      const [lo, hi] = split(zigzag(v));
      t.is(sint64ToDecimal(lo, hi), String(v));
    }),
    { numRuns: 300 },
  );
});

test("WireReader.varint64: reads every 64-bit value back from its varint", (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
      const r = new WireReader(cat(varint(v)));
      r.varint64();
      t.is((BigInt(r.hi) << 32n) | BigInt(r.lo), v);
      t.is(r.pos, r.end);
    }),
    { numRuns: 300 },
  );
});

test("WireReader: reads within its window of a larger buffer only", (t) => {
  const buf = cat([0x01, 0x80], [0x05]);
  const r = new WireReader(buf, 1, 2);
  t.throws(() => r.varint64(), { instanceOf: CodecError, message: "malformed protobuf: truncated or invalid length" });
});

test("WireReader.tag: packs field number and wire type", (t) => {
  const r = new WireReader(cat(tag(536870911, 5)));
  const v = r.tag();
  t.is(v >>> 3, 536870911);
  t.is(v & 7, 5);
});

test("WireReader.string: decodes short ASCII and long non-ASCII strings", (t) => {
  for (const s of ["", "abc", "é", "x".repeat(100) + "😀"]) {
    const bytes = new TextEncoder().encode(s);
    t.is(new WireReader(cat(varint(bytes.length), [...bytes])).string(), s);
  }
});

test("WireReader.stringJson: quotes and escapes like JSON.stringify, on both paths", (t) => {
  for (const s of ["", "abc", "a\"b", "a\\b", "tab\there", "\u0000", "é", "x".repeat(40), "x".repeat(40) + "\"", "😀"]) {
    const bytes = new TextEncoder().encode(s);
    t.is(new WireReader(cat(varint(bytes.length), [...bytes])).stringJson(), JSON.stringify(s), JSON.stringify(s));
  }
});
