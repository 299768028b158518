import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { RouteTable } from "../model/route-table.js";
import { checkRouteTable, RouteTableError } from "./compiled-route.js";

/** Reads the output of `protogate generate` (route-table.json, openapi.json) from `dir`. */
export function loadGenerated(dir: string): { table: RouteTable; openapi: unknown } {
  const table = readJson(join(dir, "route-table.json")) as RouteTable;
  if (typeof table !== "object" || table === null || !Array.isArray(table.routes) || !Array.isArray(table.methods)) {
    throw new RouteTableError(`${join(dir, "route-table.json")}: not a protogate route table; run "protogate generate" again`);
  }
  checkRouteTable(table);
  return { table, openapi: readJson(join(dir, "openapi.json")) };
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new RouteTableError(`${file}: cannot read it; run "protogate generate --out DIR" first`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw new RouteTableError(`${file}: invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
