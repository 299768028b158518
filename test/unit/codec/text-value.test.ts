import test from "ava";
import type { ExecutionContext } from "ava";
import type { EnumModel, ScalarType } from "../../../src/model/descriptor.js";
import {
  TextValueError,
  parseBoolText,
  parseBytesText,
  parseDurationText,
  parseEnumText,
  parseFieldMaskText,
  parseFloatText,
  parseGoDuration,
  parseIntegerText,
  parseTimestampText,
} from "../../../src/codec/text-value.js";

const parses = test.macro({
  exec<T>(t: ExecutionContext, parse: (text: string) => T, text: string, expected: T) {
    t.deepEqual(parse(text), expected);
  },
  title: (given = "", parse: (text: string) => unknown, text: string) => `${parse.name}: ${given || `parses ${JSON.stringify(text)}`}`,
});

const refuses = test.macro({
  exec(t: ExecutionContext, parse: (text: string) => unknown, text: string, message: string) {
    const error = t.throws(() => parse(text), { instanceOf: TextValueError });
    t.is(error?.message, message);
  },
  title: (given = "", parse: (text: string) => unknown, text: string) => `${parse.name}: ${given || `rejects ${JSON.stringify(text)}`}`,
});

const int = (scalar: ScalarType) => {
  const parse = (text: string): bigint => parseIntegerText(text, scalar);
  Object.defineProperty(parse, "name", { value: `parseIntegerText(${scalar})` });
  return parse;
};
const float = (scalar: "float" | "double") => {
  const parse = (text: string): number => parseFloatText(text, scalar);
  Object.defineProperty(parse, "name", { value: `parseFloatText(${scalar})` });
  return parse;
};

// ---- integers: Go's strconv.ParseInt / ParseUint, base 10 --------------------------------
test(parses, int("int32"), "12", 12n);
test(parses, int("int32"), "+5", 5n); // ParseInt takes a plus sign
test(parses, int("int32"), "-0", 0n);
test(parses, int("int32"), "007", 7n); // leading zeros are fine in Go
test(parses, int("int32"), "-2147483648", -2147483648n);
test(parses, int("int64"), "9223372036854775807", 9223372036854775807n);
test(parses, int("int64"), "9007199254740993", 9007199254740993n); // exact beyond 2^53
test(parses, int("uint64"), "18446744073709551615", 18446744073709551615n);
test(refuses, int("int32"), "1.5", '"1.5" is not a valid int32');
test(refuses, int("int32"), "", '"" is not a valid int32');
test(refuses, int("int32"), " 1", '" 1" is not a valid int32');
test(refuses, int("int32"), "1_000", '"1_000" is not a valid int32'); // underscores need base 0
test(refuses, int("int32"), "1e3", '"1e3" is not a valid int32'); // unlike JSON
test(refuses, int("int32"), "2147483648", '"2147483648" is out of range for int32');
test(refuses, int("uint32"), "-1", '"-1" is not a valid uint32'); // ParseUint takes no sign at all
test(refuses, int("uint32"), "+1", '"+1" is not a valid uint32');
test(refuses, int("uint32"), "4294967296", '"4294967296" is out of range for uint32');
test(refuses, int("int64"), "9223372036854775808", '"9223372036854775808" is out of range for int64');
test(refuses, int("sfixed64"), "-9223372036854775809", '"-9223372036854775809" is out of range for sfixed64');

// ---- floats: strconv.ParseFloat ---------------------------------------------------------
test(parses, float("double"), "1.5", 1.5);
test(parses, float("double"), ".5", 0.5);
test(parses, float("double"), "5.", 5);
test(parses, float("double"), "-1e3", -1000);
test(parses, float("double"), "1E+2", 100);
test(parses, float("double"), "NaN", NaN);
test(parses, float("double"), "nan", NaN); // Go is case-insensitive here
test(parses, float("double"), "Infinity", Infinity);
test(parses, float("double"), "-Inf", -Infinity);
test(parses, float("double"), "+inf", Infinity);
test(parses, float("float"), "1.1", Math.fround(1.1)); // rounded to float32
test(parses, float("float"), "3.4028234663852886e38", 3.4028234663852886e38);
test(refuses, float("double"), "1e309", '"1e309" is out of range for double'); // ErrRange, not Inf
test(refuses, float("float"), "3.5e38", '"3.5e38" is out of range for float');
test(refuses, float("double"), "abc", '"abc" is not a valid double');
test(refuses, float("double"), "", '"" is not a valid double');
test(refuses, float("double"), "1.5.5", '"1.5.5" is not a valid double');
test(refuses, float("double"), "0x1p-2", '"0x1p-2" is not a valid double'); // hex floats: not supported (Go has them)

// ---- bools: strconv.ParseBool -----------------------------------------------------------
for (const text of ["1", "t", "T", "true", "TRUE", "True"]) test(parses, parseBoolText, text, true);
for (const text of ["0", "f", "F", "false", "FALSE", "False"]) test(parses, parseBoolText, text, false);
test(refuses, parseBoolText, "yes", '"yes" is not a valid bool (use true, false, 1 or 0)');
test(refuses, parseBoolText, "tRUE", '"tRUE" is not a valid bool (use true, false, 1 or 0)');
test(refuses, parseBoolText, "", '"" is not a valid bool (use true, false, 1 or 0)');

// ---- bytes: base64 std or URL-safe, padded or not ---------------------------------------
test(parses, parseBytesText, "AQID", Uint8Array.from([1, 2, 3]));
test(parses, parseBytesText, "+/8=", Uint8Array.from([251, 255]));
test(parses, parseBytesText, "-_8", Uint8Array.from([251, 255]));
test(parses, parseBytesText, "AQ", Uint8Array.from([1]));
test(parses, parseBytesText, "", new Uint8Array(0));
test(refuses, parseBytesText, "!!", '"!!" is not valid base64');
test(refuses, parseBytesText, "A", '"A" is not valid base64');
test(refuses, parseBytesText, "AQ=", '"AQ=" is not valid base64');

// ---- enums: a name, or a number the enum defines ----------------------------------------
const KIND: EnumModel = {
  fullName: "intest.Kind",
  file: "intest/in.proto",
  values: [{ name: "KIND_UNSPECIFIED", number: 0 }, { name: "KIND_A", number: 1 }, { name: "KIND_NEG", number: -1 }],
};
const kind = (text: string): number =>
  parseEnumText(text, KIND, new Map(KIND.values.map((v) => [v.name, v.number])), new Set(KIND.values.map((v) => v.number)));
Object.defineProperty(kind, "name", { value: "parseEnumText" });
test(parses, kind, "KIND_A", 1);
test(parses, kind, "1", 1);
test(parses, kind, "-1", -1);
test(parses, kind, "+1", 1); // strconv.Atoi
test(refuses, kind, "7", '"7" is not a value of enum intest.Kind'); // grpc-gateway refuses undefined numbers
test(refuses, kind, "kind_a", '"kind_a" is not a value of enum intest.Kind');
test(refuses, kind, "", '"" is not a value of enum intest.Kind');

// ---- well-known types -------------------------------------------------------------------
test(parses, parseTimestampText, "2020-01-01T00:00:00Z", { seconds: 1577836800n, nanos: 0 });
test(parses, parseTimestampText, "2020-01-01T01:00:00.5+01:00", { seconds: 1577836800n, nanos: 500000000 });
test(refuses, parseTimestampText, "2020-01-01",
  '"2020-01-01" is not a valid timestamp (RFC 3339, e.g. "1972-01-01T10:00:20.021Z")');
test(parses, parseDurationText, "1.5s", { seconds: 1n, nanos: 500000000 });
test(parses, parseDurationText, "-0.25s", { seconds: 0n, nanos: -250000000 });
test(parses, parseDurationText, "1h30m", { seconds: 5400n, nanos: 0 }); // Go's ParseDuration syntax
test(parses, parseDurationText, "-1.5h", { seconds: -5400n, nanos: 0 });
test(parses, parseDurationText, "300ms", { seconds: 0n, nanos: 300000000 });
test(parses, parseDurationText, "1us2ns", { seconds: 0n, nanos: 1002 });
test(parses, parseDurationText, "1\u00b5s", { seconds: 0n, nanos: 1000 });
test(parses, parseDurationText, "0", { seconds: 0n, nanos: 0 });
test(refuses, parseDurationText, "1x", '"1x" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")');
test(refuses, parseDurationText, "", '"" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")');
test(refuses, parseDurationText, "h", '"h" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")');
test(refuses, parseDurationText, "315576000001s", '"315576000001s" is out of range (-315576000000s to 315576000000s)');

test("parseGoDuration: refuses more than 2^63-1 nanoseconds, as time.ParseDuration", (t) => {
  t.deepEqual(parseGoDuration("2562047h"), { seconds: 9223369200n, nanos: 0 });
  t.is(parseGoDuration("2562048h"), undefined);
  t.deepEqual(parseGoDuration("-9223372036854775808ns"), { seconds: -9223372036n, nanos: -854775808 });
  t.is(parseGoDuration("9223372036854775808ns"), undefined);
});

test(parses, parseFieldMaskText, "a,b.c", ["a", "b.c"]);
test(parses, parseFieldMaskText, "foo_bar", ["foo_bar"]); // proto names, verbatim
test(parses, parseFieldMaskText, "displayName,author.birthYear,page_count", ["display_name", "author.birth_year", "page_count"]); // JSON names too
test(parses, parseFieldMaskText, "a,,b", ["a", "b"]); // empty pieces dropped
test(parses, parseFieldMaskText, "", []);
