/**
 * The members text of one message type as one specialised function, compiled once per type
 * when its writer is first used. The interpreted path (to-json.ts: a State object of slots,
 * a closure call per field occurrence and per field rendered) spends more on dispatch than
 * on the bytes; here each field is a local variable and a `case` of one switch, so V8 sees
 * one monomorphic function per message type. The semantic pieces (value readers, defaults,
 * nested writers) are the interpreter's own closures, passed in; the generated source holds
 * only numbers, so nothing from a .proto file is ever evaluated as code.
 *
 * Maps and oneof members keep the interpreter's decode/text (they go through a State), so
 * their rules (last entry wins, one case of a oneof) live in one place.
 */
import type { JsonOut } from "./json-out.js";
import { depthError, MAX_DEPTH, WIRE_LEN, WireReader } from "./to-json-wire.js";

/** What kind of field, and the interpreter's pieces the compiled code calls for it. */
export type FieldKind =
  /**
   * A singular scalar or enum outside a oneof; `zero` is its default for implicit presence;
   * `string` for a string field (its bytes are copied by the byte writer).
   */
  | { readonly kind: "scalar"; readonly wireType: number; readonly read: (r: WireReader) => string; readonly zero: string | undefined; readonly string: boolean }
  /** A repeated scalar or enum; packable ones also take the packed form. */
  | { readonly kind: "scalars"; readonly wireType: number; readonly packable: boolean; readonly read: (r: WireReader) => string; readonly string: boolean }
  /** A singular message outside a oneof: its chunks merge, then `text` renders them; `write` renders one. */
  | { readonly kind: "message"; readonly text: (chunks: Uint8Array[], depth: number) => string; readonly write: NestedWrite }
  /** A repeated message: each element rendered as it is read. */
  | { readonly kind: "messages"; readonly render: (chunk: Uint8Array, depth: number) => string; readonly write: NestedWrite }
  /** Anything else (maps, oneof members): the interpreter's slot of a State (its field's position). */
  | {
    readonly kind: "slot";
    readonly decode: (r: WireReader, tag: number, st: SlotState, depth: number) => void;
    readonly text: (value: unknown, depth: number) => string;
    /** The field's oneof (a position in SlotState.oneofCase), or -1 for a map. */
    readonly oneof: number;
  };

/** One field, as the compiler needs it; `unpopulated` is the text of an unset field, when shown. */
export type FieldShape = FieldKind & Common;

interface Common {
  readonly number: number;
  /** `"name":` */
  readonly key: string;
  readonly unpopulated: ((depth: number) => string) | undefined;
}

export interface SlotState {
  readonly values: unknown[];
  readonly oneofCase: number[];
}

export type MembersFunction = (chunks: readonly Uint8Array[], depth: number) => string;

/** Writes the JSON object of the message in `buf[start, end)` to `out`. */
export type WriteFunction = (out: JsonOut, buf: Uint8Array, start: number, end: number, depth: number) => void;

/** A nested message field's writer, called with the depth of the message holding the field. */
export type NestedWrite = WriteFunction;

/** Generated code: a value of another wire type than the field's is skipped (both compilers). */
const skipUnless = (wireType: number): string => `if ((tag & 7) !== ${wireType}) { r.skip(tag, depth); break; }`;

/** `fields` in declaration order (the output order); `oneofCount` sizes the State of slot fields. */
export function compileMembers(fields: readonly FieldShape[], oneofCount: number): MembersFunction {
  const usesSlots = fields.some((f) => f.kind === "slot");
  const lines: string[] = [];
  lines.push("return function members(chunks, depth) {");
  lines.push("  if (depth > MAX_DEPTH) throw depthError();");
  if (usesSlots) lines.push(`  const st = { values: new Array(${fields.length}), oneofCase: new Array(${oneofCount}).fill(-1) };`);
  fields.forEach((f, j) => {
    if (f.kind !== "slot") lines.push(`  let v${j};`);
  });
  lines.push("  for (let c = 0; c < chunks.length; c++) {");
  lines.push("    const r = new WireReader(chunks[c]);");
  lines.push("    while (r.pos < r.end) {");
  lines.push("      const tag = r.tag();");
  lines.push("      switch (tag >>> 3) {");
  fields.forEach((f, j) => {
    lines.push(`        case ${f.number}: {`);
    switch (f.kind) {
      case "scalar":
        lines.push(`          ${skipUnless(f.wireType)}`);
        // Implicit presence: a default value on the wire is the same as no value.
        lines.push(f.zero === undefined ? `          v${j} = F[${j}].read(r);` : `          { const t = F[${j}].read(r); v${j} = t === F[${j}].zero ? undefined : t; }`);
        break;
      case "scalars":
        if (f.packable) {
          lines.push(`          const wt = tag & 7;`);
          lines.push(`          if (wt === ${f.wireType}) { (v${j} ??= []).push(F[${j}].read(r)); break; }`);
          lines.push(`          if (wt !== ${WIRE_LEN}) { r.skip(tag, depth); break; }`);
          // Packed (accepted whatever the declared `packed`, as every parser must).
          lines.push(`          const len = r.length(); const sub = new WireReader(r.buf, r.pos, r.pos + len); r.pos += len;`);
          // An empty run adds no element: the field stays unset, as in the interpreter.
          lines.push(`          while (sub.pos < sub.end) (v${j} ??= []).push(F[${j}].read(sub));`);
        } else {
          lines.push(`          ${skipUnless(f.wireType)}`);
          lines.push(`          (v${j} ??= []).push(F[${j}].read(r));`);
        }
        break;
      case "message":
        lines.push(`          ${skipUnless(WIRE_LEN)}`);
        lines.push(`          (v${j} ??= []).push(r.bytes());`);
        break;
      case "messages":
        lines.push(`          ${skipUnless(WIRE_LEN)}`);
        lines.push(`          (v${j} ??= []).push(F[${j}].render(r.bytes(), depth));`);
        break;
      case "slot":
        lines.push(`          F[${j}].decode(r, tag, st, depth);`);
        break;
    }
    lines.push("          break;");
    lines.push("        }");
  });
  lines.push("        default: r.skip(tag, depth);");
  lines.push("      }");
  lines.push("    }");
  lines.push("  }");
  lines.push('  let out = "";');
  fields.forEach((f, j) => {
    const value = f.kind === "slot" ? `st.values[${j}]` : `v${j}`;
    let text: string;
    switch (f.kind) {
      case "scalar": text = value; break;
      case "scalars": case "messages": text = `"[" + ${value}.join(",") + "]"`; break;
      case "message": case "slot": text = `F[${j}].text(${value}, depth)`; break;
    }
    const append = (expression: string): string => `out += (out === "" ? F[${j}].key : "," + F[${j}].key) + ${expression};`;
    lines.push(`  if (${value} !== undefined) ${append(text)}`);
    if (f.unpopulated !== undefined) lines.push(`  else ${append(`F[${j}].unpopulated(depth)`)}`);
  });
  lines.push("  return out;");
  lines.push("};");
  const factory = new Function("F", "WireReader", "MAX_DEPTH", "depthError", lines.join("\n")) as (
    shapes: readonly FieldShape[],
    reader: typeof WireReader,
    maxDepth: number,
    error: typeof depthError,
  ) => MembersFunction;
  return factory(fields, WireReader, MAX_DEPTH, depthError);
}

/**
 * The byte writer of one message type (json-out.ts), compiled like compileMembers. It writes
 * each field as it is read, so it needs the fields on the wire in declaration order, each
 * singular field once and each repeated field's elements together, which is how protobuf
 * serialisers write them. Anything else (a field out of order, a second occurrence, which
 * must merge or replace, a second member of a oneof) rewinds the sink and renders the message
 * with `text`, the text writer, which implements every rule. (The model lists fields by
 * number, the order serialisers write.) Map and oneof fields ("slot"
 * fields) are decoded by the text writer's own slot decoders while their occurrences follow
 * each other (a map's entries, a message member's chunks), and written as its text when the
 * next field starts.
 */
export function compileWrite(
  fields: readonly FieldShape[],
  oneofCount: number,
  emitUnpopulated: boolean,
  text: (chunks: readonly Uint8Array[], depth: number) => string,
): WriteFunction {
  const fallback: WriteFunction = (out, buf, start, end, depth) => out.text(text([buf.subarray(start, end)], depth));
  const newState = (): SlotState => ({ values: new Array<unknown>(fields.length), oneofCase: new Array<number>(oneofCount).fill(-1) });
  const keys = fields.map((f) => Buffer.from(f.key));
  const unpopulated = fields.map((f) => (emitUnpopulated ? f.unpopulated : undefined));
  const emits = unpopulated.some((u) => u !== undefined);
  // The unset fields in [from, to) that are shown anyway (emitUnpopulated).
  const fill = (out: JsonOut, from: number, to: number, depth: number, mark: number): void => {
    for (let k = from; k < to; k++) {
      const u = unpopulated[k];
      if (u === undefined) continue;
      if (out.pos > mark + 1) out.byte(0x2c);
      out.raw(keys[k] as Buffer);
      out.text(u(depth));
    }
  };
  // A slot field's value (or its unpopulated text), once its occurrences have ended.
  const flush = (out: JsonOut, st: SlotState, j: number, depth: number, mark: number): void => {
    const v = st.values[j];
    const u = unpopulated[j];
    if (v === undefined && u === undefined) return;
    if (out.pos > mark + 1) out.byte(0x2c);
    out.raw(keys[j] as Buffer);
    const f = fields[j] as FieldShape & { kind: "slot" };
    out.text(v === undefined ? (u as (depth: number) => string)(depth) : f.text(v, depth));
  };
  const bail = "{ out.pos = mark; return FALLBACK(out, buf, start, end, depth); }";
  // The field before ends: a repeated field's `]`, or a slot field's text.
  const close = "if (open >= 0) { out.byte(0x5d); open = -1; } else if (pending >= 0) { FLUSH(out, st, pending, depth, mark); pending = -1; }";
  // Field j starts; `through` is j for a value about to be written, j + 1 for a default one skipped.
  const begin = (j: number, through: number): string =>
    `if (${j} < next) ${bail} ${close} ${emits ? `if (next < ${through}) FILL(out, next, ${through}, depth, mark); ` : ""}next = ${j + 1};`;
  const key = (j: number): string => `if (out.pos > mark + 1) out.byte(0x2c); out.raw(K[${j}]);`;
  // One element of repeated field j: `[` with the key before the first, `,` before the others.
  const element = (j: number): string => `if (open === ${j}) out.byte(0x2c); else { ${begin(j, j)} open = ${j}; ${key(j)} out.byte(0x5b); }`;
  const span = "const n = r.length(); const s = r.pos; r.pos = s + n;";
  const lines: string[] = [];
  lines.push("return function write(out, buf, start, end, depth) {");
  lines.push("  if (depth > MAX_DEPTH) throw depthError();");
  lines.push("  const mark = out.pos;");
  lines.push("  out.byte(0x7b);");
  lines.push("  const r = new WireReader(buf, start, end);");
  lines.push("  let next = 0;");
  lines.push("  let open = -1;");
  lines.push("  let pending = -1;");
  lines.push("  let st;");
  lines.push("  while (r.pos < r.end) {");
  lines.push("    const tag = r.tag();");
  lines.push("    switch (tag >>> 3) {");
  fields.forEach((f, j) => {
    lines.push(`      case ${f.number}: {`);
    switch (f.kind) {
      case "scalar":
        lines.push(`        ${skipUnless(f.wireType)}`);
        if (f.string) {
          lines.push(`        ${span}`);
          if (f.zero !== undefined) lines.push(`        if (n === 0) { ${begin(j, j + 1)} break; }`);
          lines.push(`        ${begin(j, j)} ${key(j)} out.string(buf, s, s + n);`);
        } else {
          lines.push(`        const t = F[${j}].read(r);`);
          if (f.zero !== undefined) lines.push(`        if (t === F[${j}].zero) { ${begin(j, j + 1)} break; }`);
          lines.push(`        ${begin(j, j)} ${key(j)} out.text(t);`);
        }
        break;
      case "scalars":
        if (f.string) {
          lines.push(`        ${skipUnless(WIRE_LEN)}`);
          lines.push(`        ${span}`);
          lines.push(`        ${element(j)} out.string(buf, s, s + n);`);
        } else if (f.packable) {
          lines.push(`        const wt = tag & 7;`);
          lines.push(`        if (wt === ${f.wireType}) { const t = F[${j}].read(r); ${element(j)} out.text(t); break; }`);
          lines.push(`        if (wt !== ${WIRE_LEN}) { r.skip(tag, depth); break; }`);
          lines.push(`        const len = r.length(); const sub = new WireReader(buf, r.pos, r.pos + len); r.pos += len;`);
          lines.push(`        while (sub.pos < sub.end) { const t = F[${j}].read(sub); ${element(j)} out.text(t); }`);
        } else {
          lines.push(`        ${skipUnless(f.wireType)}`);
          lines.push(`        const t = F[${j}].read(r); ${element(j)} out.text(t);`);
        }
        break;
      case "message":
        lines.push(`        ${skipUnless(WIRE_LEN)}`);
        lines.push(`        ${span}`);
        lines.push(`        ${begin(j, j)} ${key(j)} F[${j}].write(out, buf, s, s + n, depth);`);
        break;
      case "messages":
        lines.push(`        ${skipUnless(WIRE_LEN)}`);
        lines.push(`        ${span}`);
        lines.push(`        ${element(j)} F[${j}].write(out, buf, s, s + n, depth);`);
        break;
      case "slot":
        lines.push(`        if (pending !== ${j}) { ${begin(j, j)} pending = ${j}; st ??= NEW_STATE(); }`);
        // A second member of the oneof: the last one wins, and that is the text writer's to say.
        if (f.oneof >= 0) lines.push(`        if (st.oneofCase[${f.oneof}] >= 0 && st.oneofCase[${f.oneof}] !== ${j}) ${bail}`);
        lines.push(`        F[${j}].decode(r, tag, st, depth);`);
        break;
    }
    lines.push("        break;");
    lines.push("      }");
  });
  lines.push("      default: r.skip(tag, depth);");
  lines.push("    }");
  lines.push("  }");
  lines.push(`  ${close}`);
  if (emits) lines.push(`  FILL(out, next, ${fields.length}, depth, mark);`);
  lines.push("  out.byte(0x7d);");
  lines.push("};");
  const factory = new Function("F", "K", "FILL", "FLUSH", "NEW_STATE", "FALLBACK", "WireReader", "MAX_DEPTH", "depthError", lines.join("\n")) as (
    shapes: readonly FieldShape[],
    keys: readonly Buffer[],
    fillUnset: typeof fill,
    flushSlot: typeof flush,
    state: typeof newState,
    fallbackWrite: WriteFunction,
    reader: typeof WireReader,
    maxDepth: number,
    error: typeof depthError,
  ) => WriteFunction;
  return factory(fields, keys, fill, flush, newState, fallback, WireReader, MAX_DEPTH, depthError);
}
