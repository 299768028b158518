/**
 * Concatenated protobuf messages → one message in which every singular message field
 * occurs once. Concatenation already *is* protobuf merge for conformant parsers (later
 * scalars win, repeated fields append, sub-messages merge, a later oneof member clears
 * an earlier one), but protobufjs — and so @grpc/proto-loader servers — replaces a
 * sub-message that occurs twice instead of merging it. So the gateway sends the canonical
 * form: the occurrences of each singular message field are gathered (at the place of the
 * last one, since their order against other oneof members decides which member wins) and
 * merged recursively; all other fields are copied in order, untouched.
 * @internal
 */
import type { MergeInfo, MessagePlan } from "./from-json.js";
import { CodecError } from "./field-error.js";
import { WireWriter } from "./wire-writer.js";

/** Deeper than any message our own writers produce (they stop at 100). */
const MAX_MERGE_DEPTH = 120;

export type MergeInfoOf = (plan: MessagePlan) => MergeInfo;

/** Request parts → one canonical message (a single part is taken as already canonical). */
export function mergeMessageParts(plan: MessagePlan, parts: readonly Uint8Array[], infoOf: MergeInfoOf): Uint8Array {
  if (parts.length === 0) return new Uint8Array(0);
  if (parts.length === 1) return parts[0]!;
  return mergeMessageBytes(plan, concatBytes(parts), infoOf);
}

/** `bytes` with the occurrences of each singular message field merged into one, recursively. */
export function mergeMessageBytes(plan: MessagePlan, bytes: Uint8Array, infoOf: MergeInfoOf): Uint8Array {
  if (infoOf(plan).messages.size === 0) return bytes;
  const w = new WireWriter(bytes.length + 16);
  mergeInto(w, plan, bytes, infoOf, 0);
  return w.finish();
}

interface Gathered {
  readonly field: number;
  readonly plan: MessagePlan;
  chunks: Uint8Array[];
  /** Where it sits in `items` now (it moves to each later occurrence). */
  slot: number;
}

type Item = { readonly start: number; readonly end: number } | Gathered | undefined;

function mergeInto(w: WireWriter, plan: MessagePlan, bytes: Uint8Array, infoOf: MergeInfoOf, depth: number): void {
  if (depth > MAX_MERGE_DEPTH) throw new CodecError("message nesting too deep to merge");
  const { messages, oneofs } = infoOf(plan);
  if (messages.size === 0) {
    // Nothing to gather below here: copy as is.
    w.raw(bytes);
    return;
  }
  const items: Item[] = [];
  const gathered = new Map<number, Gathered>();
  /** Oneof index → the member seen last. */
  const lastMember = new Map<number, number>();
  const r = { pos: 0 };
  let rawStart = -1;
  while (r.pos < bytes.length) {
    const tagStart = r.pos;
    const tag = readVarint32(bytes, r);
    const fieldNumber = tag >>> 3;
    const wireType = tag & 7;
    const oneof = oneofs.get(fieldNumber);
    const switched = oneof !== undefined && lastMember.get(oneof) !== fieldNumber;
    if (oneof !== undefined) lastMember.set(oneof, fieldNumber);
    const sub = wireType === 2 ? messages.get(fieldNumber) : undefined;
    if (sub === undefined) {
      skipValue(bytes, r, wireType, fieldNumber);
      if (rawStart < 0) rawStart = tagStart;
      continue;
    }
    if (rawStart >= 0) {
      items.push({ start: rawStart, end: tagStart });
      rawStart = -1;
    }
    const length = readVarint32(bytes, r);
    const end = r.pos + length;
    if (end > bytes.length) throw new CodecError("truncated message while merging request parts");
    let entry = gathered.get(fieldNumber);
    if (entry === undefined) {
      entry = { field: fieldNumber, plan: sub, chunks: [], slot: -1 };
      gathered.set(fieldNumber, entry);
    } else {
      items[entry.slot] = undefined;
      // Another member of its oneof came in between and cleared what came before.
      if (switched) entry.chunks = [];
    }
    entry.slot = items.push(entry) - 1;
    entry.chunks.push(bytes.subarray(r.pos, end));
    r.pos = end;
  }
  if (rawStart >= 0) items.push({ start: rawStart, end: bytes.length });

  for (const item of items) {
    if (item === undefined) continue;
    if ("start" in item) {
      w.raw(bytes.subarray(item.start, item.end));
      continue;
    }
    w.tag(item.field, 2);
    w.fork();
    // One occurrence can still hold repeated sub-messages of its own, so it is merged too.
    const chunk = item.chunks.length === 1 ? item.chunks[0]! : concatBytes(item.chunks);
    mergeInto(w, item.plan, chunk, infoOf, depth + 1);
    w.join();
  }
}

function readVarint32(bytes: Uint8Array, r: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (r.pos >= bytes.length) throw new CodecError("truncated varint while merging request parts");
    const b = bytes[r.pos++]!;
    if (shift < 32) result |= (b & 0x7f) << shift;
    if (b < 0x80) return result >>> 0;
    shift += 7;
    if (shift > 63) throw new CodecError("malformed varint while merging request parts");
  }
}

function skipValue(bytes: Uint8Array, r: { pos: number }, wireType: number, fieldNumber: number): void {
  switch (wireType) {
    case 0:
      readVarint32(bytes, r);
      return;
    case 1:
      r.pos += 8;
      break;
    case 2: {
      // Not `r.pos += read(...)`: that would add to the position from before the length.
      const length = readVarint32(bytes, r);
      r.pos += length;
      break;
    }
    case 3:
      // A group: skip to its matching end-group tag.
      for (;;) {
        if (r.pos >= bytes.length) throw new CodecError("unterminated group while merging request parts");
        const tag = readVarint32(bytes, r);
        if ((tag & 7) === 4) {
          if (tag >>> 3 !== fieldNumber) throw new CodecError("mismatched end group while merging request parts");
          return;
        }
        skipValue(bytes, r, tag & 7, tag >>> 3);
      }
    case 5:
      r.pos += 4;
      break;
    default:
      throw new CodecError(`wire type ${wireType} while merging request parts`);
  }
  if (r.pos > bytes.length) throw new CodecError("truncated message while merging request parts");
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
