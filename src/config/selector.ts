import { ConfigError } from "./config-error.js";

/**
 * Method selectors, as in Google's service config (`google.api.DocumentationRule.selector`):
 *
 *   selector := "*" | name | name ".*"
 *   name     := ident ("." ident)*        ident := [A-Za-z_][A-Za-z0-9_]*
 *
 * `*` matches every method; `library.v1.*` every method of every service in the package
 * (and its sub-packages); `library.v1.LibraryService.*` every method of that service;
 * `library.v1.LibraryService.GetBook` that method only. A wildcard is allowed only as the
 * last segment. An exact service or package name (`library.v1.LibraryService`) selects
 * everything inside it, as a user who names a service expects.
 */
const SELECTOR = /^(?:\*|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\.\*)?)$/;

export const SELECTOR_HINT = `use "*", "pkg.*", "pkg.Service.*" or "pkg.Service.Method"`;

/** Throws ConfigError (reason only) when `selector` is not in the grammar above. */
export function checkSelector(selector: string): void {
  if (SELECTOR.test(selector)) return;
  const quoted = JSON.stringify(selector);
  throw new ConfigError(
    selector.includes("*")
      ? `${quoted} is not a selector: a wildcard must be the whole last segment (${SELECTOR_HINT})`
      : `${quoted} is not a selector (${SELECTOR_HINT})`,
  );
}

/** Whether `selector` (already checked) selects the RPC `fullMethodName` (`pkg.Service.Method`). */
export function matchesSelector(selector: string, fullMethodName: string): boolean {
  if (selector === "*") return true;
  if (selector.endsWith(".*")) return fullMethodName.startsWith(selector.slice(0, -1));
  return fullMethodName === selector || fullMethodName.startsWith(`${selector}.`);
}

/**
 * Higher is more specific: `*` 0, `pkg.*` 2, `pkg.Service.*` 4, `pkg.Service.Method` 7 —
 * twice the named segments, plus one for an exact name, so an exact name beats a
 * wildcard over the same prefix.
 */
export function selectorSpecificity(selector: string): number {
  if (selector === "*") return 0;
  const exact = !selector.endsWith(".*");
  const named = (exact ? selector : selector.slice(0, -2)).split(".").length;
  return named * 2 + (exact ? 1 : 0);
}

/** Whether every method `inner` selects is also selected by `outer` (so `outer` first shadows `inner`). */
export function selectorCovers(outer: string, inner: string): boolean {
  if (outer === "*") return true;
  if (inner === "*") return false;
  if (outer.endsWith(".*")) return inner.startsWith(outer.slice(0, -1));
  return inner === outer || inner.startsWith(`${outer}.`);
}
