import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RouteTable } from "../model/route-table.js";

/** File names inside the output directory; the runtime reads the same names. */
export const ROUTE_TABLE_FILE = "route-table.json";
export const OPENAPI_FILE = "openapi.json";

/**
 * The generated artefacts as text: deterministic (input order is already sorted, no
 * timestamps), so `generated/` diffs only when the protos or the generator change.
 */
export function renderOutput(table: RouteTable, openapi: unknown): Map<string, string> {
  return new Map([
    [ROUTE_TABLE_FILE, `${JSON.stringify(table, null, 2)}\n`],
    [OPENAPI_FILE, `${JSON.stringify(openapi, null, 2)}\n`],
  ]);
}

/** Writes each file atomically (temp file + rename), so a reader never sees half a table. */
export function writeOutput(dir: string, files: ReadonlyMap<string, string>): void {
  for (const [name, text] of files) writeFileAtomic(join(dir, name), text);
}

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
