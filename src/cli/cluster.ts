import cluster from "node:cluster";
import type { Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { pino } from "pino";
import { AggregatorRegistry } from "prom-client";
import { RateLimiterClusterMaster } from "rate-limiter-flexible";
import { loadGenerated } from "../runtime/load-generated.js";
import { resolvePolicies } from "../runtime/policy/resolve-policy.js";
import { LISTENING, METRICS_REQUEST, METRICS_RESPONSE, WORKER_ENV, isMessage } from "../runtime/ops/cluster-ipc.js";
import type { ListeningMessage, MetricsRequest, MetricsResponse } from "../runtime/ops/cluster-ipc.js";
import { buildApi } from "./build-table.js";
import { configFromFlags } from "./config-from-flags.js";
import { ExitCode, UsageError } from "./exit-codes.js";
import type { CommandFlags } from "./main.js";

// A crashed worker comes back after 250 ms, 500 ms, 1 s, … at most 10 s; a worker that
// ran a minute before crashing starts the series again.
const RESTART_BASE_MS = 250;
const RESTART_MAX_MS = 10_000;
const STABLE_MS = 60_000;

/** `--workers N` (a whole number ≥ 1) or `--workers auto` (the CPUs this process may run on). */
export function parseWorkers(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // availableParallelism honours the CPU affinity mask (taskset, cpusets), not a cgroup CPU quota.
  if (text === "auto") return availableParallelism();
  if (!/^[1-9][0-9]{0,3}$/.test(text)) throw new UsageError(`serve: --workers must be a whole number from 1 to 9999 or "auto" (got "${text}")`);
  return Number(text);
}

/**
 * `protogate serve --workers N` with N > 1: this process is the node:cluster primary. It
 * validates the config and protos first (bad input exits 2 before any fork), forks N workers
 * that each run the ordinary serve path on the shared listen address, holds the one
 * in-memory rate-limit budget and sums /metrics, prints the ready line once every worker
 * listens, restarts crashed workers, and on SIGTERM/SIGINT lets every worker drain.
 */
export async function runCluster(flags: CommandFlags, count: number): Promise<number> {
  const config = configFromFlags(flags);
  const { table } = flags.generated === undefined ? buildApi(config) : loadGenerated(flags.generated);
  // Policy errors (an RPC that requires auth and no provider) are bad input too.
  resolvePolicies(table, config);
  const logger = pino({ level: config.logging.level, base: undefined });

  // Workers' RateLimiterCluster limiters consume from this process's memory: one budget.
  new RateLimiterClusterMaster();
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker: Worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, METRICS_REQUEST)) return;
    const reply = (answer: Omit<MetricsResponse, "type" | "id">): void => {
      if (worker.isConnected()) worker.send({ type: METRICS_RESPONSE, id: message.id, ...answer } satisfies MetricsResponse);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });

  return new Promise<number>((resolve) => {
    let phase: "starting" | "running" | "stopping" = "starting";
    let exitCode: number = ExitCode.OK;
    const live = new Map<Worker, { readonly slot: number; readonly startedAt: number }>();
    const listened = new Set<number>();
    const crashes: number[] = Array.from({ length: count }, () => 0);
    const restarts = new Set<NodeJS.Timeout>();

    const finishIfDone = (): void => {
      if (phase === "stopping" && live.size === 0) {
        logger.info({ msg: "stopped" });
        resolve(exitCode);
      }
    };
    const stop = (signal: NodeJS.Signals | undefined): void => {
      if (phase === "stopping") return;
      phase = "stopping";
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      if (signal !== undefined) logger.info({ msg: "shutting down", signal, workers: live.size });
      // Each worker drains as a single process would (SPEC §8); SIGTERM even for a SIGINT,
      // so a worker that also got the terminal's SIGINT sees two different signals, not one twice.
      for (const worker of live.keys()) worker.process.kill("SIGTERM");
      finishIfDone();
    };

    const fork = (slot: number): void => {
      const worker = cluster.fork({ [WORKER_ENV]: String(slot) });
      live.set(worker, { slot, startedAt: Date.now() });
      worker.on("message", (message: unknown) => {
        if (!isMessage<ListeningMessage>(message, LISTENING)) return;
        if (listened.has(slot)) {
          logger.info({ worker: slot, pid: worker.process.pid }, "restarted worker listening");
          return;
        }
        listened.add(slot);
        if (listened.size === count && phase === "starting") {
          phase = "running";
          // The one ready line, worker's own text: same format and port as a single process.
          process.stdout.write(message.line);
        }
      });
      worker.on("exit", (code: number | null, signal: string | null) => {
        const started = live.get(worker)?.startedAt ?? Date.now();
        live.delete(worker);
        if (phase === "stopping") {
          // Killed by our SIGTERM before it could install its handler is a clean stop too.
          if (code !== 0 && signal !== "SIGTERM" && exitCode === ExitCode.OK) exitCode = ExitCode.FAILURE;
          finishIfDone();
          return;
        }
        if (phase === "starting") {
          // It would fail the same way again (a port in use, an unreadable certificate): give up.
          logger.error({ worker: slot, pid: worker.process.pid, code, signal }, "worker exited before listening; stopping the other workers");
          exitCode = code !== null && code !== 0 ? code : ExitCode.FAILURE;
          stop(undefined);
          return;
        }
        const count = Date.now() - started >= STABLE_MS ? 1 : (crashes[slot] ?? 0) + 1;
        crashes[slot] = count;
        const delayMs = Math.min(RESTART_BASE_MS * 2 ** (count - 1), RESTART_MAX_MS);
        logger.error({ worker: slot, pid: worker.process.pid, code, signal, restartInMs: delayMs }, "worker exited; restarting it");
        const timer = setTimeout(() => {
          restarts.delete(timer);
          fork(slot);
        }, delayMs);
        restarts.add(timer);
      });
    };

    // `on`, not `once`: a second signal must not kill the primary under draining workers.
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    for (let slot = 0; slot < count; slot++) fork(slot);
  });
}
