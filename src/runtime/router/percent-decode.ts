/**
 * Percent-decoding of URL path text (SPEC §3), without regular expressions. Validate a
 * segment once with `checkPercentEncoding`; the decoders assume validated input.
 *
 * - Single-segment variables (`{x}`, `{x=*}`) and literal comparison: `decodeAll`.
 * - Multi-segment variables (`{x=**}`, `{x=a/*}`): `decodeExceptReserved`, which leaves
 *   escapes of RFC 6570 reserved characters (`:/?#[]@!$&'()*+,;=`) as written, so `%2F`
 *   stays `%2F`. This is Envoy's default (`kAllCharactersExceptReserved`, applied to every
 *   multi-segment capture). google/api/http.proto asks only for `%2F` to stay encoded;
 *   keeping the whole reserved set is the stricter reading and what ESPv2 users see.
 * `+` is not a space in paths: it is left alone by both.
 */

/** Why a path segment cannot be decoded. */
export type PercentEncodingProblem = "malformed percent-escape" | "invalid UTF-8";

/**
 * Checks `text[start, end)`: every `%` starts two hex digits and the escaped bytes form
 * valid UTF-8 (no overlong forms or surrogates: what `decodeURIComponent` accepts).
 * Returns undefined when the segment is fine.
 */
export function checkPercentEncoding(text: string, start: number, end: number): PercentEncodingProblem | undefined {
  let escaped = false;
  for (let i = text.indexOf("%", start); i >= 0 && i < end; i = text.indexOf("%", i + 3)) {
    if (i + 2 >= end || !isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) return "malformed percent-escape";
    escaped = true;
  }
  if (!escaped) return undefined;
  try {
    decodeURIComponent(text.slice(start, end));
    return undefined;
  } catch {
    return "invalid UTF-8";
  }
}

/** Decodes every escape. Input must have passed `checkPercentEncoding`. */
export function decodeAll(text: string): string {
  return text.includes("%") ? decodeURIComponent(text) : text;
}

/**
 * Decodes every escape except those of RFC 6570 reserved characters, which are kept as
 * written (`%2f` stays `%2f`). Input must have passed `checkPercentEncoding`; reserved
 * characters are ASCII, so cutting at them never splits a UTF-8 sequence.
 */
export function decodeExceptReserved(text: string): string {
  let i = text.indexOf("%");
  if (i < 0) return text;
  let out = "";
  let runStart = 0;
  for (; i >= 0; i = text.indexOf("%", i + 3)) {
    const byte = (hexValue(text.charCodeAt(i + 1)) << 4) | hexValue(text.charCodeAt(i + 2));
    if (isRfc6570Reserved(byte)) {
      out += decodeURIComponent(text.slice(runStart, i)) + text.slice(i, i + 3);
      runStart = i + 3;
    }
  }
  return out + decodeURIComponent(text.slice(runStart));
}

// RFC 6570 §1.5 reserved = gen-delims / sub-delims.
const RESERVED = new Set(Array.from(":/?#[]@!$&'()*+,;=", (c) => c.charCodeAt(0)));

export function isRfc6570Reserved(byte: number): boolean {
  return RESERVED.has(byte);
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}
