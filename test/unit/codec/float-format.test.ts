import test from "ava";
import fc from "fast-check";
import { formatDouble, formatFloat32 } from "../../../src/codec/float-format.js";

const double = test.macro({
  exec(t, n: number, expected: string) {
    t.is(formatDouble(n), expected);
  },
  title: (_g, n: number, expected: string) => `formatDouble: ${Object.is(n, -0) ? "-0" : n} → ${expected}`,
});
test(double, 0, "0");
test(double, -0, "-0");
test(double, 1.5, "1.5");
test(double, 0.1, "0.1");
test(double, 1e21, "1e+21");
test(double, 1e20, "100000000000000000000");
test(double, 1.5e-7, "1.5e-7");
test(double, 0.000001, "0.000001");
test(double, Number.MAX_VALUE, "1.7976931348623157e+308");
test(double, 5e-324, "5e-324");
test(double, NaN, `"NaN"`);
test(double, Infinity, `"Infinity"`);
test(double, -Infinity, `"-Infinity"`);

const float = test.macro({
  exec(t, n: number, expected: string) {
    t.is(formatFloat32(Math.fround(n)), expected);
  },
  title: (_g, n: number, expected: string) => `formatFloat32: fround(${Object.is(n, -0) ? "-0" : n}) → ${expected}`,
});
test(float, 1.1, "1.1");
test(float, 0.1, "0.1");
test(float, -0, "-0");
test(float, 16777217, "16777216");
test(float, 3.4028234663852886e38, "3.4028235e+38");
test(float, 1.401298464324817e-45, "1e-45");
test(float, 1e-7, "1e-7");
test(float, 123456.789, "123456.79");
test(float, NaN, `"NaN"`);
test(float, -Infinity, `"-Infinity"`);

test("formatFloat32: output parses back to the same float32 and is never longer than 9 digits", (t) => {
  fc.assert(
    fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
      const text = formatFloat32(f);
      t.true(Object.is(Math.fround(Number(text)), f), text);
      t.true(text.replace(/^-|e.*$|\./g, "").replace(/^0+|0+$/g, "").length <= 9, text);
    }),
    { numRuns: 300 },
  );
});
