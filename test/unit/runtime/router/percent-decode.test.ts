import test from "ava";
import fc from "fast-check";
import type { PercentEncodingProblem } from "../../../../src/runtime/router/percent-decode.js";
import { checkPercentEncoding, decodeAll, decodeExceptReserved, isRfc6570Reserved } from "../../../../src/runtime/router/percent-decode.js";

const checks: ReadonlyArray<readonly [string, PercentEncodingProblem | undefined, string]> = [
  ["plain", undefined, "no escapes"],
  ["a%20b%2F%2f", undefined, "upper and lower case hex"],
  ["%E7%AC%AC", undefined, "a whole UTF-8 sequence"],
  ["%", "malformed percent-escape", "a lone %"],
  ["%4", "malformed percent-escape", "a truncated escape"],
  ["%zz", "malformed percent-escape", "non-hex digits"],
  ["a%2", "malformed percent-escape", "a truncated escape at the end"],
  ["%C3", "invalid UTF-8", "a truncated UTF-8 sequence"],
  ["%C3%28", "invalid UTF-8", "a bad continuation byte"],
  ["%C0%AF", "invalid UTF-8", "an overlong encoding"],
  ["%ED%A0%80", "invalid UTF-8", "an encoded surrogate"],
  ["%FF", "invalid UTF-8", "a byte that never appears in UTF-8"],
];

for (const [text, problem, rule] of checks) {
  test(`checkPercentEncoding: ${JSON.stringify(text)} is ${problem ?? "fine"} (${rule})`, (t) => {
    t.is(checkPercentEncoding(text, 0, text.length), problem);
  });
}

test("checkPercentEncoding: looks only inside [start, end)", (t) => {
  const path = "/ok/%zz";
  t.is(checkPercentEncoding(path, 1, 3), undefined);
  t.is(checkPercentEncoding(path, 4, 7), "malformed percent-escape");
  // "%2" is cut by the end of the range even though "F" follows in the string.
  t.is(checkPercentEncoding("a%2F", 0, 3), "malformed percent-escape");
});

test("decodeAll: decodes every escape and leaves + alone", (t) => {
  t.is(decodeAll("a%2Fb%20c+d%3A%E7%AC%AC"), "a/b c+d:第");
  t.is(decodeAll("plain"), "plain");
});

const partial: ReadonlyArray<readonly [string, string, string]> = [
  ["p/foo%20foo/q/bar%2Fbar", "p/foo foo/q/bar%2Fbar", "Envoy: space decoded, slash kept"],
  [
    "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D",
    "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D",
    "Envoy: every RFC 6570 reserved escape is kept",
  ],
  ["a%2fb", "a%2fb", "a kept escape keeps its case"],
  ["%41%2D%7E%E7%AC%AC", "A-~第", "unreserved and non-ASCII escapes are decoded"],
  ["%E7%AC%AC%2F%E7%89%88", "第%2F版", "UTF-8 around a kept escape"],
  ["%25", "%", "% itself is not reserved (as in Envoy)"],
];

for (const [text, decoded, rule] of partial) {
  test(`decodeExceptReserved: ${text} (${rule})`, (t) => {
    t.is(decodeExceptReserved(text), decoded);
  });
}

test("isRfc6570Reserved: exactly gen-delims and sub-delims", (t) => {
  const reserved = [];
  for (let byte = 0; byte < 0x80; byte++) if (isRfc6570Reserved(byte)) reserved.push(String.fromCharCode(byte));
  t.is(reserved.join(""), "!#$&'()*+,/:;=?@[]");
});

test("decodeExceptReserved: fully decoding its output gives the original text", (t) => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), (original) => {
      fc.pre(!original.includes("%"));
      const encoded = encodeURIComponent(original);
      return checkPercentEncoding(encoded, 0, encoded.length) === undefined && decodeAll(decodeExceptReserved(encoded)) === original;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
