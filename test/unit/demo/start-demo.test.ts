import test from "ava";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "../../helpers/paths.js";

const START_DEMO = fileURLToPath(new URL("../../../demo/start-demo.js", import.meta.url));

// Runs the real `npm start` entry point: demo backend + the gateway CLI, on free ports.
test("start-demo: serves the library through the gateway and exits 0 on SIGTERM", async (t) => {
  const child = spawn(process.execPath, [START_DEMO], {
    cwd: REPO_ROOT,
    env: { ...process.env, DEMO_BACKEND_PORT: "0", LISTEN: "127.0.0.1:0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /protogate demo ready\. Try:\n\s+curl -s (http:\/\/[^/\s]+)\//.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`start-demo exited ${code} before ready:\n${stdout}\n${stderr}`)));
  });
  const response = await fetch(`${base}/v1/shelves/fiction/books/dune`);
  t.is(response.status, 200);
  t.is(response.headers.get("grpc-metadata-x-library-version"), "1.0.0");
  t.like(await response.json(), { name: "shelves/fiction/books/dune", title: "Dune", wordCount: "188000" });
  const missing = await fetch(`${base}/v1/shelves/fiction/books/missing`);
  t.is(missing.status, 404);
  t.like(await missing.json(), { code: 5, message: 'book "shelves/fiction/books/missing" not found' });
  child.kill("SIGTERM");
  t.is(await exited, 0);
  t.regex(stderr, /\[library-backend\] GetBook NOT_FOUND: book "shelves\/fiction\/books\/missing" not found/);
});
