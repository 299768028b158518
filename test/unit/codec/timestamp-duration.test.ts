import test from "ava";
import fc from "fast-check";
import { CodecError } from "../../../src/codec/field-error.js";
import {
  formatDuration, formatTimestamp, parseDuration, parseTimestamp, TimeValueError,
} from "../../../src/codec/timestamp-duration.js";

const formatsTimestamp = test.macro({
  exec(t, seconds: bigint, nanos: number, expected: string) {
    t.is(formatTimestamp(seconds, nanos), expected);
  },
  title: (_g, seconds: bigint, nanos: number, expected: string) => `formatTimestamp: ${seconds}s ${nanos}ns → ${expected}`,
});
test(formatsTimestamp, 0n, 0, "1970-01-01T00:00:00Z");
test(formatsTimestamp, 63108020n, 21000000, "1972-01-01T10:00:20.021Z");
test(formatsTimestamp, 63108020n, 21000, "1972-01-01T10:00:20.000021Z");
test(formatsTimestamp, 63108020n, 21, "1972-01-01T10:00:20.000000021Z");
test(formatsTimestamp, -1n, 999999999, "1969-12-31T23:59:59.999999999Z");
test(formatsTimestamp, 951782400n, 0, "2000-02-29T00:00:00Z");
test(formatsTimestamp, -62135596800n, 0, "0001-01-01T00:00:00Z");
test(formatsTimestamp, 253402300799n, 999999999, "9999-12-31T23:59:59.999999999Z");

const refusesTimestamp = test.macro({
  exec(t, seconds: bigint, nanos: number, message: string) {
    t.throws(() => formatTimestamp(seconds, nanos), { instanceOf: CodecError, message });
  },
  title: (_g, seconds: bigint, nanos: number) => `formatTimestamp: refuses ${seconds}s ${nanos}ns`,
});
test(refusesTimestamp, -62135596801n, 0, "google.protobuf.Timestamp: seconds -62135596801 out of range");
test(refusesTimestamp, 253402300800n, 0, "google.protobuf.Timestamp: seconds 253402300800 out of range");
test(refusesTimestamp, 0n, -1, "google.protobuf.Timestamp: nanos -1 out of range");
test(refusesTimestamp, 0n, 1e9, "google.protobuf.Timestamp: nanos 1000000000 out of range");

const formatsDuration = test.macro({
  exec(t, seconds: bigint, nanos: number, expected: string) {
    t.is(formatDuration(seconds, nanos), expected);
  },
  title: (_g, seconds: bigint, nanos: number, expected: string) => `formatDuration: ${seconds}s ${nanos}ns → ${expected}`,
});
test(formatsDuration, 0n, 0, "0s");
test(formatsDuration, 1n, 500000000, "1.500s");
test(formatsDuration, -1n, -500000000, "-1.500s");
test(formatsDuration, 0n, -1000, "-0.000001s");
test(formatsDuration, 0n, 1, "0.000000001s");
test(formatsDuration, 315576000000n, 999999999, "315576000000.999999999s");
test(formatsDuration, -315576000000n, 0, "-315576000000s");

const refusesDuration = test.macro({
  exec(t, seconds: bigint, nanos: number, message: string) {
    t.throws(() => formatDuration(seconds, nanos), { instanceOf: CodecError, message });
  },
  title: (_g, seconds: bigint, nanos: number) => `formatDuration: refuses ${seconds}s ${nanos}ns`,
});
test(refusesDuration, 315576000001n, 0, "google.protobuf.Duration: seconds 315576000001 out of range");
test(refusesDuration, 0n, 1e9, "google.protobuf.Duration: nanos 1000000000 out of range");
test(refusesDuration, 1n, -1, "google.protobuf.Duration: seconds 1 and nanos -1 have different signs");
test(refusesDuration, -1n, 1, "google.protobuf.Duration: seconds -1 and nanos 1 have different signs");

const parsesTimestamp = test.macro({
  exec(t, text: string, seconds: bigint, nanos: number) {
    t.deepEqual(parseTimestamp(text), { seconds, nanos });
  },
  title: (_g, text: string) => `parseTimestamp: accepts "${text}"`,
});
test(parsesTimestamp, "1970-01-01T00:00:00Z", 0n, 0);
test(parsesTimestamp, "1972-01-01T10:00:20.021Z", 63108020n, 21000000);
test(parsesTimestamp, "1972-01-01T10:00:20.1Z", 63108020n, 100000000);
test(parsesTimestamp, "1972-01-01T10:00:20.123456789Z", 63108020n, 123456789);
test(parsesTimestamp, "1972-01-01T11:00:20+01:00", 63108020n, 0);
test(parsesTimestamp, "1972-01-01T09:30:20-00:30", 63108020n, 0);
test(parsesTimestamp, "2000-02-29T00:00:00Z", 951782400n, 0);
test(parsesTimestamp, "0001-01-01T00:00:00Z", -62135596800n, 0);
test(parsesTimestamp, "9999-12-31T23:59:59.999999999Z", 253402300799n, 999999999);

const rejectsTimestamp = test.macro({
  exec(t, text: string, message: string) {
    t.throws(() => parseTimestamp(text), { instanceOf: TimeValueError, message });
  },
  title: (_g, text: string) => `parseTimestamp: rejects "${text}"`,
});
const notTs = (s: string): string => `"${s}" is not a valid timestamp (RFC 3339, e.g. "1972-01-01T10:00:20.021Z")`;
for (const bad of [
  "", "1972-01-01", "1972-01-01 10:00:20Z", "1972-01-01t10:00:20Z", "1972-01-01T10:00:20z",
  "1972-01-01T10:00:20", "1972-01-01T10:00:20.Z", "1972-01-01T10:00:20.1234567890Z",
  "1972-13-01T10:00:20Z", "1972-02-30T10:00:20Z", "1971-02-29T00:00:00Z", "1972-01-01T24:00:00Z",
  "1972-01-01T10:60:00Z", "1972-01-01T10:00:60Z", "1972-01-01T10:00:20+0100", "1972-01-01T10:00:20+24:00",
  "+1972-01-01T10:00:20Z", "1972-1-01T10:00:20Z",
]) {
  test(rejectsTimestamp, bad, notTs(bad));
}
test(rejectsTimestamp, "0001-01-01T00:00:00+00:01",
  `"0001-01-01T00:00:00+00:01" is out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z)`);
test(rejectsTimestamp, "9999-12-31T23:59:59-00:01",
  `"9999-12-31T23:59:59-00:01" is out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z)`);

const parsesDuration = test.macro({
  exec(t, text: string, seconds: bigint, nanos: number) {
    t.deepEqual(parseDuration(text), { seconds, nanos });
  },
  title: (_g, text: string) => `parseDuration: accepts "${text}"`,
});
test(parsesDuration, "0s", 0n, 0);
test(parsesDuration, "1.5s", 1n, 500000000);
test(parsesDuration, "-1.5s", -1n, -500000000);
test(parsesDuration, "-0.000000001s", 0n, -1);
test(parsesDuration, ".5s", 0n, 500000000);
test(parsesDuration, "1.s", 1n, 0);
test(parsesDuration, "-0s", 0n, 0);
test(parsesDuration, "+1s", 1n, 0);
test(parsesDuration, "-.5s", 0n, -500000000);
test(parsesDuration, ".s", 0n, 0);
test(parsesDuration, "1.000000000s", 1n, 0);
test(parsesDuration, "315576000000.999999999s", 315576000000n, 999999999);

const rejectsDuration = test.macro({
  exec(t, text: string, message: string) {
    t.throws(() => parseDuration(text), { instanceOf: TimeValueError, message });
  },
  title: (_g, text: string) => `parseDuration: rejects "${text}"`,
});
const notDur = (s: string): string => `"${s}" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")`;
for (const bad of ["", "s", "-s", "+s", "1", "1 minute", "1m", "01s", "00s", "--1s", "+-1s", "1.0000000001s", "1e3s", " 1s", "1.5S", "1..5s"]) {
  test(rejectsDuration, bad, notDur(bad));
}
test(rejectsDuration, "315576000001s", `"315576000001s" is out of range (-315576000000s to 315576000000s)`);
test(rejectsDuration, "-315576000001s", `"-315576000001s" is out of range (-315576000000s to 315576000000s)`);

test("parseTimestamp: inverts formatTimestamp over the whole range", (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -62135596800n, max: 253402300799n }),
      fc.integer({ min: 0, max: 999_999_999 }),
      (seconds, nanos) => {
        const text = formatTimestamp(seconds, nanos);
        t.deepEqual(parseTimestamp(text), { seconds, nanos });
        // Date agrees on the calendar for the date part (it prints years 0001–9999 the same way).
        t.is(text.slice(0, 19), new Date(Number(seconds) * 1000).toISOString().slice(0, 19));
      },
    ),
    { numRuns: 300 },
  );
});

test("parseDuration: inverts formatDuration", (t) => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -315576000000n, max: 315576000000n }),
      fc.integer({ min: 0, max: 999_999_999 }),
      (seconds, absNanos) => {
        const nanos = seconds < 0n ? -absNanos : absNanos;
        const back = parseDuration(formatDuration(seconds, nanos));
        t.deepEqual(back, { seconds, nanos: nanos === 0 ? 0 : nanos });
      },
    ),
    { numRuns: 300 },
  );
});
