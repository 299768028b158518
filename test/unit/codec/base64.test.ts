import test from "ava";
import fc from "fast-check";
import { decodeBase64, encodeBase64 } from "../../../src/codec/base64.js";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

const encodes = test.macro({
  exec(t, input: Uint8Array, expected: string) {
    t.is(encodeBase64(input), expected);
  },
  title: (_given, input: Uint8Array, expected: string) => `encodeBase64: [${[...input].join(",")}] → "${expected}"`,
});
test(encodes, bytes(), "");
test(encodes, bytes(0), "AA==");
test(encodes, bytes(0xfb, 0xff), "+/8=");
test(encodes, bytes(1, 2, 3), "AQID");
test("encodeBase64: encodes only the view of a subarray", (t) => {
  t.is(encodeBase64(new Uint8Array([9, 0xfb, 0xff, 0xfe]).subarray(1, 3)), "+/8=");
});

const decodes = test.macro({
  exec(t, input: string, expected: Uint8Array | undefined) {
    t.deepEqual(decodeBase64(input), expected);
  },
  title: (_given, input: string, expected: Uint8Array | undefined) =>
    expected === undefined ? `decodeBase64: rejects "${input}"` : `decodeBase64: "${input}" → [${[...expected].join(",")}]`,
});
test(decodes, "", bytes());
test(decodes, "AA==", bytes(0));
test(decodes, "AA", bytes(0));
test(decodes, "+/8=", bytes(0xfb, 0xff));
test(decodes, "-_8", bytes(0xfb, 0xff));
test(decodes, "-_8=", bytes(0xfb, 0xff));
test(decodes, "AQID", bytes(1, 2, 3));
test(decodes, "AB", bytes(0)); // trailing bits ignored, as Go's decoder does
test(decodes, "A", undefined);
test(decodes, "AA=", undefined);
test(decodes, "A===", undefined);
test(decodes, "AA==AA==", undefined);
test(decodes, "AQ*D", undefined);
test(decodes, "AQ D", undefined);
test(decodes, "AQé=", undefined);

test("decodeBase64: inverts encodeBase64, also URL-safe and unpadded", (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (input) => {
      const std = encodeBase64(input);
      t.deepEqual(decodeBase64(std), input);
      const url = std.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      t.deepEqual(decodeBase64(url), input);
    }),
    { numRuns: 200 },
  );
});
