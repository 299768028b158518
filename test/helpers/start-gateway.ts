import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";
import { CLI, REPO_ROOT } from "./paths.js";

export interface GatewayProcess {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs the real CLI (`protogate serve … --listen 127.0.0.1:0`) and waits for its ready
 * line, which names the address it listens on. `stdoutFile`: stdout goes to that regular
 * file (the gateway writes its log differently to a file than to a pipe), and output()
 * reads it back.
 */
export async function startGateway(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { readonly stdoutFile?: string } = {},
): Promise<GatewayProcess> {
  const fileFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, "w");
  const child = spawn(process.execPath, [CLI, "serve", "--listen", "127.0.0.1:0", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", fileFd ?? "pipe", "pipe"],
  });
  if (fileFd !== undefined) closeSync(fileFd);
  let streamed = "";
  const output = (): string => (options.stdoutFile === undefined ? streamed : readFileSync(options.stdoutFile, "utf8") + streamed);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not become ready:\n${output()}`)), 20_000);
    const check = (): boolean => {
      const match = /listening on (https?:\/\/[^\s"]+)/.exec(output());
      if (!match?.[1]) return false;
      clearTimeout(timer);
      clearInterval(poll);
      resolve(match[1]);
      return true;
    };
    // A file has no data events: look at it until the ready line is there.
    const poll = setInterval(() => options.stdoutFile !== undefined && check(), 20);
    const onData = (chunk: Buffer): void => {
      streamed += chunk.toString();
      check();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`gateway exited with ${String(code)} before it was ready:\n${output()}`));
    });
  });
  return {
    url,
    process: child,
    output,
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs the CLI to completion; returns its exit code and output. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
