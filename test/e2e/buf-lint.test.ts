import test from "ava";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/paths.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

// The real buf from @bufbuild/buf, as `npm run lint` runs it; no network needed.
const BUF = join(REPO_ROOT, "node_modules", ".bin", "buf");

interface BufResult {
  code: number;
  stdout: string;
  stderr: string;
}

function buf(args: readonly string[], cwd: string): Promise<BufResult> {
  return new Promise((resolve) => {
    execFile(BUF, [...args], { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

test("buf lint: the repository's protos pass with buf.yaml", async (t) => {
  const result = await buf(["lint"], REPO_ROOT);
  t.is(result.stdout + result.stderr, "");
  t.is(result.code, 0);
});

test("buf build: protos build offline against the bundled googleapis", async (t) => {
  const result = await buf(["build", "-o", "-#format=json", "--path", "protos/library/v1/library.proto"], REPO_ROOT);
  t.is(result.code, 0, result.stderr);
  const image = JSON.parse(result.stdout) as { file: Array<{ name: string; service?: Array<{ name: string; method: unknown[] }> }> };
  const library = image.file.find((file) => file.name === "library/v1/library.proto");
  t.is(library?.service?.[0]?.name, "LibraryService");
  t.is(library?.service?.[0]?.method.length, 16);
});

test("buf format: protos are already formatted", async (t) => {
  const result = await buf(["format", "-d", "--exit-code", "protos"], REPO_ROOT);
  t.is(result.stdout, "");
  t.is(result.code, 0);
});

test("buf lint: without buf.yaml's except list, only the two documented rules fire", async (t) => {
  const config = {
    version: "v2",
    modules: [{ path: "protos" }, { path: "bundled" }],
    lint: { use: ["STANDARD"], ignore: ["bundled"] },
  };
  const result = await buf(["lint", "--config", JSON.stringify(config), "--error-format", "json"], REPO_ROOT);
  t.is(result.code, 100);
  const rules = new Set(
    result.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { type: string }).type),
  );
  t.deepEqual([...rules].sort(), ["RPC_REQUEST_RESPONSE_UNIQUE", "RPC_RESPONSE_STANDARD_NAME"]);
});

test("buf lint: a bad proto in a temp module fails with buf's message", async (t) => {
  const files = writeTempFiles({
    "buf.yaml": "version: v2\nlint:\n  use: [STANDARD]\n",
    "bad/v1/bad.proto": 'syntax = "proto3";\n\npackage bad.v1;\n\nmessage Thing {\n  string BadField = 1;\n}\n',
  });
  t.teardown(files.cleanup);
  const result = await buf(["lint"], files.dir);
  t.is(result.code, 100);
  t.is(result.stdout, 'bad/v1/bad.proto:6:10:Field name "BadField" should be lower_snake_case, such as "bad_field".\n');
});
