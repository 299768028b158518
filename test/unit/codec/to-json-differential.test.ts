import test from "ava";
import { fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import fc from "fast-check";
import type { JsonOptions } from "../../../src/codec/contract.js";
import { CodecError } from "../../../src/codec/field-error.js";
import { createJsonWriters } from "../../../src/codec/to-json.js";
import { WireReader } from "../../../src/codec/to-json-wire.js";
import { loadTypeSet } from "../../helpers/load-types.js";
import { fixturePath } from "./to-json-fixture.js";
import { JsonArbitraries, oracleRegistry } from "./to-json-oracle.js";

// Differential test: random valid JSON → oracle message → bytes; our JSON of the bytes must
// equal the oracle's JSON of the message (compared as parsed JSON, modulo the normalisations
// documented in `sameJson`).

const types = loadTypeSet([fixturePath]);
const registry = oracleRegistry(fixturePath);
const anyTypes = ["outtest.Nested", "google.protobuf.Duration", "google.protobuf.Empty", "google.protobuf.Struct",
  "google.protobuf.Int64Value", "google.protobuf.Any", "google.protobuf.FieldMask"];
const arbitraries = new JsonArbitraries(types, anyTypes);

const OPTION_SETS: ReadonlyArray<[string, JsonOptions]> = [
  ["defaults without emitUnpopulated", { emitUnpopulated: false, useProtoNames: false, enumsAsInts: false, discardUnknown: false }],
  ["emitUnpopulated", { emitUnpopulated: true, useProtoNames: false, enumsAsInts: false, discardUnknown: false }],
  ["useProtoNames", { emitUnpopulated: false, useProtoNames: true, enumsAsInts: false, discardUnknown: false }],
  ["enumsAsInts", { emitUnpopulated: false, useProtoNames: false, enumsAsInts: true, discardUnknown: false }],
  ["all flags", { emitUnpopulated: true, useProtoNames: true, enumsAsInts: true, discardUnknown: true }],
];

/**
 * Deep equality of our parsed JSON (`ours`) and the oracle's, except for two known,
 * legitimate differences:
 * - float32 values: we print the shortest form that round-trips through float32 (as
 *   protojson does, 1.1f → 1.1), the oracle prints the float32 widened to a double
 *   (1.100000023841858); a number is accepted when it rounds to the oracle's float32.
 * - with emitUnpopulated, protojson (and we) emit `null` for an unset singular message
 *   field; the oracle's alwaysEmitImplicit only covers implicit-presence fields and
 *   leaves the key out, so a `null` key of ours that the oracle lacks is accepted.
 * - an Any holding google.protobuf.Empty: protojson treats Empty as a well-known type
 *   with a special form and writes `{"@type": …, "value": {}}`; the oracle writes it as a
 *   plain message, `{"@type": …}`. Our `"value": {}` is accepted there.
 */
function sameJson(ours: unknown, oracle: unknown, emitUnpopulated: boolean, at: string): string | undefined {
  if (typeof ours === "number" && typeof oracle === "number") {
    return ours === oracle || Math.fround(ours) === oracle ? undefined : `${at}: ${ours} ≠ ${oracle}`;
  }
  if (Array.isArray(ours) && Array.isArray(oracle)) {
    if (ours.length !== oracle.length) return `${at}: length ${ours.length} ≠ ${oracle.length}`;
    for (let i = 0; i < ours.length; i++) {
      const d = sameJson(ours[i], oracle[i], emitUnpopulated, `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isObject(ours) && isObject(oracle)) {
    for (const k of Object.keys(ours)) {
      if (!(k in oracle)) {
        if (emitUnpopulated && ours[k] === null) continue;
        if (k === "value" && String(ours["@type"]).endsWith("/google.protobuf.Empty") && isObject(ours[k])
          && Object.keys(ours[k]).length === 0) continue;
        return `${at}.${k}: only in ours (${JSON.stringify(ours[k])})`;
      }
      const d = sameJson(ours[k], oracle[k], emitUnpopulated, `${at}.${k}`);
      if (d !== undefined) return d;
    }
    for (const k of Object.keys(oracle)) if (!(k in ours)) return `${at}.${k}: missing in ours`;
    return undefined;
  }
  return ours === oracle ? undefined : `${at}: ${JSON.stringify(ours)} ≠ ${JSON.stringify(oracle)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

for (const typeName of ["outtest.All", "outtest.Nested", "google.protobuf.Struct", "google.protobuf.Any"]) {
  for (const [label, options] of OPTION_SETS) {
    test(`toJson: matches @bufbuild/protobuf for random ${typeName} (${label})`, (t) => {
      const schema = registry.getMessage(typeName);
      if (schema === undefined) throw new Error(`oracle lacks ${typeName}`);
      const writers = createJsonWriters(types, options);
      fc.assert(
        fc.property(arbitraries.message(typeName, 3), (json) => {
          const message = fromJson(schema, json as JsonValue, { registry });
          const bytes = toBinary(schema, message);
          const expected = toJson(schema, message, {
            registry,
            alwaysEmitImplicit: options.emitUnpopulated,
            useProtoFieldName: options.useProtoNames,
            enumAsInteger: options.enumsAsInts,
          });
          const text = writers.toJson(typeName, bytes);
          const written = writers.toJsonBytes(typeName, bytes).toString();
          if (written !== text) t.fail(`the byte writer differs\nbytes: ${written}\ntext:  ${text}`);
          const diff = sameJson(JSON.parse(text), expected, options.emitUnpopulated, "$");
          if (diff !== undefined) t.fail(`${diff}\nours:   ${text}\noracle: ${JSON.stringify(expected)}`);
          return diff === undefined && written === text;
        }),
        { numRuns: typeName === "outtest.All" ? 60 : 40 },
      );
      t.pass();
    });
  }
}

test("fieldToJson: matches the oracle's JSON of each top-level field that is set", (t) => {
  const schema = registry.getMessage("outtest.All");
  const model = types.messages["outtest.All"];
  if (schema === undefined || model === undefined) throw new Error("fixture missing");
  const writers = createJsonWriters(types, OPTION_SETS[0]?.[1] as JsonOptions);
  fc.assert(
    fc.property(arbitraries.message("outtest.All", 2), (json) => {
      const message = fromJson(schema, json as JsonValue, { registry });
      const bytes = toBinary(schema, message);
      const expected = toJson(schema, message, { registry }) as Record<string, unknown>;
      for (const f of model.fields) {
        if (!(f.jsonName in expected)) continue;
        const text = writers.fieldToJson("outtest.All", [f.name], bytes);
        const diff = sameJson(JSON.parse(text), expected[f.jsonName], false, f.name);
        if (diff !== undefined) {
          t.fail(`${diff}\nours:   ${text}\noracle: ${JSON.stringify(expected[f.jsonName])}`);
          return false;
        }
      }
      return true;
    }),
    { numRuns: 30 },
  );
  t.pass();
});

// Robustness: whatever the bytes, the writer answers JSON or a CodecError — never another
// exception (RangeError, TypeError, stack overflow).
test("toJson: mutated and truncated valid messages give JSON or a CodecError, nothing else", (t) => {
  const schema = registry.getMessage("outtest.All");
  if (schema === undefined) throw new Error("fixture missing");
  const writers = createJsonWriters(types, OPTION_SETS[1]?.[1] as JsonOptions);
  const mutated = fc.tuple(
    arbitraries.message("outtest.All", 2),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
  ).map(([json, flips, cut]) => {
    const bytes = toBinary(schema, fromJson(schema, json as JsonValue, { registry }));
    for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return cut === undefined || bytes.length === 0 ? bytes : bytes.subarray(0, cut % bytes.length);
  });
  fc.assert(
    fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 64 })), (bytes) => {
      const text = outcome(() => writers.toJson("outtest.All", bytes));
      const written = outcome(() => writers.toJsonBytes("outtest.All", bytes).toString());
      if (text.startsWith("unexpected") || written !== text) {
        t.fail(`text: ${text}\nbytes: ${written}\nfor [${[...bytes].join(",")}]`);
        return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

// The byte writer writes fields as they come; fields out of declaration order, repeated
// singular fields (which merge or replace) and split repeated fields make it hand the message
// to the text writer. Shuffled and duplicated top-level fields must render as the text writer does.
test("toJsonBytes: fields in any order, repeated or split, render as toJson does", (t) => {
  const schema = registry.getMessage("outtest.All");
  if (schema === undefined) throw new Error("fixture missing");
  for (const [, options] of OPTION_SETS) {
    const writers = createJsonWriters(types, options);
    const reordered = fc.tuple(
      fc.array(arbitraries.message("outtest.All", 2), { minLength: 1, maxLength: 2 }),
      fc.func(fc.integer()),
    ).map(([jsons, rank]) => {
      // Top-level fields of one or two messages, concatenated (which merges them) in a shuffled order.
      const fields = jsons.flatMap((json) => topLevelFields(toBinary(schema, fromJson(schema, json as JsonValue, { registry }))));
      return Buffer.concat(fields.map((f, i) => [rank(i), f] as const).sort((a, b) => a[0] - b[0]).map(([, f]) => f));
    });
    fc.assert(
      fc.property(reordered, (bytes) => {
        // Merged messages can be invalid (an Any's value bytes concatenated): a CodecError from both then.
        const text = outcome(() => writers.toJson("outtest.All", bytes));
        const written = outcome(() => writers.toJsonBytes("outtest.All", bytes).toString());
        if (text.startsWith("unexpected") || written !== text) t.fail(`bytes: ${written}\ntext:  ${text}`);
        return written === text;
      }),
      { numRuns: 60 },
    );
  }
  t.pass();
});

/** What a writer made of some bytes: its JSON text, parsed and printed again, or "CodecError". */
function outcome(render: () => string): string {
  try {
    return JSON.stringify(JSON.parse(render()));
  } catch (e: unknown) {
    if (e instanceof CodecError) return "CodecError";
    return `unexpected ${String(e)}`;
  }
}

/** The encoded top-level fields of a valid message (tag and value bytes each). */
function topLevelFields(bytes: Uint8Array): Buffer[] {
  const fields: Buffer[] = [];
  const r = new WireReader(bytes);
  while (r.pos < r.end) {
    const start = r.pos;
    r.skip(r.tag(), 0);
    fields.push(Buffer.from(bytes.subarray(start, r.pos)));
  }
  return fields;
}
