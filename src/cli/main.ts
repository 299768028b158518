#!/usr/bin/env -S node --single-threaded-gc
// V8's GC helper threads (parallel scavenge, concurrent marking) cannot run beside the event
// loop on one core (a pinned or CPU-limited pod, one `--workers` process per core): they take
// turns with it. On GetBook at one core they stretched scavenges to 6 ms and brought a 6–11 ms
// mark-compact every 1–2 s; single-threaded, scavenges stayed under 2 ms, no mark-compact ran
// in 8 s, and the p99 halved (bench/README.md). `node dist/src/cli/main.js` runs without it.
import { parseArgs } from "node:util";
import { ExitCode, UsageError } from "./exit-codes.js";
import { COMMAND_USAGE, MAIN_USAGE } from "./usage.js";
import { VERSION } from "./version.js";
import { exitCodeFor } from "./report-error.js";
import { runGenerate } from "./generate.js";
import { runServe } from "./serve.js";
import { runOpenapi } from "./openapi.js";
import { parseWorkers, runCluster } from "./cluster.js";
import { isClusterWorker } from "../runtime/ops/cluster-ipc.js";

/** Flags each command accepts; parseArgs rejects the rest (exit 2). */
const OPTIONS = {
  generate: { config: { type: "string" }, "proto-path": { type: "string", multiple: true }, out: { type: "string" }, help: { type: "boolean" } },
  serve: {
    config: { type: "string" },
    "proto-path": { type: "string", multiple: true },
    backend: { type: "string" },
    listen: { type: "string" },
    generated: { type: "string" },
    workers: { type: "string" },
    help: { type: "boolean" },
  },
  openapi: { config: { type: "string" }, "proto-path": { type: "string", multiple: true }, out: { type: "string" }, help: { type: "boolean" } },
} as const;

export interface CommandFlags {
  readonly config?: string | undefined;
  readonly protoPaths: readonly string[];
  readonly out?: string | undefined;
  readonly backend?: string | undefined;
  readonly listen?: string | undefined;
  readonly generated?: string | undefined;
  /** serve: processes to run (node:cluster); 1 or absent is today's single process. */
  readonly workers?: number | undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${MAIN_USAGE}\n`);
    return command === undefined ? ExitCode.BAD_INPUT : ExitCode.OK;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${VERSION}\n`);
    return ExitCode.OK;
  }
  if (command !== "generate" && command !== "serve" && command !== "openapi") {
    throw new UsageError(`unknown command "${command}" (expected generate, serve or openapi; see protogate --help)`);
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: [...rest], options: OPTIONS[command], allowPositionals: false, strict: true }).values;
  } catch (error: unknown) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)} (see protogate ${command} --help)`);
  }
  if (values.help === true) {
    process.stdout.write(`${COMMAND_USAGE[command]}\n`);
    return ExitCode.OK;
  }
  const flags: CommandFlags = {
    config: values.config as string | undefined,
    protoPaths: (values["proto-path"] as string[] | undefined) ?? [],
    out: values.out as string | undefined,
    backend: values.backend as string | undefined,
    listen: values.listen as string | undefined,
    generated: values.generated as string | undefined,
    workers: parseWorkers(values.workers as string | undefined),
  };
  switch (command) {
    case "generate":
      return runGenerate(flags);
    case "openapi":
      return runOpenapi(flags);
    case "serve":
      // A worker (forked with the same argv) runs the ordinary path; so does --workers 1.
      return (flags.workers ?? 1) > 1 && !isClusterWorker() ? runCluster(flags, flags.workers ?? 1) : runServe(flags);
  }
}

const isServe = process.argv[2] === "serve";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // serve resolves only after a drained shutdown: leftover handles (channels, timers) must not keep us alive.
    if (isServe) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`protogate: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = exitCodeFor(error);
    // A cluster worker's IPC channel would keep it alive; the primary waits for its exit.
    if (isClusterWorker()) process.exit(process.exitCode);
  },
);
