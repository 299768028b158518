/**
 * The output direction: protobuf bytes → proto3 JSON text, by protojson's rules.
 *
 * For each message type a plan is built once (field number → decoder closure, field
 * order → renderer closure, JSON keys chosen by the options). A whole message is rendered
 * by one function compiled from the plan (to-json-compile.ts): the bytes are decoded
 * straight into JSON text fragments, one local per field, then joined in declaration
 * order. A singular message field keeps its raw chunks until it is rendered, so repeated
 * occurrences on the wire merge (rendering the concatenation of the chunks is exactly
 * protobuf's merge). The plan's own slot decoders serve maps, oneofs and fieldToJson.
 */
import type { EnumModel, FieldModel, MessageModel, ScalarType, TypeSet } from "../model/descriptor.js";
import type { FieldPath } from "../model/field-path.js";
import type { JsonOptions } from "./contract.js";
import { CodecError } from "./field-error.js";
import { defaultMapKey, MAP_KEY_READERS, mapKeyComparator, SCALAR_JSON } from "./scalar-to-json.js";
import { depthError, MAX_DEPTH, WIRE_LEN, WireReader } from "./to-json-wire.js";
import { JsonOut } from "./json-out.js";
import { compileMembers, compileWrite } from "./to-json-compile.js";
import type { FieldKind, FieldShape, MembersFunction, NestedWrite, WriteFunction } from "./to-json-compile.js";
import { wellKnownWriter } from "./well-known-to-json.js";
import type { MessageWriter } from "./well-known-to-json.js";

/** Builds, once, a bytes→JSON-text writer per message type of `types` (lazily, cached). */
export function createJsonWriters(types: TypeSet, options: JsonOptions): JsonWriters {
  return new Writers(types, options);
}

export interface JsonWriters {
  /** Whole message bytes → JSON text. Throws CodecError for an unknown type or malformed bytes. */
  toJson(typeName: string, bytes: Uint8Array): string;
  /** Whole message bytes → the same JSON text as UTF-8 bytes, written without building it as a string. */
  toJsonBytes(typeName: string, bytes: Uint8Array): Buffer;
  /**
   * JSON text of the field at `path` (proto field names) of the message in `bytes`, for
   * `response_body`. Like grpc-gateway, which marshals the Go field value: an unset
   * message field renders as the empty message (protojson marshals a nil message as an
   * empty one, with defaults under emitUnpopulated), an unset repeated field as `[]`
   * (`null` without emitUnpopulated), an unset map as `{}`, an unset implicit-presence
   * scalar as its default and an unset `optional`/oneof scalar as `null`. Unlike
   * grpc-gateway (which uses encoding/json for non-message values) scalars keep their
   * proto3 JSON form, e.g. int64 as a string. An unset message on the way down the path
   * counts as an empty message.
   */
  fieldToJson(typeName: string, path: FieldPath, bytes: Uint8Array): string;
}

/** Per-decode slots: one per field (JSON text, chunk list, element texts or map), oneof cases. */
interface State {
  readonly values: unknown[];
  readonly oneofCase: number[];
}

interface FieldPlan {
  readonly model: FieldModel;
  readonly index: number;
  /** Index of the real oneof, or -1. */
  readonly oneof: number;
  /** `"name":` */
  readonly key: string;
  /** Consumes the value of one occurrence (tag already read) into `st`. */
  readonly decode: (r: WireReader, tag: number, st: State, depth: number) => void;
  /** JSON text of a set slot. */
  readonly text: (value: unknown, depth: number) => string;
  /** JSON text for an unset slot in the whole-message output, or undefined to omit it. */
  readonly unpopulated: ((depth: number) => string) | undefined;
  /** JSON text for an unset slot in fieldToJson. */
  readonly absent: (depth: number) => string;
  /** For a singular message field: its type (to walk fieldToJson paths). */
  readonly messageType: string | undefined;
  /** What the compiled members function does with it (to-json-compile.ts); `slot`: the above. */
  readonly shape: ShapeVariant;
}

/** The kind-specific part of a FieldShape; number, key and the rest come from the plan. */
type ShapeVariant = Exclude<FieldKind, { kind: "slot" }> | { readonly kind: "slot" };

interface Plan {
  readonly fields: readonly FieldPlan[];
  /** Field number → plan (dense array for small numbers, map beyond). */
  readonly byNumber: (number: number) => FieldPlan | undefined;
  readonly byName: ReadonlyMap<string, FieldPlan>;
  readonly oneofCount: number;
}

interface PlannedWriter extends MessageWriter {
  readonly plan: () => Plan;
  decode(chunks: readonly Uint8Array[], depth: number): State;
}

const DENSE_LIMIT = 256;

class Writers implements JsonWriters {
  private readonly cache = new Map<string, MessageWriter>();
  private readonly enumTexts = new Map<string, (n: number) => string>();
  /** One sink for every toJsonBytes: rendering is synchronous, so two never interleave. */
  private readonly out = new JsonOut();

  constructor(private readonly types: TypeSet, private readonly options: JsonOptions) {}

  toJson(typeName: string, bytes: Uint8Array): string {
    return this.writer(typeName).render([bytes], 0);
  }

  toJsonBytes(typeName: string, bytes: Uint8Array): Buffer {
    const writer = this.writer(typeName);
    const out = this.out;
    const mark = out.begin();
    try {
      writer.write(out, bytes, 0, bytes.length, 0);
    } catch (e: unknown) {
      out.pos = mark;
      throw e;
    }
    return out.take(mark);
  }

  fieldToJson(typeName: string, path: FieldPath, bytes: Uint8Array): string {
    if (path.length === 0) return this.toJson(typeName, bytes);
    let writer = this.writer(typeName);
    let chunks: readonly Uint8Array[] = [bytes];
    for (let i = 0; i < path.length; i++) {
      if (!isPlanned(writer)) throw new CodecError(`cannot select field "${path.join(".")}" inside ${writer.typeName}`);
      const name = path[i] as string;
      const field = writer.plan().byName.get(name);
      if (field === undefined) throw new CodecError(`unknown field "${path.join(".")}" in ${typeName}`);
      const value = writer.decode(chunks, i).values[field.index];
      if (i === path.length - 1) return value === undefined ? field.absent(i) : field.text(value, i);
      if (field.messageType === undefined) {
        throw new CodecError(`field "${path.slice(0, i + 1).join(".")}" of ${typeName} is not a message`);
      }
      writer = this.writer(field.messageType);
      chunks = value === undefined ? [] : (value as Uint8Array[]);
    }
    throw new CodecError("unreachable");
  }

  /** The writer of a message type; throws CodecError for a type the TypeSet does not have. */
  writer(typeName: string): MessageWriter {
    let w = this.cache.get(typeName);
    if (w === undefined) {
      w = wellKnownWriter(typeName, (name) => this.writer(name)) ?? this.messageWriter(typeName);
      this.cache.set(typeName, w);
    }
    return w;
  }

  private messageWriter(typeName: string): PlannedWriter {
    const model = this.types.messages[typeName];
    if (model === undefined) throw new CodecError(`unknown message type ${typeName}`);
    let plan: Plan | undefined;
    // Built on first use, so recursive types only refer to each other by name.
    const getPlan = (): Plan => (plan ??= this.buildPlan(model));
    const decode = (chunks: readonly Uint8Array[], depth: number): State => {
      if (depth > MAX_DEPTH) throw depthError();
      const p = getPlan();
      const st: State = { values: new Array<unknown>(p.fields.length), oneofCase: new Array<number>(p.oneofCount).fill(-1) };
      for (const chunk of chunks) {
        const r = new WireReader(chunk);
        while (r.pos < r.end) {
          const tag = r.tag();
          const f = p.byNumber(tag >>> 3);
          if (f === undefined) r.skip(tag, depth);
          else f.decode(r, tag, st, depth);
        }
      }
      return st;
    };
    // The whole-message text: one function compiled for this type on first use (to-json-compile.ts).
    let compiled: MembersFunction | undefined;
    const members: MembersFunction = (chunks, depth) => {
      if (compiled === undefined) {
        const p = getPlan();
        compiled = compileMembers(p.fields.map(shapeOf), p.oneofCount);
      }
      return compiled(chunks, depth);
    };
    const render = (chunks: readonly Uint8Array[], depth: number): string => "{" + members(chunks, depth) + "}";
    // The byte writer: compiled for this type on first use too, with the text writer as its fallback.
    let write: WriteFunction | undefined;
    return {
      typeName,
      wellKnown: false,
      plan: getPlan,
      decode,
      render,
      write: (out, buf, start, end, depth) => {
        if (write === undefined) {
          const p = getPlan();
          write = compileWrite(p.fields.map(shapeOf), p.oneofCount, this.options.emitUnpopulated, render);
        }
        write(out, buf, start, end, depth);
      },
      renderMembers: members,
    };
  }

  private buildPlan(model: MessageModel): Plan {
    const oneofs: string[] = [];
    const fields = model.fields.map((f, index) => {
      let oneof = -1;
      if (f.oneof !== undefined) {
        oneof = oneofs.indexOf(f.oneof);
        if (oneof < 0) oneof = oneofs.push(f.oneof) - 1;
      }
      return this.fieldPlan(model, f, index, oneof);
    });
    const dense: (FieldPlan | undefined)[] = [];
    const sparse = new Map<number, FieldPlan>();
    for (const f of fields) {
      if (f.model.number < DENSE_LIMIT) dense[f.model.number] = f;
      else sparse.set(f.model.number, f);
    }
    const byNumber = sparse.size === 0
      ? (n: number) => (n < DENSE_LIMIT ? dense[n] : undefined)
      : (n: number) => (n < DENSE_LIMIT ? dense[n] : sparse.get(n));
    return { fields, byNumber, byName: new Map(fields.map((f) => [f.model.name, f])), oneofCount: oneofs.length };
  }

  private fieldPlan(message: MessageModel, f: FieldModel, index: number, oneof: number): FieldPlan {
    const key = JSON.stringify(this.options.useProtoNames ? f.name : f.jsonName) + ":";
    const emit = this.options.emitUnpopulated;
    const base = { model: f, index, oneof, key };
    const explicit = f.label === "optional" || oneof >= 0;
    // Members of one oneof: setting one clears the others (the last on the wire wins).
    const claim = oneof < 0
      ? undefined
      : (st: State): void => {
        const prev = st.oneofCase[oneof] as number;
        if (prev !== index) {
          if (prev >= 0) st.values[prev] = undefined;
          st.values[index] = undefined;
          st.oneofCase[oneof] = index;
        }
      };

    if (f.label === "map") return this.mapPlan(message, f, base);

    const t = f.type;
    if (t.kind === "message") {
      const typeName = t.typeName;
      let w: MessageWriter | undefined;
      const writer = (): MessageWriter => (w ??= this.writer(typeName));
      const nestedWrite: NestedWrite = (out, buf, start, end, depth) => writer().write(out, buf, start, end, depth + 1);
      if (f.label === "repeated") {
        return {
          ...base,
          messageType: undefined,
          decode: (r, tag, st, depth) => {
            if ((tag & 7) !== WIRE_LEN) return r.skip(tag, depth);
            const text = writer().render([r.bytes()], depth + 1);
            const list = st.values[index] as string[] | undefined;
            if (list === undefined) st.values[index] = [text];
            else list.push(text);
          },
          text: (v) => "[" + (v as string[]).join(",") + "]",
          unpopulated: emit ? () => "[]" : undefined,
          absent: () => (emit ? "[]" : "null"),
          shape: { kind: "messages", render: (chunk, depth) => writer().render([chunk], depth + 1), write: nestedWrite },
        };
      }
      return {
        ...base,
        messageType: typeName,
        shape: oneof >= 0 ? { kind: "slot" } : { kind: "message", text: (chunks, depth) => writer().render(chunks, depth + 1), write: nestedWrite },
        decode: (r, tag, st, depth) => {
          if ((tag & 7) !== WIRE_LEN) return r.skip(tag, depth);
          claim?.(st);
          const chunk = r.bytes();
          const chunks = st.values[index] as Uint8Array[] | undefined;
          if (chunks === undefined) st.values[index] = [chunk];
          else chunks.push(chunk);
        },
        text: (v, depth) => writer().render(v as Uint8Array[], depth + 1),
        unpopulated: emit && !explicit ? () => "null" : undefined,
        absent: (depth) => writer().render([], depth + 1),
      };
    }

    // Scalars and enums: a reader that yields JSON text, plus the default's text.
    const isString = t.kind === "scalar" && t.scalar === "string";
    let read: (r: WireReader) => string;
    let zero: string;
    let wireType: number;
    let packable: boolean;
    if (t.kind === "enum") {
      const enumText = this.enumText(t.typeName);
      read = (r) => enumText(r.varint32() | 0);
      zero = enumText(0);
      wireType = 0;
      packable = true;
    } else {
      const s = SCALAR_JSON[t.scalar];
      ({ read, zero, wireType, packable } = s);
    }

    if (f.label === "repeated") {
      const push = (st: State, text: string): void => {
        const list = st.values[index] as string[] | undefined;
        if (list === undefined) st.values[index] = [text];
        else list.push(text);
      };
      return {
        ...base,
        messageType: undefined,
        decode: packable
          ? (r, tag, st, depth) => {
            const wt = tag & 7;
            if (wt === wireType) return push(st, read(r));
            if (wt !== WIRE_LEN) return r.skip(tag, depth);
            // Packed (accepted whatever the declared `packed`, as every parser must).
            const len = r.length();
            const sub = new WireReader(r.buf, r.pos, r.pos + len);
            r.pos += len;
            while (sub.pos < sub.end) push(st, read(sub));
          }
          : (r, tag, st, depth) => {
            if ((tag & 7) !== wireType) return r.skip(tag, depth);
            push(st, read(r));
          },
        text: (v) => "[" + (v as string[]).join(",") + "]",
        unpopulated: emit ? () => "[]" : undefined,
        absent: () => (emit ? "[]" : "null"),
        shape: { kind: "scalars", wireType, packable, read, string: isString },
      };
    }

    return {
      ...base,
      messageType: undefined,
      shape: oneof >= 0 ? { kind: "slot" } : { kind: "scalar", wireType, read, zero: explicit ? undefined : zero, string: isString },
      decode: explicit
        ? (r, tag, st, depth) => {
          if ((tag & 7) !== wireType) return r.skip(tag, depth);
          const text = read(r);
          claim?.(st);
          st.values[index] = text;
        }
        : (r, tag, st, depth) => {
          if ((tag & 7) !== wireType) return r.skip(tag, depth);
          const text = read(r);
          // Implicit presence: a default value on the wire is the same as no value.
          st.values[index] = text === zero ? undefined : text;
        },
      text: (v) => v as string,
      unpopulated: emit && !explicit ? () => zero : undefined,
      absent: () => (explicit ? "null" : zero),
    };
  }

  private mapPlan(
    message: MessageModel,
    f: FieldModel,
    base: Pick<FieldPlan, "model" | "index" | "oneof" | "key">,
  ): FieldPlan {
    const keyType: ScalarType | undefined = f.mapKey;
    const readKey = keyType === undefined ? undefined : MAP_KEY_READERS[keyType];
    if (keyType === undefined || readKey === undefined) {
      throw new CodecError(`map field ${message.fullName}.${f.name} has an invalid key type`);
    }
    const keyWire = SCALAR_JSON[keyType].wireType;
    const keyDefault = defaultMapKey(keyType);
    const compare = mapKeyComparator(keyType);
    const index = base.index;
    const t = f.type;

    // The value of one entry: JSON text from the entry's value occurrences.
    let readValue: (r: WireReader, tag: number, acc: { text: string | undefined; chunks: Uint8Array[] | undefined }, depth: number) => void;
    let finish: (acc: { text: string | undefined; chunks: Uint8Array[] | undefined }, depth: number) => string;
    if (t.kind === "message") {
      const typeName = t.typeName;
      let w: MessageWriter | undefined;
      const writer = (): MessageWriter => (w ??= this.writer(typeName));
      readValue = (r, tag, acc, depth) => {
        if ((tag & 7) !== WIRE_LEN) return r.skip(tag, depth);
        (acc.chunks ??= []).push(r.bytes());
      };
      // A missing value is the empty message.
      finish = (acc, depth) => writer().render(acc.chunks ?? [], depth + 1);
    } else {
      let read: (r: WireReader) => string;
      let zero: string;
      let wireType: number;
      if (t.kind === "enum") {
        const enumText = this.enumText(t.typeName);
        read = (r) => enumText(r.varint32() | 0);
        zero = enumText(0);
        wireType = 0;
      } else {
        ({ read, zero, wireType } = SCALAR_JSON[t.scalar]);
      }
      readValue = (r, tag, acc, depth) => {
        if ((tag & 7) !== wireType) return r.skip(tag, depth);
        acc.text = read(r);
      };
      finish = (acc) => acc.text ?? zero;
    }
    const keyTag = 1 << 3 | keyWire;
    const emit = this.options.emitUnpopulated;

    return {
      ...base,
      messageType: undefined,
      shape: { kind: "slot" },
      decode: (r, tag, st, depth) => {
        if ((tag & 7) !== WIRE_LEN) return r.skip(tag, depth);
        if (depth + 1 > MAX_DEPTH) throw depthError();
        const len = r.length();
        const entry = new WireReader(r.buf, r.pos, r.pos + len);
        r.pos += len;
        let key = keyDefault;
        const acc: { text: string | undefined; chunks: Uint8Array[] | undefined } = { text: undefined, chunks: undefined };
        while (entry.pos < entry.end) {
          const t = entry.tag();
          if (t === keyTag) key = readKey(entry);
          else if (t >>> 3 === 2) readValue(entry, t, acc, depth + 1);
          else entry.skip(t, depth + 1);
        }
        const map = (st.values[index] ??= new Map<string, string>()) as Map<string, string>;
        // Duplicate keys: the last entry wins.
        map.set(key, finish(acc, depth));
      },
      text: (v) => {
        const map = v as Map<string, string>;
        const keys = [...map.keys()].sort(compare);
        let out = "{";
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i] as string;
          out += (i === 0 ? "" : ",") + JSON.stringify(k) + ":" + (map.get(k) as string);
        }
        return out + "}";
      },
      unpopulated: emit ? () => "{}" : undefined,
      absent: () => "{}",
    };
  }

  /** Enum number → JSON text under the options (NullValue is always `null`). */
  private enumText(typeName: string): (n: number) => string {
    let fn = this.enumTexts.get(typeName);
    if (fn !== undefined) return fn;
    if (typeName === "google.protobuf.NullValue") {
      fn = () => "null";
    } else if (this.options.enumsAsInts) {
      fn = String;
    } else {
      const model: EnumModel | undefined = this.types.enums[typeName];
      if (model === undefined) throw new CodecError(`unknown enum type ${typeName}`);
      const names = new Map<number, string>();
      // With aliases the first name declared for a number is the one printed (as protojson).
      for (const v of model.values) if (!names.has(v.number)) names.set(v.number, JSON.stringify(v.name));
      fn = (n) => names.get(n) ?? String(n);
    }
    this.enumTexts.set(typeName, fn);
    return fn;
  }
}

function shapeOf(f: FieldPlan): FieldShape {
  const common = { number: f.model.number, key: f.key, unpopulated: f.unpopulated };
  if (f.shape.kind === "slot") return { kind: "slot", decode: f.decode, text: f.text, oneof: f.oneof, ...common };
  return { ...f.shape, ...common };
}

function isPlanned(w: MessageWriter): w is PlannedWriter {
  return !w.wellKnown;
}
