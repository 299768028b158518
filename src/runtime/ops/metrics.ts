import type { Middleware } from "koa";
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { SeriesCounter, SeriesHistogram } from "./metric-series.js";
import type { CounterSeries, HistogramSeries } from "./metric-series.js";
import { Code } from "../errors/gateway-error.js";
import { CLIENT_CLOSED, clientClosedFirst } from "../request-context.js";
import { requestState } from "../request-state.js";
import { fetchClusterMetrics, isClusterWorker } from "./cluster-ipc.js";

/**
 * Prometheus metrics of one gateway (SPEC §8), on a registry of its own so two gateways in
 * one process (tests) never share counters. Label values are bounded: RPC full names from
 * the route table, `unmatched` (404/405/bad path) or `ops` (/healthz, /metrics, …), gRPC
 * code names, backend addresses from the config, and the closed reason sets below — never
 * a raw path, header or token.
 *
 * The `record*` methods are the hooks policies call (auth, rate limits, cache); they
 * cost a map lookup and an add.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: SeriesCounter<"rpc" | "code" | "grpc_code">;
  private readonly duration: SeriesHistogram<"rpc">;
  private readonly inFlight: Gauge;
  private readonly backendDuration: SeriesHistogram<"rpc" | "grpc_code">;
  // The per-request series, resolved on first use. Entries are only ever added (RPC names
  // and codes are bounded), so these maps never churn.
  private readonly durationByRpc = new Map<string, HistogramSeries>();
  private readonly backendByRpc = new Map<string, HistogramSeries[]>();
  private readonly requestsByRpc = new Map<string, Map<number, CounterSeries>>();
  private readonly backendErrors: Counter<"backend" | "rpc" | "grpc_code">;
  private readonly breakerState: Gauge<"backend">;
  private readonly backendUp: Gauge<"backend">;
  private readonly authSuccesses: Counter<"rpc">;
  private readonly authFailures: Counter<"rpc" | "reason">;
  private readonly rateLimited: Counter<"rpc">;
  private readonly rateLimitStoreErrors: Counter<"outcome">;
  private readonly cacheHits: Counter<"rpc">;
  private readonly cacheMisses: Counter<"rpc">;
  private readonly cacheStoreErrors: Counter<"operation">;
  private readonly cluster: boolean;

  /**
   * `cluster` (default: in a `serve --workers N` worker): /metrics serves the sum over every
   * worker, which the primary collects; this registry is the one the primary asks for.
   */
  constructor(options: { readonly defaultMetrics?: boolean; readonly cluster?: boolean } = {}) {
    this.cluster = options.cluster ?? isClusterWorker();
    if (this.cluster) {
      AggregatorRegistry.setRegistries(this.registry);
      // Constructing one is what makes prom-client answer the primary's requests in a worker.
      new AggregatorRegistry();
    }
    const registers = [this.registry];
    // Node process metrics (CPU, memory, event-loop lag, GC) under the usual names.
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.requests = new SeriesCounter({
      name: "protogate_http_requests_total",
      help: "HTTP requests answered, by RPC, HTTP status code and gRPC code name.",
      labelNames: ["rpc", "code", "grpc_code"],
      registers,
    });
    this.duration = new SeriesHistogram({
      name: "protogate_http_request_duration_seconds",
      help: "Time from request to the end of the response, in the gateway.",
      labelNames: ["rpc"],
      // 1 ms … 10 s: a gateway hop is usually a few ms; timeouts sit in the seconds.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.inFlight = new Gauge({
      name: "protogate_http_requests_in_flight",
      help: "Requests being handled now.",
      registers,
    });
    this.backendDuration = new SeriesHistogram({
      name: "protogate_backend_request_duration_seconds",
      help: "Time of the unary gRPC call to the backend, retries included.",
      labelNames: ["rpc", "grpc_code"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.backendErrors = new Counter({
      name: "protogate_backend_errors_total",
      help: "Backend calls that ended with UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, UNKNOWN or DATA_LOSS (the backend's or the network's fault).",
      labelNames: ["backend", "rpc", "grpc_code"],
      registers,
    });
    this.breakerState = new Gauge({
      name: "protogate_backend_circuit_state",
      help: "Circuit breaker per backend: 0 closed, 1 open (failing fast with 503), 2 half-open.",
      labelNames: ["backend"],
      // Across workers (each has its own breaker): the worst state, not a sum.
      aggregator: "max",
      registers,
    });
    this.backendUp = new Gauge({
      name: "protogate_backend_up",
      help: "1 when the last readiness check reached the backend, else 0.",
      labelNames: ["backend"],
      // Across workers: up only if every worker's last check reached it.
      aggregator: "min",
      registers,
    });
    this.authSuccesses = new Counter({
      name: "protogate_auth_successes_total",
      help: "Requests whose token was verified.",
      labelNames: ["rpc"],
      registers,
    });
    this.authFailures = new Counter({
      name: "protogate_auth_failures_total",
      help: "Requests refused by authentication (401) or authorization (403), by reason.",
      labelNames: ["rpc", "reason"],
      registers,
    });
    this.rateLimited = new Counter({
      name: "protogate_rate_limit_rejections_total",
      help: "Requests answered 429 by a rate limit.",
      labelNames: ["rpc"],
      registers,
    });
    this.rateLimitStoreErrors = new Counter({
      name: "protogate_rate_limit_store_errors_total",
      help: "Rate-limit store calls that failed or timed out, by what the gateway did (allow or deny).",
      labelNames: ["outcome"],
      registers,
    });
    this.cacheHits = new Counter({
      name: "protogate_cache_hits_total",
      help: "Responses served from the response cache (304s included).",
      labelNames: ["rpc"],
      registers,
    });
    this.cacheMisses = new Counter({
      name: "protogate_cache_misses_total",
      help: "Cacheable requests that went to the backend.",
      labelNames: ["rpc"],
      registers,
    });
    this.cacheStoreErrors = new Counter({
      name: "protogate_cache_store_errors_total",
      help: "Redis cache store calls that failed or timed out (the request then went to the backend), by operation.",
      labelNames: ["operation"],
      registers,
    });
  }

  /** The exposition text and its content type, for /metrics. */
  async render(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: this.cluster ? await fetchClusterMetrics() : await this.registry.metrics() };
  }

  recordBackendCall(backend: string, rpc: string, code: number, seconds: number): void {
    let byCode = this.backendByRpc.get(rpc);
    if (byCode === undefined) {
      byCode = [];
      this.backendByRpc.set(rpc, byCode);
    }
    const index = codeIndex(code);
    (byCode[index] ??= this.backendDuration.seriesFor({ rpc, grpc_code: codeName(index) })).observe(seconds);
    if (BACKEND_FAULTS.has(code)) this.backendErrors.inc({ backend, rpc, grpc_code: codeName(code) });
  }

  recordCircuitState(backend: string, state: CircuitState): void {
    this.breakerState.set({ backend }, CIRCUIT_STATES[state]);
  }

  recordBackendUp(backend: string, up: boolean): void {
    this.backendUp.set({ backend }, up ? 1 : 0);
  }

  recordAuthSuccess(rpc: string): void {
    this.authSuccesses.inc({ rpc });
  }

  recordAuthFailure(rpc: string, reason: AuthFailureReason): void {
    this.authFailures.inc({ rpc, reason });
  }

  recordRateLimitRejection(rpc: string): void {
    this.rateLimited.inc({ rpc });
  }

  recordRateLimitStoreError(outcome: "allow" | "deny"): void {
    this.rateLimitStoreErrors.inc({ outcome });
  }

  recordCacheHit(rpc: string): void {
    this.cacheHits.inc({ rpc });
  }

  recordCacheMiss(rpc: string): void {
    this.cacheMisses.inc({ rpc });
  }

  recordCacheStoreError(operation: "get" | "set"): void {
    this.cacheStoreErrors.inc({ operation });
  }

  /** @internal the HTTP side, used by metricsMiddleware. */
  startRequest(): (rpc: string, status: number, grpcCode: number | undefined) => void {
    this.requestStarted();
    const started = process.hrtime.bigint();
    return (rpc, status, grpcCode) => this.requestFinished(rpc, status, grpcCode, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /** @internal the direct lane's halves of startRequest: no closure per request, its own clock. */
  requestStarted(): void {
    this.inFlight.inc();
  }

  /** @internal */
  requestFinished(rpc: string, status: number, grpcCode: number | undefined, seconds: number): void {
    this.inFlight.dec();
    let duration = this.durationByRpc.get(rpc);
    if (duration === undefined) {
      duration = this.duration.seriesFor({ rpc });
      this.durationByRpc.set(rpc, duration);
    }
    duration.observe(seconds);
    this.requestSeries(rpc, status, grpcCode).inc();
  }
  private requestSeries(rpc: string, status: number, grpcCode: number | undefined): CounterSeries {
    let byKey = this.requestsByRpc.get(rpc);
    if (byKey === undefined) {
      byKey = new Map();
      this.requestsByRpc.set(rpc, byKey);
    }
    // HTTP statuses are three digits; the gRPC slot 17 stands for "no gRPC code".
    const grpcSlot = grpcCode === undefined ? CODE_NAMES.length : codeIndex(grpcCode);
    const key = status * 32 + grpcSlot;
    let series = byKey.get(key);
    if (series === undefined) {
      series = this.requests.seriesFor({ rpc, code: String(status), grpc_code: grpcCode === undefined ? "" : codeName(grpcSlot) });
      byKey.set(key, series);
    }
    return series;
  }

}

/** `code` as a slot 0..16, UNKNOWN (2) for anything else, as codeName names it. */
function codeIndex(code: number): number {
  return Number.isInteger(code) && code >= 0 && code < CODE_NAMES.length ? code : Code.UNKNOWN;
}

/** Why a request failed authentication or authorization: a closed set, so it can be a label. */
export type AuthFailureReason =
  | "missing_token"
  | "malformed_token"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "disallowed_algorithm"
  | "unknown_key"
  | "insufficient_scope"
  | "jwks_unavailable";

export type CircuitState = "closed" | "open" | "half-open";
const CIRCUIT_STATES: Readonly<Record<CircuitState, number>> = { closed: 0, open: 1, "half-open": 2 };

/** Codes that say the backend or the path to it failed, not that the request was wrong. */
const BACKEND_FAULTS: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED, Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS]);

const CODE_NAMES: readonly string[] = Object.entries(Code)
  .sort(([, a], [, b]) => a - b)
  .map(([name]) => name);

/** `14` → `UNAVAILABLE`; anything outside 0..16 is `UNKNOWN`. */
export function codeName(code: number): string {
  return CODE_NAMES[code] ?? "UNKNOWN";
}

/**
 * The `rpc` label of a request: its RPC; `ops` for what the gateway answers itself (the
 * fixed routes, /docs, CORS preflights); `unmatched` for 404/405/bad paths.
 */
export function rpcLabel(ctx: { readonly state: unknown; readonly status: number }): string {
  const route = requestState(ctx).route;
  if (route !== undefined) return route.method.name;
  // @koa/router marks the requests its (fixed, operational) routes answered, 503s of /readyz included.
  if ((ctx as { readonly _matchedRoute?: unknown })._matchedRoute !== undefined) return "ops";
  return ctx.status < 400 ? "ops" : "unmatched";
}

/**
 * Counts every request once, when its response is complete (or the client went away),
 * so streamed answers are timed to their end and in-flight falls back even on aborts.
 */
export function metricsMiddleware(metrics: GatewayMetrics): Middleware {
  return async (ctx, next) => {
    const done = metrics.startRequest();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const status = clientClosedFirst(ctx.res) ? CLIENT_CLOSED : ctx.status;
      done(rpcLabel(ctx), status, requestState(ctx).grpcCode);
    };
    try {
      await next();
    } finally {
      // Koa writes the body after the middleware chain; "close" follows the last byte.
      if (ctx.res.writableFinished || ctx.res.destroyed) record();
      else ctx.res.once("close", record);
    }
  };
}
