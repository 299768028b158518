// `npm start`: the library backend plus the gateway in front of it, for trying
// protogate by hand. Env: DEMO_BACKEND_PORT (50051), LISTEN (host:port) or PORT (8080).
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { startLibraryBackend } from "./library-backend.js";
import { exampleCurls } from "./demo-curls.js";
import { GATEWAY_CLI, REPO_ROOT } from "./demo-paths.js";

const READY = /listening on (http:\/\/\S+?)["\s,]/;
const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGTERM: 15 };

function fail(message: string): never {
  process.stderr.write(`start-demo: ${message}\n`);
  process.exit(1);
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) fail(`${name} "${value}" is not a port number`);
  return parsed;
}

const backendPort = port(process.env["DEMO_BACKEND_PORT"], 50051, "DEMO_BACKEND_PORT");
const listen = process.env["LISTEN"] || `127.0.0.1:${port(process.env["PORT"], 8080, "PORT")}`;

let backend: Awaited<ReturnType<typeof startLibraryBackend>>;
try {
  backend = await startLibraryBackend(`127.0.0.1:${backendPort}`, {
    log: (line) => process.stderr.write(`[library-backend] ${line}\n`),
  });
} catch (error: unknown) {
  fail(`cannot start the library backend on 127.0.0.1:${backendPort}: ${error instanceof Error ? error.message : String(error)}`);
}
process.stderr.write(`[library-backend] serving library.v1.LibraryService on ${backend.address}\n`);

// Own process group, so a terminal's Ctrl-C reaches the gateway once (forwarded by us),
// not twice. stdout/stderr are piped only to spot the ready line; all of it is echoed.
const gateway = spawn(
  process.execPath,
  [GATEWAY_CLI, "serve", "--config", "demo/demo-config.yaml", "--proto-path", "protos", "--backend", backend.address, "--listen", listen],
  { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true },
);

let announced = false;
function watch(from: Readable, to: Writable): void {
  let pending = "";
  from.on("data", (chunk: Buffer) => {
    to.write(chunk);
    if (announced) return;
    pending = (pending + chunk.toString("utf8")).slice(-4096);
    const match = READY.exec(pending);
    if (match?.[1] !== undefined) {
      announced = true;
      const base = match[1];
      process.stderr.write(`\nprotogate demo ready. Try:\n${exampleCurls(base).map((line) => `  ${line}`).join("\n")}\n\n`);
    }
  });
}
watch(gateway.stdout, process.stdout);
watch(gateway.stderr, process.stderr);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill(signal);
  });
}
// If this process dies some other way, do not leave the detached gateway behind.
process.on("exit", () => {
  if (gateway.exitCode === null && gateway.signalCode === null) gateway.kill("SIGTERM");
});

gateway.on("error", (error) => {
  process.stderr.write(`start-demo: cannot run the gateway (${GATEWAY_CLI}): ${error.message}\n`);
});
gateway.on("close", (code, signal) => {
  const exitCode = code ?? (signal === null ? 1 : 128 + (SIGNAL_NUMBERS[signal] ?? 0));
  void backend.stop().finally(() => process.exit(exitCode));
});
