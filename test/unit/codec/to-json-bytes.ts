/** A tiny hand encoder for wire-format test inputs (so tests can write odd or broken bytes). */

export type Part = Uint8Array | number[];

export function cat(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}

/** A varint of any 64-bit value (negative numbers as two's complement, 10 bytes). */
export function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

export function zigzag(value: bigint | number): bigint {
  const v = BigInt(value);
  return v >= 0n ? v << 1n : ((-v) << 1n) - 1n;
}

/** field = varint */
export function vf(field: number, value: bigint | number): number[] {
  return [...tag(field, 0), ...varint(value)];
}

/** field = length-delimited payload */
export function lf(field: number, ...payload: Part[]): number[] {
  const body = cat(...payload);
  return [...tag(field, 2), ...varint(body.length), ...body];
}

/** field = UTF-8 string */
export function sf(field: number, text: string): number[] {
  return lf(field, [...new TextEncoder().encode(text)]);
}

export function fixed32(value: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return [...b];
}

export function fixed64(value: bigint): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return [...b];
}

export function float32(value: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [...b];
}

export function float64(value: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return [...b];
}
