/**
 * Path-variable and query-parameter text → field values, as grpc-gateway's runtime parses
 * them (Go's strconv for numbers and bools, enum names or defined numbers, base64 std or
 * URL-safe, RFC 3339 timestamps, durations, comma-separated field masks, wrappers as their
 * inner scalar). Also used for JSON map keys, which protojson parses with strconv too.
 * @internal
 */
import { decodeBase64 } from "./base64.js";
import type { EnumModel, FieldType, ScalarType, TypeSet } from "../model/descriptor.js";
import { WRAPPER_SCALARS } from "../model/descriptor.js";
import type { SecondsNanos } from "./timestamp-duration.js";
import { TimeValueError, parseDuration, parseTimestamp } from "./timestamp-duration.js";
import { jsonSnakeCase } from "./well-known-to-json.js";
import type { WireType, WireWriter } from "./wire-writer.js";

/** A text value that does not parse; `message` is the reason, e.g. `"abc" is not a valid int32`. */
export class TextValueError extends Error {
  override name = "TextValueError";
}

/** Writes one text value into a message being built. Throws TextValueError. */
export interface TextElement {
  readonly wireType: WireType;
  /**
   * Tag + value. An implicit-presence default (0, "", false) is skipped unless `always`
   * (proto3 `optional`, oneof members, map entries), as protobuf encoders do.
   */
  writeField(w: WireWriter, fieldNumber: number, text: string, always: boolean): void;
  /** The bare value for a packed repeated field; absent for length-delimited types. */
  readonly writePacked?: (w: WireWriter, text: string) => void;
}

/** How a Struct/Value/ListValue target parses its text (as JSON) — supplied by the JSON side. */
export type JsonBodyWriter = (typeName: string) => ((w: WireWriter, json: unknown) => void) | undefined;

const quote = JSON.stringify;

// Go's strconv grammar for base 10 (no underscores, which need base 0).
const SIGNED_RE = /^[+-]?\d+$/;
const UNSIGNED_RE = /^\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(?:inity)?$/i;

interface IntRange {
  readonly min: bigint;
  readonly max: bigint;
  readonly signed: boolean;
}

export const INT_RANGES: Readonly<Record<string, IntRange>> = {
  int32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, signed: true },
  sint32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, signed: true },
  sfixed32: { min: -(2n ** 31n), max: 2n ** 31n - 1n, signed: true },
  uint32: { min: 0n, max: 2n ** 32n - 1n, signed: false },
  fixed32: { min: 0n, max: 2n ** 32n - 1n, signed: false },
  int64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, signed: true },
  sint64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, signed: true },
  sfixed64: { min: -(2n ** 63n), max: 2n ** 63n - 1n, signed: true },
  uint64: { min: 0n, max: 2n ** 64n - 1n, signed: false },
  fixed64: { min: 0n, max: 2n ** 64n - 1n, signed: false },
};

/** strconv.ParseInt/ParseUint(text, 10, bits) for the integer type `scalar`. */
export function parseIntegerText(text: string, scalar: ScalarType): bigint {
  const range = INT_RANGES[scalar];
  if (range === undefined) throw new TextValueError(`${scalar} is not an integer type`);
  if (!(range.signed ? SIGNED_RE : UNSIGNED_RE).test(text)) {
    throw new TextValueError(`${quote(text)} is not a valid ${scalar}`);
  }
  const value = BigInt(text);
  if (value < range.min || value > range.max) throw new TextValueError(`${quote(text)} is out of range for ${scalar}`);
  return value;
}

/** strconv.ParseFloat(text, 64 or 32): decimal or exponent form, inf/infinity/nan in any case. */
export function parseFloatText(text: string, scalar: "float" | "double"): number {
  let value: number;
  if (FLOAT_RE.test(text)) value = Number(text);
  else if (INF_RE.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  else if (text.toLowerCase() === "nan") return NaN;
  else throw new TextValueError(`${quote(text)} is not a valid ${scalar}`);
  // A finite literal that overflows is ErrRange in Go, not ±Inf.
  if (!Number.isFinite(value)) throw new TextValueError(`${quote(text)} is out of range for ${scalar}`);
  if (scalar === "float") {
    // Rounds via float64 first: may differ from Go's direct rounding in rare halfway cases.
    const single = Math.fround(value);
    if (!Number.isFinite(single)) throw new TextValueError(`${quote(text)} is out of range for float`);
    return single;
  }
  return value;
}

const BOOL_TEXT: ReadonlyMap<string, boolean> = new Map([
  ["1", true], ["t", true], ["T", true], ["true", true], ["TRUE", true], ["True", true],
  ["0", false], ["f", false], ["F", false], ["false", false], ["FALSE", false], ["False", false],
]);

/** strconv.ParseBool. */
export function parseBoolText(text: string): boolean {
  const value = BOOL_TEXT.get(text);
  if (value === undefined) throw new TextValueError(`${quote(text)} is not a valid bool (use true, false, 1 or 0)`);
  return value;
}

export function parseBytesText(text: string): Uint8Array {
  const value = decodeBase64(text);
  if (value === undefined) throw new TextValueError(`${quote(text)} is not valid base64`);
  return value;
}

/** Enum by value name, or by a number that the enum defines (grpc-gateway refuses others). */
export function parseEnumText(text: string, model: EnumModel, byName: ReadonlyMap<string, number>, numbers: ReadonlySet<number>): number {
  const named = byName.get(text);
  if (named !== undefined) return named;
  if (SIGNED_RE.test(text)) {
    const n = Number(text);
    if (numbers.has(n)) return n;
  }
  throw new TextValueError(`${quote(text)} is not a value of enum ${model.fullName}`);
}

export function parseTimestampText(text: string): SecondsNanos {
  try {
    return parseTimestamp(text);
  } catch (error: unknown) {
    if (error instanceof TimeValueError) throw new TextValueError(error.message);
    throw error;
  }
}

/**
 * protojson's `1.5s`, or else Go's time.ParseDuration syntax (`1h30m`, `250ms`), which
 * grpc-gateway uses for query parameters.
 */
export function parseDurationText(text: string): SecondsNanos {
  try {
    return parseDuration(text);
  } catch (error: unknown) {
    if (!(error instanceof TimeValueError)) throw error;
    const go = parseGoDuration(text);
    if (go === undefined) throw new TextValueError(error.message);
    return go;
  }
}

const UNIT_NANOS: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n], ["us", 1000n], ["\u00b5s", 1000n], ["\u03bcs", 1000n], ["ms", 1_000_000n],
  ["s", 1_000_000_000n], ["m", 60_000_000_000n], ["h", 3_600_000_000_000n],
]);
const GO_PART_RE = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
const MAX_GO_NANOS = 2n ** 63n - 1n;

/** time.ParseDuration: `[-+]?(\d*(\.\d*)?unit)+` or `0`, within ±2^63-1 ns. */
export function parseGoDuration(text: string): SecondsNanos | undefined {
  let s = text;
  let negative = false;
  if (s.startsWith("-") || s.startsWith("+")) {
    negative = s.startsWith("-");
    s = s.slice(1);
  }
  if (s === "0") return { seconds: 0n, nanos: 0 };
  if (s === "") return undefined;
  let total = 0n;
  while (s !== "") {
    const m = GO_PART_RE.exec(s);
    if (m === null) return undefined;
    const whole = m[1] ?? "", frac = m[2] ?? "";
    if (whole === "" && frac === "") return undefined;
    const unit = UNIT_NANOS.get(m[3] ?? "");
    if (unit === undefined) return undefined;
    total += (whole === "" ? 0n : BigInt(whole)) * unit;
    if (frac !== "") total += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    if (total > MAX_GO_NANOS + (negative ? 1n : 0n)) return undefined;
    s = s.slice(m[0].length);
  }
  if (negative) total = -total;
  const seconds = total / 1_000_000_000n;
  return { seconds, nanos: Number(total - seconds * 1_000_000_000n) };
}

/**
 * Comma-separated paths; empty pieces dropped. Proto names (`display_name`, as grpc-gateway
 * clients send them) are taken verbatim; lowerCamelCase ones (`displayName`, the JSON form
 * Google's APIs and Envoy use in `?updateMask=`) become proto names, as in a JSON body.
 */
export function parseFieldMaskText(text: string): string[] {
  return text
    .split(",")
    .filter((path) => path !== "")
    .map(jsonSnakeCase);
}

function writeString(w: WireWriter, value: string): void {
  if (!w.string(value)) throw new TextValueError("string is not valid UTF-8 (lone surrogate)");
}

function element<V>(
  wireType: WireType,
  parse: (text: string) => V,
  write: (w: WireWriter, value: V) => void,
  isDefault: (value: V) => boolean,
  packable: boolean,
): TextElement {
  const writeField = (w: WireWriter, fieldNumber: number, text: string, always: boolean): void => {
    const value = parse(text);
    if (!always && isDefault(value)) return;
    w.tag(fieldNumber, wireType);
    write(w, value);
  };
  if (!packable) return { wireType, writeField };
  return { wireType, writeField, writePacked: (w, text) => write(w, parse(text)) };
}

/** The TextElement of a scalar type. */
export function scalarTextElement(scalar: ScalarType): TextElement {
  switch (scalar) {
    case "string":
      return element<string>(2, (t) => t, writeString, (v) => v === "", false);
    case "bytes":
      return element<Uint8Array>(2, parseBytesText, (w, v) => w.bytes(v), (v) => v.length === 0, false);
    case "bool":
      return element<boolean>(0, parseBoolText, (w, v) => w.bool(v), (v) => !v, true);
    case "double":
      return element<number>(1, (t) => parseFloatText(t, "double"), (w, v) => w.double(v), isZero, true);
    case "float":
      return element<number>(5, (t) => parseFloatText(t, "float"), (w, v) => w.float(v), isZero, true);
    case "int32":
      return element<number>(0, (t) => Number(parseIntegerText(t, scalar)), (w, v) => w.int32(v), isZero, true);
    case "sint32":
      return element<number>(0, (t) => Number(parseIntegerText(t, scalar)), (w, v) => w.sint32(v), isZero, true);
    case "uint32":
      return element<number>(0, (t) => Number(parseIntegerText(t, scalar)), (w, v) => w.uint32(v), isZero, true);
    case "fixed32":
    case "sfixed32":
      return element<number>(5, (t) => Number(parseIntegerText(t, scalar)), (w, v) => w.fixed32(v), isZero, true);
    case "int64":
    case "uint64":
      return element<bigint>(0, (t) => parseIntegerText(t, scalar), (w, v) => w.int64(v), (v) => v === 0n, true);
    case "sint64":
      return element<bigint>(0, (t) => parseIntegerText(t, scalar), (w, v) => w.sint64(v), (v) => v === 0n, true);
    case "fixed64":
    case "sfixed64":
      return element<bigint>(1, (t) => parseIntegerText(t, scalar), (w, v) => w.fixed64(v), (v) => v === 0n, true);
  }
}

// -0 is not the default on the wire: protobuf encoders write it (it round-trips as -0).
function isZero(value: number): boolean {
  return value === 0 && !Object.is(value, -0);
}

export function enumTextElement(model: EnumModel): TextElement {
  const byName = new Map(model.values.map((value) => [value.name, value.number] as const));
  const numbers = new Set(model.values.map((value) => value.number));
  return element<number>(0, (t) => parseEnumText(t, model, byName, numbers), (w, v) => w.int32(v), (v) => v === 0, true);
}

/** A message-typed value: always written (its presence is the point), body built by `body`. */
function messageElement(body: (w: WireWriter, text: string) => void): TextElement {
  return {
    wireType: 2,
    writeField(w, fieldNumber, text) {
      w.tag(fieldNumber, 2);
      w.fork();
      body(w, text);
      w.join();
    },
  };
}

function secondsNanosBody(parse: (text: string) => SecondsNanos): (w: WireWriter, text: string) => void {
  return (w, text) => {
    const { seconds, nanos } = parse(text);
    if (seconds !== 0n) {
      w.tag(1, 0);
      w.int64(seconds);
    }
    if (nanos !== 0) {
      w.tag(2, 0);
      w.int32(nanos);
    }
  };
}


/** The scalar inside a wrapper type, or undefined when `typeName` is not one. */
export function wrapperScalar(typeName: string): ScalarType | undefined {
  return WRAPPER_SCALARS[typeName];
}

const JSON_TEXT_TYPES = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"]);

/**
 * The TextElement for values of `type`, or undefined when text cannot set it (a message
 * other than Timestamp, Duration, FieldMask, a wrapper, Struct, Value or ListValue).
 */
export function textElement(type: FieldType, types: TypeSet, jsonBody: JsonBodyWriter): TextElement | undefined {
  if (type.kind === "scalar") return scalarTextElement(type.scalar);
  if (type.kind === "enum") {
    const model = types.enums[type.typeName];
    return model === undefined ? undefined : enumTextElement(model);
  }
  const name = type.typeName;
  if (name === "google.protobuf.Timestamp") return messageElement(secondsNanosBody(parseTimestampText));
  if (name === "google.protobuf.Duration") return messageElement(secondsNanosBody(parseDurationText));
  if (name === "google.protobuf.FieldMask") {
    return messageElement((w, text) => {
      for (const path of parseFieldMaskText(text)) {
        w.tag(1, 2);
        writeString(w, path);
      }
    });
  }
  const inner = WRAPPER_SCALARS[name];
  if (inner !== undefined) {
    const scalar = scalarTextElement(inner);
    return messageElement((w, text) => scalar.writeField(w, 1, text, false));
  }
  if (JSON_TEXT_TYPES.has(name)) {
    const body = jsonBody(name);
    if (body === undefined) return undefined;
    // grpc-gateway parses these from JSON text (`?meta={"a":1}`).
    return messageElement((w, text) => {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new TextValueError(`${quote(text)} is not valid JSON`);
      }
      body(w, json);
    });
  }
  return undefined;
}
