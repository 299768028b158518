import { ConfigError } from "./config-error.js";

/** `4MiB`, `512KiB`, `1MB`, `1024`: decimal (kB, MB, GB) and binary (KiB, MiB, GiB) units. */
const BYTE_SIZE = /^(\d+(?:\.\d+)?) ?(B|kB|KB|MB|GB|KiB|MiB|GiB)?$/;
const UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

export const BYTE_SIZE_HINT = "use e.g. 4MiB, 512KiB, 1MB or a number of bytes";

/** `"4MiB"` → 4194304; a non-negative integer passes through. */
export function parseByteSize(value: string | number): number {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new ConfigError(`${value} is not a size (${BYTE_SIZE_HINT})`);
  }
  const match = BYTE_SIZE.exec(value);
  if (match === null) throw new ConfigError(`${JSON.stringify(value)} is not a size (${BYTE_SIZE_HINT})`);
  const bytes = Number(match[1]) * (UNIT_BYTES[match[2] ?? "B"] ?? Number.NaN);
  if (bytes > Number.MAX_SAFE_INTEGER) throw new ConfigError(`${JSON.stringify(value)} is too large`);
  if (!Number.isInteger(bytes)) {
    throw new ConfigError(`${JSON.stringify(value)} is not a whole number of bytes (${BYTE_SIZE_HINT})`);
  }
  return bytes;
}
