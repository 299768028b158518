import { ConfigError } from "./config-error.js";

/**
 * Durations as Go and Envoy write them: one or more `<number><unit>` with unit
 * h, m, s, ms or us (`1.5s`, `500ms`, `1m30s`, `250us`). Bare numbers are rejected
 * because their unit would be a guess.
 */
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us))+$/;
const PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us)/g;
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };

/** setTimeout overflows above 2^31 - 1 ms (~24.8 days) and fires at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

export const DURATION_HINT = "use e.g. 1m, 30s, 500ms";

/** `"1m30s"` → 90000 (milliseconds, possibly fractional: `"250us"` → 0.25). */
export function parseDuration(text: string): number {
  if (!DURATION.test(text)) {
    throw new ConfigError(`${JSON.stringify(text)} is not a duration (${DURATION_HINT})`);
  }
  let ms = 0;
  for (const [, amount = "", unit = ""] of text.matchAll(PART)) ms += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
  if (!(ms <= MAX_DURATION_MS)) throw new ConfigError(`${JSON.stringify(text)} is too long (at most 596h)`);
  return ms;
}
