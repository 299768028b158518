import { resolve } from "node:path";
import { renderOutput, writeOutput } from "../emit/write-output.js";
import { ExitCode } from "./exit-codes.js";
import type { CommandFlags } from "./main.js";
import { buildApi } from "./build-table.js";
import { configFromFlags } from "./config-from-flags.js";

export function runGenerate(flags: CommandFlags): number {
  const config = configFromFlags(flags);
  const { table, openapi } = buildApi(config);
  const out = resolve(flags.out ?? "generated");
  writeOutput(out, renderOutput(table, openapi));
  process.stdout.write(`protogate: wrote ${table.routes.length} routes for ${table.methods.length} rpcs to ${out}\n`);
  return ExitCode.OK;
}
