/**
 * google.protobuf.Timestamp / Duration ⇄ their proto3 JSON strings, with protojson's
 * grammar and ranges. Values are `{ seconds: bigint, nanos: number }` as on the wire.
 */
import { CodecError } from "./field-error.js";

export interface SecondsNanos {
  readonly seconds: bigint;
  readonly nanos: number;
}

/** A Timestamp/Duration string that cannot be parsed; `message` is a client-facing fragment. */
export class TimeValueError extends Error {
  override name = "TimeValueError";
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds (protojson's range). */
export const MIN_TIMESTAMP_SECONDS = -62135596800n;
export const MAX_TIMESTAMP_SECONDS = 253402300799n;
/** ±10000 years, as in duration.proto. */
export const MAX_DURATION_SECONDS = 315576000000n;

const TIMESTAMP_EXAMPLE = `(RFC 3339, e.g. "1972-01-01T10:00:20.021Z")`;
const DURATION_EXAMPLE = `(seconds with an "s" suffix, e.g. "1.5s")`;

/**
 * Timestamp → `1972-01-01T10:00:20.021Z` (UTC, 0/3/6/9 fraction digits). Throws CodecError
 * outside 0001-01-01..9999-12-31 or for nanos outside 0..999999999 (protojson refuses them too).
 */
export function formatTimestamp(seconds: bigint, nanos: number): string {
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    throw new CodecError(`google.protobuf.Timestamp: seconds ${seconds} out of range`);
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new CodecError(`google.protobuf.Timestamp: nanos ${nanos} out of range`);
  }
  const secs = Number(seconds);
  const days = Math.floor(secs / 86400);
  const secOfDay = secs - days * 86400;
  const [y, m, d] = civilFromDays(days);
  const hh = Math.floor(secOfDay / 3600);
  const mm = Math.floor((secOfDay % 3600) / 60);
  const ss = secOfDay % 60;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${fraction(nanos)}Z`;
}

/**
 * Duration → `-1.500s` (0/3/6/9 fraction digits). Throws CodecError outside ±315576000000s,
 * for |nanos| > 999999999 or when the signs of seconds and nanos differ.
 */
export function formatDuration(seconds: bigint, nanos: number): string {
  if (seconds < -MAX_DURATION_SECONDS || seconds > MAX_DURATION_SECONDS) {
    throw new CodecError(`google.protobuf.Duration: seconds ${seconds} out of range`);
  }
  if (!Number.isInteger(nanos) || nanos < -999_999_999 || nanos > 999_999_999) {
    throw new CodecError(`google.protobuf.Duration: nanos ${nanos} out of range`);
  }
  if ((seconds < 0n && nanos > 0) || (seconds > 0n && nanos < 0)) {
    throw new CodecError(`google.protobuf.Duration: seconds ${seconds} and nanos ${nanos} have different signs`);
  }
  const negative = seconds < 0n || nanos < 0;
  const abs = negative ? -seconds : seconds;
  return `${negative ? "-" : ""}${abs}${fraction(Math.abs(nanos))}s`;
}

// YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM) — Go's RFC 3339 parser as protojson uses it
// (upper-case T and Z only; protojson allows at most 9 fraction digits). Not copied: the
// leniencies of Go's generic layout fallback (a comma before the fraction, a 1-digit hour).
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 text → Timestamp; throws TimeValueError for bad syntax, dates or range. */
export function parseTimestamp(text: string): SecondsNanos {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) throw new TimeValueError(`${JSON.stringify(text)} is not a valid timestamp ${TIMESTAMP_EXAMPLE}`);
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]);
  const hour = Number(m[4]), minute = Number(m[5]), second = Number(m[6]);
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
    hour > 23 || minute > 59 || second > 59
  ) {
    throw new TimeValueError(`${JSON.stringify(text)} is not a valid timestamp ${TIMESTAMP_EXAMPLE}`);
  }
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]), om = Number(m[10]);
    if (oh > 23 || om > 59) {
      throw new TimeValueError(`${JSON.stringify(text)} is not a valid timestamp ${TIMESTAMP_EXAMPLE}`);
    }
    offset = (m[8] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const secs = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  const seconds = BigInt(secs);
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) {
    throw new TimeValueError(
      `${JSON.stringify(text)} is out of range (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z)`,
    );
  }
  return { seconds, nanos: m[7] === undefined ? 0 : Number(m[7].padEnd(9, "0")) };
}

// protojson's grammar: an optional sign, an integer without leading zeros, an optional
// "." with up to 9 digits, then "s". Integer and fraction digits may each be missing as
// long as an integer or a "." is there (Go accepts ".5s", "1.s" and even ".s").
const DURATION_RE = /^([-+])?(0|[1-9]\d*)?(\.\d{0,9})?s$/;

/** `1.5s` → Duration; throws TimeValueError for bad syntax or outside ±315576000000s. */
export function parseDuration(text: string): SecondsNanos {
  const m = DURATION_RE.exec(text);
  if (m === null || (m[2] === undefined && m[3] === undefined)) {
    throw new TimeValueError(`${JSON.stringify(text)} is not a valid duration ${DURATION_EXAMPLE}`);
  }
  const abs = m[2] === undefined ? 0n : BigInt(m[2]);
  if (abs > MAX_DURATION_SECONDS) {
    throw new TimeValueError(`${JSON.stringify(text)} is out of range (-315576000000s to 315576000000s)`);
  }
  const nanos = m[3] === undefined || m[3] === "." ? 0 : Number(m[3].slice(1).padEnd(9, "0"));
  return m[1] === "-" ? { seconds: -abs, nanos: nanos === 0 ? 0 : -nanos } : { seconds: abs, nanos };
}

function fraction(nanos: number): string {
  if (nanos === 0) return "";
  if (nanos % 1_000_000 === 0) return "." + pad(nanos / 1_000_000, 3);
  if (nanos % 1_000 === 0) return "." + pad(nanos / 1_000, 6);
  return "." + pad(nanos, 9);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, day 0 = 1970-01-01).
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days since 1970-01-01 → [year, month, day] of the proleptic Gregorian calendar. */
export function civilFromDays(z0: number): [number, number, number] {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}
