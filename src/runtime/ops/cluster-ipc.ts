import cluster from "node:cluster";

/**
 * The messages between `protogate serve --workers N`'s primary and its workers (node:cluster
 * IPC). The worker side lives here, in runtime/, because the rate limiter and /metrics need
 * it; the primary side is src/cli/cluster.ts.
 */

/** Set by the primary in every worker's environment: only its workers speak this protocol. */
export const WORKER_ENV = "PROTOGATE_CLUSTER_WORKER";

export const LISTENING = "protogate:listening";
export const METRICS_REQUEST = "protogate:metrics-request";
export const METRICS_RESPONSE = "protogate:metrics-response";

/** Worker → primary: listening; `line` is the ready line the primary prints once for all. */
export interface ListeningMessage {
  readonly type: typeof LISTENING;
  readonly line: string;
}
/** Worker → primary: send me every worker's metrics, aggregated. */
export interface MetricsRequest {
  readonly type: typeof METRICS_REQUEST;
  readonly id: number;
}
/** Primary → worker: the aggregate exposition text, or why there is none. */
export interface MetricsResponse {
  readonly type: typeof METRICS_RESPONSE;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

// The primary answers within prom-client's own 5 s; a little more here so its error wins.
const METRICS_TIMEOUT_MS = 6_000;

/** True in a worker forked by protogate's primary (not in a cluster someone else runs). */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] !== undefined;
}

export function isMessage<T extends { readonly type: string }>(message: unknown, type: T["type"]): message is T {
  return typeof message === "object" && message !== null && (message as { type?: unknown }).type === type;
}

/** Tells the primary this worker is listening (it prints the ready line once every worker is). */
export function announceListening(line: string): void {
  const message: ListeningMessage = { type: LISTENING, line };
  process.send?.(message);
}

let nextId = 0;
const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
let listening = false;

/** Every worker's metrics, summed by the primary (prom-client's AggregatorRegistry). */
export function fetchClusterMetrics(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on("message", (message: unknown) => {
      if (!isMessage<MetricsResponse>(message, METRICS_RESPONSE)) return;
      const request = pending.get(message.id);
      if (request === undefined) return;
      pending.delete(message.id);
      clearTimeout(request.timer);
      if (message.text !== undefined) request.resolve(message.text);
      else request.reject(new Error(`cluster metrics: ${message.error ?? "no answer"}`));
    });
  }
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error("cluster metrics: the primary did not answer in time"));
    }, METRICS_TIMEOUT_MS);
    // A pending /metrics must not keep a draining worker alive.
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    const request: MetricsRequest = { type: METRICS_REQUEST, id };
    process.send?.(request);
  });
}
