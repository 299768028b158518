import test from "ava";
import fc from "fast-check";
import { compareCodePoints, defaultMapKey, mapKeyComparator, SCALAR_JSON } from "../../../src/codec/scalar-to-json.js";
import { WireReader } from "../../../src/codec/to-json-wire.js";
import { cat, fixed64, float32, varint, zigzag } from "./to-json-bytes.js";
import type { Part } from "./to-json-bytes.js";

const reads = test.macro({
  exec(t, type: keyof typeof SCALAR_JSON, bytes: Part, expected: string) {
    const r = new WireReader(cat(bytes));
    t.is(SCALAR_JSON[type].read(r), expected);
    t.is(r.pos, r.end);
  },
  title: (_g, type: string, _b: Part, expected: string) => `SCALAR_JSON.${type}: reads ${expected}`,
});
test(reads, "int32", varint(-5), "-5");
test(reads, "uint32", varint(2 ** 32 + 3), "3");
test(reads, "sint32", varint(zigzag(-7)), "-7");
test(reads, "int64", varint(-(2n ** 63n)), `"-9223372036854775808"`);
test(reads, "sfixed64", fixed64(-2n), `"-2"`);
test(reads, "float", float32(3.14), "3.14");
test(reads, "bool", varint(0), "false");
test(reads, "bytes", [2, 0, 0], `"AAA="`);
test(reads, "string", [3, 0x61, 0x22, 0x62], `"a\\"b"`);

test("SCALAR_JSON: the zero text is what reading a zero gives", (t) => {
  for (const [type, s] of Object.entries(SCALAR_JSON)) {
    const bytes = s.wireType === 0 || s.wireType === 2 ? [0] : s.wireType === 1 ? new Array<number>(8).fill(0) : [0, 0, 0, 0];
    t.is(s.read(new WireReader(Uint8Array.from(bytes))), s.zero, type);
  }
});

test("defaultMapKey: the JSON key of an absent map key", (t) => {
  t.is(defaultMapKey("string"), "");
  t.is(defaultMapKey("bool"), "false");
  t.is(defaultMapKey("sfixed64"), "0");
});

test("mapKeyComparator: numbers numerically, 64-bit exactly, bools false first", (t) => {
  t.deepEqual(["10", "-2", "9"].sort(mapKeyComparator("int32")), ["-2", "9", "10"]);
  t.deepEqual(["18446744073709551615", "18446744073709551614", "2"].sort(mapKeyComparator("uint64")),
    ["2", "18446744073709551614", "18446744073709551615"]);
  t.deepEqual(["true", "false"].sort(mapKeyComparator("bool")), ["false", "true"]);
});

test("compareCodePoints: orders like the UTF-8 bytes (Go's string order)", (t) => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 4 }), fc.string({ unit: "binary", maxLength: 4 }), (a, b) => {
      const ea = Buffer.from(a, "utf8"), eb = Buffer.from(b, "utf8");
      t.is(Math.sign(compareCodePoints(a, b)), Math.sign(Buffer.compare(ea, eb)));
    }),
    { numRuns: 300 },
  );
});
