/**
 * Parsed JSON (proto3 JSON mapping, protojson's rules) → protobuf bytes, with no
 * intermediate message object: per message type, a table from json name AND proto name
 * to a field writer closure is compiled once; a request only walks its JSON through them.
 * @internal
 */
import type { EnumModel, FieldModel, FieldType, MessageModel, ScalarType, TypeSet } from "../model/descriptor.js";
import { WRAPPER_SCALARS } from "../model/descriptor.js";
import type { FieldPath } from "../model/field-path.js";
import type { JsonOptions } from "./contract.js";
import { decodeBase64 } from "./base64.js";
import { LosslessNumber } from "./lossless-json.js";
import { jsonSnakeCase } from "./well-known-to-json.js";
import { CodecError, FieldError } from "./field-error.js";
import { TextValueError, parseIntegerText } from "./text-value.js";
import { TimeValueError, parseDuration, parseTimestamp } from "./timestamp-duration.js";
import type { SecondsNanos } from "./timestamp-duration.js";
import type { WireType } from "./wire-writer.js";
import { WireWriter } from "./wire-writer.js";

/** Sub-message nesting allowed in a request body (protojson's default recursion limit is 10000; ours is stricter). */
export const MAX_JSON_DEPTH = 100;

const quote = JSON.stringify;
const LONE_SURROGATE = /\p{Cs}/u;
// JSON number grammar, for numbers sent as strings (protojson re-reads them as JSON numbers).
const JSON_NUMBER_RE = /^-?(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const PLAIN_INTEGER_RE = /^-?(?:0|[1-9]\d{0,19})$/;

/**
 * Per-call state: the field path for error messages and the nesting depth. In "text"
 * mode (JSON inside a query parameter) failures are TextValueErrors for the caller to word.
 */
export class JsonContext {
  /** Proto field names, `[2]` indexes and `["k"]` keys, in order. */
  private readonly segments: string[] = [];
  private readonly names: string[] = [];
  depth = 0;

  constructor(
    readonly discardUnknown: boolean,
    private readonly mode: "body" | "text" = "body",
  ) {}

  pushField(name: string): void {
    this.segments.push(name);
    this.names.push(name);
  }

  popField(): void {
    this.segments.pop();
    this.names.pop();
  }

  pushIndex(index: number): void {
    this.segments.push(`[${index}]`);
  }

  pushKey(key: string): void {
    this.segments.push(`[${quote(key)}]`);
  }

  popSegment(): void {
    this.segments.pop();
  }

  /** `book.pages[2]`, `labels["k"]`; `child` appended as one more field name. */
  path(child?: string): string {
    let out = "";
    for (const segment of this.segments) out += segment.startsWith("[") || out === "" ? segment : `.${segment}`;
    if (child !== undefined) out += out === "" ? child : `.${child}`;
    return out;
  }

  /** The value at the current path is invalid for `reason`. */
  fail(reason: string): never {
    if (this.mode === "text") {
      const at = this.path();
      throw new TextValueError(at === "" ? reason : `${reason} (at ${quote(at)})`);
    }
    const at = this.path();
    // The body itself (not one of its fields) is what is wrong.
    if (at === "") throw new FieldError(`invalid JSON body: ${reason}`);
    throw new FieldError(`invalid value for field ${quote(at)}: ${reason}`, [...this.names]);
  }

  /** A whole-sentence error about the field `child` of the current message. */
  failField(child: string, sentence: (path: string) => string): never {
    const at = this.path(child);
    if (this.mode === "text") throw new TextValueError(sentence(at));
    throw new FieldError(sentence(at), [...this.names, child]);
  }

  enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) {
      const message = `JSON nesting is deeper than ${MAX_JSON_DEPTH} levels`;
      if (this.mode === "text") throw new TextValueError(message);
      throw new FieldError(message, [...this.names]);
    }
  }

  leave(): void {
    this.depth--;
  }
}

/** `null` → "null", arrays → "array", else typeof. */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof LosslessNumber) return "number";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof LosslessNumber);
}

/** A field writer: `json` is never null unless the field takes null as a value (Value, NullValue). */
export type FieldWrite = (w: WireWriter, json: unknown, ctx: JsonContext) => void;

export interface FieldPlan {
  readonly field: FieldModel;
  /** Index into MessagePlan.oneofs, or -1. */
  readonly oneofIndex: number;
  /** google.protobuf.Value / NullValue elements: JSON null is a value, not "unset". */
  readonly nullIsValue: boolean;
  /** The singular message (or WKT) type, for paths that go through this field. */
  readonly messageType: string | undefined;
  readonly write: FieldWrite;
}

interface NameEntry {
  readonly plan: FieldPlan;
  /** The field's other spelling when it also resolves to this field (for duplicate checks). */
  readonly other: string | undefined;
}

export interface MessagePlan {
  readonly typeName: string;
  readonly model: MessageModel | undefined;
  /** JSON names and proto names (the JSON name wins a clash, as in protojson). */
  readonly byName: ReadonlyMap<string, NameEntry>;
  readonly byProtoName: ReadonlyMap<string, FieldPlan>;
  readonly oneofs: readonly string[];
  /** Well-known type with its own JSON form (Any wraps it as `{"@type", "value"}`). */
  readonly customJson: boolean;
  /** Writes the message's fields (not its own tag) from its JSON form. `inAny`: skip "@type". */
  writeBody(w: WireWriter, json: unknown, ctx: JsonContext, inAny?: boolean): void;
}

/** Per message type, for merging request parts (wire-merge.ts). */
export interface MergeInfo {
  /** Singular message fields (oneof members too): field number → plan of their type. */
  readonly messages: ReadonlyMap<number, MessagePlan>;
  /** Oneof members: field number → oneof index. */
  readonly oneofs: ReadonlyMap<number, number>;
}

const DISCARD: unique symbol = Symbol("discard");

/** How one JSON value of a field's element type is written. */
interface ValueCodec {
  readonly wireType: WireType;
  readonly nullIsValue: boolean;
  /** Tag + value; skips implicit-presence defaults unless `always`; skips discarded enums. */
  writeField(w: WireWriter, fieldNumber: number, json: unknown, ctx: JsonContext, always: boolean): void;
  /** Bare value inside a packed field (packable scalars and enums only). */
  readonly writePacked: ((w: WireWriter, json: unknown, ctx: JsonContext) => void) | undefined;
  /** One map entry; nothing when the value is a discarded enum name. */
  writeEntry(w: WireWriter, fieldNumber: number, key: MapKeyCodec, keyValue: MapKey, json: unknown, ctx: JsonContext): void;
}

function valueCodec<V>(
  wireType: WireType,
  parse: (json: unknown, ctx: JsonContext) => V | typeof DISCARD,
  write: (w: WireWriter, value: V) => void,
  isDefault: (value: V) => boolean,
  packable: boolean,
  nullIsValue = false,
): ValueCodec {
  return {
    wireType,
    nullIsValue,
    writeField(w, fieldNumber, json, ctx, always) {
      const value = parse(json, ctx);
      if (value === DISCARD || (!always && isDefault(value))) return;
      w.tag(fieldNumber, wireType);
      write(w, value);
    },
    writePacked: packable
      ? (w, json, ctx) => {
          const value = parse(json, ctx);
          if (value !== DISCARD) write(w, value);
        }
      : undefined,
    writeEntry(w, fieldNumber, key, keyValue, json, ctx) {
      const value = parse(json, ctx);
      if (value === DISCARD) return;
      w.tag(fieldNumber, 2);
      w.fork();
      key.write(w, keyValue);
      w.tag(2, wireType);
      write(w, value);
      w.join();
    },
  };
}

// -0 is written: it is not the zero value bit-wise (Go's encoder writes it too).
function isZero(value: number): boolean {
  return value === 0 && !Object.is(value, -0);
}

// ---- scalars -------------------------------------------------------------------------

interface Range {
  readonly min: number;
  readonly max: number;
}
const RANGE_32: Readonly<Record<string, Range>> = {
  int32: { min: -2147483648, max: 2147483647 },
  sint32: { min: -2147483648, max: 2147483647 },
  sfixed32: { min: -2147483648, max: 2147483647 },
  uint32: { min: 0, max: 4294967295 },
  fixed32: { min: 0, max: 4294967295 },
};
const RANGE_64: Readonly<Record<string, { readonly min: bigint; readonly max: bigint }>> = {
  int64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  sint64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  sfixed64: { min: -(2n ** 63n), max: 2n ** 63n - 1n },
  uint64: { min: 0n, max: 2n ** 64n - 1n },
  fixed64: { min: 0n, max: 2n ** 64n - 1n },
};

/**
 * The exact integer a JSON number's text denotes (`1e2` → 100n, `1.0` → 1n), "fraction"
 * when it has one, "huge" beyond any 64-bit value, undefined when it is not a JSON number.
 */
export function exactInteger(text: string): bigint | "fraction" | "huge" | undefined {
  const m = JSON_NUMBER_RE.exec(text);
  if (m === null) return undefined;
  const frac = m[2] ?? "";
  const exp = m[3] === undefined ? 0 : Number(m[3]);
  let digits = ((m[1] ?? "") + frac).replace(/^0+/, "");
  if (digits === "") return 0n;
  let scale = exp - frac.length;
  // Trailing zeros can absorb a negative scale: 1.50e1 → 15.
  while (scale < 0 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    scale++;
  }
  if (scale < 0) return "fraction";
  if (digits.length + scale > 40) return "huge";
  const value = BigInt(digits) * 10n ** BigInt(scale);
  return text.startsWith("-") ? -value : value;
}

function integerFromJson(json: unknown, ctx: JsonContext, scalar: string, range: { min: bigint; max: bigint }): bigint {
  if (typeof json === "number") {
    if (!Number.isFinite(json)) ctx.fail(`${json} is out of range for ${scalar}`);
    if (!Number.isInteger(json)) ctx.fail(`${json} is not an integer`);
    const value = BigInt(json);
    if (value < range.min || value > range.max) ctx.fail(`${json} is out of range for ${scalar}`);
    return value;
  }
  if (json instanceof LosslessNumber) {
    // A number past 2^53 (parseLosslessJson kept its text): read exactly, as protojson does.
    const value = exactInteger(json.text);
    if (value === undefined || value === "fraction") return ctx.fail(`${json.text} is not an integer`);
    if (value === "huge" || value < range.min || value > range.max) ctx.fail(`${json.text} is out of range for ${scalar}`);
    return value;
  }
  if (typeof json === "string") {
    // Plain decimal digits (the usual int64 text) need no exponent handling.
    const value = PLAIN_INTEGER_RE.test(json) ? BigInt(json) : exactInteger(json);
    if (value === undefined) ctx.fail(`${quote(json)} is not a valid ${scalar}`);
    if (value === "fraction") ctx.fail(`${quote(json)} is not an integer`);
    if (value === "huge" || value < range.min || value > range.max) ctx.fail(`${quote(json)} is out of range for ${scalar}`);
    return value;
  }
  return ctx.fail(`expected number, got ${jsonType(json)}`);
}

function int32FromJson(scalar: string): (json: unknown, ctx: JsonContext) => number {
  const range = RANGE_32[scalar] as Range;
  const big = { min: BigInt(range.min), max: BigInt(range.max) };
  return (json, ctx) => {
    // Fast path: an in-range JSON integer needs no BigInt.
    if (typeof json === "number" && Number.isInteger(json) && json >= range.min && json <= range.max) return json;
    return Number(integerFromJson(json, ctx, scalar, big));
  };
}

function int64FromJson(scalar: string): (json: unknown, ctx: JsonContext) => bigint {
  const range = RANGE_64[scalar] as { min: bigint; max: bigint };
  return (json, ctx) => integerFromJson(json, ctx, scalar, range);
}

function floatFromJson(scalar: "float" | "double"): (json: unknown, ctx: JsonContext) => number {
  const check = (value: number, shown: string, ctx: JsonContext): number => {
    // JSON.parse turns 1e400 into Infinity; protojson calls that out of range.
    if (!Number.isFinite(value)) ctx.fail(`${shown} is out of range for ${scalar}`);
    if (scalar === "double") return value;
    const single = Math.fround(value);
    if (!Number.isFinite(single)) ctx.fail(`${shown} is out of range for float`);
    return single;
  };
  return (json, ctx) => {
    if (typeof json === "number") return check(json, String(json), ctx);
    if (json instanceof LosslessNumber) return check(Number(json.text), json.text, ctx);
    if (typeof json === "string") {
      if (json === "NaN") return NaN;
      if (json === "Infinity") return Infinity;
      if (json === "-Infinity") return -Infinity;
      if (!JSON_NUMBER_RE.test(json)) ctx.fail(`${quote(json)} is not a valid ${scalar}`);
      return check(Number(json), quote(json), ctx);
    }
    return ctx.fail(`expected number, got ${jsonType(json)}`);
  };
}

function stringFromJson(json: unknown, ctx: JsonContext): string {
  if (typeof json !== "string") return ctx.fail(`expected string, got ${jsonType(json)}`);
  if (LONE_SURROGATE.test(json)) ctx.fail("string is not valid UTF-8 (lone surrogate)");
  return json;
}

function bytesFromJson(json: unknown, ctx: JsonContext): Uint8Array {
  if (typeof json !== "string") return ctx.fail(`expected string, got ${jsonType(json)}`);
  const bytes = decodeBase64(json);
  if (bytes === undefined) return ctx.fail(`${quote(json)} is not valid base64`);
  return bytes;
}

function boolFromJson(json: unknown, ctx: JsonContext): boolean {
  if (typeof json !== "boolean") return ctx.fail(`expected boolean, got ${jsonType(json)}`);
  return json;
}

// Strings were checked for lone surrogates when parsed, so the writer cannot refuse them.
function writeCheckedString(w: WireWriter, value: string): void {
  w.string(value);
}

function scalarCodec(scalar: ScalarType): ValueCodec {
  switch (scalar) {
    case "string":
      return valueCodec<string>(2, stringFromJson, writeCheckedString, (v) => v === "", false);
    case "bytes":
      return valueCodec<Uint8Array>(2, bytesFromJson, (w, v) => w.bytes(v), (v) => v.length === 0, false);
    case "bool":
      return valueCodec<boolean>(0, boolFromJson, (w, v) => w.bool(v), (v) => !v, true);
    case "double":
      return valueCodec<number>(1, floatFromJson("double"), (w, v) => w.double(v), isZero, true);
    case "float":
      return valueCodec<number>(5, floatFromJson("float"), (w, v) => w.float(v), isZero, true);
    case "int32":
      return valueCodec<number>(0, int32FromJson(scalar), (w, v) => w.int32(v), isZero, true);
    case "sint32":
      return valueCodec<number>(0, int32FromJson(scalar), (w, v) => w.sint32(v), isZero, true);
    case "uint32":
      return valueCodec<number>(0, int32FromJson(scalar), (w, v) => w.uint32(v), isZero, true);
    case "fixed32":
    case "sfixed32":
      return valueCodec<number>(5, int32FromJson(scalar), (w, v) => w.fixed32(v), isZero, true);
    case "int64":
    case "uint64":
      return valueCodec<bigint>(0, int64FromJson(scalar), (w, v) => w.int64(v), (v) => v === 0n, true);
    case "sint64":
      return valueCodec<bigint>(0, int64FromJson(scalar), (w, v) => w.sint64(v), (v) => v === 0n, true);
    case "fixed64":
    case "sfixed64":
      return valueCodec<bigint>(1, int64FromJson(scalar), (w, v) => w.fixed64(v), (v) => v === 0n, true);
  }
}

const NULL_VALUE = "google.protobuf.NullValue";

function enumCodec(model: EnumModel): ValueCodec {
  const byName = new Map(model.values.map((value) => [value.name, value.number] as const));
  const isNull = model.fullName === NULL_VALUE;
  const parse = (json: unknown, ctx: JsonContext): number | typeof DISCARD => {
    if (typeof json === "string") {
      const number = byName.get(json);
      if (number !== undefined) return number;
      if (ctx.discardUnknown) return DISCARD;
      return ctx.fail(`${quote(json)} is not a value of enum ${model.fullName}`);
    }
    if (typeof json === "number") {
      // Open enums: any int32 number is kept, known or not.
      if (!Number.isInteger(json)) ctx.fail(`${json} is not an integer`);
      if (json < -2147483648 || json > 2147483647) ctx.fail(`${json} is out of range for enum ${model.fullName}`);
      return json;
    }
    if (json instanceof LosslessNumber) ctx.fail(`${json.text} is out of range for enum ${model.fullName}`);
    if (json === null && isNull) return 0;
    return ctx.fail(`expected string or number, got ${jsonType(json)}`);
  };
  return valueCodec<number>(0, parse, (w, v) => w.int32(v), (v) => v === 0, true, isNull);
}

// ---- map keys ------------------------------------------------------------------------

type MapKey = string | number | bigint | boolean;

interface MapKeyCodec {
  readonly isString: boolean;
  /** The key's value; the JSON object key is text (protojson parses it with strconv). */
  parse(key: string, ctx: JsonContext): MapKey;
  write(w: WireWriter, value: MapKey): void;
}

function mapKeyCodec(scalar: ScalarType): MapKeyCodec {
  if (scalar === "string") {
    return {
      isString: true,
      parse: (key, ctx) => stringFromJson(key, ctx),
      write(w, value) {
        w.tag(1, 2);
        w.string(String(value));
      },
    };
  }
  if (scalar === "bool") {
    return {
      isString: false,
      parse(key, ctx) {
        if (key === "true") return true;
        if (key === "false") return false;
        return ctx.fail(`${quote(key)} is not a valid bool map key (use true or false)`);
      },
      write(w, value) {
        w.tag(1, 0);
        w.bool(value === true);
      },
    };
  }
  const writeKey = integerKeyWriter(scalar);
  return {
    isString: false,
    parse(key, ctx) {
      try {
        return parseIntegerText(key, scalar);
      } catch (error: unknown) {
        if (error instanceof TextValueError) return ctx.fail(error.message);
        throw error;
      }
    },
    write(w, value) {
      writeKey(w, typeof value === "bigint" ? value : BigInt(String(value)));
    },
  };
}

/** Tag 1 + an integer map key (already range-checked). */
function integerKeyWriter(scalar: ScalarType): (w: WireWriter, value: bigint) => void {
  switch (scalar) {
    case "int32":
      return (w, v) => {
        w.tag(1, 0);
        w.int32(Number(v));
      };
    case "uint32":
      return (w, v) => {
        w.tag(1, 0);
        w.uint32(Number(v));
      };
    case "sint32":
      return (w, v) => {
        w.tag(1, 0);
        w.sint32(Number(v));
      };
    case "fixed32":
    case "sfixed32":
      return (w, v) => {
        w.tag(1, 5);
        w.fixed32(Number(BigInt.asUintN(32, v)));
      };
    case "int64":
    case "uint64":
      return (w, v) => {
        w.tag(1, 0);
        w.int64(v);
      };
    case "sint64":
      return (w, v) => {
        w.tag(1, 0);
        w.sint64(v);
      };
    case "fixed64":
    case "sfixed64":
      return (w, v) => {
        w.tag(1, 1);
        w.fixed64(v);
      };
    default:
      throw new CodecError(`${scalar} cannot be a map key`);
  }
}

// ---- well-known types ----------------------------------------------------------------


const CUSTOM_JSON = new Set([
  "google.protobuf.Any",
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  ...Object.keys(WRAPPER_SCALARS),
]);

const VALUE = "google.protobuf.Value";
const EMPTY = "google.protobuf.Empty";

function secondsNanosBody(parse: (text: string) => SecondsNanos): MessagePlan["writeBody"] {
  return (w, json, ctx) => {
    if (typeof json !== "string") return ctx.fail(`expected string, got ${jsonType(json)}`);
    let value: SecondsNanos;
    try {
      value = parse(json);
    } catch (error: unknown) {
      if (error instanceof TimeValueError) return ctx.fail(error.message);
      throw error;
    }
    if (value.seconds !== 0n) {
      w.tag(1, 0);
      w.int64(value.seconds);
    }
    if (value.nanos !== 0) {
      w.tag(2, 0);
      w.int32(value.nanos);
    }
  };
}

// A JSON FieldMask path segment: lowerCamelCase, so that it maps back to a snake_case name.
const CAMEL_PATH_RE = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*$/;

function fieldMaskBody(w: WireWriter, json: unknown, ctx: JsonContext): void {
  if (typeof json !== "string") ctx.fail(`expected string, got ${jsonType(json)}`);
  const text = json.trim();
  if (text === "") return;
  for (const path of text.split(",")) {
    // protojson refuses "_" in JSON paths: a snake_case path would not round-trip.
    if (!CAMEL_PATH_RE.test(path)) ctx.fail(`${quote(path)} is not a valid field mask path (use lowerCamelCase names)`);
    w.tag(1, 2);
    w.string(jsonSnakeCase(path));
  }
}

function valueBody(w: WireWriter, json: unknown, ctx: JsonContext): void {
  switch (typeof json) {
    case "number":
      if (!Number.isFinite(json)) ctx.fail(`${json} is out of range for google.protobuf.Value`);
      w.tag(2, 1);
      w.double(json);
      return;
    case "string":
      w.tag(3, 2);
      w.string(stringFromJson(json, ctx));
      return;
    case "boolean":
      w.tag(4, 0);
      w.bool(json);
      return;
    case "object":
      if (json instanceof LosslessNumber) {
        // number_value is a double: as close as a double comes.
        w.tag(2, 1);
        w.double(Number(json.text));
        return;
      }
      if (json === null) {
        // null_value is a oneof member: written even though it is 0.
        w.tag(1, 0);
        w.int32(0);
        return;
      }
      w.tag(Array.isArray(json) ? 6 : 5, 2);
      w.fork();
      // Two message levels per JSON level (the Struct or ListValue, then each Value in it):
      // counted as two, so what passes here is not too deep for the backend's decoder (100).
      ctx.enter();
      ctx.enter();
      if (Array.isArray(json)) listBody(w, json, ctx);
      else structBody(w, json, ctx);
      ctx.leave();
      ctx.leave();
      w.join();
      return;
    default:
      ctx.fail(`expected a JSON value, got ${typeof json}`);
  }
}

function structBody(w: WireWriter, json: unknown, ctx: JsonContext): void {
  if (!isObject(json)) ctx.fail(`expected object, got ${jsonType(json)}`);
  for (const key of Object.keys(json)) {
    ctx.pushKey(key);
    w.tag(1, 2);
    w.fork();
    w.tag(1, 2);
    w.string(stringFromJson(key, ctx));
    w.tag(2, 2);
    w.fork();
    valueBody(w, json[key], ctx);
    w.join();
    w.join();
    ctx.popSegment();
  }
}

function listBody(w: WireWriter, json: unknown, ctx: JsonContext): void {
  if (!Array.isArray(json)) ctx.fail(`expected array, got ${jsonType(json)}`);
  for (let i = 0; i < json.length; i++) {
    ctx.pushIndex(i);
    w.tag(1, 2);
    w.fork();
    valueBody(w, json[i], ctx);
    w.join();
    ctx.popSegment();
  }
}

// ---- compilation ---------------------------------------------------------------------

const PACKABLE_WIRE = new Set<WireType>([0, 1, 5]);

/** Compiled JSON → bytes plans for every message of a TypeSet, built on first use and cached. */
export class JsonInput {
  private readonly plans = new Map<string, MessagePlan>();
  private readonly mergeInfoCache = new WeakMap<MessagePlan, MergeInfo>();

  constructor(
    private readonly types: TypeSet,
    private readonly options: JsonOptions,
  ) {}

  get discardUnknown(): boolean {
    return this.options.discardUnknown;
  }

  /** The plan of `typeName` (and, transitively, of every type it uses), or undefined. */
  plan(typeName: string): MessagePlan | undefined {
    const cached = this.plans.get(typeName);
    if (cached !== undefined) return cached;
    const model = this.types.messages[typeName];
    if (model === undefined && !CUSTOM_JSON.has(typeName) && typeName !== EMPTY) return undefined;
    return this.build(typeName, model);
  }

  requirePlan(typeName: string): MessagePlan {
    const plan = this.plan(typeName);
    if (plan === undefined) throw new CodecError(`unknown message type ${typeName}`);
    return plan;
  }

  /** A whole message from its JSON form. */
  fromJson(typeName: string, json: unknown): Uint8Array {
    const plan = this.requirePlan(typeName);
    const w = new WireWriter();
    const ctx = new JsonContext(this.options.discardUnknown);
    ctx.enter();
    plan.writeBody(w, json, ctx);
    return w.finish();
  }

  /** A message with only the field at `path` set, from that field's JSON value. */
  fieldFromJson(typeName: string, path: FieldPath, json: unknown): Uint8Array {
    const { parents, leaf } = resolveFieldPath(this.requirePlan(typeName), path, (name) => this.requirePlan(name));
    if (json === null && !leaf.nullIsValue) return new Uint8Array(0);
    const w = new WireWriter();
    const ctx = new JsonContext(this.options.discardUnknown);
    for (const parent of parents) {
      ctx.pushField(parent.field.name);
      ctx.enter();
      w.tag(parent.field.number, 2);
      w.fork();
    }
    ctx.pushField(leaf.field.name);
    leaf.write(w, json, ctx);
    for (let i = 0; i < parents.length; i++) w.join();
    return w.finish();
  }

  /**
   * Field-mask paths for the keys of `json` (the JSON of the field at `path`), as
   * grpc-gateway's FieldMaskFromRequestBody: breadth-first in key order, recursing into
   * objects of plain message fields; maps, repeated fields, well-known types, null and
   * scalars are leaves; an empty object is a leaf. Maps and repeated fields come last
   * (field_mask.proto: a repeated field may only be the last part of a path).
   */
  fieldMaskPaths(typeName: string, path: FieldPath, json: unknown): string[] {
    const root = this.requirePlan(typeName);
    let plan = root;
    if (path.length > 0) {
      const { leaf } = resolveFieldPath(root, path, (name) => this.requirePlan(name));
      if (leaf.messageType === undefined) return [];
      plan = this.requirePlan(leaf.messageType);
    }
    const leaves: string[] = [];
    const last: string[] = [];
    const queue: Array<{ prefix: string; node: Record<string, unknown>; plan: MessagePlan }> = [];
    if (isObject(json)) queue.push({ prefix: "", node: json, plan });
    for (let head = 0; head < queue.length; head++) {
      const item = queue[head]!;
      for (const key of Object.keys(item.node)) {
        const entry = item.plan.byName.get(key);
        const at = item.prefix === "" ? key : `${item.prefix}.${key}`;
        if (entry === undefined) {
          if (this.options.discardUnknown) continue;
          const full = [...path, ...at.split(".")].join(".");
          throw new FieldError(`unknown field ${quote(full)}`, [...path, ...at.split(".")]);
        }
        const field = entry.plan.field;
        const child = item.prefix === "" ? field.name : `${item.prefix}.${field.name}`;
        const value = item.node[key];
        if (field.label === "repeated" || field.label === "map") {
          last.push(child);
          continue;
        }
        const sub = entry.plan.messageType;
        if (sub !== undefined && !CUSTOM_JSON.has(sub) && isObject(value) && Object.keys(value).length > 0) {
          queue.push({ prefix: child, node: value, plan: this.requirePlan(sub) });
        } else {
          leaves.push(child);
        }
      }
    }
    return [...leaves, ...last];
  }

  /** What merging needs of `plan`: its singular message fields and its oneof members. */
  mergeInfo(plan: MessagePlan): MergeInfo {
    let info = this.mergeInfoCache.get(plan);
    if (info === undefined) {
      const messages = new Map<number, MessagePlan>();
      const oneofs = new Map<number, number>();
      for (const field of plan.byProtoName.values()) {
        if (field.messageType !== undefined) messages.set(field.field.number, this.requirePlan(field.messageType));
        if (field.oneofIndex >= 0) oneofs.set(field.field.number, field.oneofIndex);
      }
      info = { messages, oneofs };
      this.mergeInfoCache.set(plan, info);
    }
    return info;
  }

  /** Struct/Value/ListValue bodies for text targets (JSON inside a query parameter). */
  textJsonBody(typeName: string): ((w: WireWriter, json: unknown) => void) | undefined {
    const plan = this.plan(typeName);
    if (plan === undefined) return undefined;
    return (w, json) => {
      const ctx = new JsonContext(this.options.discardUnknown, "text");
      ctx.enter();
      plan.writeBody(w, json, ctx);
    };
  }

  private build(typeName: string, model: MessageModel | undefined): MessagePlan {
    const byName = new Map<string, NameEntry>();
    const byProtoName = new Map<string, FieldPlan>();
    const oneofs: string[] = [];
    const plan: MessagePlan = {
      typeName,
      model,
      byName,
      byProtoName,
      oneofs,
      customJson: CUSTOM_JSON.has(typeName),
      writeBody: () => undefined,
    };
    // Registered before its fields compile, so recursive types find it.
    this.plans.set(typeName, plan);
    const fields = (model?.fields ?? []).map((field) => {
      let oneofIndex = -1;
      if (field.oneof !== undefined) {
        oneofIndex = oneofs.indexOf(field.oneof);
        if (oneofIndex < 0) oneofIndex = oneofs.push(field.oneof) - 1;
      }
      const compiled = this.compileField(typeName, field, oneofIndex);
      byProtoName.set(field.name, compiled);
      return compiled;
    });
    const resolve = new Map<string, FieldPlan>();
    for (const field of fields) resolve.set(field.field.name, field);
    for (const field of fields) resolve.set(field.field.jsonName, field);
    for (const [key, field] of resolve) {
      const { name, jsonName } = field.field;
      const otherName = key === name ? jsonName : name;
      const other = otherName !== key && resolve.get(otherName) === field ? otherName : undefined;
      byName.set(key, { plan: field, other });
    }
    (plan as { writeBody: MessagePlan["writeBody"] }).writeBody = this.bodyWriter(plan);
    return plan;
  }

  private bodyWriter(plan: MessagePlan): MessagePlan["writeBody"] {
    const name = plan.typeName;
    if (name === "google.protobuf.Timestamp") return secondsNanosBody(parseTimestamp);
    if (name === "google.protobuf.Duration") return secondsNanosBody(parseDuration);
    if (name === "google.protobuf.FieldMask") return fieldMaskBody;
    if (name === "google.protobuf.Struct") return structBody;
    if (name === "google.protobuf.ListValue") return listBody;
    if (name === VALUE) return valueBody;
    if (name === "google.protobuf.Any") return (w, json, ctx) => this.anyBody(w, json, ctx);
    const wrapped = WRAPPER_SCALARS[name];
    if (wrapped !== undefined) {
      const inner = scalarCodec(wrapped);
      return (w, json, ctx) => inner.writeField(w, 1, json, ctx, false);
    }
    return messageBody(plan);
  }

  private anyBody(w: WireWriter, json: unknown, ctx: JsonContext): void {
    if (!isObject(json)) return ctx.fail(`expected object, got ${jsonType(json)}`);
    // `{}` is the empty Any, as protojson reads it.
    if (Object.keys(json).length === 0) return;
    const url = json["@type"];
    if (url === undefined) return ctx.fail(`missing "@type"`);
    if (typeof url !== "string") return ctx.fail(`expected "@type" to be a string, got ${jsonType(url)}`);
    const inner = this.plan(url.slice(url.lastIndexOf("/") + 1));
    if (inner === undefined) return ctx.fail(`unknown type ${quote(url)} in "@type"`);
    w.tag(1, 2);
    w.string(stringFromJson(url, ctx));
    w.tag(2, 2);
    w.fork();
    ctx.enter();
    const wrapped = inner.customJson || (inner.typeName === EMPTY && Object.hasOwn(json, "value"));
    if (wrapped) {
      for (const key of Object.keys(json)) {
        if (key !== "@type" && key !== "value" && !ctx.discardUnknown) {
          ctx.failField(key, (at) => `unknown field ${quote(at)}`);
        }
      }
      if (!Object.hasOwn(json, "value")) ctx.fail(`missing "value" for ${inner.typeName}`);
      ctx.pushField("value");
      inner.writeBody(w, json["value"], ctx);
      ctx.popField();
    } else {
      inner.writeBody(w, json, ctx, true);
    }
    ctx.leave();
    w.join();
  }

  private compileField(parent: string, field: FieldModel, oneofIndex: number): FieldPlan {
    const number = field.number;
    const codec = this.valueCodecOf(parent, field, field.type);
    const messageType = field.type.kind === "message" && (field.label === "singular" || field.label === "optional")
      ? field.type.typeName
      : undefined;
    const base = { field, oneofIndex, nullIsValue: codec.nullIsValue, messageType };
    if (field.label === "singular" || field.label === "optional") {
      const always = field.label === "optional" || oneofIndex >= 0;
      return { ...base, write: (w, json, ctx) => codec.writeField(w, number, json, ctx, always) };
    }
    if (field.label === "repeated") {
      return { ...base, write: repeatedWriter(field, codec) };
    }
    if (field.mapKey === undefined) throw new CodecError(`map field ${parent}.${field.name} has no key type`);
    return { ...base, write: mapWriter(field, mapKeyCodec(field.mapKey), codec) };
  }

  private valueCodecOf(parent: string, field: FieldModel, type: FieldType): ValueCodec {
    if (type.kind === "scalar") return scalarCodec(type.scalar);
    if (type.kind === "enum") {
      const model = this.types.enums[type.typeName];
      if (model === undefined) throw new CodecError(`unknown enum ${type.typeName} (field ${parent}.${field.name})`);
      return enumCodec(model);
    }
    const sub = this.plan(type.typeName);
    if (sub === undefined) throw new CodecError(`unknown message type ${type.typeName} (field ${parent}.${field.name})`);
    return messageCodec(sub);
  }
}

function messageCodec(sub: MessagePlan): ValueCodec {
  const body = (w: WireWriter, json: unknown, ctx: JsonContext): void => {
    ctx.enter();
    sub.writeBody(w, json, ctx);
    ctx.leave();
  };
  return {
    wireType: 2,
    nullIsValue: sub.typeName === VALUE,
    writeField(w, fieldNumber, json, ctx) {
      w.tag(fieldNumber, 2);
      w.fork();
      body(w, json, ctx);
      w.join();
    },
    writePacked: undefined,
    writeEntry(w, fieldNumber, key, keyValue, json, ctx) {
      w.tag(fieldNumber, 2);
      w.fork();
      key.write(w, keyValue);
      w.tag(2, 2);
      w.fork();
      body(w, json, ctx);
      w.join();
      w.join();
    },
  };
}

function repeatedWriter(field: FieldModel, codec: ValueCodec): FieldWrite {
  const number = field.number;
  const packed = field.packed !== false && codec.writePacked !== undefined && PACKABLE_WIRE.has(codec.wireType)
    ? codec.writePacked
    : undefined;
  return (w, json, ctx) => {
    if (!Array.isArray(json)) return ctx.fail(`expected array, got ${jsonType(json)}`);
    if (json.length === 0) return;
    if (packed !== undefined) {
      w.tag(number, 2);
      w.fork();
      for (let i = 0; i < json.length; i++) {
        ctx.pushIndex(i);
        packed(w, json[i], ctx);
        ctx.popSegment();
      }
      w.join();
      return;
    }
    for (let i = 0; i < json.length; i++) {
      ctx.pushIndex(i);
      codec.writeField(w, number, json[i], ctx, true);
      ctx.popSegment();
    }
  };
}

function mapWriter(field: FieldModel, key: MapKeyCodec, codec: ValueCodec): FieldWrite {
  const number = field.number;
  return (w, json, ctx) => {
    if (!isObject(json)) return ctx.fail(`expected object, got ${jsonType(json)}`);
    // "1" and "01" are the same int32 key: protojson calls that a duplicate.
    const seen = key.isString ? undefined : new Set<string>();
    for (const k of Object.keys(json)) {
      ctx.pushKey(k);
      const keyValue = key.parse(k, ctx);
      if (seen !== undefined) {
        const normal = String(keyValue);
        if (seen.has(normal)) ctx.fail("duplicate map key");
        seen.add(normal);
      }
      const value = json[k];
      if (value === null && !codec.nullIsValue) ctx.fail("null is not a valid map value");
      codec.writeEntry(w, number, key, keyValue, value, ctx);
      ctx.popSegment();
    }
  };
}

function messageBody(plan: MessagePlan): MessagePlan["writeBody"] {
  const { byName, oneofs } = plan;
  return (w, json, ctx, inAny = false) => {
    if (!isObject(json)) return ctx.fail(`expected object, got ${jsonType(json)}`);
    let oneofSet: Array<string | undefined> | undefined;
    for (const key of Object.keys(json)) {
      const entry = byName.get(key);
      if (entry === undefined) {
        if (ctx.discardUnknown || (inAny && key === "@type")) continue;
        return ctx.failField(key, (at) => `unknown field ${quote(at)}`);
      }
      const field = entry.plan;
      const name = field.field.name;
      if (entry.other !== undefined && Object.hasOwn(json, entry.other)) {
        ctx.failField(name, (at) => `duplicate field ${quote(at)} (as ${quote(key)} and ${quote(entry.other)})`);
      }
      const value = json[key];
      // null means "unset", except where null is itself a value.
      if (value === null && !field.nullIsValue) continue;
      if (field.oneofIndex >= 0) {
        oneofSet ??= new Array<string | undefined>(oneofs.length);
        const previous = oneofSet[field.oneofIndex];
        if (previous !== undefined) {
          ctx.pushField(name);
          ctx.fail(`oneof ${quote(oneofs[field.oneofIndex])} is already set by ${quote(previous)}`);
        }
        oneofSet[field.oneofIndex] = name;
      }
      ctx.pushField(name);
      field.write(w, value, ctx);
      ctx.popField();
    }
  };
}

/** The fields along a proto-name path: singular message parents, then the leaf. CodecError if invalid. */
export function resolveFieldPath(
  root: MessagePlan,
  path: FieldPath,
  lookup: (typeName: string) => MessagePlan,
): { parents: FieldPlan[]; leaf: FieldPlan } {
  if (path.length === 0) throw new CodecError(`empty field path in ${root.typeName}`);
  const parents: FieldPlan[] = [];
  let plan = root;
  for (let i = 0; i < path.length - 1; i++) {
    const parent = plan.byProtoName.get(path[i]!);
    if (parent === undefined || parent.messageType === undefined) {
      throw new CodecError(`field path ${path.join(".")} does not go through singular message fields of ${root.typeName}`);
    }
    parents.push(parent);
    plan = lookup(parent.messageType);
  }
  const leaf = plan.byProtoName.get(path[path.length - 1]!);
  if (leaf === undefined) throw new CodecError(`no field ${path.join(".")} in ${root.typeName}`);
  return { parents, leaf };
}
