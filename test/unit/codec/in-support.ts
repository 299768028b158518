/**
 * Test support for the input-direction codec tests: the fixture's TypeSet (real loader),
 * a @bufbuild/protobuf registry for the same protos (real `buf build`) to decode our bytes
 * with, and fast-check arbitraries of random oracle messages.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, createFileRegistry, fromBinary, fromJson, toJson, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, FileRegistry, JsonValue, Message } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, anyPack } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import { createCodecRegistry } from "../../../src/codec/index.js";
import type { CodecRegistry, JsonOptions } from "../../../src/codec/index.js";
import type { TypeSet } from "../../../src/model/descriptor.js";
import { loadTypeSet } from "../../helpers/load-types.js";
import { REPO_ROOT } from "../../helpers/paths.js";

export const IN_FIXTURE = join(REPO_ROOT, "test/fixtures/codec/in");

let cachedTypes: TypeSet | undefined;
let cachedOracle: FileRegistry | undefined;

export function fixtureTypes(): TypeSet {
  cachedTypes ??= loadTypeSet([IN_FIXTURE]);
  return cachedTypes;
}

export function codecs(options?: Partial<JsonOptions>): CodecRegistry {
  return createCodecRegistry(fixtureTypes(), options);
}

/** `buf build` of the fixture (buf resolves google/protobuf/* itself). */
export function oracle(): FileRegistry {
  if (cachedOracle !== undefined) return cachedOracle;
  const dir = mkdtempSync(join(tmpdir(), "protogate-in-oracle-"));
  try {
    const out = join(dir, "image.binpb");
    execFileSync(join(REPO_ROOT, "node_modules/.bin/buf"), ["build", IN_FIXTURE, "-o", out], { stdio: "pipe" });
    cachedOracle = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
    return cachedOracle;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function desc(typeName: string): DescMessage {
  const found = oracle().getMessage(typeName);
  if (found === undefined) throw new Error(`oracle has no ${typeName}`);
  return found;
}

/** Our bytes, decoded by the oracle, as its canonical JSON (defaults omitted, keys sorted). */
export function decoded(typeName: string, bytes: Uint8Array): JsonValue {
  const schema = desc(typeName);
  return canonical(schema, fromBinary(schema, bytes));
}

/**
 * The oracle's canonical JSON of a message, keys sorted, through JSON text (where -0 is 0:
 * a request body cannot tell them apart either).
 */
export function canonical(schema: DescMessage, message: Message): JsonValue {
  return sortKeys(JSON.parse(JSON.stringify(toJson(schema, message, { registry: oracle() }))) as JsonValue);
}

/** Object keys in sorted order, so that comparisons ignore map and field order. */
export function sortKeys(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: { [k: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] as JsonValue);
    return out;
  }
  return value;
}

// ---- random oracle messages ------------------------------------------------------------

const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

function scalarArb(type: ScalarType): Arbitrary<unknown> {
  switch (type) {
    // -0 is left out: JSON.stringify prints it as 0, so it cannot survive the trip through text.
    case ScalarType.DOUBLE:
      return fc.double().map((n) => (Object.is(n, -0) ? 0 : n));
    case ScalarType.FLOAT:
      return fc.float().map((n) => (Object.is(n, -0) ? 0 : n));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, -2147483648, 2147483647));
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff));
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.oneof(fc.bigInt(INT64), fc.bigInt({ min: -1000n, max: 1000n }), fc.constantFrom(INT64.min, INT64.max, 2n ** 53n + 1n));
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.oneof(fc.bigInt(UINT64), fc.constantFrom(0n, UINT64.max, 2n ** 53n + 1n));
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.constantFrom("", "a b&c=d+e%", "\u2028\"\\"));
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 10 });
  }
}

/** A map key as protobuf-es stores it (object property text). */
function mapKeyArb(type: ScalarType): Arbitrary<string> {
  if (type === ScalarType.STRING) return fc.string({ maxLength: 4 });
  if (type === ScalarType.BOOL) return fc.constantFrom("true", "false");
  return scalarArb(type).map((k) => String(k));
}

const FIELD_MASK_PATH = fc.array(fc.stringMatching(/^[a-z]{1,4}(_[a-z]{1,3}){0,2}$/), { minLength: 1, maxLength: 3 })
  .map((segments) => segments.join("."));

// Finite JSON for Struct/Value (JSON has no NaN); -0 is left out: JSON text cannot keep it apart.
const JSON_VALUE = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue);

/** Message types an Any in the differential test may hold. */
const ANY_TYPES = [
  "intest.Leaf", "intest.Scalars", "intest.Choice", "google.protobuf.Timestamp", "google.protobuf.Duration",
  "google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.Int64Value", "google.protobuf.FieldMask",
  "google.protobuf.Empty", "google.protobuf.Any",
];

export class MessageArbitraries {
  /** `knownEnums`: only numbers the enum defines (text input refuses others, as grpc-gateway). */
  constructor(
    private readonly registry: FileRegistry,
    private readonly knownEnums = false,
  ) {}

  message(schema: DescMessage, depth: number): Arbitrary<Message> {
    const wkt = this.wellKnown(schema, depth);
    if (wkt !== undefined) return wkt;
    const plain: Record<string, Arbitrary<unknown>> = {};
    for (const field of schema.fields) {
      if (field.oneof !== undefined) continue;
      const arb = this.field(field, depth);
      if (arb !== undefined) plain[field.localName] = arb;
    }
    const oneofs = schema.oneofs.map((oneof) => {
      const members = oneof.fields
        .map((field) => ({ field, arb: this.single(field, depth) }))
        .filter((m): m is { field: DescField; arb: Arbitrary<unknown> } => m.arb !== undefined);
      return fc.option(
        fc.oneof(...members.map((m) => m.arb.map((value) => ({ name: oneof.localName, value: { case: m.field.localName, value } })))),
        { nil: undefined },
      );
    });
    return fc.tuple(fc.record(plain, { requiredKeys: [] }), ...oneofs).map(([init, ...picked]) => {
      const full: Record<string, unknown> = { ...init };
      for (const p of picked) if (p !== undefined) full[p.name] = p.value;
      return create(schema, full);
    });
  }

  private field(field: DescField, depth: number): Arbitrary<unknown> | undefined {
    switch (field.fieldKind) {
      case "list": {
        const element = this.element(field, depth - 1);
        return element === undefined ? undefined : fc.array(element, { maxLength: 3 });
      }
      case "map": {
        const value = this.element(field, depth - 1);
        if (value === undefined) return undefined;
        return fc.array(fc.tuple(mapKeyArb(field.mapKey), value), { maxLength: 3 }).map((entries) => {
          const out: Record<string, unknown> = {};
          for (const [k, v] of entries) out[k] = v;
          return out;
        });
      }
      default:
        return this.single(field, depth);
    }
  }

  private element(field: DescField, depth: number): Arbitrary<unknown> | undefined {
    if (field.fieldKind === "list") {
      if (field.listKind === "scalar") return scalarArb(field.scalar);
      if (field.listKind === "enum") return this.enumArb(field.enum.values.map((v) => v.number), field.enum.typeName);
      return depth < 0 ? undefined : this.message(field.message, depth);
    }
    if (field.fieldKind === "map") {
      if (field.mapKind === "scalar") return scalarArb(field.scalar);
      if (field.mapKind === "enum") return this.enumArb(field.enum.values.map((v) => v.number), field.enum.typeName);
      return depth < 0 ? undefined : this.message(field.message, depth);
    }
    return undefined;
  }

  private single(field: DescField, depth: number): Arbitrary<unknown> | undefined {
    switch (field.fieldKind) {
      case "scalar":
        return scalarArb(field.scalar);
      case "enum":
        return this.enumArb(field.enum.values.map((v) => v.number), field.enum.typeName);
      case "message": {
        // protobuf-es unboxes singular wrapper fields: the field holds the bare scalar.
        const inner = field.message.fields[0];
        if (field.message.typeName.startsWith("google.protobuf.") && field.message.typeName.endsWith("Value") &&
          field.message.typeName !== "google.protobuf.Value" && inner?.fieldKind === "scalar") {
          return scalarArb(inner.scalar);
        }
        return depth <= 0 ? undefined : this.message(field.message, depth - 1);
      }
      default:
        return undefined;
    }
  }

  private enumArb(numbers: number[], typeName: string): Arbitrary<number> {
    if (typeName === "google.protobuf.NullValue") return fc.constant(0);
    // Known values, and numbers no value has (open enums keep them).
    if (this.knownEnums) return fc.constantFrom(...numbers);
    return fc.oneof(fc.constantFrom(...numbers), fc.integer({ min: 3, max: 1000 }));
  }

  private wellKnown(schema: DescMessage, depth: number): Arbitrary<Message> | undefined {
    const make = (init: Record<string, unknown>): Message => create(schema, init);
    switch (schema.typeName) {
      case "google.protobuf.Timestamp":
        return fc.tuple(fc.bigInt({ min: -62135596800n, max: 253402300799n }), fc.integer({ min: 0, max: 999999999 }))
          .map(([seconds, nanos]) => make({ seconds, nanos }));
      case "google.protobuf.Duration":
        return fc.tuple(fc.bigInt({ min: -315576000000n, max: 315576000000n }), fc.integer({ min: 0, max: 999999999 }))
          .map(([seconds, nanos]) => make({ seconds, nanos: seconds < 0n ? -nanos : nanos }));
      case "google.protobuf.FieldMask":
        return fc.array(FIELD_MASK_PATH, { maxLength: 3 }).map((paths) => make({ paths }));
      case "google.protobuf.Struct":
        return fc.dictionary(fc.string({ maxLength: 4 }), JSON_VALUE, { maxKeys: 3 }).map((json) => fromJson(schema, json));
      case "google.protobuf.ListValue":
        return fc.array(JSON_VALUE, { maxLength: 3 }).map((json) => fromJson(schema, json));
      case "google.protobuf.Value":
        return JSON_VALUE.map((json) => fromJson(schema, json));
      case "google.protobuf.Any": {
        const names = ANY_TYPES.filter((name) => depth > 1 || name !== "google.protobuf.Any");
        return fc.constantFrom(...names).chain((name) => {
          const inner = this.registry.getMessage(name);
          if (inner === undefined) throw new Error(`oracle has no ${name}`);
          return this.message(inner, Math.max(0, depth - 1)).map((message) => anyPack(inner, message));
        });
      }
      default:
        return undefined;
    }
  }
}
