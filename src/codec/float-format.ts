/**
 * Float/double → proto3 JSON number text, as protojson prints them: `"NaN"`, `"Infinity"`,
 * `"-Infinity"` as strings, `-0` kept, float32 in its shortest round-tripping form
 * (1.1f → `1.1`, not `1.100000023841858`). JS and Go switch to exponent notation at the
 * same bounds (< 1e-6, >= 1e21) and both print `1e-7`/`1e+21`.
 */

/** A float64 as JSON text. */
export function formatDouble(n: number): string {
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  if (Number.isFinite(n)) return String(n);
  return n !== n ? `"NaN"` : n > 0 ? `"Infinity"` : `"-Infinity"`;
}

/** A float32 (already rounded to float32, as read from the wire) as JSON text. */
export function formatFloat32(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return formatDouble(n);
  // The shortest decimal that rounds back to the same float32: at most 9 significant digits.
  for (let p = 1; p < 9; p++) {
    const candidate = Number(n.toPrecision(p));
    if (Math.fround(candidate) === n) return String(candidate);
  }
  return String(Number(n.toPrecision(9)));
}
