import type { TypeSet } from "../model/descriptor.js";
import { CodecError } from "./field-error.js";

/**
 * Protobuf says a singular message field that occurs twice on the wire is merged, and
 * the gateway builds a request from parts (body, query, path) that may each set fields of
 * the same sub-message (`PATCH /v1/{book.name=…}` with `body: "book"`). Go and C++ merge,
 * but protobufjs — and so every @grpc/proto-loader backend — keeps only the last
 * occurrence. So before sending, concatenated parts go through this pass, which writes
 * each singular message field once, its occurrences merged (recursively). Everything
 * else is copied as is, in order: repeated fields append and scalars keep "last wins".
 */
export type FieldMerger = (typeName: string, bytes: Uint8Array) => Uint8Array;

export function createFieldMerger(types: TypeSet): FieldMerger {
  // Per type: field number → message type name of its singular message fields.
  const plans = new Map<string, ReadonlyMap<number, string>>();
  const planFor = (typeName: string): ReadonlyMap<number, string> => {
    let plan = plans.get(typeName);
    if (plan === undefined) {
      const fields = new Map<number, string>();
      for (const field of types.messages[typeName]?.fields ?? []) {
        if ((field.label === "singular" || field.label === "optional") && field.type.kind === "message") {
          fields.set(field.number, field.type.typeName);
        }
      }
      plan = fields;
      plans.set(typeName, plan);
    }
    return plan;
  };
  const merge = (typeName: string, bytes: Uint8Array, depth: number): Uint8Array => {
    if (depth > 100) throw new CodecError("message nesting is too deep");
    const plan = planFor(typeName);
    if (plan.size === 0) return bytes;
    const copied: Uint8Array[] = [];
    const groups = new Map<number, Uint8Array[]>();
    let needed = false;
    let pos = 0;
    while (pos < bytes.length) {
      const start = pos;
      const [tag, afterTag] = readVarint(bytes, pos);
      pos = afterTag;
      const number = Math.floor(tag / 8);
      const wireType = tag % 8;
      const messageType = wireType === 2 ? plan.get(number) : undefined;
      if (messageType !== undefined) {
        const [length, afterLength] = readVarint(bytes, pos);
        const end = afterLength + length;
        if (end > bytes.length) throw new CodecError("truncated message");
        let group = groups.get(number);
        if (group === undefined) groups.set(number, (group = []));
        else needed = true;
        group.push(bytes.subarray(afterLength, end));
        pos = end;
        continue;
      }
      pos = skipValue(bytes, pos, wireType);
      if (pos > bytes.length) throw new CodecError("truncated message");
      copied.push(bytes.subarray(start, pos));
    }
    if (!needed) return bytes;
    const out: Uint8Array[] = [...copied];
    for (const [number, payloads] of groups) {
      const merged = payloads.length === 1 ? (payloads[0] as Uint8Array) : merge(plan.get(number) as string, Buffer.concat(payloads), depth + 1);
      out.push(encodeVarint(number * 8 + 2), encodeVarint(merged.length), merged);
    }
    return Buffer.concat(out);
  };
  return (typeName, bytes) => merge(typeName, bytes, 0);
}

function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  let pos = at;
  for (;;) {
    if (pos >= bytes.length || pos - at > 9) throw new CodecError("malformed varint");
    const byte = bytes[pos++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
}

function skipValue(bytes: Uint8Array, at: number, wireType: number): number {
  switch (wireType) {
    case 0:
      return readVarint(bytes, at)[1];
    case 1:
      return at + 8;
    case 2: {
      const [length, after] = readVarint(bytes, at);
      return after + length;
    }
    case 5:
      return at + 4;
    default:
      throw new CodecError(`unexpected wire type ${wireType}`);
  }
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}
