/**
 * A protobuf wire-format writer for the input direction (JSON/text → bytes). Own code
 * rather than protobufjs's Writer so 64-bit values stay exact as BigInt without Long,
 * and so strings are checked for lone surrogates while being encoded.
 * @internal
 */

/** Wire types: varint, 64-bit, length-delimited, 32-bit. */
export type WireType = 0 | 1 | 2 | 5;

const TWO_32 = 4294967296;
const U64_MASK = (1n << 64n) - 1n;

// One scratch buffer for float/double bytes (little-endian, as the wire format wants).
const scratch = new DataView(new ArrayBuffer(8));

/*
 * Buffers without an allocation per writer: a `new Uint8Array` costs 0.25-0.6 µs (its
 * ArrayBuffer, and sweeping it afterwards), more than writing a small request message, and
 * every request with path variables, a query or a body makes one or two writers. So a writer
 * writes into a spare scratch buffer (writers may nest: a JSON value inside a query
 * parameter), and finish() copies the bytes into a shared output slab and hands out a view
 * of them, as Node's Buffer pool does. A writer abandoned by a throw (a bad field) just
 * never gives its scratch back. Views handed out are never written again.
 */
const SCRATCH_SIZE = 1024;
/** A scratch grown past this (a huge body) is dropped at finish rather than kept. */
const MAX_SPARE_SIZE = 64 * 1024;
const spares: Uint8Array[] = [];
const OUT_SLAB_SIZE = 64 * 1024;
/** Larger results get a buffer of their own: a slab's worth of small ones would share it. */
const MAX_SLAB_RESULT = 4 * 1024;
let outSlab = new Uint8Array(OUT_SLAB_SIZE);
let outPos = 0;
const EMPTY = new Uint8Array(0);

export class WireWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** Start offsets of open length-delimited values (see fork/join). */
  private readonly forks: number[] = [];

  constructor(initialSize = 256) {
    const spare = initialSize <= SCRATCH_SIZE ? spares.pop() : undefined;
    this.buf = spare ?? new Uint8Array(Math.max(initialSize, SCRATCH_SIZE));
  }

  /** The bytes written, as a view nobody writes into again; the writer is done with. */
  finish(): Uint8Array {
    const n = this.pos;
    const scratch = this.buf;
    let out: Uint8Array;
    if (n > MAX_SLAB_RESULT) {
      out = scratch.slice(0, n);
    } else {
      if (outPos + n > OUT_SLAB_SIZE) {
        outSlab = new Uint8Array(OUT_SLAB_SIZE);
        outPos = 0;
      }
      out = outSlab.subarray(outPos, outPos + n);
      out.set(scratch.subarray(0, n));
      outPos += n;
    }
    if (scratch.length >= SCRATCH_SIZE && scratch.length <= MAX_SPARE_SIZE) spares.push(scratch);
    // A second finish() would give back the scratch twice: this writer has none now.
    this.buf = EMPTY;
    this.pos = 0;
    return out;
  }

  tag(fieldNumber: number, wireType: WireType): void {
    this.uint32(((fieldNumber << 3) | wireType) >>> 0);
  }

  /** Unsigned varint of a value in 0..2^32-1. */
  uint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 127) {
      this.buf[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** int32 / enum: negative values are sign-extended to 10 bytes. */
  int32(value: number): void {
    if (value >= 0) this.uint32(value);
    else this.varint64(value >>> 0, TWO_32 - 1);
  }

  sint32(value: number): void {
    this.uint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Any 64-bit varint (int64, uint64): two's complement of `value` modulo 2^64. */
  int64(value: bigint): void {
    const v = value & U64_MASK;
    this.varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  sint64(value: bigint): void {
    this.int64(value >= 0n ? value << 1n : ((-value) << 1n) - 1n);
  }

  fixed32(value: number): void {
    this.ensure(4);
    const v = value >>> 0;
    this.buf[this.pos++] = v & 255;
    this.buf[this.pos++] = (v >>> 8) & 255;
    this.buf[this.pos++] = (v >>> 16) & 255;
    this.buf[this.pos++] = v >>> 24;
  }

  fixed64(value: bigint): void {
    const v = value & U64_MASK;
    this.fixed32(Number(v & 0xffffffffn));
    this.fixed32(Number(v >> 32n));
  }

  float(value: number): void {
    scratch.setFloat32(0, value, true);
    this.raw4();
  }

  double(value: number): void {
    scratch.setFloat64(0, value, true);
    this.ensure(8);
    for (let i = 0; i < 8; i++) this.buf[this.pos++] = scratch.getUint8(i);
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /**
   * Length-prefixed UTF-8. Returns false (having written nothing) when `value` holds a
   * lone surrogate, which has no UTF-8 form: the caller reports it with the field path.
   */
  string(value: string): boolean {
    const n = value.length;
    if (n < 128) {
      // Most strings are short ASCII: copied in one pass, behind a one-byte length. Anything
      // else is written over by the general path below.
      this.ensure(n + 1);
      const buf = this.buf;
      let at = this.pos + 1;
      let i = 0;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
        i++;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at;
        return true;
      }
    }
    const length = utf8Length(value);
    if (length < 0) return false;
    this.uint32(length);
    this.ensure(length);
    if (length === value.length) {
      // ASCII: one byte per code unit.
      for (let i = 0; i < length; i++) this.buf[this.pos++] = value.charCodeAt(i);
    } else {
      this.pos += encoder.encodeInto(value, this.buf.subarray(this.pos)).written;
    }
    return true;
  }

  /** Bytes copied as they are (already-encoded fields). */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Opens a length-delimited value; close it with join(). */
  fork(): void {
    // One byte is reserved for the length: most values are shorter than 128 bytes.
    this.ensure(1);
    this.forks.push(this.pos);
    this.pos++;
  }

  /** Closes the innermost fork(), writing its length prefix. */
  join(): void {
    const start = this.forks.pop();
    if (start === undefined) throw new Error("WireWriter.join() without fork()");
    const length = this.pos - start - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(start + size, start + 1, this.pos);
      this.pos += size - 1;
    }
    let v = length;
    let at = start;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
  }

  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    while (hi > 0 || lo > 127) {
      this.buf[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    this.buf[this.pos++] = lo;
  }

  private raw4(): void {
    this.ensure(4);
    for (let i = 0; i < 4; i++) this.buf[this.pos++] = scratch.getUint8(i);
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, SCRATCH_SIZE);
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
}

const encoder = new TextEncoder();

function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** UTF-8 byte length of `value`, or -1 when it holds a lone surrogate. */
export function utf8Length(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || next < 0xdc00 || next > 0xdfff) return -1;
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}
