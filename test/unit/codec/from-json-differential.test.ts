/**
 * Differential tests of the JSON → bytes direction against @bufbuild/protobuf: random
 * messages are printed by the oracle's toJson, parsed by our fromJson, and our bytes must
 * decode (with the oracle's fromBinary) to the message we started from.
 */
import test from "ava";
import { toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FieldError } from "../../../src/codec/index.js";
import { MessageArbitraries, canonical, codecs, decoded, desc, oracle } from "./in-support.js";

const TYPES = ["intest.Scalars", "intest.Optionals", "intest.Repeated", "intest.Maps", "intest.Choice", "intest.Wkt", "intest.Thing"];

for (const typeName of TYPES) {
  test(`fromJson: oracle JSON of random ${typeName} decodes to the same message`, (t) => {
    const schema = desc(typeName);
    const codec = codecs().message(typeName);
    const arbitraries = new MessageArbitraries(oracle());
    fc.assert(
      fc.property(arbitraries.message(schema, 3), fc.boolean(), (message, protoNames) => {
        // Through JSON text, as a request body arrives.
        const json: unknown = JSON.parse(JSON.stringify(toJson(schema, message, { registry: oracle(), useProtoFieldName: protoNames })));
        t.deepEqual(decoded(typeName, codec.fromJson(json)), canonical(schema, message));
      }),
      { numRuns: typeName === "intest.Thing" ? 60 : 120 },
    );
  });
}

test("fromJson: oracle JSON with every implicit field emitted decodes to the same message", (t) => {
  const typeName = "intest.Thing";
  const schema = desc(typeName);
  const codec = codecs().message(typeName);
  fc.assert(
    fc.property(new MessageArbitraries(oracle()).message(schema, 2), (message) => {
      const json: unknown = JSON.parse(JSON.stringify(toJson(schema, message, { registry: oracle(), alwaysEmitImplicit: true })));
      t.deepEqual(decoded(typeName, codec.fromJson(json)), canonical(schema, message));
    }),
    { numRuns: 60 },
  );
});

// Keys that reach real fields (and a few that do not), with any JSON under them.
const KEYS = [
  "id", "pageSize", "page_size", "customName", "scalars", "fInt64", "f_kind", "fBytes", "fFloat", "optionals", "oInt32",
  "repeated", "rInt32", "r_leaf", "rValue", "maps", "mInt32", "m_bool", "mValue", "leaf", "name", "count", "tree", "left",
  "kids", "choice", "pString", "pLeaf", "p_null", "oBool", "wkt", "wTime", "wDuration", "wMask", "wStruct", "wAny", "@type",
  "value", "wInt64", "wEmpty", "labels", "tags", "updateMask", "bogus", "1", "-1", "true",
];
const hostile = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom("NaN", "-Infinity", "1e400", "\ud800", "type.googleapis.com/intest.Leaf", "1.5s", "AQ", "KIND_A", -0, 1e308),
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("node"), { maxKeys: 4 }),
  ),
})).node;

test("fromJson: any JSON is encoded or refused with a FieldError, never another error", (t) => {
  const codec = codecs().message("intest.Thing");
  const lenient = codecs({ discardUnknown: true }).message("intest.Thing");
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...KEYS), hostile, { maxKeys: 5 }), (json) => {
      for (const c of [codec, lenient]) {
        try {
          c.fromJson(json);
          c.fieldMaskPaths([], json);
        } catch (error: unknown) {
          if (!(error instanceof FieldError)) throw error;
        }
      }
      t.pass();
    }),
    { numRuns: 400 },
  );
});
