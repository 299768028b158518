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
