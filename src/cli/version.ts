import { readFileSync } from "node:fs";

/** The package version, read once from package.json (compiled file: dist/src/cli/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }
).version;
