import test from "ava";
import type { ExecutionContext } from "ava";
import { toJson } from "@bufbuild/protobuf";
import type { DescMessage, JsonValue, Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CodecError, FieldError } from "../../../src/codec/index.js";
import type { TextSource } from "../../../src/codec/index.js";
import type { FieldPath } from "../../../src/model/field-path.js";
import { MessageArbitraries, canonical, codecs, decoded, desc, oracle, sortKeys } from "./in-support.js";

const THING = "intest.Thing";

/** The query is accepted; the oracle reads our bytes as `expected`. */
const accepts = test.macro({
  exec(t: ExecutionContext, query: string, expected: JsonValue, bound: readonly string[] = []) {
    t.deepEqual(decoded(THING, codecs().message(THING).queryToBytes(query, new Set(bound))), sortKeys(expected));
  },
  title: (given = "", query: string, _expected: JsonValue, bound?: readonly string[]) =>
    `queryToBytes: ${given || `accepts ${JSON.stringify(query)}${bound === undefined ? "" : ` with ${bound.join(",")} bound`}`}`,
});

const rejects = test.macro({
  exec(t: ExecutionContext, query: string, message: string, bound: readonly string[] = []) {
    const error = t.throws(() => codecs().message(THING).queryToBytes(query, new Set(bound)), { instanceOf: FieldError });
    t.is(error?.message, message);
  },
  title: (given = "", query: string) => `queryToBytes: ${given || `rejects ${JSON.stringify(query)}`}`,
});

// ---- names ------------------------------------------------------------------------------
test(accepts, "page_size=5", { pageSize: 5 });
test(accepts, "pageSize=5", { pageSize: 5 });
test(accepts, "renamed=a", { customName: "a" });
test(accepts, "customName=a", { customName: "a" });
test(accepts, "leaf.name=x&leaf.count=3", { leaf: { name: "x", count: "3" } }); // nested fields merge
test(accepts, "scalars.fInt64=5&tree.left.right.label=deep", { scalars: { fInt64: "5" }, tree: { left: { right: { label: "deep" } } } });
test(rejects, "pge_size=1", 'unknown query parameter "pge_size"');
test(rejects, "leaf.bogus=1", 'unknown query parameter "leaf.bogus"');
test(rejects, "tags.x=1", 'unknown query parameter "tags.x"'); // no path through a repeated field
test(rejects, "page_size.x=1", 'unknown query parameter "page_size.x"');
test(rejects, "pge%5Fsize=1", 'unknown query parameter "pge_size"'); // named as decoded

// ---- decoding and splitting -------------------------------------------------------------
test(accepts, "", {});
test(accepts, "&&page_size=1&&", { pageSize: 1 }); // empty pieces are ignored
test(accepts, "id=a+b%2Bc%20d", { id: "a b+c d" }); // "+" is a space, "%2B" a plus
test(accepts, "id=%E2%82%AC", { id: "\u20ac" });
test(accepts, "id", {}); // no "=": the empty string, which is the default
test(accepts, "id=a=b", { id: "a=b" });
test(rejects, "id=%zz", 'invalid value for query parameter "id": malformed percent-encoding "%zz"');
test(rejects, "id=100%", 'invalid value for query parameter "id": malformed percent-encoding "100%"');
test(rejects, "id=%FF", 'invalid value for query parameter "id": percent-encoded bytes are not valid UTF-8');
test(rejects, "i%d=1", 'malformed percent-encoding in query parameter name "i%d"');

// ---- scalar values ----------------------------------------------------------------------
test(accepts,
  "scalars.f_double=-1.5&scalars.f_float=NaN&scalars.f_int32=-7&scalars.f_int64=-9223372036854775808&scalars.f_uint32=4294967295" +
    "&scalars.f_uint64=18446744073709551615&scalars.f_sint32=-1&scalars.f_sint64=9007199254740993&scalars.f_fixed32=1" +
    "&scalars.f_fixed64=2&scalars.f_sfixed32=-3&scalars.f_sfixed64=-4&scalars.f_bool=t&scalars.f_string=s&scalars.f_bytes=-_8" +
    "&scalars.f_kind=KIND_A",
  {
    scalars: {
      fDouble: -1.5, fFloat: "NaN", fInt32: -7, fInt64: "-9223372036854775808", fUint32: 4294967295,
      fUint64: "18446744073709551615", fSint32: -1, fSint64: "9007199254740993", fFixed32: 1, fFixed64: "2",
      fSfixed32: -3, fSfixed64: "-4", fBool: true, fString: "s", fBytes: "+/8=", fKind: "KIND_A",
    },
  });
test(accepts, "scalars.f_kind=2", { scalars: { fKind: "KIND_B" } }); // enum by number
test(accepts, "scalars.f_kind=-1", { scalars: { fKind: "KIND_NEG" } });
test(accepts, "scalars.f_bool=0&page_size=0&id=", { scalars: {} }); // defaults are not written (the parent is, as in grpc-gateway)
test(accepts, "optionals.o_string=&optionals.o_int32=0&optionals.o_bool=false", { optionals: { oString: "", oInt32: 0, oBool: false } });
test(rejects, "page_size=abc", 'invalid value for query parameter "page_size": "abc" is not a valid int32');
test(rejects, "pageSize=1.5", 'invalid value for query parameter "pageSize": "1.5" is not a valid int32'); // named as spelled
test(rejects, "scalars.f_uint64=-1", 'invalid value for query parameter "scalars.f_uint64": "-1" is not a valid uint64');
test(rejects, "scalars.f_bool=yes", 'invalid value for query parameter "scalars.f_bool": "yes" is not a valid bool (use true, false, 1 or 0)');
test(rejects, "scalars.f_kind=7", 'invalid value for query parameter "scalars.f_kind": "7" is not a value of enum intest.Kind');
test(rejects, "scalars.f_bytes=%21", 'invalid value for query parameter "scalars.f_bytes": "!" is not valid base64');
test(rejects, "scalars.f_float=1e39", 'invalid value for query parameter "scalars.f_float": "1e39" is out of range for float');

// ---- repeated, singular twice, oneofs ---------------------------------------------------
test(accepts, "tags=a&tags=b&tags=", { tags: ["a", "b", ""] });
test(accepts, "repeated.r_int32=1&repeated.rInt32=2&repeated.r_uint64=3&repeated.r_uint64=4&repeated.r_kind=KIND_A&repeated.r_kind=2",
  { repeated: { rInt32: [1, 2], rUint64: ["3", "4"], rKind: ["KIND_A", "KIND_B"] } }); // both spellings accumulate
test(accepts, "repeated.r_time=2020-01-01T00:00:00Z&repeated.r_value=1&repeated.r_value=%22x%22",
  { repeated: { rTime: ["2020-01-01T00:00:00Z"], rValue: [1, "x"] } });
test(rejects, "page_size=1&page_size=2", 'invalid value for query parameter "page_size": only one value is allowed'); // as grpc-gateway
test(rejects, "page_size=1&pageSize=2", 'invalid value for query parameter "pageSize": only one value is allowed');
test(rejects, "repeated.r_leaf=x", 'invalid value for query parameter "repeated.r_leaf": intest.Leaf is a message and cannot be set from text; set its fields instead (e.g. "repeated.r_leaf.<field>")');
test(accepts, "choice.p_string=a&choice.o_bool=true&choice.outside=o", { choice: { pString: "a", oBool: true, outside: "o" } });
test(accepts, "choice.p_leaf.name=a&choice.p_leaf.count=2", { choice: { pLeaf: { name: "a", count: "2" } } }); // one member, two fields
test(accepts, "choice.p_int32=0", { choice: { pInt32: 0 } }); // a oneof member is written even at zero
test(rejects, "choice.p_string=a&choice.p_leaf.name=b", 'invalid value for query parameter "choice.p_leaf.name": oneof "pick" is already set by "p_string"');
test(rejects, "choice.pInt32=1&choice.p_string=a", 'invalid value for query parameter "choice.p_string": oneof "pick" is already set by "p_int32"');

// ---- maps -------------------------------------------------------------------------------
test(accepts, "labels[k]=v&labels[a%20b]=c&labels[]=e", { labels: { k: "v", "a b": "c", "": "e" } });
test(accepts, "labels[a[b]]=x", { labels: { "a[b]": "x" } }); // the key may hold brackets
test(accepts, "maps.m_int32[-1]=5&maps.m_bool[true]=AQ%3D%3D&maps.m_sint32[2]=KIND_A&maps.m_value[x]=%7B%22a%22%3A1%7D",
  { maps: { mInt32: { "-1": "5" }, mBool: { true: "AQ==" }, mSint32: { "2": "KIND_A" }, mValue: { x: { a: 1 } } } });
test(rejects, "labels=x", 'invalid value for query parameter "labels": a map field needs a key, as labels[key]=value');
test(rejects, "tags[0]=x", 'invalid value for query parameter "tags[0]": "tags" is not a map field');
test(rejects, "labels[k]=a&labels[k]=b", 'invalid value for query parameter "labels[k]": only one value is allowed per map key');
test(rejects, "maps.m_int32[x]=1", 'invalid value for query parameter "maps.m_int32[x]": "x" is not a valid int32');
test(rejects, "maps.m_int64[1]=x", 'invalid value for query parameter "maps.m_int64[1]": intest.Leaf is a message and cannot be set from text; set its fields instead (e.g. "maps.m_int64.<field>")');
test(rejects, "bogus[k]=x", 'unknown query parameter "bogus[k]"');

// ---- well-known types -------------------------------------------------------------------
test(accepts, "wkt.w_time=2020-01-01T00:00:00.5%2B01:00&wkt.w_duration=1h30m&wkt.w_mask=foo_bar,x.y_z",
  { wkt: { wTime: "2019-12-31T23:00:00.500Z", wDuration: "5400s", wMask: "fooBar,x.yZ" } }); // mask paths verbatim (proto names)
test(accepts, "wkt.w_duration=1.5s&wkt.w_mask=", { wkt: { wDuration: "1.500s", wMask: "" } });
test(accepts, "wkt.w_int64=5&wkt.w_bool=false&wkt.w_string=&wkt.w_bytes=AQ&wkt.w_double=Inf&wkt.w_uint32=7",
  { wkt: { wInt64: "5", wBool: false, wString: "", wBytes: "AQ==", wDouble: "Infinity", wUint32: 7 } }); // wrappers as their scalar
test(accepts, "wkt.w_struct=%7B%22a%22%3A%5B1%2Cnull%5D%7D&wkt.w_value=null&wkt.w_list=%5B%5D",
  { wkt: { wStruct: { a: [1, null] }, wValue: null, wList: [] } }); // Struct/Value/ListValue as JSON text
test(accepts, "wkt.w_time.seconds=5", { wkt: { wTime: "1970-01-01T00:00:05Z" } }); // into a WKT's own fields
test(rejects, "wkt.w_time=yesterday",
  'invalid value for query parameter "wkt.w_time": "yesterday" is not a valid timestamp (RFC 3339, e.g. "1972-01-01T10:00:20.021Z")');
test(rejects, "wkt.w_duration=1x",
  'invalid value for query parameter "wkt.w_duration": "1x" is not a valid duration (seconds with an "s" suffix, e.g. "1.5s")');
test(rejects, "wkt.w_int32=x", 'invalid value for query parameter "wkt.w_int32": "x" is not a valid int32');
test(rejects, "wkt.w_struct=%7B", 'invalid value for query parameter "wkt.w_struct": "{" is not valid JSON');
test(rejects, "wkt.w_struct=%5B1%5D", 'invalid value for query parameter "wkt.w_struct": expected object, got array');
test(rejects, "wkt.w_struct=%7B%22a%22%3A%7B%22b%22%3A%5Btrue%2C1e999%5D%7D%7D",
  'invalid value for query parameter "wkt.w_struct": Infinity is out of range for google.protobuf.Value (at "[\\"a\\"][\\"b\\"][1]")');
test(rejects, "wkt.w_any=x", 'invalid value for query parameter "wkt.w_any": google.protobuf.Any is a message and cannot be set from text; set its fields instead (e.g. "wkt.w_any.<field>")');

// ---- bound fields -----------------------------------------------------------------------
test(accepts, "id=x&leaf.name=y", { leaf: { name: "y" } }, ["id"]); // a path variable's field is skipped
test(accepts, "leaf.name=x&leaf.bogus=1&leaf=z&page_size=2", { pageSize: 2 }, ["leaf"]); // and everything inside a bound field
test(accepts, "pageSize=x", {}, ["page_size"]); // whatever the spelling

// ---- named: the top-level fields a query sets (PATCH's auto mask asks about its mask) ----
test("queryToBytes: reports the top-level proto name of each field set, not bound ones", (t) => {
  const named = new Set<string>();
  codecs().message(THING).queryToBytes("updateMask=a&leaf.name=x&labels[k]=v&tags=1&tags=2&renamed=r&id=skipped", new Set(["id"]), named);
  t.deepEqual([...named].sort(), ["labels", "leaf", "renamed", "tags", "update_mask"]);
});

test("queryToBytes: an empty value or a mask's own paths field still names the field", (t) => {
  for (const query of ["update_mask=", "update_mask.paths=a&update_mask.paths=b"]) {
    const named = new Set<string>();
    codecs().message(THING).queryToBytes(query, new Set(), named);
    t.deepEqual([...named], ["update_mask"], query);
  }
});
test(accepts, "tree.left.label=a&tree.label=b", { tree: { label: "b" } }, ["tree.left"]);

// ---- fieldFromText (path variables) ------------------------------------------------------
const fromText = test.macro({
  exec(t: ExecutionContext, path: FieldPath, values: readonly string[], expected: JsonValue) {
    const bytes = codecs().message(THING).fieldFromText(path, values, "path", path.join("."));
    t.deepEqual(decoded(THING, bytes), sortKeys(expected));
  },
  title: (given = "", path: FieldPath, values: readonly string[]) =>
    `fieldFromText: ${given || `sets ${path.join(".")} from ${JSON.stringify(values)}`}`,
});

const textRejects = test.macro({
  exec(t: ExecutionContext, path: FieldPath, values: readonly string[], source: TextSource, message: string) {
    const error = t.throws(() => codecs().message(THING).fieldFromText(path, values, source, path.join(".")), { instanceOf: FieldError });
    t.is(error?.message, message);
  },
  title: (given = "", path: FieldPath, values: readonly string[], source: TextSource) =>
    `fieldFromText: ${given || `rejects ${JSON.stringify(values)} for ${path.join(".")} (${source})`}`,
});

test(fromText, ["id"], ["shelves/1/books/2"], { id: "shelves/1/books/2" });
test(fromText, ["leaf", "count"], ["-5"], { leaf: { count: "-5" } });
test(fromText, ["tags"], ["a", "b"], { tags: ["a", "b"] });
test(fromText, ["repeated", "r_int64"], ["1", "-2"], { repeated: { rInt64: ["1", "-2"] } }); // packed
test(fromText, ["optionals", "o_string"], [""], { optionals: { oString: "" } }); // set even when empty
test(fromText, ["choice", "p_kind"], ["KIND_UNSPECIFIED"], { choice: { pKind: "KIND_UNSPECIFIED" } });
test(fromText, ["update_mask"], ["leaf.name,page_size"], { updateMask: "leaf.name,pageSize" });
test(fromText, ["wkt", "w_string"], [""], { wkt: { wString: "" } });
test(fromText, ["tags"], [], {});
test(textRejects, ["page_size"], ["x"], "path", 'invalid value for path variable "page_size": "x" is not a valid int32');
test(textRejects, ["page_size"], ["x"], "query", 'invalid value for query parameter "page_size": "x" is not a valid int32');
test(textRejects, ["page_size"], ["1", "2"], "path", 'invalid value for path variable "page_size": only one value is allowed');
test(textRejects, ["leaf"], ["x"], "path",
  'invalid value for path variable "leaf": intest.Leaf is a message and cannot be set from text; set its fields instead (e.g. "leaf.<field>")');
test(textRejects, ["labels"], ["x"], "path", 'invalid value for path variable "labels": a map field cannot be set from a single text value');

test("fieldFromText: a path that names no field is a CodecError (a route table bug, not client input)", (t) => {
  const codec = codecs().message(THING);
  t.throws(() => codec.fieldFromText(["nope"], ["x"], "path", "nope"), { instanceOf: CodecError });
  t.throws(() => codec.fieldFromText(["tags", "x"], ["x"], "path", "tags.x"), { instanceOf: CodecError });
});

test("fieldFromText: FieldError carries the proto path", (t) => {
  const error = t.throws(() => codecs().message(THING).fieldFromText(["leaf", "count"], ["x"], "path", "leaf.count"), { instanceOf: FieldError });
  t.deepEqual(error?.path, ["leaf", "count"]);
});

// ---- property: any text-settable message survives the trip through a query string --------

/** A field's JSON value as a query parameter's text (Value/Struct/ListValue: JSON text). */
function text(value: JsonValue, json: boolean): string {
  if (json) return JSON.stringify(value);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value); // Struct, Value, ListValue
}

const enc = encodeURIComponent;

/** Query parameters that set every field of `json` (the oracle's JSON of a message). */
function toQuery(schema: DescMessage, message: Message, json: Record<string, JsonValue>): string {
  const params: string[] = [];
  for (const [name, value] of Object.entries(json)) {
    const field = schema.fields.find((f) => f.name === name || f.jsonName === name);
    const asJson = field?.message?.typeName.startsWith("google.protobuf.") === true &&
      ["Struct", "Value", "ListValue"].includes(field.message.name);
    if (field?.fieldKind === "message" && field.message.typeName === "google.protobuf.FieldMask") {
      // Query masks are proto names, verbatim.
      const mask = (message as unknown as Record<string, { paths: string[] }>)[field.localName];
      params.push(`${enc(name)}=${enc(mask?.paths.join(",") ?? "")}`);
    } else if (Array.isArray(value) && field?.fieldKind === "list") {
      for (const element of value) params.push(`${enc(name)}=${enc(text(element, asJson))}`);
    } else if (field?.fieldKind === "map" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, element] of Object.entries(value)) params.push(`${enc(name)}[${enc(key)}]=${enc(text(element as JsonValue, asJson))}`);
    } else {
      params.push(`${enc(name)}=${enc(text(value, asJson))}`);
    }
  }
  return params.join("&");
}

// Fields text cannot set (plain messages, Any, Empty) are cleared from the random messages.
const NOT_TEXT: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  "intest.Repeated": { rLeaf: [] },
  "intest.Maps": { mInt64: {} },
  "intest.Wkt": { wAny: undefined, wEmpty: undefined },
};

for (const typeName of ["intest.Scalars", "intest.Optionals", "intest.Repeated", "intest.Maps", "intest.Wkt"]) {
  test(`queryToBytes: random ${typeName} sent as a query string decodes to the same message`, (t) => {
    const schema = desc(typeName);
    const codec = codecs().message(typeName);
    fc.assert(
      fc.property(new MessageArbitraries(oracle(), true).message(schema, 2), fc.boolean(), (message, protoNames) => {
        Object.assign(message, NOT_TEXT[typeName] ?? {});
        const json = toJson(schema, message, { registry: oracle(), useProtoFieldName: protoNames }) as Record<string, JsonValue>;
        const query = toQuery(schema, message, json);
        t.deepEqual(decoded(typeName, codec.queryToBytes(query, new Set())), canonical(schema, message), query);
      }),
      { numRuns: 150 },
    );
  });
}

test("queryToBytes: any query string is encoded or refused with a FieldError, never another error", (t) => {
  const codec = codecs().message(THING);
  const name = fc.constantFrom(
    "id", "page_size", "pageSize", "leaf.name", "leaf", "tags", "labels[k]", "labels", "labels[", "maps.m_int32[1]", "maps.m_bool[x]",
    "choice.p_string", "choice.p_leaf.count", "choice.p_null", "wkt.w_time", "wkt.w_struct", "wkt.w_value", "wkt.w_any", "wkt.w_mask",
    "scalars.f_bytes", "scalars.f_kind", "repeated.r_value", "tree.left.kids", "%zz", "a%", "", "bogus.x",
  );
  const value = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("%", "%FF", "%7B", "null", "1e400", "-1", "KIND_A", "AQ==", "+", "%E2%82"));
  const query = fc.array(fc.tuple(name, fc.option(value)), { maxLength: 6 })
    .map((pairs) => pairs.map(([n, v]) => (v === null ? n : `${n}=${v}`)).join("&"));
  fc.assert(
    fc.property(query, fc.constantFrom([], ["id"], ["leaf"], ["choice.p_leaf"]), (q, bound) => {
      try {
        codec.queryToBytes(q, new Set(bound));
      } catch (error: unknown) {
        if (!(error instanceof FieldError)) throw error;
      }
      t.pass();
    }),
    { numRuns: 400 },
  );
});
