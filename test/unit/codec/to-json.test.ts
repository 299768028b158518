import test from "ava";
import type { JsonOptions } from "../../../src/codec/contract.js";
import { CodecError } from "../../../src/codec/field-error.js";
import { createJsonWriters } from "../../../src/codec/to-json.js";
import type { JsonWriters } from "../../../src/codec/to-json.js";
import { loadTypeSet } from "../../helpers/load-types.js";
import {
  cat, fixed32, fixed64, float32, float64, lf, sf, tag, varint, vf, zigzag,
} from "./to-json-bytes.js";
import type { Part } from "./to-json-bytes.js";
import { fixturePath } from "./to-json-fixture.js";

const types = loadTypeSet([fixturePath]);
const OFF: JsonOptions = { emitUnpopulated: false, useProtoNames: false, enumsAsInts: false, discardUnknown: false };
const writersFor = new Map<string, JsonWriters>();
function writers(options: Partial<JsonOptions> = {}): JsonWriters {
  const o = { ...OFF, ...options };
  const key = JSON.stringify(o);
  let w = writersFor.get(key);
  if (w === undefined) writersFor.set(key, (w = createJsonWriters(types, o)));
  return w;
}

interface Row {
  readonly title: string;
  readonly bytes: Part[];
  readonly json: string;
  readonly type?: string;
  readonly options?: Partial<JsonOptions>;
}

const renders = test.macro({
  exec(t, row: Row) {
    const bytes = cat(...row.bytes);
    t.is(writers(row.options).toJson(row.type ?? "outtest.All", bytes), row.json);
    // The byte writer writes the same text, or hands the message to the text writer.
    t.is(writers(row.options).toJsonBytes(row.type ?? "outtest.All", bytes).toString(), row.json);
  },
  title: (_g, row: Row) => `toJson: ${row.title}`,
});

const refuses = test.macro({
  exec(t, _title: string, bytes: Part[], message: string) {
    t.throws(() => writers().toJson("outtest.All", cat(...bytes)), { instanceOf: CodecError, message });
    t.throws(() => writers().toJsonBytes("outtest.All", cat(...bytes)), { instanceOf: CodecError, message });
  },
  title: (_g, title: string) => `toJson: refuses ${title}`,
});

// ---------------------------------------------------------------- scalars
const scalarRows: Row[] = [
  { title: "double", bytes: [tag(1, 1), float64(-1.5)], json: `{"fDouble":-1.5}` },
  { title: "double -0 is populated (as protojson)", bytes: [tag(1, 1), float64(-0)], json: `{"fDouble":-0}` },
  { title: "double NaN as a string", bytes: [tag(1, 1), float64(NaN)], json: `{"fDouble":"NaN"}` },
  { title: "double -Infinity as a string", bytes: [tag(1, 1), float64(-Infinity)], json: `{"fDouble":"-Infinity"}` },
  { title: "float in its shortest float32 form", bytes: [tag(2, 5), float32(1.1)], json: `{"fFloat":1.1}` },
  { title: "float Infinity", bytes: [tag(2, 5), float32(Infinity)], json: `{"fFloat":"Infinity"}` },
  { title: "int32 -1 from a 10-byte varint", bytes: [vf(3, -1)], json: `{"fInt32":-1}` },
  { title: "int32 min", bytes: [vf(3, -2147483648)], json: `{"fInt32":-2147483648}` },
  { title: "int64 min as a string", bytes: [vf(4, -(2n ** 63n))], json: `{"fInt64":"-9223372036854775808"}` },
  { title: "int64 max as a string", bytes: [vf(4, 2n ** 63n - 1n)], json: `{"fInt64":"9223372036854775807"}` },
  { title: "int64 -2^53-1 exactly", bytes: [vf(4, -(2n ** 53n) - 1n)], json: `{"fInt64":"-9007199254740993"}` },
  { title: "uint32 max", bytes: [vf(5, 0xffffffff)], json: `{"fUint32":4294967295}` },
  { title: "uint64 max", bytes: [vf(6, 2n ** 64n - 1n)], json: `{"fUint64":"18446744073709551615"}` },
  { title: "uint64 2^53+1 exactly", bytes: [vf(6, 2n ** 53n + 1n)], json: `{"fUint64":"9007199254740993"}` },
  { title: "sint32 min", bytes: [vf(7, zigzag(-2147483648))], json: `{"fSint32":-2147483648}` },
  { title: "sint32 -1", bytes: [vf(7, zigzag(-1))], json: `{"fSint32":-1}` },
  { title: "sint64 min", bytes: [vf(8, zigzag(-(2n ** 63n)))], json: `{"fSint64":"-9223372036854775808"}` },
  { title: "sint64 max", bytes: [vf(8, zigzag(2n ** 63n - 1n))], json: `{"fSint64":"9223372036854775807"}` },
  { title: "sint64 -3", bytes: [vf(8, zigzag(-3))], json: `{"fSint64":"-3"}` },
  { title: "fixed32 max", bytes: [tag(9, 5), fixed32(0xffffffff)], json: `{"fFixed32":4294967295}` },
  { title: "fixed64 max", bytes: [tag(10, 1), fixed64(2n ** 64n - 1n)], json: `{"fFixed64":"18446744073709551615"}` },
  { title: "sfixed32 -1", bytes: [tag(11, 5), fixed32(-1)], json: `{"fSfixed32":-1}` },
  { title: "sfixed64 min", bytes: [tag(12, 1), fixed64(-(2n ** 63n))], json: `{"fSfixed64":"-9223372036854775808"}` },
  { title: "bool from any non-zero varint", bytes: [vf(13, 2n ** 40n)], json: `{"fBool":true}` },
  { title: "string with escapes", bytes: [sf(14, "a\"\\\n\u0001é😀")], json: `{"fString":"a\\"\\\\\\n\\u0001é😀"}` },
  { title: "bytes as padded standard base64", bytes: [lf(15, [0xfb, 0xff])], json: `{"fBytes":"+/8="}` },
  { title: "enum by name", bytes: [vf(16, 2)], json: `{"fEnum":"GREEN"}` },
  { title: "unknown enum number as a number", bytes: [vf(16, 7)], json: `{"fEnum":7}` },
  { title: "negative unknown enum number", bytes: [vf(16, -2)], json: `{"fEnum":-2}` },
  { title: "enum as a number with enumsAsInts", bytes: [vf(16, 2)], json: `{"fEnum":2}`, options: { enumsAsInts: true } },
  { title: "an explicit json_name", bytes: [sf(110, "x")], json: `{"customName":"x"}` },
  { title: "proto names with useProtoNames", bytes: [sf(110, "x"), vf(3, 1)], json: `{"f_int32":1,"json_named":"x"}`, options: { useProtoNames: true } },
  { title: "the highest field number", bytes: [vf(536870911, 5)], json: `{"highNumber":5}` },
  { title: "fields in declaration order, not wire order", bytes: [sf(14, "s"), vf(3, 1), tag(1, 1), float64(2)], json: `{"fDouble":2,"fInt32":1,"fString":"s"}` },
  { title: "the last of repeated scalar occurrences", bytes: [vf(3, 1), vf(3, 2)], json: `{"fInt32":2}` },
  { title: "a default value on the wire as unset", bytes: [vf(3, 0), sf(14, ""), vf(13, 0), vf(16, 0), lf(15)], json: `{}` },
  { title: "a value overwritten by its default as unset", bytes: [vf(3, 5), vf(3, 0)], json: `{}` },
];
for (const row of scalarRows) test(renders, row);

// ---------------------------------------------------------------- repeated
const repeatedRows: Row[] = [
  { title: "packed int32", bytes: [lf(23, varint(1), varint(-1), varint(0))], json: `{"rInt32":[1,-1,0]}` },
  { title: "unpacked int32 although declared packed", bytes: [vf(23, 1), vf(23, 2)], json: `{"rInt32":[1,2]}` },
  { title: "packed and unpacked mixed, in wire order", bytes: [vf(23, 1), lf(23, varint(2), varint(3)), vf(23, 4)], json: `{"rInt32":[1,2,3,4]}` },
  { title: "packed uint32 although declared unpacked", bytes: [lf(25, varint(7), varint(8))], json: `{"rUint32":[7,8]}` },
  { title: "packed doubles and floats", bytes: [lf(21, float64(0.5), float64(NaN)), lf(22, float32(0.1))], json: `{"rDouble":[0.5,"NaN"],"rFloat":[0.1]}` },
  { title: "packed sint64 and fixed64", bytes: [lf(28, varint(zigzag(-5))), lf(30, fixed64(3n))], json: `{"rSint64":["-5"],"rFixed64":["3"]}` },
  { title: "packed bools and enums", bytes: [lf(33, [1, 0]), lf(36, [1, 9])], json: `{"rBool":[true,false],"rEnum":["RED",9]}` },
  { title: "an empty packed run as no elements", bytes: [lf(23)], json: `{}` },
  { title: "repeated strings and bytes with defaults kept", bytes: [sf(34, ""), sf(34, "b"), lf(35)], json: `{"rString":["","b"],"rBytes":[""]}` },
  { title: "repeated messages, each its own element", bytes: [lf(37, vf(1, 1)), lf(37), lf(37, vf(1, 2))], json: `{"rNested":[{"a":1},{},{"a":2}]}` },
  { title: "repeated NullValue", bytes: [lf(102, [0, 0])], json: `{"rNullValue":[null,null]}` },
  { title: "repeated Timestamps", bytes: [lf(100, vf(1, 1)), lf(100)], json: `{"rTimestamp":["1970-01-01T00:00:01Z","1970-01-01T00:00:00Z"]}` },
];
for (const row of repeatedRows) test(renders, row);

// ---------------------------------------------------------------- messages, oneofs, optional
const messageRows: Row[] = [
  { title: "an empty nested message", bytes: [lf(17)], json: `{"fNested":{}}` },
  {
    title: "repeated occurrences of a singular message merge",
    bytes: [lf(17, vf(1, 1), vf(4, 1), lf(3, vf(1, 5))), lf(17, sf(2, "x"), vf(4, 2), lf(3, sf(2, "y")))],
    json: `{"fNested":{"a":1,"b":"x","child":{"a":5,"b":"y"},"list":[1,2]}}`,
  },
  { title: "a merged scalar takes the last value", bytes: [lf(17, vf(1, 1)), lf(17, vf(1, 2))], json: `{"fNested":{"a":2}}` },
  { title: "the last oneof member wins", bytes: [sf(61, "s"), vf(62, 5)], json: `{"oInt64":"5"}` },
  { title: "a oneof member at its default is still emitted", bytes: [vf(62, 0)], json: `{"oInt64":"0"}` },
  { title: "a oneof enum at its default", bytes: [vf(64, 0)], json: `{"oEnum":"COLOR_UNSPECIFIED"}` },
  { title: "a repeated oneof message member merges", bytes: [lf(63, vf(1, 1)), lf(63, sf(2, "b"))], json: `{"oNested":{"a":1,"b":"b"}}` },
  {
    title: "a oneof message member does not merge across another member",
    bytes: [lf(63, vf(1, 1)), sf(61, "s"), lf(63, sf(2, "b"))],
    json: `{"oNested":{"b":"b"}}`,
  },
  { title: "a oneof Timestamp", bytes: [lf(65)], json: `{"oTimestamp":"1970-01-01T00:00:00Z"}` },
  { title: "proto3 optional fields at their default are emitted", bytes: [vf(71, 0), sf(72, ""), vf(73, 0), lf(74)], json: `{"pInt32":0,"pString":"","pEnum":"COLOR_UNSPECIFIED","pNested":{}}` },
  { title: "a recursive message", bytes: [lf(120, lf(120, vf(3, 3)))], json: `{"recursive":{"recursive":{"fInt32":3}}}` },
];
for (const row of messageRows) test(renders, row);

// ---------------------------------------------------------------- maps
const entry = (...parts: Part[]): Part[] => parts;
const mapRows: Row[] = [
  { title: "a string map", bytes: [lf(41, ...entry(sf(1, "k"), sf(2, "v")))], json: `{"mStringString":{"k":"v"}}` },
  { title: "duplicate map keys: the last wins", bytes: [lf(41, sf(1, "k"), sf(2, "1")), lf(41, sf(1, "k"), sf(2, "2"))], json: `{"mStringString":{"k":"2"}}` },
  { title: "a map entry without a key or value uses the defaults", bytes: [lf(41, sf(2, "v")), lf(42, vf(1, 3))], json: `{"mStringString":{"":"v"},"mInt32Int64":{"3":"0"}}` },
  { title: "a map entry value before its key", bytes: [lf(41, sf(2, "v"), sf(1, "k"))], json: `{"mStringString":{"k":"v"}}` },
  { title: "int map keys sorted numerically", bytes: [lf(42, vf(1, 10), vf(2, 1)), lf(42, vf(1, -2), vf(2, 2)), lf(42, vf(1, 9), vf(2, 3))], json: `{"mInt32Int64":{"-2":"2","9":"3","10":"1"}}` },
  { title: "int64 keys and message values (missing value: empty message)", bytes: [lf(43, vf(1, -(2n ** 63n)), lf(2, vf(1, 1))), lf(43, vf(1, 5))], json: `{"mInt64Nested":{"-9223372036854775808":{"a":1},"5":{}}}` },
  { title: "a map value message repeated within an entry merges", bytes: [lf(43, vf(1, 1), lf(2, vf(1, 1)), lf(2, sf(2, "b")))], json: `{"mInt64Nested":{"1":{"a":1,"b":"b"}}}` },
  { title: "enum map values, unknown ones as numbers", bytes: [lf(44, vf(1, 4294967295), vf(2, 1)), lf(44, vf(1, 0), vf(2, 8))], json: `{"mUint32Enum":{"0":8,"4294967295":"RED"}}` },
  { title: "sint, fixed and bool keys", bytes: [lf(46, vf(1, zigzag(-1)), tag(2, 1), float64(1)), lf(48, tag(1, 5), fixed32(7), vf(2, 1)), lf(52, vf(1, 1), lf(2, vf(4, 1))), lf(52, lf(2, vf(1, 0)))], json: `{"mSint32Double":{"-1":1},"mFixed32Bool":{"7":true},"mBoolValue":{"false":null,"true":true}}` },
  { title: "string keys sorted by code point", bytes: [lf(41, sf(1, "😀")), lf(41, sf(1, "\uffff")), lf(41, sf(1, "a"))], json: `{"mStringString":{"a":"","\uffff":"","😀":""}}` },
  { title: "unknown fields inside a map entry are skipped", bytes: [lf(41, sf(1, "k"), vf(9, 1), sf(2, "v"))], json: `{"mStringString":{"k":"v"}}` },
];
for (const row of mapRows) test(renders, row);

// ---------------------------------------------------------------- unknown fields and wire types
const unknownRows: Row[] = [
  { title: "unknown varint, fixed64, length and fixed32 fields are skipped", bytes: [vf(1000, 5), tag(1001, 1), fixed64(1n), lf(1002, [1, 2]), tag(1003, 5), fixed32(1), vf(3, 1)], json: `{"fInt32":1}` },
  { title: "unknown groups (nested) are skipped", bytes: [tag(1000, 3), vf(1, 1), tag(2, 3), sf(3, "x"), tag(2, 4), tag(1000, 4), vf(3, 1)], json: `{"fInt32":1}` },
  { title: "a known field with the wrong wire type is skipped like an unknown one", bytes: [tag(3, 1), fixed64(9n), sf(16, "x"), vf(17, 1), vf(14, 1), vf(3, 2)], json: `{"fInt32":2}` },
  { title: "a known field sent as a group is skipped", bytes: [tag(17, 3), vf(1, 1), tag(17, 4)], json: `{}` },
];
for (const row of unknownRows) test(renders, row);

// ---------------------------------------------------------------- well-known types
const wktRows: Row[] = [
  { title: "Timestamp", bytes: [lf(82, vf(1, 63108020), vf(2, 21000000))], json: `{"wTimestamp":"1972-01-01T10:00:20.021Z"}` },
  { title: "Duration", bytes: [lf(83, vf(1, -1), vf(2, -500000000))], json: `{"wDuration":"-1.500s"}` },
  { title: "FieldMask paths camelCased", bytes: [lf(84, sf(1, "a.foo_bar"), sf(1, "b"))], json: `{"wFieldMask":"a.fooBar,b"}` },
  { title: "an empty FieldMask", bytes: [lf(84)], json: `{"wFieldMask":""}` },
  { title: "Struct with sorted keys, duplicate keys last wins", bytes: [lf(85, lf(1, sf(1, "z"), lf(2, vf(1, 0))), lf(1, sf(1, "a"), lf(2, sf(3, "s"))), lf(1, sf(1, "z"), lf(2, tag(2, 1), float64(1.5))))], json: `{"wStruct":{"a":"s","z":1.5}}` },
  { title: "Value kinds: list with nested struct", bytes: [lf(86, lf(6, lf(1, vf(4, 0)), lf(1, lf(5, lf(1, sf(1, "k"), lf(2, vf(1, 0))))), lf(1, lf(6))))], json: `{"wValue":[false,{"k":null},[]]}` },
  { title: "Value: the last kind wins", bytes: [lf(86, sf(3, "s"), vf(4, 1))], json: `{"wValue":true}` },
  { title: "Value: a repeated struct_value merges", bytes: [lf(86, lf(5, lf(1, sf(1, "a"), lf(2, vf(4, 1)))), lf(5, lf(1, sf(1, "b"), lf(2, vf(4, 0)))))], json: `{"wValue":{"a":true,"b":false}}` },
  { title: "ListValue", bytes: [lf(87, lf(1, sf(3, "x")), lf(1, tag(2, 1), float64(-0)))], json: `{"wListValue":["x",-0]}` },
  { title: "NullValue field set to 0 is unset (implicit presence)", bytes: [vf(88, 0)], json: `{}` },
  { title: "Empty", bytes: [lf(89, vf(5, 1))], json: `{"wEmpty":{}}` },
  { title: "wrappers as bare values, defaults included", bytes: [lf(90), lf(91, tag(1, 5), float32(0.1)), lf(92, vf(1, -1)), lf(93), lf(94, vf(1, -1)), lf(95), lf(96, vf(1, 1)), lf(97, sf(1, "s")), lf(98, lf(1, [0]))], json: `{"wDouble":0,"wFloat":0.1,"wInt64":"-1","wUint64":"0","wInt32":-1,"wUint32":0,"wBool":true,"wString":"s","wBytes":"AA=="}` },
  { title: "Any with a message", bytes: [lf(81, sf(1, "type.googleapis.com/outtest.Nested"), lf(2, vf(1, 3)))], json: `{"wAny":{"@type":"type.googleapis.com/outtest.Nested","a":3}}` },
  { title: "Any with an empty message", bytes: [lf(81, sf(1, "type.googleapis.com/outtest.Nested"))], json: `{"wAny":{"@type":"type.googleapis.com/outtest.Nested"}}` },
  { title: "Any with a well-known type uses \"value\"", bytes: [lf(81, sf(1, "type.googleapis.com/google.protobuf.Duration"), lf(2, vf(1, 1)))], json: `{"wAny":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}}` },
  { title: "Any with Empty (protojson: \"value\": {})", bytes: [lf(81, sf(1, "type.googleapis.com/google.protobuf.Empty"))], json: `{"wAny":{"@type":"type.googleapis.com/google.protobuf.Empty","value":{}}}` },
  {
    title: "Any inside Any",
    bytes: [lf(81, sf(1, "type.googleapis.com/google.protobuf.Any"), lf(2, sf(1, "x.com/outtest.Nested"), lf(2, sf(2, "in"))))],
    json: `{"wAny":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"x.com/outtest.Nested","b":"in"}}}`,
  },
  { title: "an empty Any", bytes: [lf(81)], json: `{"wAny":{}}` },
  { title: "Any applies the options inside", type: "google.protobuf.Any", bytes: [sf(1, "t/outtest.All"), lf(2, sf(110, "j"))], json: `{"@type":"t/outtest.All","json_named":"j"}`, options: { useProtoNames: true } },
  { title: "Any with emitUnpopulated", type: "google.protobuf.Any", bytes: [sf(1, "t/outtest.Nested")], json: `{"@type":"t/outtest.Nested","a":0,"b":"","child":null,"list":[]}`, options: { emitUnpopulated: true } },
  { title: "a top-level Timestamp", type: "google.protobuf.Timestamp", bytes: [vf(1, 1)], json: `"1970-01-01T00:00:01Z"` },
  { title: "a top-level Struct", type: "google.protobuf.Struct", bytes: [], json: `{}` },
  { title: "a top-level Int64Value", type: "google.protobuf.Int64Value", bytes: [vf(1, 5)], json: `"5"` },
];
for (const row of wktRows) test(renders, row);

// ---------------------------------------------------------------- emitUnpopulated
test(renders, {
  title: "emitUnpopulated: defaults, null for an unset message, [] and {}",
  type: "outtest.Nested",
  bytes: [],
  json: `{"a":0,"b":"","child":null,"list":[]}`,
  options: { emitUnpopulated: true },
});
test("toJson: emitUnpopulated emits every field except unset oneof members and optional fields", (t) => {
  const json = JSON.parse(writers({ emitUnpopulated: true }).toJson("outtest.All", new Uint8Array())) as Record<string, unknown>;
  const model = types.messages["outtest.All"];
  if (model === undefined) throw new Error("fixture missing");
  const expectedKeys = model.fields.filter((f) => f.oneof === undefined && f.label !== "optional").map((f) => f.jsonName);
  t.deepEqual(Object.keys(json), expectedKeys);
  t.like(json, {
    fDouble: 0, fFloat: 0, fInt64: "0", fUint64: "0", fBool: false, fString: "", fBytes: "", fEnum: "COLOR_UNSPECIFIED",
    fNested: null, rInt32: [], rNested: [], mStringString: {}, mInt64Nested: {}, wAny: null, wTimestamp: null,
    wValue: null, wNullValue: null, wEmpty: null, wInt64: null, customName: "", highNumber: 0, recursive: null,
  });
});
test("toJson: emitUnpopulated with enumsAsInts and useProtoNames: a default enum as 0 under its proto name", (t) => {
  const json = JSON.parse(writers({ emitUnpopulated: true, enumsAsInts: true, useProtoNames: true }).toJson("outtest.All", new Uint8Array())) as Record<string, unknown>;
  t.like(json, { f_enum: 0, w_null_value: null, json_named: "", r_enum: [] });
});

// ---------------------------------------------------------------- malformed input
test(refuses, "a truncated varint", [[0x18, 0x80]], "malformed protobuf: truncated or invalid length");
test(refuses, "a truncated tag", [[0x80]], "malformed protobuf: truncated or invalid length");
test(refuses, "a length past the end", [[0x72, 0x05, 0x61]], "malformed protobuf: truncated or invalid length");
test(refuses, "a huge length", [[0x72, ...varint(2n ** 40n)]], "malformed protobuf: truncated or invalid length");
test(refuses, "a truncated fixed64", [[0x09, 1, 2, 3]], "malformed protobuf: truncated or invalid length");
test(refuses, "a truncated fixed32", [[0x4d, 1, 2]], "malformed protobuf: truncated or invalid length");
test(refuses, "a truncated packed element", [lf(23, [0x80])], "malformed protobuf: truncated or invalid length");
test(refuses, "a varint over 64 bits", [[0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]], "malformed protobuf: varint overflows 64 bits");
test(refuses, "an 11-byte varint", [[0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]], "malformed protobuf: varint overflows 64 bits");
test(refuses, "field number 0", [[0x00, 0x01]], "malformed protobuf: invalid field number");
test(refuses, "a field number above 2^29-1", [tag(2 ** 29, 0), [1]], "malformed protobuf: invalid field number");
test(refuses, "wire type 6", [[0x0e]], "malformed protobuf: invalid wire type 6");
test(refuses, "wire type 7 on an unknown field", [tag(999, 7)], "malformed protobuf: invalid wire type 7");
test(refuses, "an end group without a start", [tag(5, 4)], "malformed protobuf: unexpected end group");
test(refuses, "a mismatched end group", [tag(900, 3), tag(901, 4)], "malformed protobuf: mismatched end group");
test(refuses, "an unterminated group", [tag(900, 3), vf(1, 1)], "malformed protobuf: truncated or invalid length");
test(refuses, "invalid UTF-8 in a string", [lf(14, [0x61, 0xff])], "malformed protobuf: string field contains invalid UTF-8");
test(refuses, "a lone surrogate (CESU) in a long string", [lf(14, [...new Array<number>(40).fill(0x61), 0xed, 0xa0, 0x80])], "malformed protobuf: string field contains invalid UTF-8");
test(refuses, "invalid UTF-8 in a map key", [lf(41, lf(1, [0xc0, 0x80]))], "malformed protobuf: string field contains invalid UTF-8");
test(refuses, "invalid UTF-8 deep in a nested message", [lf(17, lf(3, lf(2, [0xfe])))], "malformed protobuf: string field contains invalid UTF-8");
test(refuses, "an unknown Any type", [lf(81, sf(1, "type.googleapis.com/nope.Missing"))], `google.protobuf.Any: cannot resolve type_url "type.googleapis.com/nope.Missing"`);
test(refuses, "an Any value without a type_url", [lf(81, lf(2, [8, 1]))], "google.protobuf.Any has a value but no type_url");
test(refuses, "malformed bytes inside an Any", [lf(81, sf(1, "t/outtest.Nested"), lf(2, [0x08]))], "malformed protobuf: truncated or invalid length");
test(refuses, "a Timestamp before year 1", [lf(82, vf(1, -62135596801n))], "google.protobuf.Timestamp: seconds -62135596801 out of range");
test(refuses, "a Timestamp with negative nanos", [lf(82, vf(2, -1))], "google.protobuf.Timestamp: nanos -1 out of range");
test(refuses, "a Duration with mixed signs", [lf(83, vf(1, 1), vf(2, -1))], "google.protobuf.Duration: seconds 1 and nanos -1 have different signs");
test(refuses, "a FieldMask path that does not camelCase back", [lf(84, sf(1, "foo_Bar"))], `google.protobuf.FieldMask contains irreversible path "foo_Bar"`);
test(refuses, "a FieldMask path with a digit after _", [lf(84, sf(1, "a_1"))], `google.protobuf.FieldMask contains irreversible path "a_1"`);
test(refuses, "a FieldMask path that is no field path", [lf(84, sf(1, "a..b"))], `google.protobuf.FieldMask contains invalid path "a..b"`);
test(refuses, "a Value with no kind", [lf(86)], "google.protobuf.Value has none of its kind fields set");
test(refuses, "a Struct entry without a value", [lf(85, lf(1, sf(1, "k")))], "google.protobuf.Value has none of its kind fields set");
test(refuses, "a Value of NaN", [lf(86, tag(2, 1), float64(NaN))], `google.protobuf.Value cannot be "NaN"`);
test(refuses, "a Value of Infinity", [lf(86, tag(2, 1), float64(Infinity))], `google.protobuf.Value cannot be "Infinity"`);

test("toJson: refuses an unknown message type", (t) => {
  t.throws(() => writers().toJson("nope.Missing", new Uint8Array()), { instanceOf: CodecError, message: "unknown message type nope.Missing" });
});

// ---------------------------------------------------------------- depth
function nestedChain(levels: number): Uint8Array {
  let bytes = cat(vf(1, 1));
  for (let i = 0; i < levels; i++) bytes = cat(lf(3, bytes));
  return bytes;
}
test("toJson: renders messages nested 100 deep", (t) => {
  const json = writers().toJson("outtest.Nested", nestedChain(100));
  t.is(json, `${`{"child":`.repeat(100)}{"a":1}${"}".repeat(100)}`);
});
test("toJson: refuses messages nested 101 deep", (t) => {
  t.throws(() => writers().toJson("outtest.Nested", nestedChain(101)), {
    instanceOf: CodecError, message: "message nesting exceeds the depth limit of 100",
  });
});
test("toJson: refuses Struct values nested past the depth limit", (t) => {
  // Value{list_value: ListValue{values: [Value{list_value: …}]}} — two levels per step.
  let value = cat(vf(1, 0));
  for (let i = 0; i < 60; i++) value = cat(lf(6, lf(1, value)));
  t.throws(() => writers().toJson("google.protobuf.Value", value), {
    instanceOf: CodecError, message: "message nesting exceeds the depth limit of 100",
  });
  let shallow = cat(vf(1, 0));
  for (let i = 0; i < 40; i++) shallow = cat(lf(6, lf(1, shallow)));
  t.is(writers().toJson("google.protobuf.Value", shallow), `${"[".repeat(40)}null${"]".repeat(40)}`);
});
test("toJson: refuses unknown groups nested past the depth limit", (t) => {
  const deep: Part[] = [];
  for (let i = 0; i < 150; i++) deep.push(tag(900, 3));
  for (let i = 0; i < 150; i++) deep.push(tag(900, 4));
  t.throws(() => writers().toJson("outtest.All", cat(...deep)), {
    instanceOf: CodecError, message: "message nesting exceeds the depth limit of 100",
  });
});

// ---------------------------------------------------------------- fieldToJson
interface BodyRow {
  readonly path: string;
  readonly bytes: Part[];
  readonly json: string;
  readonly options?: Partial<JsonOptions>;
}
const body = test.macro({
  exec(t, row: BodyRow) {
    t.is(writers(row.options).fieldToJson("outtest.All", row.path.split("."), cat(...row.bytes)), row.json);
  },
  title: (_g, row: BodyRow) =>
    `fieldToJson: ${row.path} of ${row.bytes.length === 0 ? "an empty message" : "a message"}${row.options === undefined ? "" : ` ${JSON.stringify(row.options)}`} → ${row.json}`,
});
test(body, { path: "f_nested", bytes: [lf(17, vf(1, 1)), lf(17, sf(2, "b"))], json: `{"a":1,"b":"b"}` });
test(body, { path: "f_nested", bytes: [], json: `{}` });
test(body, { path: "f_nested", bytes: [], json: `{"a":0,"b":"","child":null,"list":[]}`, options: { emitUnpopulated: true } });
test(body, { path: "f_nested.child.a", bytes: [lf(17, lf(3, vf(1, 4)))], json: `4` });
test(body, { path: "f_nested.child.b", bytes: [], json: `""` });
test(body, { path: "f_int64", bytes: [vf(4, 5)], json: `"5"` });
test(body, { path: "f_int64", bytes: [], json: `"0"` });
test(body, { path: "f_enum", bytes: [], json: `"COLOR_UNSPECIFIED"` });
test(body, { path: "r_int32", bytes: [lf(23, [1, 2])], json: `[1,2]` });
test(body, { path: "r_int32", bytes: [], json: `null` });
test(body, { path: "r_int32", bytes: [], json: `[]`, options: { emitUnpopulated: true } });
test(body, { path: "m_string_string", bytes: [], json: `{}` });
test(body, { path: "p_int32", bytes: [], json: `null` });
test(body, { path: "p_int32", bytes: [vf(71, 0)], json: `0` });
test(body, { path: "o_string", bytes: [vf(62, 1)], json: `null` });
test(body, { path: "w_timestamp", bytes: [lf(82, vf(1, 1))], json: `"1970-01-01T00:00:01Z"` });
test(body, { path: "w_timestamp", bytes: [], json: `"1970-01-01T00:00:00Z"` });
test(body, { path: "w_struct", bytes: [], json: `{}` });
test(body, { path: "r_nested", bytes: [lf(37, vf(1, 1))], json: `[{"a":1}]` });

test("fieldToJson: an empty path renders the whole message", (t) => {
  t.is(writers().fieldToJson("outtest.All", [], cat(vf(3, 1))), `{"fInt32":1}`);
});
test("fieldToJson: refuses an unknown field", (t) => {
  t.throws(() => writers().fieldToJson("outtest.All", ["f_nested", "bogus"], new Uint8Array()), {
    instanceOf: CodecError, message: `unknown field "f_nested.bogus" in outtest.All`,
  });
});
test("fieldToJson: refuses a path through a scalar", (t) => {
  t.throws(() => writers().fieldToJson("outtest.All", ["f_int32", "x"], new Uint8Array()), {
    instanceOf: CodecError, message: `field "f_int32" of outtest.All is not a message`,
  });
});
test("fieldToJson: refuses a path into a well-known type", (t) => {
  t.throws(() => writers().fieldToJson("outtest.All", ["w_timestamp", "seconds"], new Uint8Array()), {
    instanceOf: CodecError, message: `cannot select field "w_timestamp.seconds" inside google.protobuf.Timestamp`,
  });
});
test("fieldToJson: still refuses malformed bytes", (t) => {
  t.throws(() => writers().fieldToJson("outtest.All", ["f_int32"], cat([0x18])), {
    instanceOf: CodecError, message: "malformed protobuf: truncated or invalid length",
  });
});

test("createJsonWriters: builds each type once and reuses it", (t) => {
  const w = createJsonWriters(types, OFF);
  const bytes = cat(lf(17, vf(1, 1)));
  t.is(w.toJson("outtest.All", bytes), w.toJson("outtest.All", bytes));
  t.is(w.toJson("outtest.Nested", cat(vf(1, 2))), `{"a":2}`);
});
