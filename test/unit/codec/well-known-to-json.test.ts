import test from "ava";
import { CodecError } from "../../../src/codec/field-error.js";
import { jsonCamelCase, jsonSnakeCase, wellKnownWriter } from "../../../src/codec/well-known-to-json.js";
import type { MessageWriter } from "../../../src/codec/well-known-to-json.js";
import { cat, fixed64, lf, sf, tag, vf } from "./to-json-bytes.js";
import type { Part } from "./to-json-bytes.js";

const nothing = (name: string): MessageWriter => {
  throw new CodecError(`unknown message type ${name}`);
};
function render(typeName: string, ...parts: Part[]): string {
  const w = wellKnownWriter(typeName, (name) => wellKnownWriter(name, nothing) ?? nothing(name));
  if (w === undefined) throw new Error(`${typeName} is not well-known`);
  return w.render([cat(...parts)], 0);
}

test("wellKnownWriter: undefined for ordinary messages", (t) => {
  t.is(wellKnownWriter("outtest.Nested", nothing), undefined);
  t.is(wellKnownWriter("google.protobuf.Api", nothing), undefined);
});

const wkt = test.macro({
  exec(t, typeName: string, parts: Part[], expected: string) {
    t.is(render(typeName, ...parts), expected);
  },
  title: (_g, typeName: string, _p: Part[], expected: string) => `wellKnownWriter: ${typeName} → ${expected}`,
});
test(wkt, "google.protobuf.Timestamp", [], `"1970-01-01T00:00:00Z"`);
test(wkt, "google.protobuf.Duration", [vf(1, 3), vf(2, 1000)], `"3.000001s"`);
test(wkt, "google.protobuf.Duration", [vf(1, 3), vf(1, 4)], `"4s"`);
test(wkt, "google.protobuf.FieldMask", [sf(1, "user.display_name"), sf(1, "photo")], `"user.displayName,photo"`);
test(wkt, "google.protobuf.Empty", [vf(1, 1)], `{}`);
test(wkt, "google.protobuf.Struct", [lf(1, sf(1, "b"), lf(2, sf(3, "x"))), lf(1, sf(1, "a"), lf(2, vf(1, 0)))], `{"a":null,"b":"x"}`);
test(wkt, "google.protobuf.ListValue", [], `[]`);
test(wkt, "google.protobuf.Value", [tag(2, 1), fixed64(0x3ff8000000000000n)], `1.5`);
test(wkt, "google.protobuf.Value", [lf(5)], `{}`);
test(wkt, "google.protobuf.BoolValue", [], `false`);
test(wkt, "google.protobuf.UInt64Value", [vf(1, 2n ** 64n - 1n)], `"18446744073709551615"`);
test(wkt, "google.protobuf.StringValue", [sf(1, "a"), sf(1, "b")], `"b"`);
test(wkt, "google.protobuf.BytesValue", [lf(1, [1, 2, 3])], `"AQID"`);
test(wkt, "google.protobuf.Any", [sf(1, "type.googleapis.com/google.protobuf.Int32Value"), lf(2, vf(1, 7))], `{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":7}`);
test(wkt, "google.protobuf.Any", [sf(1, "google.protobuf.Struct")], `{"@type":"google.protobuf.Struct","value":{}}`);

test("wellKnownWriter: a WKT has no Any members of its own", (t) => {
  const w = wellKnownWriter("google.protobuf.Duration", nothing);
  t.throws(() => w?.renderMembers([], 0), { instanceOf: CodecError, message: "google.protobuf.Duration has no JSON object members" });
});

const camel = test.macro({
  exec(t, snake: string, expected: string, reversible: boolean) {
    t.is(jsonCamelCase(snake), expected);
    t.is(jsonSnakeCase(expected) === snake, reversible);
  },
  title: (_g, snake: string, expected: string, reversible: boolean) =>
    `jsonCamelCase: ${snake} → ${expected}${reversible ? "" : " (irreversible)"}`,
});
test(camel, "foo_bar", "fooBar", true);
test(camel, "a.b_c.d", "a.bC.d", true);
test(camel, "foo__bar", "fooBar", false);
test(camel, "foo_1", "foo1", false);
test(camel, "fooBar", "fooBar", false);
test(camel, "foo_", "foo", false);
