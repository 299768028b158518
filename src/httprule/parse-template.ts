import type { FieldPath } from "../model/field-path.js";
import type { PathTemplate, TemplateSegment, TemplateVariable } from "../model/path-template.js";
import { TemplateSyntaxError } from "./template-syntax-error.js";

const WILDCARD: TemplateSegment = Object.freeze({ kind: "wildcard" });
const DEEP: TemplateSegment = Object.freeze({ kind: "deep" });

/**
 * Parses a `google.api.http` path template (google/api/http.proto):
 *
 *     Template  = "/" Segments [ Verb ] ;
 *     Segments  = Segment { "/" Segment } ;
 *     Segment   = "*" | "**" | LITERAL | Variable ;
 *     Variable  = "{" FieldPath [ "=" Segments ] "}" ;
 *     FieldPath = IDENT { "." IDENT } ;
 *     Verb      = ":" LITERAL ;
 *
 *     IDENT     = ( ALPHA | "_" ) { ALPHA | DIGIT | "_" } ;
 *     LITERAL   = 1*( unreserved | pct-encoded | sub-delims - "*" | ":" | "@" )   (RFC 3986 pchar)
 *
 * Decisions where the grammar is silent, matching grpc-gateway and Envoy where they agree:
 * - `{x}` is `{x=*}`. Variables are flattened into `segments` with `[start, end)` ranges.
 * - The verb starts at the last `:` of the last segment that is outside braces, so a verb
 *   never contains `:`; a `:` elsewhere is part of a literal (`/v1/a:b/c`).
 * - `**` may be followed by literal segments (`/v1/{name=**}/x`), as in Envoy and
 *   grpc-gateway; at most one `**`, and no `*` or variable after it.
 * - The template `/` alone is accepted as the root (no segments), as grpc-gateway does,
 *   though the grammar needs one segment. `/:verb`, `//` and a trailing `/` are rejected.
 * - Literals and the verb are stored percent-DECODED (`sh%65lves` → `shelves`): the matcher
 *   compares them with decoded path segments. Escapes must be well-formed UTF-8.
 * - `*` is a whole segment only: `a*` and `*a` are errors, not globs.
 * - A field path may appear once per template (duplicates are errors).
 */
export function parseTemplate(text: string): PathTemplate {
  return new TemplateParser(text).parse();
}

class TemplateParser {
  private readonly text: string;
  private pos = 1;
  /** End of the Segments part: the verb's `:` or the end of the text. */
  private end = 0;
  private readonly segments: TemplateSegment[] = [];
  private readonly variables: TemplateVariable[] = [];
  private readonly fieldPaths = new Set<string>();
  private seenDeep = false;
  /** Index of the `{` of the variable being parsed; -1 outside variables. */
  private variableOpen = -1;

  constructor(text: string) {
    this.text = text;
  }

  parse(): PathTemplate {
    const { text } = this;
    if (!text.startsWith("/")) this.fail(0, 'a template must start with "/"');
    if (text === "/") return { segments: [], variables: [] };
    const colon = findVerbColon(text);
    this.end = colon < 0 ? text.length : colon;
    this.parseSegments();
    const { segments, variables } = this;
    if (colon < 0) return { segments, variables };
    if (colon + 1 === text.length) this.fail(colon, "empty verb");
    return { segments, verb: this.parseLiteral(colon + 1, text.length, "verb"), variables };
  }

  private parseSegments(): void {
    for (;;) {
      this.parseSegment();
      if (this.pos < this.end && this.text[this.pos] === "/") {
        this.pos++;
        continue;
      }
      return;
    }
  }

  private parseSegment(): void {
    const { text, end } = this;
    const start = this.pos;
    const inVariable = this.variableOpen >= 0;
    if (start >= end) this.fail(inVariable ? this.variableOpen : start, inVariable ? "unclosed variable" : "empty segment");
    const c = text[start];
    if (c === "/") this.fail(start, "empty segment");
    if (c === "}") this.fail(start, inVariable ? "empty segment" : 'unexpected "}"');
    if (c === "{") {
      if (inVariable) this.fail(start, "nested variable");
      this.parseVariable();
      if (!this.atSegmentEnd()) this.fail(this.pos, `unexpected ${quoteChar(text, this.pos)} after a variable`);
      return;
    }
    if (c === "*") {
      const deep = start + 1 < end && text[start + 1] === "*";
      this.pos = start + (deep ? 2 : 1);
      if (!this.atSegmentEnd()) this.fail(start, deep ? '"**" must be a whole segment' : '"*" must be a whole segment');
      if (this.seenDeep) this.fail(start, 'only literal segments may follow "**"');
      this.seenDeep ||= deep;
      this.segments.push(deep ? DEEP : WILDCARD);
      return;
    }
    let stop = start;
    while (stop < end && text[stop] !== "/" && !(inVariable && text[stop] === "}")) stop++;
    this.segments.push({ kind: "literal", value: this.parseLiteral(start, stop, "literal") });
    this.pos = stop;
  }

  private parseVariable(): void {
    const open = this.pos;
    this.variableOpen = open;
    this.pos++;
    const fieldPath = this.parseFieldPath();
    const name = fieldPath.join(".");
    if (this.fieldPaths.has(name)) this.fail(open, `duplicate variable ${JSON.stringify(name)}`);
    if (this.seenDeep) this.fail(open, 'only literal segments may follow "**"');
    this.fieldPaths.add(name);
    const start = this.segments.length;
    if (this.text[this.pos] === "=") {
      this.pos++;
      this.parseSegments();
    } else {
      this.segments.push(WILDCARD);
    }
    // parseSegments stops only at "}" or at the end of the Segments part.
    if (this.pos >= this.end || this.text[this.pos] !== "}") this.fail(open, "unclosed variable");
    this.pos++;
    this.variableOpen = -1;
    this.variables.push({ fieldPath, start, end: this.segments.length });
  }

  private parseFieldPath(): FieldPath {
    const { text, end } = this;
    const path: string[] = [];
    for (;;) {
      const start = this.pos;
      if (start >= end) this.fail(this.variableOpen, "unclosed variable");
      if (!isIdentStart(text.charCodeAt(start))) this.fail(start, `expected a field name, got ${quoteChar(text, start)}`);
      let stop = start + 1;
      while (stop < end && isIdentPart(text.charCodeAt(stop))) stop++;
      path.push(text.slice(start, stop));
      this.pos = stop;
      if (stop >= end) this.fail(this.variableOpen, "unclosed variable");
      const c = text[stop];
      if (c === "=" || c === "}") return path;
      if (c !== ".") this.fail(stop, `unexpected ${quoteChar(text, stop)} in field path`);
      this.pos++;
    }
  }

  /** Checks `text[from, to)` against LITERAL and returns it percent-decoded. */
  private parseLiteral(from: number, to: number, what: "literal" | "verb"): string {
    const { text } = this;
    let escaped = false;
    for (let i = from; i < to; i++) {
      const code = text.charCodeAt(i);
      if (code === 0x25 /* % */) {
        if (i + 2 >= to || !isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) {
          this.fail(i, `malformed percent-escape ${JSON.stringify(text.slice(i, Math.min(i + 3, to)))}`);
        }
        escaped = true;
        i += 2;
      } else if (!isLiteralChar(code)) {
        this.fail(i, illegalCharReason(text, i, what));
      }
    }
    const raw = text.slice(from, to);
    if (!escaped) return raw;
    try {
      return decodeURIComponent(raw);
    } catch {
      return this.fail(from, `percent-escapes in ${JSON.stringify(raw)} are not valid UTF-8`);
    }
  }

  private atSegmentEnd(): boolean {
    const { pos, end, text } = this;
    return pos >= end || text[pos] === "/" || (this.variableOpen >= 0 && text[pos] === "}");
  }

  private fail(index: number, reason: string): never {
    throw new TemplateSyntaxError(this.text, index + 1, reason);
  }
}

/** Index of the `:` that starts the verb (last `:` of the last segment, outside braces), or -1. */
function findVerbColon(text: string): number {
  let depth = 0;
  let colon = -1;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (depth === 0 && c === "/") colon = -1;
    else if (depth === 0 && c === ":") colon = i;
  }
  return colon;
}

function illegalCharReason(text: string, index: number, what: "literal" | "verb"): string {
  const c = text[index];
  if (what === "literal" && c === "*") return '"*" must be a whole segment';
  if (what === "literal" && c === "{") return "a variable must be a whole segment";
  if (c === "}") return 'unexpected "}"';
  return `illegal character ${quoteChar(text, index)} in ${what}`;
}

/** The character at `index` (a whole code point), JSON-quoted; `end of template` past the end. */
function quoteChar(text: string, index: number): string {
  const code = text.codePointAt(index);
  return code === undefined ? "end of template" : JSON.stringify(String.fromCodePoint(code));
}

function isIdentStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isIdentPart(code: number): boolean {
  return isIdentStart(code) || (code >= 0x30 && code <= 0x39);
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

// RFC 3986 pchar minus "%" (checked separately) and "*" (a wildcard, never part of a literal).
const LITERAL_PUNCTUATION = "-._~!$&'()+,;=:@";

function isLiteralChar(code: number): boolean {
  return isIdentPart(code) || (code < 0x80 && LITERAL_PUNCTUATION.includes(String.fromCharCode(code)));
}
