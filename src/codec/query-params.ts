/**
 * Path variables and query strings → protobuf bytes, following grpc-gateway's runtime
 * (query.go) where it is strict and the SPEC where grpc-gateway is lax:
 * - names are dotted paths; each segment may be the proto or the json name;
 * - `m[k]=v` sets one map entry (`k` parsed as the key type);
 * - repeated fields accumulate (`r=1&r=2`); a singular field given twice is an error
 *   (grpc-gateway: "too many values for field"), also when spelled both ways;
 * - a name inside a path/body-bound field is skipped; an unknown one is a 400
 *   (grpc-gateway only logs it — the SPEC wants the 400);
 * - two members of one oneof is an error;
 * - empty pieces (`a=1&&b=2`) are ignored; `+` is a space; a bad %-escape is a 400.
 * Parameters of one sub-message (`a.b=1&a.c=2`) end up in one record (wire-merge.ts).
 * @internal
 */
import type { FieldPath } from "../model/field-path.js";
import type { TypeSet } from "../model/descriptor.js";
import type { TextSource } from "./contract.js";
import { CodecError, FieldError } from "./field-error.js";
import type { FieldPlan, JsonInput, MessagePlan } from "./from-json.js";
import { resolveFieldPath } from "./from-json.js";
import type { TextElement } from "./text-value.js";
import { TextValueError, textElement } from "./text-value.js";
import { mergeMessageBytes } from "./wire-merge.js";
import { WireWriter } from "./wire-writer.js";

const quote = JSON.stringify;
// `labels[key]=v`: the name ends at the first "[" (field names have none), so a key may hold brackets.
const MAP_KEY_RE = /^([^[]*)\[(.*)\]$/s;
const BAD_ESCAPE_RE = /%(?![0-9A-Fa-f]{2})/;
/** Resolved names kept per (type, bound set): enough for every real client, bounded against junk. */
const MAX_CACHED_NAMES = 512;

/** A field that text can reach, with everything needed to write it. */
interface TextTarget {
  readonly parents: readonly FieldPlan[];
  readonly leaf: FieldPlan;
  /** Dotted proto path, e.g. `nested.child.count`. */
  readonly protoPath: string;
  /** The same, split (for FieldError.path). */
  readonly path: FieldPath;
  /** Element writer for scalar/enum/WKT leaves (and map values); undefined for plain messages. */
  readonly element: TextElement | undefined;
  /** Map keys. */
  readonly key: TextElement | undefined;
  /** `<message path>#<oneof>` → member, for each oneof member on the way (parents and leaf). */
  readonly oneofs: ReadonlyArray<readonly [string, string]>;
}

type Resolution = { readonly kind: "target"; readonly target: TextTarget } | { readonly kind: "bound" } | { readonly kind: "unknown" };

interface Group {
  readonly target: TextTarget;
  /** The name as the client spelled it first, for errors. */
  readonly name: string;
  readonly values: string[];
  readonly entries: Array<readonly [string, string]>;
}

const DECODE_BAD_ESCAPE = 1;
const DECODE_BAD_UTF8 = 2;

/** `+` is a space, then percent-decoding; a number on a bad escape or non-UTF-8 bytes. */
export function decodeQueryComponent(raw: string): string | typeof DECODE_BAD_ESCAPE | typeof DECODE_BAD_UTF8 {
  const spaced = raw.includes("+") ? raw.replace(/\+/g, " ") : raw;
  if (!spaced.includes("%")) return spaced;
  if (BAD_ESCAPE_RE.test(spaced)) return DECODE_BAD_ESCAPE;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return DECODE_BAD_UTF8;
  }
}

function describe(source: TextSource, name: string): string {
  return `${source === "path" ? "path variable" : "query parameter"} ${quote(name)}`;
}

function invalid(source: TextSource, name: string, reason: string, path: FieldPath): FieldError {
  return new FieldError(`invalid value for ${describe(source, name)}: ${reason}`, path);
}

/** What fieldFromText refuses before writing: a map, a message that takes no text, several values for a singular field. */
function checkTextTarget(target: TextTarget, count: number, source: TextSource, name: string, path: FieldPath): void {
  const leaf = target.leaf.field;
  if (leaf.label === "map") throw invalid(source, name, "a map field cannot be set from a single text value", path);
  if (target.element === undefined) throw invalid(source, name, messageReason(target), path);
  if (leaf.label !== "repeated" && count > 1) throw invalid(source, name, "only one value is allowed", path);
}

/** Text → bytes for one message type family; resolvers compiled on first use, then Map lookups only. */
export class TextInput {
  private readonly elements = new WeakMap<FieldPlan, { element: TextElement | undefined; key: TextElement | undefined }>();
  private readonly byPath = new Map<string, Map<string, TextTarget>>();
  private readonly byQueryName = new Map<string, WeakMap<ReadonlySet<string>, Map<string, Resolution>>>();

  constructor(
    private readonly types: TypeSet,
    private readonly json: JsonInput,
  ) {}

  /** Path variable (or other text) values → a message with the field at `path` set. */
  fieldFromText(typeName: string, path: FieldPath, values: readonly string[], source: TextSource, name: string): Uint8Array {
    const target = this.targetOfPath(typeName, path);
    checkTextTarget(target, values.length, source, name, path);
    if (values.length === 0) return new Uint8Array(0);
    const w = new WireWriter(64);
    this.writeTarget(w, target, values, [], source, name);
    return w.finish();
  }

  /** MessageCodec.pathWriter: the variables' targets resolved on first use, then none per request. */
  pathWriter(typeName: string, variables: ReadonlyArray<{ readonly path: FieldPath; readonly name: string }>): (values: readonly string[]) => Uint8Array {
    let targets: readonly TextTarget[] | undefined;
    let nested = false;
    return (values) => {
      // Resolved at the first request, not here: a path that names no field stays that request's error.
      if (targets === undefined) {
        targets = variables.map((variable) => this.targetOfPath(typeName, variable.path));
        nested = variables.length > 1 && targets.some((target) => target.parents.length > 0);
      }
      const w = new WireWriter(64);
      for (let i = 0; i < targets.length; i++) {
        const target = targets[i]!;
        const variable = variables[i]!;
        const name = variable.name;
        checkTextTarget(target, 1, "path", name, variable.path);
        this.writeTarget(w, target, [values[i] ?? ""], [], "path", name);
      }
      // `{a.b}/{a.c}` wrote two `a` records: one, for servers that do not merge.
      return nested ? mergeMessageBytes(this.json.requirePlan(typeName), w.finish(), (p) => this.json.mergeInfo(p)) : w.finish();
    };
  }

  /**
   * A raw query string → bytes. Parameters naming a field in `bound` (dotted proto paths)
   * or inside one are skipped; anything else must name a field. `named` collects the
   * top-level proto names of the fields set.
   */
  queryToBytes(typeName: string, query: string, bound: ReadonlySet<string>, named?: Set<string>): Uint8Array {
    const groups = new Map<string, Group>();
    const oneofs = new Map<string, string>();
    const names = this.namesFor(typeName, bound);
    let start = 0;
    while (start <= query.length) {
      let end = query.indexOf("&", start);
      if (end < 0) end = query.length;
      if (end > start) this.addParameter(typeName, query.slice(start, end), names, bound, groups, oneofs);
      start = end + 1;
    }
    if (groups.size === 0) return new Uint8Array(0);
    // The bytes are about as long as the query text (names become 1-2 byte tags).
    const w = new WireWriter(query.length + 16);
    let nested = false;
    for (const group of groups.values()) {
      this.writeTarget(w, group.target, group.values, group.entries, "query", group.name);
      named?.add(group.target.path[0]!);
      nested ||= group.target.parents.length > 0;
    }
    // `a.b=1&a.c=2` wrote two `a` records: gather them for servers that do not merge.
    if (!nested) return w.finish();
    const plan = this.json.requirePlan(typeName);
    return mergeMessageBytes(plan, w.finish(), (p) => this.json.mergeInfo(p));
  }

  private addParameter(
    typeName: string,
    piece: string,
    names: Map<string, Resolution>,
    bound: ReadonlySet<string>,
    groups: Map<string, Group>,
    oneofs: Map<string, string>,
  ): void {
    const eq = piece.indexOf("=");
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? "" : piece.slice(eq + 1);
    const name = decodeQueryComponent(rawName);
    if (typeof name !== "string") {
      throw new FieldError(`malformed percent-encoding in query parameter name ${quote(rawName)}`);
    }
    const value = decodeQueryComponent(rawValue);
    if (value === DECODE_BAD_ESCAPE) throw invalid("query", name, `malformed percent-encoding ${quote(rawValue)}`, []);
    if (value === DECODE_BAD_UTF8) throw invalid("query", name, "percent-encoded bytes are not valid UTF-8", []);

    const keyed = MAP_KEY_RE.exec(name);
    const fieldName = keyed === null ? name : keyed[1]!;
    const resolution = this.resolveName(typeName, fieldName, names, bound);
    if (resolution.kind === "bound") return;
    if (resolution.kind === "unknown") throw new FieldError(`unknown query parameter ${quote(name)}`);
    const target = resolution.target;
    const leaf = target.leaf.field;
    const path = target.path;

    if (keyed !== null) {
      if (leaf.label !== "map") throw invalid("query", name, `${quote(fieldName)} is not a map field`, path);
      if (target.element === undefined) throw invalid("query", name, messageReason(target), path);
    } else if (leaf.label === "map") {
      throw invalid("query", name, `a map field needs a key, as ${fieldName}[key]=value`, path);
    } else if (target.element === undefined) {
      throw invalid("query", name, messageReason(target), path);
    }

    for (const [oneof, member] of target.oneofs) {
      const previous = oneofs.get(oneof);
      if (previous !== undefined && previous !== member) {
        const oneofName = oneof.slice(oneof.indexOf("#") + 1);
        throw invalid("query", name, `oneof ${quote(oneofName)} is already set by ${quote(previous)}`, path);
      }
      oneofs.set(oneof, member);
    }

    let group = groups.get(target.protoPath);
    if (group === undefined) {
      group = { target, name, values: [], entries: [] };
      groups.set(target.protoPath, group);
    }
    if (keyed !== null) {
      const key = keyed[2]!;
      if (group.entries.some(([k]) => k === key)) throw invalid("query", name, "only one value is allowed per map key", path);
      group.entries.push([key, value]);
      return;
    }
    if (leaf.label !== "repeated" && group.values.length > 0) {
      throw invalid("query", name, "only one value is allowed", path);
    }
    group.values.push(value);
  }

  /** Writes `values` (or map `entries`) into the leaf of `target`, wrapped in its parents. */
  private writeTarget(
    w: WireWriter,
    target: TextTarget,
    values: readonly string[],
    entries: ReadonlyArray<readonly [string, string]>,
    source: TextSource,
    name: string,
  ): void {
    const leaf = target.leaf.field;
    for (const parent of target.parents) {
      w.tag(parent.field.number, 2);
      w.fork();
    }
    const element = target.element!;
    try {
      if (leaf.label === "map") {
        const key = target.key!;
        for (const [k, v] of entries) {
          w.tag(leaf.number, 2);
          w.fork();
          key.writeField(w, 1, k, true);
          element.writeField(w, 2, v, true);
          w.join();
        }
      } else if (leaf.label === "repeated") {
        if (element.writePacked !== undefined && leaf.packed !== false) {
          w.tag(leaf.number, 2);
          w.fork();
          for (const value of values) element.writePacked(w, value);
          w.join();
        } else {
          for (const value of values) element.writeField(w, leaf.number, value, true);
        }
      } else {
        const always = leaf.label === "optional" || leaf.oneof !== undefined;
        element.writeField(w, leaf.number, values[0] ?? "", always);
      }
    } catch (error: unknown) {
      if (error instanceof TextValueError) throw invalid(source, name, error.message, target.path);
      throw error;
    }
    for (let i = 0; i < target.parents.length; i++) w.join();
  }

  private targetOfPath(typeName: string, path: FieldPath): TextTarget {
    let cache = this.byPath.get(typeName);
    if (cache === undefined) {
      cache = new Map();
      this.byPath.set(typeName, cache);
    }
    const key = path.join(".");
    let target = cache.get(key);
    if (target === undefined) {
      const { parents, leaf } = resolveFieldPath(this.json.requirePlan(typeName), path, (name) => this.json.requirePlan(name));
      target = this.target(parents, leaf);
      cache.set(key, target);
    }
    return target;
  }

  private namesFor(typeName: string, bound: ReadonlySet<string>): Map<string, Resolution> {
    let perBound = this.byQueryName.get(typeName);
    if (perBound === undefined) {
      perBound = new WeakMap();
      this.byQueryName.set(typeName, perBound);
    }
    let names = perBound.get(bound);
    if (names === undefined) {
      names = new Map();
      perBound.set(bound, names);
    }
    return names;
  }

  /** A client-spelled dotted name → its field, "bound" (skip it) or "unknown". */
  private resolveName(typeName: string, name: string, names: Map<string, Resolution>, bound: ReadonlySet<string>): Resolution {
    const cached = names.get(name);
    if (cached !== undefined) return cached;
    const resolution = this.resolveUncached(this.json.requirePlan(typeName), name, bound);
    // Unknown names are not cached: a client could otherwise grow the cache without bound.
    if (resolution.kind !== "unknown" && names.size < MAX_CACHED_NAMES) names.set(name, resolution);
    return resolution;
  }

  private resolveUncached(root: MessagePlan, name: string, bound: ReadonlySet<string>): Resolution {
    const segments = name.split(".");
    const parents: FieldPlan[] = [];
    let plan = root;
    let protoPath = "";
    for (let i = 0; i < segments.length; i++) {
      const entry = plan.byName.get(segments[i]!);
      if (entry === undefined) return { kind: "unknown" };
      const field = entry.plan;
      protoPath = protoPath === "" ? field.field.name : `${protoPath}.${field.field.name}`;
      if (bound.has(protoPath)) return { kind: "bound" };
      if (i === segments.length - 1) return { kind: "target", target: this.target(parents, field) };
      if (field.messageType === undefined) return { kind: "unknown" };
      parents.push(field);
      plan = this.json.requirePlan(field.messageType);
    }
    return { kind: "unknown" };
  }

  private target(parents: readonly FieldPlan[], leaf: FieldPlan): TextTarget {
    const oneofs: Array<readonly [string, string]> = [];
    let prefix = "";
    for (const field of [...parents, leaf]) {
      if (field.field.oneof !== undefined) oneofs.push([`${prefix}#${field.field.oneof}`, field.field.name]);
      prefix = prefix === "" ? field.field.name : `${prefix}.${field.field.name}`;
    }
    const { element, key } = this.elementsOf(leaf);
    return { parents, leaf, protoPath: prefix, path: prefix.split("."), element, key, oneofs };
  }

  private elementsOf(field: FieldPlan): { element: TextElement | undefined; key: TextElement | undefined } {
    let cached = this.elements.get(field);
    if (cached === undefined) {
      const jsonBody = (typeName: string): ReturnType<JsonInput["textJsonBody"]> => this.json.textJsonBody(typeName);
      const element = textElement(field.field.type, this.types, jsonBody);
      const mapKey = field.field.mapKey;
      const key = mapKey === undefined ? undefined : textElement({ kind: "scalar", scalar: mapKey }, this.types, jsonBody);
      if (field.field.label === "map" && key === undefined) throw new CodecError(`map field ${field.field.name} has no key type`);
      cached = { element, key };
      this.elements.set(field, cached);
    }
    return cached;
  }
}

function messageReason(target: TextTarget): string {
  const type = target.leaf.field.type;
  const typeName = type.kind === "message" ? type.typeName : "message";
  return `${typeName} is a message and cannot be set from text; set its fields instead (e.g. "${target.protoPath}.<field>")`;
}
