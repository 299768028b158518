// Copies the non-TypeScript files the compiled code reads at run time next to it, and makes
// the CLI executable: tsc writes it 0644, and `npx protogate` runs the bin file directly.
import { chmodSync, cpSync } from "node:fs";
cpSync("src/config/config-schema.json", "dist/src/config/config-schema.json");
chmodSync("dist/src/cli/main.js", 0o755);
