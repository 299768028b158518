import test from "ava";
import fc from "fast-check";
import { MAX_DURATION_MS, parseDuration } from "../../../src/config/duration.js";
import { ConfigError } from "../../../src/config/config-error.js";

const parses = test.macro({
  exec(t, input: string, expected: number) {
    t.is(parseDuration(input), expected);
  },
  title: (_given, input: string, expected: number) => `parseDuration: "${input}" → ${expected}ms`,
});
test(parses, "500ms", 500);
test(parses, "1.5s", 1500);
test(parses, "30s", 30_000);
test(parses, "2m", 120_000);
test(parses, "1h", 3_600_000);
test(parses, "1m30s", 90_000); // several parts add up
test(parses, "1h1m1s1ms", 3_661_001);
test(parses, "250us", 0.25); // sub-millisecond stays fractional
test(parses, "0s", 0);
test(parses, "596h", 596 * 3_600_000); // the largest whole-hour value setTimeout can hold

const rejects = test.macro({
  exec(t, input: string, message: string) {
    const error = t.throws(() => parseDuration(input), { instanceOf: ConfigError });
    t.is(error?.message, message);
  },
  title: (_given, input: string) => `parseDuration: rejects ${JSON.stringify(input)}`,
});
const hint = "(use e.g. 1m, 30s, 500ms)";
test(rejects, "1 minute", `"1 minute" is not a duration ${hint}`);
test(rejects, "soon", `"soon" is not a duration ${hint}`);
test(rejects, "-1s", `"-1s" is not a duration ${hint}`); // negatives
test(rejects, "10", `"10" is not a duration ${hint}`); // a bare number's unit would be a guess
test(rejects, "", `"" is not a duration ${hint}`);
test(rejects, "1.s", `"1.s" is not a duration ${hint}`);
test(rejects, ".5s", `".5s" is not a duration ${hint}`);
test(rejects, "1S", `"1S" is not a duration ${hint}`); // units are lower-case
test(rejects, "1d", `"1d" is not a duration ${hint}`);
test(rejects, "1s ", `"1s " is not a duration ${hint}`);
test(rejects, "597h", `"597h" is too long (at most 596h)`); // setTimeout would fire at once

test("parseDuration: agrees with the sum of its parts", (t) => {
  const units = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  const part = fc.tuple(fc.integer({ min: 0, max: 50 }), fc.constantFrom(...(Object.keys(units) as (keyof typeof units)[])));
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => {
      const text = parts.map(([n, u]) => `${n}${u}`).join("");
      const expected = parts.reduce((sum, [n, u]) => sum + n * units[u], 0);
      return parseDuration(text) === expected;
    }),
    { numRuns: 200 },
  );
  t.is(MAX_DURATION_MS, 2_147_483_647);
});
