import { fileURLToPath } from "node:url";

/** Repository root (compiled helpers live in dist/test/helpers/). */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BUNDLED_DIR = fileURLToPath(new URL("../../../bundled/", import.meta.url));
export const CLI = fileURLToPath(new URL("../../../dist/src/cli/main.js", import.meta.url));
export const EXAMPLE_PROTOS = fileURLToPath(new URL("../../../protos/", import.meta.url));
