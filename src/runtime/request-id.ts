import { randomFillSync } from "node:crypto";

/**
 * Fresh request ids: random (version 4) UUIDs, as crypto.randomUUID() makes them, but
 * cheaper on the hot path. randomUUID refills its entropy cache every 128 ids and builds
 * each id from 20 string pieces, which the header write then flattens; under GetBook load the
 * two cost ~0.8 µs per request (perf, bench/README.md). Here the random bytes come 4,096 ids
 * at a time, and an id's 36 characters are written into a scratch buffer and read out as
 * one flat string.
 */
const IDS_PER_FILL = 4096;
const pool = Buffer.allocUnsafeSlow(16 * IDS_PER_FILL);
let next = pool.length;

const scratch = Buffer.alloc(36, "-");
// Where each of the 16 bytes' two hex digits go in xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx.
const DIGITS_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const HEX = Buffer.from("0123456789abcdef", "latin1");

export function freshRequestId(): string {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += 16;
  // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
  pool[at + 6] = ((pool[at + 6] as number) & 0x0f) | 0x40;
  pool[at + 8] = ((pool[at + 8] as number) & 0x3f) | 0x80;
  for (let i = 0; i < 16; i++) {
    const byte = pool[at + i] as number;
    const to = DIGITS_AT[i] as number;
    scratch[to] = HEX[byte >> 4] as number;
    scratch[to + 1] = HEX[byte & 0x0f] as number;
  }
  return scratch.toString("latin1", 0, 36);
}
