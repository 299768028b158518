/**
 * Test support for the differential tests of the JSON writer: a @bufbuild/protobuf
 * registry for the fixture protos (built by the real `buf`) and fast-check arbitraries
 * that produce valid proto3 JSON for any message of a TypeSet.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import type { FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import type { Arbitrary } from "fast-check";
import type { FieldModel, FieldType, ScalarType, TypeSet } from "../../../src/model/descriptor.js";
import { formatDuration, formatTimestamp } from "../../../src/codec/timestamp-duration.js";
import { REPO_ROOT } from "../../helpers/paths.js";

/** `buf build` of a proto root (imports of google/protobuf/* are resolved by buf itself). */
export function oracleRegistry(protoRoot: string): FileRegistry {
  const dir = mkdtempSync(join(tmpdir(), "protogate-oracle-"));
  try {
    const out = join(dir, "image.binpb");
    execFileSync(join(REPO_ROOT, "node_modules/.bin/buf"), ["build", protoRoot, "-o", out], { stdio: "pipe" });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const ident = fc.stringMatching(/^[a-z]{1,4}(_[a-z]{1,3}){0,2}$/);

function scalarJson(s: ScalarType): Arbitrary<Json> {
  switch (s) {
    case "double":
      return fc.oneof(
        { weight: 8, arbitrary: fc.double() .map((n): Json => (Number.isFinite(n) ? n : String(n))) },
        { weight: 1, arbitrary: fc.constantFrom<Json>("NaN", "Infinity", "-Infinity", 0, -0) },
      );
    case "float":
      return fc.float().map((n): Json => (Number.isFinite(n) ? n : String(n)));
    case "int32": case "sint32": case "sfixed32":
      return fc.oneof(fc.integer(), fc.constantFrom(0, -1, -2147483648, 2147483647));
    case "uint32": case "fixed32":
      return fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff));
    case "int64": case "sint64": case "sfixed64":
      return fc.oneof(
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
        fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
        fc.constantFrom(0n, -1n, INT64_MIN, INT64_MAX, -(2n ** 53n) - 1n),
      ).map(String);
    case "uint64": case "fixed64":
      return fc.oneof(
        fc.bigInt({ min: 0n, max: UINT64_MAX }),
        fc.constantFrom(0n, UINT64_MAX, 2n ** 53n + 1n, 2n ** 63n),
      ).map(String);
    case "bool":
      return fc.boolean();
    case "string":
      return fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("", "\u2028<&>\"\\\u0000"));
    case "bytes":
      return fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString("base64"));
  }
}

/** Random valid proto3 JSON for messages of `types`, recursion bounded by `depth`. */
export class JsonArbitraries {
  constructor(private readonly types: TypeSet, private readonly anyTypes: readonly string[]) {}

  message(typeName: string, depth: number): Arbitrary<Json> {
    const wkt = this.wellKnown(typeName, depth);
    if (wkt !== undefined) return wkt;
    const model = this.types.messages[typeName];
    if (model === undefined) throw new Error(`no type ${typeName}`);
    const plain: Record<string, Arbitrary<Json>> = {};
    const oneofs = new Map<string, FieldModel[]>();
    for (const f of model.fields) {
      if (f.oneof !== undefined) {
        oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
        continue;
      }
      if (f.type.kind === "message" && depth <= 0 && f.label !== "map") continue;
      plain[f.jsonName] = this.field(f, depth);
    }
    const base = fc.record(plain, { requiredKeys: [] });
    const choices = [...oneofs.values()].map((members) =>
      fc.option(
        fc.oneof(...members
          .filter((m) => m.type.kind !== "message" || depth > 0)
          .map((m) => this.single(m.type, depth).map((v): [string, Json] => [m.jsonName, v]))),
        { nil: undefined },
      ));
    return fc.tuple(base, ...choices).map(([obj, ...picked]) => {
      const out: { [k: string]: Json } = {};
      for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
      for (const p of picked) if (p !== undefined) out[p[0]] = p[1];
      return out;
    });
  }

  private field(f: FieldModel, depth: number): Arbitrary<Json> {
    if (f.label === "repeated") {
      return fc.array(this.single(f.type, depth - 1).filter((v) => v !== null || f.type.kind !== "message"), {
        maxLength: 3,
      });
    }
    if (f.label === "map") {
      const key = f.mapKey as ScalarType;
      const keyArb: Arbitrary<string> = key === "string"
        ? fc.string({ maxLength: 4 })
        : key === "bool"
          ? fc.constantFrom("true", "false")
          : scalarJson(key).map((k) => String(k));
      return fc.array(fc.tuple(keyArb, this.single(f.type, depth - 1)), { maxLength: 3 }).map((entries) => {
        const out: { [k: string]: Json } = {};
        for (const [k, v] of entries) out[k] = v;
        return out;
      });
    }
    return this.single(f.type, depth);
  }

  private single(t: FieldType, depth: number): Arbitrary<Json> {
    if (t.kind === "scalar") return scalarJson(t.scalar);
    if (t.kind === "enum") {
      if (t.typeName === "google.protobuf.NullValue") return fc.constant(null);
      const e = this.types.enums[t.typeName];
      if (e === undefined) throw new Error(`no enum ${t.typeName}`);
      // Names, and numbers no value has (open enums keep them).
      return fc.oneof(fc.constantFrom(...e.values.map((v) => v.name)), fc.integer({ min: 3, max: 100 }));
    }
    return fc.constant(null).chain(() => this.message(t.typeName, depth - 1));
  }

  private wellKnown(typeName: string, depth: number): Arbitrary<Json> | undefined {
    switch (typeName) {
      case "google.protobuf.Timestamp":
        return fc.tuple(fc.bigInt({ min: -62135596800n, max: 253402300799n }), fc.integer({ min: 0, max: 999999999 }))
          .map(([s, n]) => formatTimestamp(s, n));
      case "google.protobuf.Duration":
        return fc.tuple(fc.bigInt({ min: -315576000000n, max: 315576000000n }), fc.integer({ min: 0, max: 999999999 }))
          .map(([s, n]) => formatDuration(s, s < 0n ? -n : n));
      case "google.protobuf.FieldMask":
        return fc.array(fc.array(ident, { minLength: 1, maxLength: 3 }).map((p) => p.join(".")), { maxLength: 3 })
          .map((paths) => paths.map((p) => p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())).join(","));
      case "google.protobuf.Empty":
        return fc.constant({});
      case "google.protobuf.Struct":
        return fc.dictionary(fc.string({ maxLength: 4 }), this.value(depth - 1), { maxKeys: 3 });
      case "google.protobuf.ListValue":
        return fc.array(this.value(depth - 1), { maxLength: 3 });
      case "google.protobuf.Value":
        return this.value(depth);
      case "google.protobuf.DoubleValue": return scalarJson("double");
      case "google.protobuf.FloatValue": return scalarJson("float");
      case "google.protobuf.Int64Value": return scalarJson("int64");
      case "google.protobuf.UInt64Value": return scalarJson("uint64");
      case "google.protobuf.Int32Value": return scalarJson("int32");
      case "google.protobuf.UInt32Value": return scalarJson("uint32");
      case "google.protobuf.BoolValue": return scalarJson("bool");
      case "google.protobuf.StringValue": return scalarJson("string");
      case "google.protobuf.BytesValue": return scalarJson("bytes");
      case "google.protobuf.Any": {
        const inner = this.anyTypes.filter((n) => depth > 0 || n !== "google.protobuf.Any");
        return fc.constantFrom(...inner).chain((name) =>
          this.message(name, depth - 1).map((v): Json => {
            const url = `type.googleapis.com/${name}`;
            const isObject = typeof v === "object" && v !== null && !Array.isArray(v);
            // The oracle reads Empty inside Any as a plain message (no "value" key).
            if (name === "google.protobuf.Empty") return { "@type": url };
            return isObject && !isWellKnown(name) ? { "@type": url, ...v } : { "@type": url, value: v };
          }));
      }
      default:
        return undefined;
    }
  }

  private value(depth: number): Arbitrary<Json> {
    return fc.jsonValue({ maxDepth: Math.max(0, Math.min(depth, 2)) }) as Arbitrary<Json>;
  }
}

function isWellKnown(name: string): boolean {
  return name.startsWith("google.protobuf.");
}
