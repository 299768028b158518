/**
 * Writers for the well-known types whose proto3 JSON form is special. Field numbers are
 * fixed by google/protobuf/*.proto, so these do not need the TypeSet except to resolve Any.
 */
import { CodecError } from "./field-error.js";
import { formatDouble } from "./float-format.js";
import { compareCodePoints, SCALAR_JSON } from "./scalar-to-json.js";
import type { ScalarJson } from "./scalar-to-json.js";
import type { JsonOut } from "./json-out.js";
import {
  civilFromDays, formatDuration, formatTimestamp, MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS,
} from "./timestamp-duration.js";
import {
  depthError, int64ToBigInt, MAX_DEPTH, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader,
} from "./to-json-wire.js";

/** Renders one message type from its wire chunks (several chunks merge, as on the wire). */
export interface MessageWriter {
  readonly typeName: string;
  /** True for the well-known types with a special JSON form. */
  readonly wellKnown: boolean;
  render(chunks: readonly Uint8Array[], depth: number): string;
  /** Writes the JSON of the message in `buf[start, end)` to `out` (as UTF-8 bytes). */
  write(out: JsonOut, buf: Uint8Array, start: number, end: number, depth: number): void;
  /** The object members without braces (`"a":1,"b":2`, or ""), for embedding in Any. */
  renderMembers(chunks: readonly Uint8Array[], depth: number): string;
}

export type WriterLookup = (typeName: string) => MessageWriter;

const WRAPPERS: Readonly<Record<string, ScalarJson>> = {
  "google.protobuf.DoubleValue": SCALAR_JSON.double,
  "google.protobuf.FloatValue": SCALAR_JSON.float,
  "google.protobuf.Int64Value": SCALAR_JSON.int64,
  "google.protobuf.UInt64Value": SCALAR_JSON.uint64,
  "google.protobuf.Int32Value": SCALAR_JSON.int32,
  "google.protobuf.UInt32Value": SCALAR_JSON.uint32,
  "google.protobuf.BoolValue": SCALAR_JSON.bool,
  "google.protobuf.StringValue": SCALAR_JSON.string,
  "google.protobuf.BytesValue": SCALAR_JSON.bytes,
};

/** The writer for a well-known type, or undefined when `typeName` is not one. */
export function wellKnownWriter(typeName: string, lookup: WriterLookup): MessageWriter | undefined {
  const wrapped = WRAPPERS[typeName];
  if (wrapped !== undefined) return special(typeName, (chunks, depth) => renderWrapper(wrapped, chunks, depth));
  switch (typeName) {
    case "google.protobuf.Timestamp":
      return special(
        typeName,
        (chunks, depth) => {
          const [seconds, nanos] = secondsNanos(chunks, depth);
          return `"${formatTimestamp(seconds, nanos)}"`;
        },
        writeTimestamp,
      );
    case "google.protobuf.Duration":
      return special(typeName, (chunks, depth) => {
        const [seconds, nanos] = secondsNanos(chunks, depth);
        return `"${formatDuration(seconds, nanos)}"`;
      });
    case "google.protobuf.FieldMask":
      return special(typeName, renderFieldMask);
    case "google.protobuf.Empty":
      return special(typeName, (chunks, depth) => {
        forEachField(chunks, (r, tag) => r.skip(tag, depth));
        return "{}";
      });
    case "google.protobuf.Struct":
      return special(typeName, renderStruct);
    case "google.protobuf.ListValue":
      return special(typeName, renderList);
    case "google.protobuf.Value":
      return special(typeName, renderValue);
    case "google.protobuf.Any":
      return special(typeName, (chunks, depth) => renderAny(chunks, depth, lookup));
    default:
      return undefined;
  }
}

type TextRender = (chunks: readonly Uint8Array[], depth: number) => string;

/** `write` (optional) writes bytes itself, with the text render as its fallback; the default writes the text. */
function special(
  typeName: string,
  render: TextRender,
  write?: (out: JsonOut, buf: Uint8Array, start: number, end: number, depth: number, text: TextRender) => void,
): MessageWriter {
  const checked: TextRender = (chunks, depth) => {
    if (depth > MAX_DEPTH) throw depthError();
    return render(chunks, depth);
  };
  return {
    typeName,
    wellKnown: true,
    render: checked,
    write: write === undefined
      ? (out, buf, start, end, depth) => out.text(checked([buf.subarray(start, end)], depth))
      : (out, buf, start, end, depth) => {
        if (depth > MAX_DEPTH) throw depthError();
        write(out, buf, start, end, depth, checked);
      },
    renderMembers() {
      throw new CodecError(`${typeName} has no JSON object members`);
    },
  };
}

/** Runs `onField` for every tag of the concatenated chunks; it must consume the value. */
function forEachField(chunks: readonly Uint8Array[], onField: (r: WireReader, tag: number) => void): void {
  for (const chunk of chunks) {
    const r = new WireReader(chunk);
    while (r.pos < r.end) onField(r, r.tag());
  }
}

function renderWrapper(scalar: ScalarJson, chunks: readonly Uint8Array[], depth: number): string {
  let text = scalar.zero;
  forEachField(chunks, (r, tag) => {
    if (tag === (1 << 3 | scalar.wireType)) text = scalar.read(r);
    else r.skip(tag, depth);
  });
  return text;
}

function secondsNanos(chunks: readonly Uint8Array[], depth: number): [bigint, number] {
  let seconds = 0n;
  let nanos = 0;
  forEachField(chunks, (r, tag) => {
    if (tag === (1 << 3 | WIRE_VARINT)) {
      r.varint64();
      seconds = int64ToBigInt(r.lo, r.hi);
    } else if (tag === (2 << 3 | WIRE_VARINT)) {
      nanos = r.varint32() | 0;
    } else {
      r.skip(tag, depth);
    }
  });
  return [seconds, nanos];
}

/**
 * A Timestamp straight into bytes, `"1972-01-01T10:00:20.021Z"` as formatTimestamp writes it;
 * anything formatTimestamp refuses (seconds or nanos out of range) goes to the text render,
 * which throws its CodecError.
 */
function writeTimestamp(out: JsonOut, buf: Uint8Array, start: number, end: number, depth: number, text: TextRender): void {
  const r = new WireReader(buf, start, end);
  let seconds = 0;
  let nanos = 0;
  let inRange = true;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === (1 << 3 | WIRE_VARINT)) {
      r.varint64();
      // Only values of at most 2^53 can be in range; the others are left to the text render.
      if (r.hi < 0x200000) seconds = r.hi * 4294967296 + r.lo;
      else if (r.hi >= 0xffe00000) seconds = -((~r.hi >>> 0) * 4294967296 + (~r.lo >>> 0) + 1);
      else inRange = false;
    } else if (tag === (2 << 3 | WIRE_VARINT)) {
      nanos = r.varint32() | 0;
    } else {
      r.skip(tag, depth);
    }
  }
  if (!inRange || seconds < MIN_TIMESTAMP_NUMBER || seconds > MAX_TIMESTAMP_NUMBER || nanos < 0 || nanos > 999_999_999) {
    out.text(text([buf.subarray(start, end)], depth));
    return;
  }
  const days = Math.floor(seconds / 86400);
  const secOfDay = seconds - days * 86400;
  const [y, m, d] = civilFromDays(days);
  out.reserve(32);
  out.byte(0x22);
  out.digits(y, 4);
  out.byte(0x2d);
  out.digits(m, 2);
  out.byte(0x2d);
  out.digits(d, 2);
  out.byte(0x54);
  out.digits(Math.floor(secOfDay / 3600), 2);
  out.byte(0x3a);
  out.digits(Math.floor((secOfDay % 3600) / 60), 2);
  out.byte(0x3a);
  out.digits(secOfDay % 60, 2);
  if (nanos !== 0) {
    out.byte(0x2e);
    if (nanos % 1_000_000 === 0) out.digits(nanos / 1_000_000, 3);
    else if (nanos % 1_000 === 0) out.digits(nanos / 1_000, 6);
    else out.digits(nanos, 9);
  }
  out.byte(0x5a);
  out.byte(0x22);
}

const MIN_TIMESTAMP_NUMBER = Number(MIN_TIMESTAMP_SECONDS);
const MAX_TIMESTAMP_NUMBER = Number(MAX_TIMESTAMP_SECONDS);

const FIELD_PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function renderFieldMask(chunks: readonly Uint8Array[], depth: number): string {
  const paths: string[] = [];
  forEachField(chunks, (r, tag) => {
    if (tag !== (1 << 3 | WIRE_LEN)) return r.skip(tag, depth);
    const path = r.string();
    if (!FIELD_PATH_RE.test(path)) {
      throw new CodecError(`google.protobuf.FieldMask contains invalid path ${JSON.stringify(path)}`);
    }
    const camel = jsonCamelCase(path);
    // protojson refuses paths whose camelCase form would not map back to the same path.
    if (jsonSnakeCase(camel) !== path) {
      throw new CodecError(`google.protobuf.FieldMask contains irreversible path ${JSON.stringify(path)}`);
    }
    paths.push(camel);
  });
  return JSON.stringify(paths.join(","));
}

/** protobuf's JSON camel-casing: drop `_` and upper-case a following lower-case letter. */
export function jsonCamelCase(s: string): string {
  let out = "";
  let wasUnderscore = false;
  for (let i = 0; i < s.length; i++) {
    let c = s[i] as string;
    if (c !== "_") {
      if (wasUnderscore && c >= "a" && c <= "z") c = c.toUpperCase();
      out += c;
    }
    wasUnderscore = c === "_";
  }
  return out;
}

/** The inverse mapping: `_` + lower-case before every upper-case letter. */
export function jsonSnakeCase(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    out += c >= "A" && c <= "Z" ? "_" + c.toLowerCase() : c;
  }
  return out;
}

function renderStruct(chunks: readonly Uint8Array[], depth: number): string {
  const entries = new Map<string, string>();
  forEachField(chunks, (r, tag) => {
    if (tag !== (1 << 3 | WIRE_LEN)) return r.skip(tag, depth);
    const entry = new WireReader(r.bytes());
    let key = "";
    const value: Uint8Array[] = [];
    while (entry.pos < entry.end) {
      const t = entry.tag();
      if (t === (1 << 3 | WIRE_LEN)) key = entry.string();
      else if (t === (2 << 3 | WIRE_LEN)) value.push(entry.bytes());
      else entry.skip(t, depth + 1);
    }
    // Duplicate keys: the last entry wins, as when a map is parsed.
    entries.set(key, renderValueAt(value, depth + 1));
  });
  const keys = [...entries.keys()].sort(compareCodePoints);
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += (i === 0 ? "" : ",") + JSON.stringify(k) + ":" + (entries.get(k) as string);
  }
  return out + "}";
}

function renderList(chunks: readonly Uint8Array[], depth: number): string {
  let out = "";
  forEachField(chunks, (r, tag) => {
    if (tag !== (1 << 3 | WIRE_LEN)) return r.skip(tag, depth);
    out += (out === "" ? "" : ",") + renderValueAt([r.bytes()], depth + 1);
  });
  return "[" + out + "]";
}

function renderValueAt(chunks: readonly Uint8Array[], depth: number): string {
  if (depth > MAX_DEPTH) throw depthError();
  return renderValue(chunks, depth);
}

function renderValue(chunks: readonly Uint8Array[], depth: number): string {
  // `kind` is a oneof: the last member on the wire wins; a repeated message member merges.
  let kind = 0;
  let text = "";
  let nested: Uint8Array[] = [];
  forEachField(chunks, (r, tag) => {
    switch (tag) {
      case 1 << 3 | WIRE_VARINT:
        r.varint64();
        kind = 1;
        text = "null";
        return;
      case 2 << 3 | WIRE_FIXED64: {
        const n = r.double();
        if (!Number.isFinite(n)) throw new CodecError(`google.protobuf.Value cannot be ${formatDouble(n)}`);
        kind = 2;
        text = formatDouble(n);
        return;
      }
      case 3 << 3 | WIRE_LEN:
        kind = 3;
        text = r.stringJson();
        return;
      case 4 << 3 | WIRE_VARINT:
        kind = 4;
        text = r.varintNonZero() ? "true" : "false";
        return;
      case 5 << 3 | WIRE_LEN:
      case 6 << 3 | WIRE_LEN: {
        const k = tag >>> 3;
        if (kind !== k) nested = [];
        kind = k;
        nested.push(r.bytes());
        return;
      }
      default:
        r.skip(tag, depth);
    }
  });
  switch (kind) {
    case 0:
      throw new CodecError("google.protobuf.Value has none of its kind fields set");
    case 5:
      if (depth + 1 > MAX_DEPTH) throw depthError();
      return renderStruct(nested, depth + 1);
    case 6:
      if (depth + 1 > MAX_DEPTH) throw depthError();
      return renderList(nested, depth + 1);
    default:
      return text;
  }
}

function renderAny(chunks: readonly Uint8Array[], depth: number, lookup: WriterLookup): string {
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  forEachField(chunks, (r, tag) => {
    if (tag === (1 << 3 | WIRE_LEN)) typeUrl = r.string();
    else if (tag === (2 << 3 | WIRE_LEN)) value = r.bytes();
    else r.skip(tag, depth);
  });
  if (typeUrl === "") {
    if (value.length === 0) return "{}";
    throw new CodecError("google.protobuf.Any has a value but no type_url");
  }
  const typeName = typeUrl.slice(typeUrl.lastIndexOf("/") + 1);
  let writer: MessageWriter;
  try {
    writer = lookup(typeName);
  } catch (e: unknown) {
    throw new CodecError(`google.protobuf.Any: cannot resolve type_url ${JSON.stringify(typeUrl)}`, { cause: e });
  }
  const head = `{"@type":${JSON.stringify(typeUrl)}`;
  if (writer.wellKnown) return `${head},"value":${writer.render([value], depth + 1)}}`;
  const members = writer.renderMembers([value], depth + 1);
  return members === "" ? head + "}" : `${head},${members}}`;
}
