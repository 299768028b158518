import { join } from "node:path";
import { REPO_ROOT } from "../../helpers/paths.js";

/** Proto root of the output-direction fixture (`outtest/all.proto`). */
export const fixturePath = join(REPO_ROOT, "test/fixtures/codec/out");
