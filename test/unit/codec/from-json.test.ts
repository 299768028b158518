import test from "ava";
import type { ExecutionContext } from "ava";
import { fromBinary } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { CodecError, FieldError } from "../../../src/codec/index.js";
import { parseLosslessJson } from "../../../src/codec/lossless-json.js";
import type { JsonOptions } from "../../../src/codec/index.js";
import type { FieldPath } from "../../../src/model/field-path.js";
import { codecs, decoded, sortKeys } from "./in-support.js";

const THING = "intest.Thing";

/** `json` is accepted; the oracle reads our bytes as `expected` (its canonical JSON). */
const accepts = test.macro({
  exec(t: ExecutionContext, json: unknown, expected: JsonValue, options?: Partial<JsonOptions>) {
    const bytes = codecs(options).message(THING).fromJson(json);
    t.deepEqual(decoded(THING, bytes), sortKeys(expected));
  },
  title: (given = "", json: unknown) => `fromJson: accepts ${given || JSON.stringify(json)}`,
});

const rejects = test.macro({
  exec(t: ExecutionContext, json: unknown, message: string, options?: Partial<JsonOptions>) {
    const error = t.throws(() => codecs(options).message(THING).fromJson(json), { instanceOf: FieldError });
    t.is(error?.message, message);
  },
  title: (given = "", json: unknown) => `fromJson: rejects ${given || JSON.stringify(json)}`,
});

// ---- names ------------------------------------------------------------------------------
test(accepts, { page_size: 5 }, { pageSize: 5 }); // proto name
test(accepts, { pageSize: 5 }, { pageSize: 5 }); // json name
test(accepts, { renamed: "x" }, { customName: "x" }); // proto name of a field with json_name
test(accepts, { customName: "x" }, { customName: "x" }); // explicit json_name
test(rejects, { page_size: 1, pageSize: 2 }, 'duplicate field "page_size" (as "page_size" and "pageSize")');
test(rejects, { leaf: { name: "a" }, bogus: 1 }, 'unknown field "bogus"');
test(rejects, { leaf: { bogus: 1 } }, 'unknown field "leaf.bogus"');
test(rejects, { choice: { pLeaf: { bogus: 1 } } }, 'unknown field "choice.p_leaf.bogus"');
test(accepts, { bogus: 1, leaf: { nope: [] } }, { leaf: {} }, { discardUnknown: true });

// ---- integers ---------------------------------------------------------------------------
test(accepts, { scalars: { fInt32: "12", fUint32: 4294967295, fSint32: -2147483648 } },
  { scalars: { fInt32: 12, fUint32: 4294967295, fSint32: -2147483648 } });
test(accepts, { scalars: { fInt32: 1e2, fInt64: "1e2", fSfixed64: "1.50e1", fFixed32: "2.0" } },
  { scalars: { fInt32: 100, fInt64: "100", fSfixed64: "15", fFixed32: 2 } }); // integral exponent forms
test(accepts, { scalars: { fInt64: "-9223372036854775808", fUint64: "18446744073709551615", fSint64: "9223372036854775807" } },
  { scalars: { fInt64: "-9223372036854775808", fUint64: "18446744073709551615", fSint64: "9223372036854775807" } });
test(accepts, { scalars: { fFixed64: 9007199254740991, fInt64: -5 } }, { scalars: { fFixed64: "9007199254740991", fInt64: "-5" } });
test(accepts, { scalars: { fInt32: "-0", fInt64: 0 } }, { scalars: {} }); // zero is the default: not written
test(rejects, { scalars: { fInt32: 1.5 } }, 'invalid value for field "scalars.f_int32": 1.5 is not an integer');
test(rejects, { scalars: { fInt32: 2147483648 } }, 'invalid value for field "scalars.f_int32": 2147483648 is out of range for int32');
test(rejects, { scalars: { fUint32: -1 } }, 'invalid value for field "scalars.f_uint32": -1 is out of range for uint32');
test(rejects, { scalars: { fUint64: "-1" } }, 'invalid value for field "scalars.f_uint64": "-1" is out of range for uint64');
test(rejects, { scalars: { fInt64: "9223372036854775808" } },
  'invalid value for field "scalars.f_int64": "9223372036854775808" is out of range for int64');
test(rejects, { scalars: { fInt64: "1e400" } }, 'invalid value for field "scalars.f_int64": "1e400" is out of range for int64');
test(rejects, { scalars: { fInt64: "1.5" } }, 'invalid value for field "scalars.f_int64": "1.5" is not an integer');
test(rejects, { scalars: { fInt64: " 1" } }, 'invalid value for field "scalars.f_int64": " 1" is not a valid int64'); // no padding, as protojson
test(rejects, { scalars: { fInt64: "0x10" } }, 'invalid value for field "scalars.f_int64": "0x10" is not a valid int64');
test(rejects, { scalars: { fInt32: true } }, 'invalid value for field "scalars.f_int32": expected number, got boolean');
test(rejects, { scalars: { fSint64: {} } }, 'invalid value for field "scalars.f_sint64": expected number, got object');

// Numbers past 2^53 as parseJsonBody reads them (lossless-json.ts): exact in 64-bit fields,
// the nearest double in double fields and Values, out of range elsewhere, "number" in messages.
const big = (text: string): unknown => parseLosslessJson(text);
test("big JSON integers", accepts, big('{"scalars":{"fInt64":-9223372036854775808,"fUint64":18446744073709551615,"fSint64":9007199254740993,"fDouble":9007199254740993},"repeated":{"rInt64":[9007199254740993,1],"rValue":[12345678901234567890]}}'),
  { scalars: { fInt64: "-9223372036854775808", fUint64: "18446744073709551615", fSint64: "9007199254740993", fDouble: 9007199254740992 }, repeated: { rInt64: ["9007199254740993", "1"], rValue: [12345678901234567000] } });
test("a big JSON integer past int64", rejects, big('{"scalars":{"fInt64":9223372036854775808}}'), 'invalid value for field "scalars.f_int64": 9223372036854775808 is out of range for int64');
test("a big JSON integer in an int32", rejects, big('{"scalars":{"fInt32":9007199254740993}}'), 'invalid value for field "scalars.f_int32": 9007199254740993 is out of range for int32');
test("a big JSON integer in an enum", rejects, big('{"scalars":{"fKind":9007199254740993}}'), 'invalid value for field "scalars.f_kind": 9007199254740993 is out of range for enum intest.Kind');
test("a big JSON integer for a message", rejects, big('{"leaf":9007199254740993}'), 'invalid value for field "leaf": expected object, got number');

// ---- floats, bools, strings, bytes --------------------------------------------------------
test(accepts, { scalars: { fDouble: "NaN", fFloat: "-Infinity" } }, { scalars: { fDouble: "NaN", fFloat: "-Infinity" } });
test(accepts, { scalars: { fDouble: "1.5", fFloat: 3.4028234663852886e38 } }, { scalars: { fDouble: 1.5, fFloat: 3.4028234663852886e38 } });
test(accepts, { scalars: { fFloat: 1.1 } }, { scalars: { fFloat: 1.100000023841858 } }); // rounded to float32
test(rejects, { scalars: { fFloat: 1e39 } }, 'invalid value for field "scalars.f_float": 1e+39 is out of range for float');
test(rejects, { scalars: { fDouble: 1e400 } }, 'invalid value for field "scalars.f_double": Infinity is out of range for double');
test(rejects, { scalars: { fDouble: "abc" } }, 'invalid value for field "scalars.f_double": "abc" is not a valid double');
test(rejects, { scalars: { fDouble: "nan" } }, 'invalid value for field "scalars.f_double": "nan" is not a valid double');
test(rejects, { scalars: { fBool: "true" } }, 'invalid value for field "scalars.f_bool": expected boolean, got string');
test(rejects, { scalars: { fString: 5 } }, 'invalid value for field "scalars.f_string": expected string, got number');
test("fromJson: rejects a lone surrogate in a string", rejects, { scalars: { fString: "a\ud800" } },
  'invalid value for field "scalars.f_string": string is not valid UTF-8 (lone surrogate)');
test(accepts, { scalars: { fString: "\ud83d\ude00" } }, { scalars: { fString: "\ud83d\ude00" } }); // a surrogate pair is fine
test(accepts, { scalars: { fBytes: "-_8" } }, { scalars: { fBytes: "+/8=" } }); // URL-safe, unpadded
test(accepts, { scalars: { fBytes: "AQ==" } }, { scalars: { fBytes: "AQ==" } });
test(rejects, { scalars: { fBytes: "!!" } }, 'invalid value for field "scalars.f_bytes": "!!" is not valid base64');

// ---- enums ------------------------------------------------------------------------------
test(accepts, { scalars: { fKind: "KIND_B" }, repeated: { rKind: ["KIND_NEG", 1, 7] } },
  { scalars: { fKind: "KIND_B" }, repeated: { rKind: ["KIND_NEG", "KIND_A", 7] } }); // unknown numbers are kept (open enum)
test(rejects, { scalars: { fKind: "KIND_C" } }, 'invalid value for field "scalars.f_kind": "KIND_C" is not a value of enum intest.Kind');
test(rejects, { scalars: { fKind: "1" } }, 'invalid value for field "scalars.f_kind": "1" is not a value of enum intest.Kind');
test(rejects, { scalars: { fKind: true } }, 'invalid value for field "scalars.f_kind": expected string or number, got boolean');
test(rejects, { scalars: { fKind: 2147483648 } }, 'invalid value for field "scalars.f_kind": 2147483648 is out of range for enum intest.Kind');
test("fromJson: accepts unknown enum names with discardUnknown (dropped)", accepts,
  { scalars: { fKind: "NOPE", fInt32: 1 }, repeated: { rKind: ["KIND_A", "NOPE"] }, maps: { mSint32: { "1": "NOPE", "2": "KIND_B" } } },
  { scalars: { fInt32: 1 }, repeated: { rKind: ["KIND_A"] }, maps: { mSint32: { "2": "KIND_B" } } }, { discardUnknown: true });

// ---- presence ---------------------------------------------------------------------------
test(accepts, { leaf: null, page_size: null, tags: null }, {}); // null is "unset"
test(accepts, { optionals: { oInt32: 0, oString: "", oBool: false, oKind: "KIND_UNSPECIFIED" } },
  { optionals: { oInt32: 0, oString: "", oBool: false, oKind: "KIND_UNSPECIFIED" } }); // explicit presence keeps zeros
test(accepts, { choice: { pInt32: 0 } }, { choice: { pInt32: 0 } }); // a oneof member set to zero is set
test(accepts, { leaf: {} }, { leaf: {} }); // an empty message is present
test(rejects, { choice: { pString: "a", p_int32: 1 } }, 'invalid value for field "choice.p_int32": oneof "pick" is already set by "p_string"');
test(rejects, { choice: { pString: "a", pValue: null } }, 'invalid value for field "choice.p_value": oneof "pick" is already set by "p_string"'); // null is a Value
test(accepts, { choice: { pString: null, pInt32: 3, oBool: true } }, { choice: { pInt32: 3, oBool: true } }); // a null member does not count

// ---- repeated and maps ------------------------------------------------------------------
test(accepts, { repeated: { rInt32: [1, -1, 0], rUint64: ["1", 2], rString: ["", "b"], rLeaf: [{}, { name: "x" }] } },
  { repeated: { rInt32: [1, -1, 0], rUint64: ["1", "2"], rString: ["", "b"], rLeaf: [{}, { name: "x" }] } });
test(accepts, { repeated: { rValue: [null, 1, "a", [true], { k: null }] } }, { repeated: { rValue: [null, 1, "a", [true], { k: null }] } });
test(rejects, { repeated: { rInt32: [1, "x"] } }, 'invalid value for field "repeated.r_int32[1]": "x" is not a valid int32');
test(rejects, { repeated: { rInt32: 5 } }, 'invalid value for field "repeated.r_int32": expected array, got number');
test(rejects, { repeated: { rLeaf: [null] } }, 'invalid value for field "repeated.r_leaf[0]": expected object, got null');
test(rejects, { repeated: { rInt64: [null] } }, 'invalid value for field "repeated.r_int64[0]": expected number, got null');
test(accepts, { maps: { mInt32: { "-1": "5", "7": 0 }, mBool: { true: "AQ==" }, mUint64: { "18446744073709551615": 1.5 } } },
  { maps: { mInt32: { "-1": "5", "7": "0" }, mBool: { true: "AQ==" }, mUint64: { "18446744073709551615": 1.5 } } });
test(accepts, { maps: { mInt64: { "+3": { name: "x" } }, mValue: { a: null } } }, { maps: { mInt64: { "3": { name: "x" } }, mValue: { a: null } } });
test(rejects, { maps: { mString: { k: 1 } } }, 'invalid value for field "maps.m_string[\\"k\\"]": expected string, got number');
test(rejects, { labels: { k: 1 } }, 'invalid value for field "labels[\\"k\\"]": expected string, got number');
test(rejects, { maps: { mInt32: { x: "1" } } }, 'invalid value for field "maps.m_int32[\\"x\\"]": "x" is not a valid int32');
test(rejects, { maps: { mInt32: { "1": "1", "01": "2" } } }, 'invalid value for field "maps.m_int32[\\"01\\"]": duplicate map key');
test(rejects, { maps: { mBool: { yes: "" } } }, 'invalid value for field "maps.m_bool[\\"yes\\"]": "yes" is not a valid bool map key (use true or false)');
test(rejects, { maps: { mString: { k: null } } }, 'invalid value for field "maps.m_string[\\"k\\"]": null is not a valid map value');
test(rejects, { maps: { mString: [] } }, 'invalid value for field "maps.m_string": expected object, got array');
test(rejects, { maps: { mInt64: { "1": { count: "x" } } } }, 'invalid value for field "maps.m_int64[\\"1\\"].count": "x" is not a valid int64');

// ---- messages and depth -----------------------------------------------------------------
test(rejects, { leaf: "x" }, 'invalid value for field "leaf": expected object, got string');
test(rejects, [], "invalid JSON body: expected object, got array");
test(rejects, "x", "invalid JSON body: expected object, got string");

function tree(depth: number): unknown {
  let node: unknown = { label: "leaf" };
  for (let i = 0; i < depth; i++) node = { left: node };
  return node;
}

test("fromJson: accepts 100 levels of nesting", (t) => {
  t.notThrows(() => codecs().message("intest.Tree").fromJson(tree(99)));
});

test("fromJson: rejects 101 levels of nesting", (t) => {
  const error = t.throws(() => codecs().message("intest.Tree").fromJson(tree(100)), { instanceOf: FieldError });
  t.is(error?.message, "JSON nesting is deeper than 100 levels");
});

function lists(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

// Each JSON level of a Value is two message levels (ListValue or Struct, then Value): 60 JSON
// levels passed here and then failed in a backend's decoder (limit 100) as a 500.
test("fromJson: rejects Value nesting of more than 100 message levels; accepts 48 JSON levels", (t) => {
  const error = t.throws(() => codecs().message(THING).fromJson({ wkt: { wValue: lists(50) } }), { instanceOf: FieldError });
  t.is(error?.message, "JSON nesting is deeper than 100 levels");
  t.notThrows(() => codecs().message(THING).fromJson({ wkt: { wValue: lists(48) } }));
});

// ---- well-known types -------------------------------------------------------------------
test(accepts, { wkt: { wTime: "1972-01-01T10:00:20.021+01:00", wDuration: "-1.5s" } },
  { wkt: { wTime: "1972-01-01T09:00:20.021Z", wDuration: "-1.500s" } });
test(accepts, { wkt: { wTime: "0001-01-01T00:00:00Z", wDuration: "315576000000s" } },
  { wkt: { wTime: "0001-01-01T00:00:00Z", wDuration: "315576000000s" } });
test(rejects, { wkt: { wTime: "2020-13-01T00:00:00Z" } },
  'invalid value for field "wkt.w_time": "2020-13-01T00:00:00Z" is not a valid timestamp (RFC 3339, e.g. "1972-01-01T10:00:20.021Z")');
test(rejects, { wkt: { wTime: 0 } }, 'invalid value for field "wkt.w_time": expected string, got number');
test(rejects, { wkt: { wDuration: "1m" } },
  'invalid value for field "wkt.w_duration": "1m" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")');
test(accepts, { wkt: { wMask: "fooBar,baz.quxQuux" } }, { wkt: { wMask: "fooBar,baz.quxQuux" } });
test(accepts, { wkt: { wMask: "" } }, { wkt: { wMask: "" } }); // an empty mask is still present
test(rejects, { wkt: { wMask: "foo_bar" } },
  'invalid value for field "wkt.w_mask": "foo_bar" is not a valid field mask path (use lowerCamelCase names)');
test(accepts, { wkt: { wStruct: { a: [1, "x", null, { b: false }] }, wList: [], wValue: "s", wEmpty: {} } },
  { wkt: { wStruct: { a: [1, "x", null, { b: false }] }, wList: [], wValue: "s", wEmpty: {} } });
test(accepts, { wkt: { wValue: null } }, { wkt: { wValue: null } }); // null is the NullValue, not "unset"
test(accepts, { choice: { pNull: null } }, { choice: { pNull: null } }); // NullValue enum member
test(rejects, { wkt: { wStruct: [] } }, 'invalid value for field "wkt.w_struct": expected object, got array');
test(rejects, { wkt: { wList: {} } }, 'invalid value for field "wkt.w_list": expected array, got object');
test(rejects, { wkt: { wStruct: { a: { "\udc00": 1 } } } },
  'invalid value for field "wkt.w_struct[\\"a\\"][\\"\\\\udc00\\"]": string is not valid UTF-8 (lone surrogate)');
test(rejects, { wkt: { wValue: 1e400 } }, 'invalid value for field "wkt.w_value": Infinity is out of range for google.protobuf.Value');
test(rejects, { wkt: { wEmpty: { a: 1 } } }, 'unknown field "wkt.w_empty.a"');
test(accepts, { wkt: { wInt64: "5", wBool: false, wString: "", wBytes: "AQ", wFloat: "NaN", wUint32: 4294967295 } },
  { wkt: { wInt64: "5", wBool: false, wString: "", wBytes: "AQ==", wFloat: "NaN", wUint32: 4294967295 } }); // wrappers keep zero values
test(rejects, { wkt: { wInt32: "x" } }, 'invalid value for field "wkt.w_int32": "x" is not a valid int32');

// ---- Any ----------------------------------------------------------------------------------
test(accepts, { wkt: { wAny: { "@type": "type.googleapis.com/intest.Leaf", name: "x", count: "2" } } },
  { wkt: { wAny: { "@type": "type.googleapis.com/intest.Leaf", name: "x", count: "2" } } });
test(accepts, { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "2s" } } },
  { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "2s" } } });
test(accepts, { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Any", value: { "@type": "x.com/intest.Leaf", name: "n" } } } },
  { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Any", value: { "@type": "x.com/intest.Leaf", name: "n" } } } });
test(accepts, { wkt: { wAny: {} } }, { wkt: { wAny: {} } }); // the empty Any
test("fromJson: accepts Empty inside Any with and without \"value\"", (t) => {
  const codec = codecs().message(THING);
  const url = "type.googleapis.com/google.protobuf.Empty";
  const expected = sortKeys({ wkt: { wAny: { "@type": url } } });
  t.deepEqual(decoded(THING, codec.fromJson({ wkt: { wAny: { "@type": url, value: {} } } })), expected);
  t.deepEqual(decoded(THING, codec.fromJson({ wkt: { wAny: { "@type": url } } })), expected);
});
test(rejects, { wkt: { wAny: { "@type": "type.googleapis.com/nope.Nope" } } },
  'invalid value for field "wkt.w_any": unknown type "type.googleapis.com/nope.Nope" in "@type"');
test(rejects, { wkt: { wAny: { name: "x" } } }, 'invalid value for field "wkt.w_any": missing "@type"');
test(rejects, { wkt: { wAny: { "@type": 5 } } }, 'invalid value for field "wkt.w_any": expected "@type" to be a string, got number');
test(rejects, { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Duration" } } },
  'invalid value for field "wkt.w_any": missing "value" for google.protobuf.Duration');
test(rejects, { wkt: { wAny: { "@type": "type.googleapis.com/google.protobuf.Duration", value: "1s", x: 1 } } },
  'unknown field "wkt.w_any.x"');
test(rejects, { wkt: { wAny: { "@type": "type.googleapis.com/intest.Leaf", bogus: 1 } } }, 'unknown field "wkt.w_any.bogus"');
test(rejects, { wkt: { wAny: { "@type": "type.googleapis.com/intest.Leaf", count: "x" } } },
  'invalid value for field "wkt.w_any.count": "x" is not a valid int64');

test("fromJson: a JSON FieldMask is sent as snake_case proto paths", (t) => {
  const codec = codecs().message("google.protobuf.FieldMask");
  t.deepEqual(fromBinary(FieldMaskSchema, codec.fromJson("fooBar,baz.quxQuux")).paths, ["foo_bar", "baz.qux_quux"]);
});

test("fromJson: FieldError carries the proto path of the field at fault", (t) => {
  const error = t.throws(() => codecs().message(THING).fromJson({ maps: { mInt64: { "1": { count: "x" } } } }), { instanceOf: FieldError });
  t.deepEqual(error?.path, ["maps", "m_int64", "count"]);
});

// ---- fieldFromJson ------------------------------------------------------------------------
const fieldAccepts = test.macro({
  exec(t: ExecutionContext, path: FieldPath, json: unknown, expected: JsonValue) {
    t.deepEqual(decoded(THING, codecs().message(THING).fieldFromJson(path, json)), sortKeys(expected));
  },
  title: (given = "", path: FieldPath, json: unknown) => `fieldFromJson: ${given || `${path.join(".")} from ${JSON.stringify(json)}`}`,
});

test(fieldAccepts, ["leaf"], { name: "x", count: 2 }, { leaf: { name: "x", count: "2" } });
test(fieldAccepts, ["leaf", "name"], "x", { leaf: { name: "x" } }); // wrapped in the parent's tags
test(fieldAccepts, ["choice", "p_leaf"], {}, { choice: { pLeaf: {} } });
test(fieldAccepts, ["tags"], ["a", "b"], { tags: ["a", "b"] });
test(fieldAccepts, ["leaf"], null, {}); // null: nothing set
test(fieldAccepts, ["wkt", "w_value"], null, { wkt: { wValue: null } });

test("fieldFromJson: errors name the path from the request root", (t) => {
  const codec = codecs().message(THING);
  t.is(t.throws(() => codec.fieldFromJson(["leaf"], { count: "x" }))?.message, 'invalid value for field "leaf.count": "x" is not a valid int64');
  t.is(t.throws(() => codec.fieldFromJson(["leaf"], { bogus: 1 }))?.message, 'unknown field "leaf.bogus"');
  t.is(t.throws(() => codec.fieldFromJson(["leaf"], [1]))?.message, 'invalid value for field "leaf": expected object, got array');
});

test("fieldFromJson: a path that names no field is a CodecError (a route table bug, not client input)", (t) => {
  const codec = codecs().message(THING);
  t.throws(() => codec.fieldFromJson(["nope"], {}), { instanceOf: CodecError });
  t.throws(() => codec.fieldFromJson(["tags", "x"], {}), { instanceOf: CodecError });
});

// ---- fieldMaskPaths -----------------------------------------------------------------------
const maskPaths = test.macro({
  exec(t: ExecutionContext, path: FieldPath, json: unknown, expected: string[], options?: Partial<JsonOptions>) {
    t.deepEqual(codecs(options).message(THING).fieldMaskPaths(path, json), expected);
  },
  title: (given = "", path: FieldPath, json: unknown) => `fieldMaskPaths: ${given || `${JSON.stringify(json)} under "${path.join(".")}"`}`,
});

test(maskPaths, [], { page_size: 1, leaf: { name: "x", count: "2" }, labels: { a: "b" } }, ["page_size", "leaf.name", "leaf.count", "labels"]);
test(maskPaths, [], { pageSize: 1, customName: "x" }, ["page_size", "renamed"]); // proto names
test(maskPaths, [], { tags: ["a"], labels: {}, id: "x" }, ["id", "tags", "labels"]); // repeated and maps last
test(maskPaths, [], { tree: { left: { label: "a" }, label: "b" }, id: "x" }, ["id", "tree.label", "tree.left.label"]); // breadth-first
test(maskPaths, [], { wkt: { wTime: "1970-01-01T00:00:00Z", wStruct: { a: { b: 1 } }, wAny: { "@type": "x/intest.Leaf" } } },
  ["wkt.w_time", "wkt.w_struct", "wkt.w_any"]); // well-known types are leaves
test(maskPaths, [], { leaf: {}, tree: null }, ["leaf", "tree"]); // an empty object or null clears the field
test(maskPaths, ["leaf"], { name: "x" }, ["name"]); // relative to the body field
test(maskPaths, ["leaf"], "x", []);
test(maskPaths, [], { bogus: { x: 1 }, id: "x" }, ["id"], { discardUnknown: true });

test("fieldMaskPaths: an unknown key is a FieldError naming it", (t) => {
  const error = t.throws(() => codecs().message(THING).fieldMaskPaths(["leaf"], { bogus: 1 }), { instanceOf: FieldError });
  t.is(error?.message, 'unknown field "leaf.bogus"');
});

test("fromJson: integer map keys are encoded canonically (uint32 in 5 bytes, sint32 zigzag, fixed64 8 bytes)", (t) => {
  const codec = codecs().message("intest.Maps");
  t.deepEqual([...codec.fromJson({ mUint32: { "4294967295": true } })], [0x22, 8, 0x08, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x10, 0x01]);
  t.deepEqual([...codec.fromJson({ mSint32: { "-1": 1 } })], [0x32, 4, 0x08, 0x01, 0x10, 0x01]);
  t.deepEqual([...codec.fromJson({ mFixed64: { "1": 0 } })], [0x42, 14, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x15, 0, 0, 0, 0]);
});
