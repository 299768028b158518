/**
 * Side-by-side benchmark: protogate's `serve` against the hand-written Koa proxy
 * (bench/koa-proxy.ts), both in front of the same demo backend, under the same
 * autocannon load, in interleaved rounds.
 *
 *   node dist/bench/run-bench.js [--duration 10] [--connections 32] [--rounds 3] [--warmup 3] [--no-pin]
 *                                [--transport grpc-js|native]
 *
 * Prints a table (req/s, p99, CPU per request, ratio gateway/koa) and writes the whole
 * run as JSON to bench/results/. Every child runs in its own process group and is
 * stopped on exit, on error, on SIGINT/SIGTERM and when the run's deadline passes.
 */
import { execFileSync, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import type { AddressInfo } from "node:net";
import { cpus as listCpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import type { AutocannonResult } from "autocannon";
import { BenchUsageError, ENDPOINTS, fmt, formatTable, median, parseBenchArgs, summarize } from "./bench-report.js";
import type { BenchArgs, ContenderName, Endpoint, Measurement } from "./bench-report.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_DIR = join(REPO_ROOT, "bench", "results");
const GATEWAY_CLI = join(REPO_ROOT, "dist", "src", "cli", "main.js");
const KOA_PROXY = join(REPO_ROOT, "dist", "bench", "koa-proxy.js");
const BACKEND_CHILD = join(REPO_ROOT, "dist", "bench", "backend-child.js");

const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 3_000;
const LOAD_TIMEOUT_S = 10;

/** Thrown when a child does not come up (exit 1). */
export class ChildStartError extends Error {
  override readonly name = "ChildStartError";
}

// --- children

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Last lines of stdout+stderr, for error messages. */
  readonly output: string[];
  exited: boolean;
}

const children = new Set<Child>();

function haveTaskset(): boolean {
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Spawns `node args` in its own process group (pinned to `cpu` when given). */
function spawnNode(name: string, args: readonly string[], cpu: number | undefined): Child {
  const [command, commandArgs] =
    cpu === undefined ? [process.execPath, [...args]] : ["taskset", ["-c", String(cpu), process.execPath, ...args]];
  const proc = spawn(command, commandArgs, { cwd: REPO_ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  if (proc.pid === undefined) throw new ChildStartError(`${name}: could not spawn ${command}`);
  const child: Child = { name, process: proc, pid: proc.pid, output: [], exited: false };
  children.add(child);
  const keep = (chunk: Buffer): void => {
    child.output.push(...chunk.toString("utf8").split("\n").filter((text) => text !== ""));
    child.output.splice(0, Math.max(0, child.output.length - 40));
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  proc.once("exit", () => {
    child.exited = true;
  });
  return child;
}

function waitForExit(child: Child, ms: number): Promise<boolean> {
  if (child.exited) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.process.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** SIGTERM to each child's process group, SIGKILL to those still there after the grace. */
async function stopChildren(): Promise<void> {
  const running = [...children];
  for (const child of running) if (!child.exited) signalGroup(child, "SIGTERM");
  await Promise.all(
    running.map(async (child) => {
      if (!(await waitForExit(child, STOP_GRACE_MS))) signalGroup(child, "SIGKILL");
      children.delete(child);
    }),
  );
}

/** Last resort when the process exits without the async cleanup having run. */
function killChildrenNow(): void {
  for (const child of children) if (!child.exited) signalGroup(child, "SIGKILL");
}

/** The child's last output lines, without stack frames, indented for a message. */
function tail(child: Child): string {
  const lines = child.output.filter((text) => !/^\s+at /.test(text)).slice(-8);
  return lines.length === 0 ? " (no output)" : `\n    ${lines.join("\n    ")}`;
}

/** Resolves with the first match of `pattern` in the child's output. */
function waitForLine(child: Child, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      for (const text of child.output) {
        const match = pattern.exec(text);
        if (match !== null) {
          done();
          resolve(match);
          return true;
        }
      }
      return false;
    };
    const onExit = (): void => {
      // Output may still be buffered in the pipes when exit fires.
      setTimeout(() => {
        if (check()) return;
        done();
        reject(new ChildStartError(`${child.name} exited before it was ready:${tail(child)}`));
      }, 100);
    };
    const timer = setTimeout(() => {
      done();
      reject(new ChildStartError(`${child.name} not ready after ${ms} ms:${tail(child)}`));
    }, ms);
    const poll = setInterval(check, 50);
    const done = (): void => {
      clearTimeout(timer);
      clearInterval(poll);
      child.process.off("exit", onExit);
    };
    if (!check()) child.process.once("exit", onExit);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * The gateway is ready when it logs `listening on http://…` or, since at `level: warn`
 * that info line may be filtered, when its pre-picked port accepts connections.
 */
async function waitForGateway(child: Child, port: number, ms: number): Promise<string> {
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + ms;
  const line = waitForLine(child, /listening on (http:\/\/[^\s"]+)/, ms).then((match) => match[1] as string);
  line.catch(() => {}); // Observed below; avoids an unhandled rejection while polling.
  for (;;) {
    const winner = await Promise.race([line, new Promise<null>((resolve) => setTimeout(() => resolve(null), 100))]);
    if (winner !== null) return winner;
    if (await canConnect(port)) {
      // Someone else could own the pre-picked port: ready only if our child lives on.
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (!child.exited) return url;
    }
    if (Date.now() > deadline) return line;
  }
}

// --- CPU accounting from /proc (Linux); null elsewhere

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** user+system CPU seconds of one process. */
function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return null;
  }
}

interface MachineCpu {
  readonly busy: number;
  readonly steal: number;
  /** Busy seconds of cpu0, cpu1, … */
  readonly perCpu: readonly number[];
}

function busyOf(line: string): { busy: number; steal: number } {
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const t = ticksPerSecond();
  return { busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / t, steal: (steal ?? 0) / t };
}

/** Busy and steal CPU seconds of the whole machine since boot. */
function machineCpuSeconds(): MachineCpu | null {
  try {
    const lines = readFileSync("/proc/stat", "utf8").split("\n");
    const total = busyOf(lines[0] ?? "");
    const perCpu = lines.filter((line) => /^cpu\d+ /.test(line)).map((line) => busyOf(line).busy);
    return { ...total, perCpu };
  } catch {
    return null;
  }
}

interface CpuSnapshot {
  readonly at: number;
  readonly contender: number | null;
  readonly backend: number | null;
  readonly self: number;
  readonly machine: MachineCpu | null;
}

function snapshot(contenderPid: number, backendPid: number): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    contender: processCpuSeconds(contenderPid),
    backend: processCpuSeconds(backendPid),
    self: (self.user + self.system) / 1e6,
    machine: machineCpuSeconds(),
  };
}

// --- load

interface Target {
  readonly name: ContenderName;
  readonly url: string;
  readonly pid: number;
}

async function load(target: Target, endpoint: Endpoint, args: BenchArgs, seconds: number): Promise<AutocannonResult> {
  const instance = autocannon({
    url: `${target.url}${endpoint.path}`,
    method: endpoint.method,
    connections: args.connections,
    duration: seconds,
    timeout: LOAD_TIMEOUT_S,
    ...(endpoint.body === undefined ? {} : { body: endpoint.body, headers: { "content-type": "application/json" } }),
  });
  // autocannon ends by itself after `seconds`; this only guards against a wedged run.
  const guard = setTimeout(() => instance.stop(), (seconds + LOAD_TIMEOUT_S + 5) * 1000);
  try {
    return await instance;
  } finally {
    clearTimeout(guard);
  }
}

async function measure(target: Target, endpoint: Endpoint, args: BenchArgs, round: number, backendPid: number): Promise<Measurement> {
  const before = snapshot(target.pid, backendPid);
  const result = await load(target, endpoint, args, args.duration);
  const after = snapshot(target.pid, backendPid);
  const served = result.requests.total;
  const wall = (after.at - before.at) / 1000;
  const delta = (pick: (s: CpuSnapshot) => number | null): number | null => {
    const a = pick(after);
    const b = pick(before);
    return a === null || b === null ? null : a - b;
  };
  const contenderCpu = delta((s) => s.contender);
  const backendCpu = delta((s) => s.backend);
  const machineBusy = delta((s) => s.machine?.busy ?? null);
  const steal = delta((s) => s.machine?.steal ?? null);
  const ours = contenderCpu === null || backendCpu === null ? null : contenderCpu + backendCpu + (after.self - before.self);
  return {
    contender: target.name,
    endpoint: endpoint.name,
    round,
    reqPerSec: result.requests.average,
    requests: served,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuUsPerReq: contenderCpu === null || served === 0 ? null : (contenderCpu * 1e6) / served,
    otherPct: machineBusy === null || ours === null ? null : Math.max(0, ((machineBusy - ours) / wall) * 100),
    stealPct: steal === null ? null : (steal / wall) * 100,
    cpuBusyPct:
      before.machine === null || after.machine === null
        ? null
        : after.machine.perCpu.map((busy, cpu) => ((busy - (before.machine?.perCpu[cpu] ?? busy)) / wall) * 100),
  };
}

export interface Probe {
  readonly contender: ContenderName;
  readonly endpoint: string;
  readonly status: number | null;
  readonly bytes: number;
  readonly error?: string;
  /** The response body, for the results file: the two sides' JSON is not the same. */
  readonly sample?: unknown;
}

async function probe(target: Target, endpoint: Endpoint): Promise<Probe> {
  try {
    const response = await fetch(`${target.url}${endpoint.path}`, {
      method: endpoint.method,
      ...(endpoint.body === undefined ? {} : { body: endpoint.body, headers: { "content-type": "application/json" } }),
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    let sample: unknown = text;
    try {
      sample = JSON.parse(text) as unknown;
    } catch {
      // Kept as text.
    }
    return { contender: target.name, endpoint: endpoint.name, status: response.status, bytes: Buffer.byteLength(text), sample };
  } catch (error: unknown) {
    return { contender: target.name, endpoint: endpoint.name, status: null, bytes: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

// --- the run

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

interface Layout {
  readonly contenderCpu: number | undefined;
  readonly backendCpu: number | undefined;
  readonly loadCpu: number | undefined;
}

/** Contenders alone on cpu 0; backend and load on cpu 1 (separate cpus from 3 up). */
function cpuLayout(pin: boolean, cpus: number): Layout {
  if (!pin || cpus < 2 || !haveTaskset()) return { contenderCpu: undefined, backendCpu: undefined, loadCpu: undefined };
  return { contenderCpu: 0, backendCpu: cpus >= 3 ? 2 : 1, loadCpu: 1 };
}

export async function runBench(args: BenchArgs): Promise<void> {
  const startedAt = new Date();
  // Counted before pinning ourselves: after it, the affinity mask says one cpu.
  const cpus = listCpus().length;
  const layout = cpuLayout(args.pin, cpus);
  if (layout.loadCpu !== undefined) execFileSync("taskset", ["-pc", String(layout.loadCpu), String(process.pid)], { stdio: "ignore" });
  log(`cpus: ${cpus}, pinning: ${layout.contenderCpu === undefined ? "off" : `contenders cpu ${layout.contenderCpu}, backend cpu ${layout.backendCpu}, load cpu ${layout.loadCpu}`}`);

  const scratch = mkdtempSync(join(tmpdir(), "protogate-run-bench."));
  try {
    const backend = spawnNode("backend", [BACKEND_CHILD, "--listen", "127.0.0.1:0"], layout.backendCpu);
    const backendAddress = (await waitForLine(backend, /backend listening on (\S+)/, READY_TIMEOUT_MS))[1] as string;
    log(`backend on ${backendAddress} (pid ${backend.pid})`);

    const targets: Target[] = [];
    const notes: string[] = [];

    const configPath = join(scratch, "gateway.yaml");
    // --backend below replaces the "*" entry's address and keeps its transport.
    const backends = `backends:\n  - selector: "*"\n    address: "${backendAddress}"\n    transport: ${args.transport}\n`;
    writeFileSync(configPath, `logging:\n  level: warn\n${backends}`);
    const gatewayPort = await freePort();
    const gateway = spawnNode(
      "gateway",
      // As the `protogate` bin runs it (its shebang; src/cli/main.ts says why).
      ["--single-threaded-gc", GATEWAY_CLI, "serve", "--proto-path", "protos", "--backend", backendAddress, "--listen", `127.0.0.1:${gatewayPort}`, "--config", configPath],
      layout.contenderCpu,
    );
    try {
      const url = await waitForGateway(gateway, gatewayPort, READY_TIMEOUT_MS);
      targets.push({ name: "gateway", url, pid: gateway.pid });
      log(`gateway on ${url} (pid ${gateway.pid})`);
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      notes.push(`gateway not measured: ${message}`);
      log(`gateway not measured: ${message}`);
      signalGroup(gateway, "SIGKILL");
    }

    const koa = spawnNode("koa", [KOA_PROXY, "--backend", backendAddress, "--listen", "127.0.0.1:0"], layout.contenderCpu);
    const koaUrl = (await waitForLine(koa, /koa-proxy listening on (\S+)/, READY_TIMEOUT_MS))[1] as string;
    targets.push({ name: "koa", url: koaUrl, pid: koa.pid });
    log(`koa on ${koaUrl} (pid ${koa.pid})`);

    // One request each first: a contender that does not answer 200 is not measured there.
    const probes: Probe[] = [];
    for (const endpoint of ENDPOINTS) for (const target of targets) probes.push(await probe(target, endpoint));
    for (const p of probes) {
      log(`check ${p.contender} ${p.endpoint}: ${p.status ?? p.error} (${p.bytes} B)`);
      if (p.status !== 200) notes.push(`${p.contender} ${p.endpoint} not measured: ${p.status === null ? p.error : `status ${p.status}`}`);
    }
    const usable = (target: Target, endpoint: Endpoint): boolean =>
      probes.some((p) => p.contender === target.name && p.endpoint === endpoint.name && p.status === 200);

    const measurements: Measurement[] = [];
    for (const endpoint of ENDPOINTS) {
      const here = targets.filter((target) => usable(target, endpoint));
      if (args.warmup > 0) {
        for (const target of here) {
          log(`warm-up ${target.name} ${endpoint.name} ${args.warmup}s`);
          await load(target, endpoint, args, args.warmup);
        }
      }
      for (let round = 1; round <= args.rounds; round++) {
        // Alternate who goes first, so neither side always runs on a fresher backend.
        const order = round % 2 === 1 ? here : [...here].reverse();
        for (const target of order) {
          const m = await measure(target, endpoint, args, round, backend.pid);
          measurements.push(m);
          log(
            `${endpoint.name} round ${round} ${target.name}: ${m.reqPerSec.toFixed(0)} req/s, p99 ${m.p99Ms} ms, ` +
              `${fmt(m.cpuUsPerReq)} µs/req, non2xx ${m.non2xx}, errors ${m.errors}, other ${fmt(m.otherPct)}%, steal ${fmt(m.stealPct)}%, busy% per cpu ${m.cpuBusyPct?.map((pct) => fmt(pct)).join("/") ?? "-"}`,
          );
        }
      }
    }

    const summary = summarize(
      measurements,
      ENDPOINTS.map((endpoint) => endpoint.name),
    );
    const table = formatTable(summary);
    process.stdout.write(`\n${table}\n`);
    process.stdout.write(
      `\nautocannon -c ${args.connections}, ${args.duration}s per measurement, ${args.rounds} interleaved rounds, ${args.warmup}s warm-up; gateway transport ${args.transport}; ` +
        `req/s: median (min..max); ratio: median of per-round gateway/koa [min-max]\n`,
    );
    const noise = (pick: (m: Measurement) => number | null): string => {
      const values = measurements.map(pick).filter((value): value is number => value !== null);
      return values.length === 0 ? "-" : `${fmt(median(values))}% (max ${fmt(Math.max(...values))}%)`;
    };
    process.stdout.write(`other processes: ${noise((m) => m.otherPct)} of a cpu; steal: ${noise((m) => m.stealPct)}\n`);
    for (const note of notes) process.stdout.write(`note: ${note}\n`);

    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          finishedAt: new Date().toISOString(),
          args,
          machine: { cpus, node: process.version, layout },
          endpoints: ENDPOINTS,
          notes,
          probes,
          // What the children printed last (the gateway logs at warn, so this is its warnings).
          childOutput: Object.fromEntries([...children].map((child) => [child.name, child.output])),
          measurements,
          summary,
        },
        null,
        2,
      )}\n`,
    );
    process.stdout.write(`results: ${file}\n`);
  } finally {
    await stopChildren();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Wall-clock bound for the whole run: every load, plus start-up, plus slack. */
export function deadlineSeconds(args: BenchArgs): number {
  const perContender = ENDPOINTS.length * (args.warmup + args.rounds * args.duration);
  return 2 * perContender + 2 * ENDPOINTS.length * (args.rounds + 1) * 2 + 60;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const limit = deadlineSeconds(args);
  const watchdog = setTimeout(() => {
    log(`run exceeded ${limit}s; stopping`);
    void stopChildren().finally(() => process.exit(1));
  }, limit * 1000);
  watchdog.unref();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void stopChildren().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
  process.once("exit", killChildrenNow);
  await runBench(args);
  clearTimeout(watchdog);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`run-bench: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopChildren();
  process.exit(error instanceof BenchUsageError ? 2 : 1);
});
