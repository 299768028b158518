import { fileURLToPath } from "node:url";

// Compiled files live in dist/demo/, two levels below the repository root.
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PROTOS_DIR = fileURLToPath(new URL("../../protos/", import.meta.url));
export const BUNDLED_DIR = fileURLToPath(new URL("../../bundled/", import.meta.url));
export const GATEWAY_CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
