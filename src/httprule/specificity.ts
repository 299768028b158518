import type { PathTemplate, TemplateSegment } from "../model/path-template.js";

// Rank of what a template has at one position; lower is more specific. A template that
// has ended at a position beats `**` there: `/a` wins over `/a/**` for the path `/a`.
const LITERAL = 0;
const WILDCARD = 1;
const ENDED = 2;
const DEEP = 3;

/**
 * Orders templates most specific first, the order in which the route matcher tries them:
 * 1. a template with a verb before one without (the matcher tries the `x:verb` reading of
 *    the last path segment before the plain one);
 * 2. then segment by segment, left to right: literal, then `*`, then "template ended",
 *    then `**`;
 * 3. where both have `**` at the same position, the longer literal suffix first;
 * 4. ties between templates that can never match the same path (different literals or
 *    verbs) are broken by code-unit order, so sorting is deterministic.
 * Returns 0 only for templates with the same `templateKey`.
 */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  if ((a.verb === undefined) !== (b.verb === undefined)) return a.verb === undefined ? 1 : -1;
  const length = Math.max(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    const ra = rank(sa);
    const rb = rank(sb);
    if (ra !== rb) return ra - rb;
    if (ra === DEEP) {
      // Only literals follow `**`: the longer suffix pins down more of the path.
      const suffixA = a.segments.length - i;
      const suffixB = b.segments.length - i;
      if (suffixA !== suffixB) return suffixB - suffixA;
    }
    if (sa?.kind === "literal" && sb?.kind === "literal" && sa.value !== sb.value) return sa.value < sb.value ? -1 : 1;
  }
  const va = a.verb ?? "";
  const vb = b.verb ?? "";
  return va === vb ? 0 : va < vb ? -1 : 1;
}

function rank(segment: TemplateSegment | undefined): number {
  if (segment === undefined) return ENDED;
  switch (segment.kind) {
    case "literal":
      return LITERAL;
    case "wildcard":
      return WILDCARD;
    case "deep":
      return DEEP;
  }
}
