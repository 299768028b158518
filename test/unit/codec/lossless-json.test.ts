import test from "ava";
import fc from "fast-check";
import { LosslessNumber, mayHoldBigInteger, parseLosslessJson } from "../../../src/codec/lossless-json.js";

function parsed(text: string): { value: unknown } | { error: true } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { error: true };
  }
}

/** parseLosslessJson's value with each LosslessNumber as the double JSON.parse makes of it. */
function asDoubles(value: unknown): unknown {
  if (value instanceof LosslessNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(asDoubles);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: asDoubles(item), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function lossless(text: string): { value: unknown } | { error: true } {
  try {
    return { value: asDoubles(parseLosslessJson(text)) };
  } catch (error: unknown) {
    if (!(error instanceof SyntaxError)) throw error;
    return { error: true };
  }
}

test("parseLosslessJson: what JSON.parse makes of any JSON value (big integers as their doubles), whitespace and __proto__ included", (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.constantFrom("", " ", "\n\t "), (value, space) => {
      const text = space + JSON.stringify(value, null, space === "" ? undefined : 1) + space;
      t.deepEqual(lossless(text), parsed(text));
    }),
    { numRuns: 2000 },
  );
  const proto = parseLosslessJson('{"__proto__":{"x":1},"a":[1,2]}') as Record<string, unknown>;
  t.deepEqual(Object.keys(proto), ["__proto__", "a"]);
  t.is(Object.getPrototypeOf(proto), Object.prototype);
});

test("parseLosslessJson: refuses what JSON.parse refuses, with a SyntaxError", (t) => {
  const bad = ['{"a":', "[1,]", '{"a" 1}', "01", "1.", "-", '"\\x"', '"\\u12"', '"a\nb"', "tru", "[1] 2", "", "{,}", '{"a":1,}'];
  for (const text of bad) t.deepEqual(lossless(text), { error: true }, text);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."{}[],:\"\\ 0123456789.-+eEtrufalsn\n") }), (text) => {
      t.is("error" in lossless(text), "error" in parsed(text), text);
    }),
    { numRuns: 5000 },
  );
});

test("parseLosslessJson: integers past 2^53 keep their text; every other number is JSON.parse's", (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), (n) => {
      const value = (parseLosslessJson(`{"n":[${n}]}`) as { n: unknown[] }).n[0];
      if (n >= -(2n ** 53n) + 1n && n <= 2n ** 53n - 1n) t.is(value, Number(n));
      else t.deepEqual(value, new LosslessNumber(String(n)));
    }),
  );
  t.is(parseLosslessJson("1.5e3"), 1500);
  t.deepEqual(parseLosslessJson("100000000000000000000"), new LosslessNumber("100000000000000000000"));
  t.is(parseLosslessJson("1e20"), 1e20, "an exponent is a double's business");
  t.is(parseLosslessJson("1e400"), Infinity);
  t.is(parseLosslessJson("-0"), -0);
});

test("parseLosslessJson: nesting past 1,000 levels is a SyntaxError, never a stack overflow", (t) => {
  const nested = (depth: number): string => `${"[".repeat(depth)}9007199254740993${"]".repeat(depth)}`;
  t.notThrows(() => parseLosslessJson(nested(1000)));
  for (const depth of [1001, 200_000]) t.throws(() => parseLosslessJson(nested(depth)), { instanceOf: SyntaxError, message: /nested too deeply/ });
});

test("mayHoldBigInteger: true for any text holding a number literal past 2^53, wherever it sits", (t) => {
  fc.assert(
    fc.property(fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }), fc.boolean(), fc.constantFrom("", " ", "\n"), (n, negative, space) => {
      const literal = `${negative ? "-" : ""}${n}`;
      for (const text of [literal, `{"a":${space}${literal}}`, `[1,${space}${literal}]`, `[${space}${literal}]`]) t.true(mayHoldBigInteger(text), text);
    }),
  );
  t.false(mayHoldBigInteger('{"id":"x","count":900719925474099,"title":"9007199254740993 in a string"}'));
  t.false(mayHoldBigInteger('{"id":"12345678901234567890","n":-1,"isbn":"978-0-000000-00-0"}'), "an int64 sent as a string");
  // Against the plain definition, on texts made of the characters that matter.
  const plain = /(?:^|[:,[])[ \n\r\t]*-?\d{16}/;
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."0123456789:,[\"- \na"), maxLength: 80 }), (text) => {
      t.is(mayHoldBigInteger(text), plain.test(text), text);
    }),
    { numRuns: 20000 },
  );
});
