import type { FieldPath } from "./field-path.js";

/**
 * A parsed `google.api.http` path template. Variable bodies are flattened into
 * `segments`; each variable names the half-open range of segments it captures.
 *
 * `/v1/{name=shelves/*}/books/{book}:publish` →
 *   segments: [lit v1, lit shelves, *, lit books, *], verb: "publish",
 *   variables: [{ fieldPath: [name], start: 1, end: 3 }, { fieldPath: [book], start: 4, end: 5 }]
 */
export type TemplateSegment =
  | { readonly kind: "literal"; readonly value: string }
  /** `*`: exactly one segment */
  | { readonly kind: "wildcard" }
  /** `**`: zero or more segments (the rest of the path, minus any literal suffix) */
  | { readonly kind: "deep" };

export interface TemplateVariable {
  readonly fieldPath: FieldPath;
  /** Index of the first segment captured. */
  readonly start: number;
  /** Index one past the last segment captured. */
  readonly end: number;
}

export interface PathTemplate {
  readonly segments: readonly TemplateSegment[];
  readonly verb?: string;
  readonly variables: readonly TemplateVariable[];
}

/**
 * The canonical form of a template, without variable names: `/v1/{name=shelves/*}:publish`
 * and `/v1/shelves/{shelf}:publish` are both `/v1/shelves/*:publish`. Two bindings of the
 * same HTTP method with the same key are duplicates. Literals are re-encoded so that a
 * decoded `/`, `*`, `:` or `%` in a literal cannot collide with template syntax.
 */
export function templateKey(template: PathTemplate): string {
  let key = "";
  for (const segment of template.segments) {
    key += "/" + (segment.kind === "literal" ? encodeLiteral(segment.value) : segment.kind === "wildcard" ? "*" : "**");
  }
  if (key === "") key = "/";
  return template.verb === undefined ? key : `${key}:${encodeLiteral(template.verb)}`;
}

// pchar characters that need no escape in a key: unreserved and sub-delims minus "*", plus "@".
const KEY_SAFE = /^[A-Za-z0-9\-._~!$&'()+,;=@]$/;

function encodeLiteral(value: string): string {
  let out = "";
  for (const char of value) {
    out += KEY_SAFE.test(char) ? char : encodeUtf8(char);
  }
  return out;
}

function encodeUtf8(char: string): string {
  let out = "";
  for (const byte of Buffer.from(char, "utf8")) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  return out;
}
