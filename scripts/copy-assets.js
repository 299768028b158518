// Copies the non-TypeScript files the compiled code reads at run time next to it.
import { cpSync } from "node:fs";
cpSync("src/config/config-schema.json", "dist/src/config/config-schema.json");
