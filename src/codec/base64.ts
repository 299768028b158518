/**
 * Base64 for proto3 JSON `bytes`: output is standard base64 with padding (as protojson);
 * input accepts standard and URL-safe alphabets, with or without padding.
 */

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Character code → 6-bit value; -1 for characters outside both alphabets. */
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[STD.charCodeAt(i)] = i;
DECODE["-".charCodeAt(0)] = 62;
DECODE["_".charCodeAt(0)] = 63;

/** Bytes → standard base64 with `=` padding. */
export function encodeBase64(bytes: Uint8Array): string {
  // Buffer's encoder is native and much faster than a JS loop for anything but tiny inputs.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Standard or URL-safe base64, padded or not → bytes; `undefined` when `text` is not
 * base64 (wrong character, misplaced padding, impossible length). Like Go's decoder
 * (protojson), non-zero trailing bits are ignored.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  let end = text.length;
  // Padding is optional, but when present it must complete the last quantum.
  if (end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    if (end % 4 !== 0) return undefined;
    end--;
    if (text.charCodeAt(end - 1) === 61) end--;
  }
  const rem = end % 4;
  if (rem === 1) return undefined;
  const out = new Uint8Array(Math.floor(end / 4) * 3 + (rem === 0 ? 0 : rem - 1));
  let o = 0;
  let i = 0;
  const full = end - rem;
  for (; i < full; i += 4) {
    const a = sextet(text, i), b = sextet(text, i + 1), c = sextet(text, i + 2), d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rem === 2) {
    const a = sextet(text, i), b = sextet(text, i + 1);
    if ((a | b) < 0) return undefined;
    out[o++] = (a << 2) | (b >>> 4);
  } else if (rem === 3) {
    const a = sextet(text, i), b = sextet(text, i + 1), c = sextet(text, i + 2);
    if ((a | b | c) < 0) return undefined;
    out[o++] = (a << 2) | (b >>> 4);
    out[o++] = ((b & 0x0f) << 4) | (c >>> 2);
  }
  return out;
}

function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (DECODE[c] as number) : -1;
}
