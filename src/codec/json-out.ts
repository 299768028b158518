/**
 * The byte sink of the bytes → JSON writers: JSON text written as UTF-8 straight into a
 * slab of memory. A string field's bytes are copied from the protobuf message as they are
 * (the JSON text of valid, plain ASCII is the bytes themselves), so rendering builds no
 * JavaScript string per field, no string concatenation and no final UTF-8 encoding.
 */
import { decodeUtf8 } from "./to-json-wire.js";

const SLAB_SIZE = 128 * 1024;
// Room a render is started with; a longer answer grows the slab while it is written.
const MIN_ROOM = 16 * 1024;

// Bytes that stand for themselves inside a JSON string: printable ASCII but `"` and `\`.
export const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;

/**
 * Answers are carved out of a slab, like Node's own Buffer pool: `take` hands out a view of
 * the bytes just written and the next answer is written after them, so an answer is neither
 * allocated nor copied on its own. A slab is dropped (kept alive only by the views still in
 * use) when too little of it is left.
 */
export class JsonOut {
  buf: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
  pos = 0;
  private start = 0;

  /** Starts an answer; returns its mark, for `take`. */
  begin(): number {
    if (this.buf.length - this.pos < MIN_ROOM) {
      this.buf = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.pos = 0;
    }
    this.start = this.pos;
    return this.pos;
  }

  /** Room for `n` more bytes. Offsets stay valid: a grown slab keeps the bytes where they were. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.buf.copy(grown, this.start, this.start, this.pos);
    this.buf = grown;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  /** Bytes already in JSON form (a key). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.reserve(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos++] = bytes[i] as number;
    this.pos = pos;
  }

  /** JSON text (a number, `true`, an enum name, a well-known type's rendering). */
  text(text: string): void {
    const n = text.length;
    // Long texts (a message the text writer rendered) are encoded natively.
    if (n > 64) {
      this.utf8(text);
      return;
    }
    this.reserve(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        // Not ASCII: encoded natively, from where the ASCII prefix ends.
        this.pos = pos;
        this.utf8(text.slice(i));
        return;
      }
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /**
   * The UTF-8 string in `src[start, end)` as a JSON string. Plain printable ASCII is copied;
   * anything else (escapes, multi-byte characters) is decoded, so invalid UTF-8 is still a
   * CodecError, and rendered by JSON.stringify, exactly as the text writers do.
   */
  string(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start + 2);
    const buf = this.buf;
    const from = this.pos;
    let pos = from;
    buf[pos++] = 0x22;
    for (let i = start; i < end; i++) {
      const c = src[i] as number;
      if (PLAIN[c] === 0) {
        this.pos = from;
        this.utf8(JSON.stringify(decodeUtf8(src, start, end)));
        return;
      }
      buf[pos++] = c;
    }
    buf[pos++] = 0x22;
    this.pos = pos;
  }

  /** The answer begun at `mark`: a view of the slab, never written again. */
  take(mark: number): Buffer {
    return this.buf.subarray(mark, this.pos);
  }

  /** A non-negative integer below 10^width, zero-padded to `width` digits. */
  digits(n: number, width: number): void {
    this.reserve(width);
    const buf = this.buf;
    for (let i = this.pos + width - 1; i >= this.pos; i--) {
      buf[i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.pos += width;
  }

  private utf8(text: string): void {
    this.reserve(text.length * 3);
    this.pos += this.buf.write(text, this.pos, "utf8");
  }
}
