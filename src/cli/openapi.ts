import { resolve } from "node:path";
import { writeFileAtomic } from "../emit/write-output.js";
import { ExitCode } from "./exit-codes.js";
import type { CommandFlags } from "./main.js";
import { buildApi } from "./build-table.js";
import { configFromFlags } from "./config-from-flags.js";

export function runOpenapi(flags: CommandFlags): number {
  const { openapi } = buildApi(configFromFlags(flags));
  const text = `${JSON.stringify(openapi, null, 2)}\n`;
  if (flags.out === undefined || flags.out === "-") process.stdout.write(text);
  else writeFileAtomic(resolve(flags.out), text);
  return ExitCode.OK;
}
