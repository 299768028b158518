import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./helpers/paths.js";
import { runCli } from "./helpers/start-gateway.js";
import { writeTempFiles } from "./helpers/temp-dir.js";

// generated/ is committed: a proto or generator change without `npm run generate` fails here.
test("generated/ is what protogate generate writes for protos/", async (t) => {
  const out = writeTempFiles({});
  try {
    const result = await runCli(["generate", "--proto-path", join(REPO_ROOT, "protos"), "--out", out.dir]);
    t.is(result.code, 0, result.stderr);
    const committed = join(REPO_ROOT, "generated");
    const names = readdirSync(out.dir).sort();
    t.deepEqual(readdirSync(committed).sort(), names, "generated/ has other files; run npm run generate");
    for (const name of names) {
      t.is(readFileSync(join(out.dir, name), "utf8"), readFileSync(join(committed, name), "utf8"), `${name} is stale; run npm run generate`);
    }
  } finally {
    out.cleanup();
  }
});
