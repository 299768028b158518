import type { PathTemplate, TemplateVariable } from "../../model/path-template.js";
import { templateKey } from "../../model/path-template.js";
import { checkPercentEncoding, decodeAll, decodeExceptReserved } from "./percent-decode.js";

export type LookupResult<T> =
  /** One value per template variable, in `template.variables` order, percent-decoded (SPEC §3). */
  | { readonly kind: "match"; readonly target: T; readonly values: readonly string[] }
  /** The path matches under other methods only; `allowed` is sorted, for the Allow header. */
  | { readonly kind: "method-not-allowed"; readonly allowed: readonly string[] }
  | { readonly kind: "not-found" }
  /** The path cannot be decoded (bad `%` escape, invalid UTF-8): the gateway answers 400. */
  | { readonly kind: "bad-path"; readonly reason: string };

export interface RouteMatcher<T> {
  /** `rawPath`: the request path without the query string, still percent-encoded. */
  lookup(httpMethod: string, rawPath: string): LookupResult<T>;
}

/** Two bindings with the same HTTP method and the same template (variable names aside). */
export class DuplicateRouteError<T = unknown> extends Error {
  override name = "DuplicateRouteError";
  readonly httpMethod: string;
  /** Canonical template without variable names, e.g. `/v1/shelves/*:publish`. */
  readonly route: string;
  /** The target added first. */
  readonly first: T;
  /** The target whose `add` threw. */
  readonly second: T;

  constructor(httpMethod: string, route: string, first: T, second: T) {
    super(`duplicate route ${httpMethod} ${route}: two bindings have the same method and template`);
    this.httpMethod = httpMethod;
    this.route = route;
    this.first = first;
    this.second = second;
  }
}

/** A template the parser could not have produced: a stale or hand-edited route table. */
export class InvalidRouteError extends Error {
  override name = "InvalidRouteError";
}

/**
 * Collects bindings, then `build()` compiles them into an immutable trie. Adding after
 * `build()` does not change matchers already built.
 *
 * Matching rules (Envoy path_matcher semantics unless noted):
 * - Most specific wins, not first added: at each segment a literal is tried before `*`,
 *   `*` before the template ending, the ending before `**`; the walk backtracks, and it
 *   looks for the most specific template that has a binding for the request's method.
 * - `**` matches zero or more segments and may be followed by literal segments; among `**`
 *   routes at the same place the longer literal suffix is tried first.
 * - `*` never matches an empty segment (`/a//b`); `**` may span one.
 * - Trailing slashes are ignored (`/v1/shelves/` is `/v1/shelves`), as in Envoy.
 * - Verbs: when the last segment contains `:` after the last `/` and the text after its
 *   last `:` is a verb some template uses, `x:verb` is tried as segment `x` + verb first,
 *   then as the plain segment `x:verb` (so `/v1/{name}` still captures `a:b`). A `%3A` is
 *   never a verb separator.
 * - Literals compare with the percent-decoded segment: `/v1/sh%65lves` matches `shelves`.
 * - HEAD falls back to GET bindings when no HEAD binding matches.
 * - `method-not-allowed` lists the methods bound to every template the path matches,
 *   sorted; HEAD is listed only when bound explicitly.
 */
export class RouteMatcherBuilder<T> {
  private readonly routes: Route<T>[] = [];
  private readonly keys = new Map<string, T>();

  add(httpMethod: string, template: PathTemplate, target: T): void {
    const problem = templateProblem(template);
    if (problem !== undefined) throw new InvalidRouteError(`invalid route template for ${httpMethod}: ${problem}`);
    const route = templateKey(template);
    const key = `${httpMethod} ${route}`;
    const first = this.keys.get(key);
    if (first !== undefined || this.keys.has(key)) throw new DuplicateRouteError(httpMethod, route, first as T, target);
    this.keys.set(key, target);
    this.routes.push({ httpMethod, template, target });
  }

  build(): RouteMatcher<T> {
    const root = newNode<T>();
    const verbs = new Set<string>();
    for (const route of this.routes) {
      insert(root, route);
      if (route.template.verb !== undefined) verbs.add(route.template.verb);
    }
    finish(root);
    return new TrieRouteMatcher(root, verbs);
  }
}

interface Route<T> {
  readonly httpMethod: string;
  readonly template: PathTemplate;
  readonly target: T;
}

/** What a lookup needs of one (method, template) binding. */
interface Binding<T> {
  readonly target: T;
  readonly variables: readonly TemplateVariable[];
  /** Per variable: captures exactly one `*` or literal segment, so it is fully decoded. */
  readonly singleSegment: readonly boolean[];
  /** Index of the template's `**`, or -1. */
  readonly deepAt: number;
}

/** HTTP method → binding; verb ("" for none) → those. */
type MethodTable<T> = Map<string, Binding<T>>;
type VerbTable<T> = Map<string, MethodTable<T>>;

interface LiteralEdge<T> {
  readonly literal: string;
  readonly node: TrieNode<T>;
}

interface DeepRoutes<T> {
  /** Decoded literals after the `**`. */
  readonly suffix: readonly string[];
  readonly byVerb: VerbTable<T>;
}

interface TrieNode<T> {
  /** Keyed by decoded literal. */
  readonly literals: Map<string, TrieNode<T>>;
  /** The same edges by literal length: unescaped segments compare in place, no slicing. */
  readonly literalsByLength: Map<number, LiteralEdge<T>[]>;
  wildcard: TrieNode<T> | undefined;
  /** Sorted by suffix length, longest first, by `finish`. */
  readonly deep: DeepRoutes<T>[];
  /** Templates that end at this node. */
  readonly byVerb: VerbTable<T>;
}

function newNode<T>(): TrieNode<T> {
  return { literals: new Map(), literalsByLength: new Map(), wildcard: undefined, deep: [], byVerb: new Map() };
}

function insert<T>(root: TrieNode<T>, route: Route<T>): void {
  const { segments, variables, verb = "" } = route.template;
  const deepAt = segments.findIndex((segment) => segment.kind === "deep");
  let node = root;
  let byVerb = node.byVerb;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === undefined) break;
    if (segment.kind === "deep") {
      // Only literals follow `**` (checked in add).
      const suffix = segments.slice(i + 1).map((s) => (s.kind === "literal" ? s.value : ""));
      let deep = node.deep.find((d) => sameStrings(d.suffix, suffix));
      if (deep === undefined) {
        deep = { suffix, byVerb: new Map() };
        node.deep.push(deep);
      }
      byVerb = deep.byVerb;
      break;
    }
    if (segment.kind === "wildcard") {
      node.wildcard ??= newNode();
      node = node.wildcard;
    } else {
      let child = node.literals.get(segment.value);
      if (child === undefined) {
        child = newNode();
        node.literals.set(segment.value, child);
      }
      node = child;
    }
    byVerb = node.byVerb;
  }
  let methods = byVerb.get(verb);
  if (methods === undefined) {
    methods = new Map();
    byVerb.set(verb, methods);
  }
  methods.set(route.httpMethod, {
    target: route.target,
    variables,
    singleSegment: variables.map((v) => v.end - v.start === 1 && segments[v.start]?.kind !== "deep"),
    deepAt,
  });
}

function finish<T>(node: TrieNode<T>): void {
  for (const [literal, child] of node.literals) {
    let bucket = node.literalsByLength.get(literal.length);
    if (bucket === undefined) {
      bucket = [];
      node.literalsByLength.set(literal.length, bucket);
    }
    bucket.push({ literal, node: child });
    finish(child);
  }
  if (node.wildcard !== undefined) finish(node.wildcard);
  node.deep.sort((a, b) => b.suffix.length - a.suffix.length);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

const NOT_FOUND = Object.freeze({ kind: "not-found" as const });
const INITIAL_SEGMENTS = 32;
// Literal edges of one length compared one by one before falling back to a Map lookup.
const SCAN_LIMIT = 4;

class TrieRouteMatcher<T> implements RouteMatcher<T> {
  private readonly root: TrieNode<T>;
  private readonly verbs: ReadonlySet<string>;

  // Per-lookup scratch, reused: lookups are synchronous, so one matcher never interleaves
  // two. Segment i of `path` is path[starts[i], ends[i]).
  private path = "";
  private starts = new Int32Array(INITIAL_SEGMENTS);
  private ends = new Int32Array(INITIAL_SEGMENTS);
  private escaped = new Uint8Array(INITIAL_SEGMENTS);
  /** Decoded text of escaped segments, filled lazily. */
  private decoded: (string | undefined)[] = [];
  /** Segments the `**` of the last binding found consumed. */
  private deepCount = 0;
  /** The decoded verb of the path when `verbColon` found one, else "". */
  private verb = "";

  constructor(root: TrieNode<T>, verbs: ReadonlySet<string>) {
    this.root = root;
    this.verbs = verbs;
  }

  lookup(httpMethod: string, rawPath: string): LookupResult<T> {
    if (rawPath.charCodeAt(0) !== 0x2f /* / */) {
      return { kind: "bad-path", reason: `path ${JSON.stringify(rawPath)} does not start with "/"` };
    }
    this.path = rawPath;
    const split = this.split(rawPath);
    if (typeof split === "string") return { kind: "bad-path", reason: split };
    const count = split;
    const verbColon = this.verbColon(count);
    const verb = this.verb;

    const found =
      this.matchEitherReading(httpMethod, count, verbColon, verb) ??
      (httpMethod === "HEAD" ? this.matchEitherReading("GET", count, verbColon, verb) : undefined);
    if (found !== undefined) return found;

    const allowed = new Set<string>();
    if (verbColon >= 0) this.collect(allowed, count, verbColon, verb);
    this.collect(allowed, count, -1, "");
    return allowed.size === 0 ? NOT_FOUND : { kind: "method-not-allowed", allowed: [...allowed].sort() };
  }

  /** Records the segments of `path`; returns their count, or why the path is bad. */
  private split(path: string): number | string {
    let count = 0;
    let start = 1;
    let percent = path.indexOf("%");
    for (;;) {
      let stop = path.indexOf("/", start);
      if (stop < 0) stop = path.length;
      if (count === this.starts.length) this.grow();
      this.starts[count] = start;
      this.ends[count] = stop;
      this.decoded[count] = undefined;
      if (percent >= 0 && percent < start) percent = path.indexOf("%", start);
      const escaped = percent >= 0 && percent < stop;
      this.escaped[count] = escaped ? 1 : 0;
      if (escaped) {
        const problem = checkPercentEncoding(path, start, stop);
        if (problem !== undefined) return `${problem} in path segment ${JSON.stringify(path.slice(start, stop))}`;
      }
      count++;
      if (stop === path.length) break;
      start = stop + 1;
    }
    // Trailing slashes are ignored, as Envoy does ("/" itself has no segments).
    while (count > 0 && this.starts[count - 1] === this.ends[count - 1]) count--;
    return count;
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const escaped = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    escaped.set(this.escaped);
    this.starts = starts;
    this.ends = ends;
    this.escaped = escaped;
  }

  /** Index of the `:` that may start a verb in the last segment, or -1; sets `verb`. */
  private verbColon(count: number): number {
    const { path } = this;
    this.verb = "";
    if (this.verbs.size === 0 || count === 0 || path.charCodeAt(path.length - 1) === 0x2f) return -1;
    const start = this.starts[count - 1] ?? 0;
    const colon = path.lastIndexOf(":");
    if (colon < start) return -1;
    // Escapes were validated by split; the verb part is whole UTF-8 since ":" is ASCII.
    const verb = decodeAll(path.slice(colon + 1));
    if (!this.verbs.has(verb)) return -1;
    this.verb = verb;
    return colon;
  }

  /** The verb reading of the last segment first (it is more specific), then the plain one. */
  private matchEitherReading(method: string, count: number, verbColon: number, verb: string): LookupResult<T> | undefined {
    return (verbColon >= 0 ? this.match(method, count, verbColon, verb) : undefined) ?? this.match(method, count, -1, "");
  }

  /** The most specific binding for `method` under one reading of the last segment. */
  private match(method: string, count: number, verbColon: number, verb: string): LookupResult<T> | undefined {
    const saved = this.read(count, verbColon);
    const binding = this.find(this.root, 0, count, verb, method, undefined);
    const result = binding === undefined ? undefined : this.result(binding);
    this.unread(count, verbColon, saved);
    return result;
  }

  private collect(allowed: Set<string>, count: number, verbColon: number, verb: string): void {
    const saved = this.read(count, verbColon);
    this.find(this.root, 0, count, verb, "", allowed);
    this.unread(count, verbColon, saved);
  }

  /** Cuts the verb off the last segment (when verbColon >= 0); returns the old end. */
  private read(count: number, verbColon: number): number {
    const last = count - 1;
    const saved = this.ends[last] ?? 0;
    if (verbColon >= 0) {
      this.ends[last] = verbColon;
      this.decoded[last] = undefined;
    }
    return saved;
  }

  private unread(count: number, verbColon: number, saved: number): void {
    if (verbColon < 0) return;
    this.ends[count - 1] = saved;
    this.decoded[count - 1] = undefined;
  }

  /**
   * Depth-first walk in specificity order. With `allowed`, visits every match and adds its
   * methods (for 405); without, returns the first binding for `method`.
   */
  private find(
    node: TrieNode<T>,
    i: number,
    count: number,
    verb: string,
    method: string,
    allowed: Set<string> | undefined,
  ): Binding<T> | undefined {
    if (i === count) {
      const hit = take(node.byVerb.get(verb), method, allowed);
      if (hit !== undefined) {
        this.deepCount = 0;
        return hit;
      }
    } else {
      const child = this.literalChild(node, i);
      if (child !== undefined) {
        const hit = this.find(child, i + 1, count, verb, method, allowed);
        if (hit !== undefined) return hit;
      }
      if (node.wildcard !== undefined && (this.ends[i] ?? 0) > (this.starts[i] ?? 0)) {
        const hit = this.find(node.wildcard, i + 1, count, verb, method, allowed);
        if (hit !== undefined) return hit;
      }
    }
    for (const deep of node.deep) {
      const from = count - deep.suffix.length;
      if (from < i || !this.suffixMatches(deep.suffix, from)) continue;
      const hit = take(deep.byVerb.get(verb), method, allowed);
      if (hit !== undefined) {
        this.deepCount = from - i;
        return hit;
      }
    }
    return undefined;
  }

  private literalChild(node: TrieNode<T>, i: number): TrieNode<T> | undefined {
    if (node.literals.size === 0) return undefined;
    if (this.escaped[i] === 1) return node.literals.get(this.decodedSegment(i));
    const start = this.starts[i] ?? 0;
    const bucket = node.literalsByLength.get((this.ends[i] ?? 0) - start);
    if (bucket === undefined) return undefined;
    // A few candidates compare in place; many (30 collections under /v1) hash faster.
    if (bucket.length > SCAN_LIMIT) return node.literals.get(this.path.slice(start, this.ends[i]));
    for (const edge of bucket) if (this.path.startsWith(edge.literal, start)) return edge.node;
    return undefined;
  }

  private suffixMatches(suffix: readonly string[], from: number): boolean {
    for (let j = 0; j < suffix.length; j++) {
      const literal = suffix[j] ?? "";
      const i = from + j;
      if (this.escaped[i] === 1) {
        if (this.decodedSegment(i) !== literal) return false;
      } else {
        const start = this.starts[i] ?? 0;
        if ((this.ends[i] ?? 0) - start !== literal.length || !this.path.startsWith(literal, start)) return false;
      }
    }
    return true;
  }

  private decodedSegment(i: number): string {
    let text = this.decoded[i];
    if (text === undefined) {
      text = decodeAll(this.path.slice(this.starts[i], this.ends[i]));
      this.decoded[i] = text;
    }
    return text;
  }

  private result(binding: Binding<T>): LookupResult<T> {
    const { variables, singleSegment, deepAt } = binding;
    const values = new Array<string>(variables.length);
    for (let v = 0; v < variables.length; v++) {
      const variable = variables[v];
      if (variable === undefined) continue;
      const from = this.pathIndex(deepAt, variable.start);
      const to = this.pathIndex(deepAt, variable.end);
      if (singleSegment[v] === true) {
        values[v] = this.escaped[from] === 1 ? this.decodedSegment(from) : this.path.slice(this.starts[from], this.ends[from]);
      } else {
        values[v] = to === from ? "" : decodeExceptReserved(this.path.slice(this.starts[from], this.ends[to - 1]));
      }
    }
    return { kind: "match", target: binding.target, values };
  }

  /** Maps a template segment index to a path segment index, past a `**` of deepCount. */
  private pathIndex(deepAt: number, index: number): number {
    return deepAt < 0 || index <= deepAt ? index : index + this.deepCount - 1;
  }
}

function take<T>(methods: MethodTable<T> | undefined, method: string, allowed: Set<string> | undefined): Binding<T> | undefined {
  if (methods === undefined) return undefined;
  if (allowed === undefined) return methods.get(method);
  for (const name of methods.keys()) allowed.add(name);
  return undefined;
}

/**
 * Re-checks what the parser guarantees, so a stale or hand-edited route table fails at
 * start-up instead of mis-routing.
 */
function templateProblem(template: PathTemplate): string | undefined {
  const { segments, variables, verb } = template;
  if (!Array.isArray(segments) || !Array.isArray(variables)) return "segments and variables must be arrays";
  let deepAt = -1;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    switch (segment?.kind) {
      case "literal":
        if (typeof segment.value !== "string" || segment.value === "") return `segment ${i} is an empty literal`;
        break;
      case "wildcard":
        if (deepAt >= 0) return `segment ${i} is "*" after "**"`;
        break;
      case "deep":
        if (deepAt >= 0) return `segment ${i} is a second "**"`;
        deepAt = i;
        break;
      default:
        return `segment ${i} has an unknown kind`;
    }
  }
  if (verb !== undefined && (typeof verb !== "string" || verb === "")) return "the verb is empty";
  let previousEnd = 0;
  for (const variable of variables) {
    const { start, end, fieldPath } = variable;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < previousEnd || end <= start || end > segments.length) {
      return `variable ${JSON.stringify(Array.isArray(fieldPath) ? fieldPath.join(".") : fieldPath)} has a bad range [${start}, ${end})`;
    }
    if (!Array.isArray(fieldPath) || fieldPath.length === 0) return "a variable has an empty field path";
    previousEnd = end;
  }
  return undefined;
}
