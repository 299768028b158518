/**
 * A bounds-checked protobuf wire reader for the output direction: every malformed or
 * truncated input becomes a CodecError (never a RangeError or a silent garbage value).
 */
import { CodecError } from "./field-error.js";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Nesting limit for messages, groups and Struct values. */
export const MAX_DEPTH = 100;

const MAX_FIELD_NUMBER = 0x1fffffff;
const TWO_32 = 4294967296;

// Scratch space to reinterpret little-endian bytes as floats (all supported platforms are LE).
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch);
const scratchF64 = new Float64Array(scratch);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function depthError(): CodecError {
  return new CodecError(`message nesting exceeds the depth limit of ${MAX_DEPTH}`);
}

export class WireReader {
  pos: number;
  /** The last 64-bit value read by varint64()/fixed64(): low and high 32 bits, unsigned. */
  lo = 0;
  hi = 0;

  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  /** Reads a varint of up to 10 bytes into lo/hi. */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw truncated();
      b = buf[pos++] as number;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = 0;
        return;
      }
    }
    if (pos >= end) throw truncated();
    b = buf[pos++] as number;
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let done = false;
      for (let shift = 3; shift < 31; shift += 7) {
        if (pos >= end) throw truncated();
        b = buf[pos++] as number;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) {
          done = true;
          break;
        }
      }
      if (!done) {
        if (pos >= end) throw truncated();
        b = buf[pos++] as number;
        // The 10th byte may only carry bit 63 (as Go's protowire insists).
        if (b > 1) throw new CodecError("malformed protobuf: varint overflows 64 bits");
        hi |= b << 31;
      }
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A varint's low 32 bits, unsigned (int32/enum/uint32/bool readers take it from here). */
  varint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos] as number;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64();
    return this.lo;
  }

  /** True when the varint just read by varint64() is non-zero (bool decoding). */
  varintNonZero(): boolean {
    this.varint64();
    return this.lo !== 0 || this.hi !== 0;
  }

  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.end) throw truncated();
    const buf = this.buf;
    this.pos = pos + 4;
    return ((buf[pos] as number) | ((buf[pos + 1] as number) << 8) | ((buf[pos + 2] as number) << 16) |
      ((buf[pos + 3] as number) << 24)) >>> 0;
  }

  fixed64(): void {
    this.lo = this.fixed32();
    this.hi = this.fixed32();
  }

  float(): number {
    this.copyScratch(4);
    return scratchF32[0] as number;
  }

  double(): number {
    this.copyScratch(8);
    return scratchF64[0] as number;
  }

  private copyScratch(n: number): void {
    const pos = this.pos;
    if (pos + n > this.end) throw truncated();
    for (let i = 0; i < n; i++) scratchBytes[i] = this.buf[pos + i] as number;
    this.pos = pos + n;
  }

  /** The length prefix of a length-delimited field, checked against the remaining bytes. */
  length(): number {
    this.varint64();
    if (this.hi !== 0 || this.lo > this.end - this.pos) throw truncated();
    return this.lo;
  }

  /** A length-delimited payload as a view (no copy). */
  bytes(): Uint8Array {
    const n = this.length();
    const start = this.pos;
    this.pos = start + n;
    return this.buf.subarray(start, start + n);
  }

  /** A length-delimited UTF-8 string; invalid UTF-8 is a CodecError. */
  string(): string {
    const n = this.length();
    const buf = this.buf;
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    // Short ASCII strings are far cheaper to build by hand than through TextDecoder.
    if (n < 32) {
      let s = "";
      let i = start;
      for (; i < end; i++) {
        const c = buf[i] as number;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === end) return s;
    }
    return decodeUtf8(buf, start, end);
  }

  /** A length-delimited UTF-8 string as JSON string text (quoted and escaped). */
  stringJson(): string {
    const n = this.length();
    const buf = this.buf;
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    // Plain printable ASCII (names, ids, most prose) needs neither a decoder nor escaping:
    // short ones are built here, longer ones copied out natively.
    let i = start;
    for (; i < end; i++) {
      const c = buf[i] as number;
      if (c >= 0x80 || c < 0x20 || c === 0x22 || c === 0x5c) break;
    }
    if (i === end) return '"' + latin1(buf, start, end) + '"';
    return JSON.stringify(decodeUtf8(buf, start, end));
  }

  /**
   * The next tag as [fieldNumber, wireType] packed into one number (`number * 8 + wt`);
   * field number 0 or above 2^29-1 is a CodecError.
   */
  tag(): number {
    this.varint64();
    const lo = this.lo;
    if (this.hi !== 0 || lo >>> 3 === 0 || lo >>> 3 > MAX_FIELD_NUMBER) {
      throw new CodecError("malformed protobuf: invalid field number");
    }
    return lo;
  }

  /** Skips the value of an unknown field (groups included, nested up to the depth limit). */
  skip(tag: number, depth: number): void {
    switch (tag & 7) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.advance(this.length());
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_DEPTH) throw depthError();
        for (;;) {
          if (this.pos >= this.end) throw truncated();
          const inner = this.tag();
          if ((inner & 7) === WIRE_END_GROUP) {
            if (inner >>> 3 !== tag >>> 3) throw new CodecError("malformed protobuf: mismatched end group");
            return;
          }
          this.skip(inner, depth + 1);
        }
      }
      case WIRE_END_GROUP:
        throw new CodecError("malformed protobuf: unexpected end group");
      default:
        throw new CodecError(`malformed protobuf: invalid wire type ${tag & 7}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw truncated();
    this.pos += n;
  }
}

/** ASCII bytes as text. */
function latin1(buf: Uint8Array, start: number, end: number): string {
  if (end - start < 16) {
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(buf[i] as number);
    return s;
  }
  const view = buf instanceof Buffer ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return view.toString("latin1", start, end);
}

/** `buf[start, end)` as text; invalid UTF-8 is a CodecError. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch (e: unknown) {
    throw new CodecError("malformed protobuf: string field contains invalid UTF-8", { cause: e });
  }
}

function truncated(): CodecError {
  return new CodecError("malformed protobuf: truncated or invalid length");
}

/** lo/hi as an unsigned 64-bit decimal. */
export function uint64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** lo/hi as a signed (two's complement) 64-bit decimal. */
export function int64ToDecimal(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  if (hi >= 0xffe00000) {
    // Small negative: magnitude = ~value + 1 fits in 53 bits.
    return String(-((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1));
  }
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** lo/hi as a zigzag-encoded (sint64) decimal. */
export function sint64ToDecimal(lo: number, hi: number): string {
  const negative = lo & 1;
  // Unsigned value >> 1 …
  let mLo = ((lo >>> 1) | (hi << 31)) >>> 0;
  let mHi = hi >>> 1;
  if (negative) {
    // … XOR -1 for odd values: -(m + 1).
    mLo = ~mLo >>> 0;
    mHi = ~mHi >>> 0;
  }
  return int64ToDecimal(mLo, mHi);
}

/** lo/hi as a signed bigint (Timestamp/Duration seconds). */
export function int64ToBigInt(lo: number, hi: number): bigint {
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}
