/**
 * Per-scalar-type wire readers that produce proto3 JSON text directly, chosen once per
 * field at build time.
 */
import type { ScalarType } from "../model/descriptor.js";
import { encodeBase64 } from "./base64.js";
import { formatDouble, formatFloat32 } from "./float-format.js";
import {
  int64ToDecimal, sint64ToDecimal, uint64ToDecimal, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT,
} from "./to-json-wire.js";
import type { WireReader } from "./to-json-wire.js";

export interface ScalarJson {
  /** The wire type the value is written with (unpacked). */
  readonly wireType: number;
  /** Whether a repeated field of this type may arrive packed (numeric types). */
  readonly packable: boolean;
  /** Reads one value, returning its JSON text. */
  readonly read: (r: WireReader) => string;
  /** JSON text of the default value; a read value equal to it is "unpopulated" (implicit presence). */
  readonly zero: string;
}

const quote = (s: string): string => `"${s}"`;

export const SCALAR_JSON: Readonly<Record<ScalarType, ScalarJson>> = {
  double: { wireType: WIRE_FIXED64, packable: true, zero: "0", read: (r) => formatDouble(r.double()) },
  float: { wireType: WIRE_FIXED32, packable: true, zero: "0", read: (r) => formatFloat32(r.float()) },
  int32: { wireType: WIRE_VARINT, packable: true, zero: "0", read: (r) => String(r.varint32() | 0) },
  uint32: { wireType: WIRE_VARINT, packable: true, zero: "0", read: (r) => String(r.varint32() >>> 0) },
  sint32: {
    wireType: WIRE_VARINT, packable: true, zero: "0",
    read: (r) => {
      const n = r.varint32();
      return String((n >>> 1) ^ -(n & 1));
    },
  },
  fixed32: { wireType: WIRE_FIXED32, packable: true, zero: "0", read: (r) => String(r.fixed32()) },
  sfixed32: { wireType: WIRE_FIXED32, packable: true, zero: "0", read: (r) => String(r.fixed32() | 0) },
  int64: {
    wireType: WIRE_VARINT, packable: true, zero: `"0"`,
    read: (r) => {
      r.varint64();
      return quote(int64ToDecimal(r.lo, r.hi));
    },
  },
  uint64: {
    wireType: WIRE_VARINT, packable: true, zero: `"0"`,
    read: (r) => {
      r.varint64();
      return quote(uint64ToDecimal(r.lo, r.hi));
    },
  },
  sint64: {
    wireType: WIRE_VARINT, packable: true, zero: `"0"`,
    read: (r) => {
      r.varint64();
      return quote(sint64ToDecimal(r.lo, r.hi));
    },
  },
  fixed64: {
    wireType: WIRE_FIXED64, packable: true, zero: `"0"`,
    read: (r) => {
      r.fixed64();
      return quote(uint64ToDecimal(r.lo, r.hi));
    },
  },
  sfixed64: {
    wireType: WIRE_FIXED64, packable: true, zero: `"0"`,
    read: (r) => {
      r.fixed64();
      return quote(int64ToDecimal(r.lo, r.hi));
    },
  },
  bool: { wireType: WIRE_VARINT, packable: true, zero: "false", read: (r) => (r.varintNonZero() ? "true" : "false") },
  string: { wireType: WIRE_LEN, packable: false, zero: `""`, read: (r) => r.stringJson() },
  bytes: { wireType: WIRE_LEN, packable: false, zero: `""`, read: (r) => quote(encodeBase64(r.bytes())) },
};

/** Map key readers: the key as the (unquoted) string it becomes in the JSON object. */
export const MAP_KEY_READERS: Partial<Readonly<Record<ScalarType, (r: WireReader) => string>>> = {
  string: (r) => r.string(),
  bool: (r) => (r.varintNonZero() ? "true" : "false"),
  int32: (r) => String(r.varint32() | 0),
  uint32: (r) => String(r.varint32() >>> 0),
  sint32: (r) => {
    const n = r.varint32();
    return String((n >>> 1) ^ -(n & 1));
  },
  fixed32: (r) => String(r.fixed32()),
  sfixed32: (r) => String(r.fixed32() | 0),
  int64: (r) => {
    r.varint64();
    return int64ToDecimal(r.lo, r.hi);
  },
  uint64: (r) => {
    r.varint64();
    return uint64ToDecimal(r.lo, r.hi);
  },
  sint64: (r) => {
    r.varint64();
    return sint64ToDecimal(r.lo, r.hi);
  },
  fixed64: (r) => {
    r.fixed64();
    return uint64ToDecimal(r.lo, r.hi);
  },
  sfixed64: (r) => {
    r.fixed64();
    return int64ToDecimal(r.lo, r.hi);
  },
};

/** The JSON key of a map entry whose key field is absent. */
export function defaultMapKey(type: ScalarType): string {
  return type === "string" ? "" : type === "bool" ? "false" : "0";
}

/** Orders map keys as protojson does (numbers numerically, strings by code point). */
export function mapKeyComparator(type: ScalarType): (a: string, b: string) => number {
  switch (type) {
    case "string":
      return compareCodePoints;
    case "bool":
      return (a, b) => (a === b ? 0 : a === "false" ? -1 : 1);
    case "int64": case "uint64": case "sint64": case "fixed64": case "sfixed64":
      return (a, b) => {
        const x = BigInt(a), y = BigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      };
    default:
      return (a, b) => Number(a) - Number(b);
  }
}

/** UTF-8 byte order = code point order (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff, ys = y >= 0xd800 && y <= 0xdfff;
      // A surrogate (a code point above U+FFFF) sorts after every BMP character.
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
