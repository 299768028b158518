/**
 * Differential tests of the JSON → bytes direction against @bufbuild/protobuf: random
 * messages are printed by the oracle's toJson, parsed by our fromJson, and our bytes must
 * decode (with the oracle's fromBinary) to the message we started from.
 */
import test from "ava";
import { toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
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
