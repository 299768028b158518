/**
 * Writers for the well-known types whose proto3 JSON form is special. Field numbers are
 * fixed by google/protobuf/*.proto, so these do not need the TypeSet except to resolve Any.
 */
import { CodecError } from "./field-error.js";
import { formatDouble } from "./float-format.js";
import { compareCodePoints, SCALAR_JSON } from "./scalar-to-json.js";
import type { ScalarJson } from "./scalar-to-json.js";
import { formatDuration, formatTimestamp } from "./timestamp-duration.js";
import {
  depthError, int64ToBigInt, MAX_DEPTH, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireReader,
} from "./to-json-wire.js";

/** Renders one message type from its wire chunks (several chunks merge, as on the wire). */
export interface MessageWriter {
  readonly typeName: string;
  /** True for the well-known types with a special JSON form. */
  readonly wellKnown: boolean;
  render(chunks: readonly Uint8Array[], depth: number): string;
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
      return special(typeName, (chunks, depth) => {
        const [seconds, nanos] = secondsNanos(chunks, depth);
        return `"${formatTimestamp(seconds, nanos)}"`;
      });
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

function special(typeName: string, render: (chunks: readonly Uint8Array[], depth: number) => string): MessageWriter {
  return {
    typeName,
    wellKnown: true,
    render(chunks, depth) {
      if (depth > MAX_DEPTH) throw depthError();
      return render(chunks, depth);
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
