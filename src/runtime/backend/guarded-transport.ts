import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from "cockatiel";
import type { CircuitBreakerPolicy } from "cockatiel";
import type { CircuitBreakerConfig } from "../../config/gateway-config.js";
import { Code } from "../errors/grpc-code.js";
import type { CircuitState as MetricsCircuitState } from "../ops/metrics.js";
import { BackendStatusError } from "./transport.js";
import type { BidiStreamCall, ClientStreamCall, ResponseStream, ServerStreamRequest, StreamRequest, Transport, UnaryRequest, UnaryResponse } from "./transport.js";

export interface GuardOptions {
  /** The backend's address as configured, for messages and labels. */
  readonly backend: string;
  /** Off when undefined. */
  readonly circuitBreaker?: CircuitBreakerConfig | undefined;
  /** Every finished unary call: its RPC (`pkg.Service.Method`), gRPC code and duration. */
  readonly onCall?: (rpc: string, code: number, seconds: number) => void;
  readonly onCircuitState?: (state: MetricsCircuitState) => void;
}

/**
 * Unavailability, not the answer: these say the backend (or the way to it) is failing.
 * CANCELLED is the client leaving and other codes are the API's answers; neither may open
 * the breaker.
 */
const TRIPS: ReadonlySet<number> = new Set([Code.UNAVAILABLE, Code.DEADLINE_EXCEEDED]);

const STATES: Readonly<Record<CircuitState, MetricsCircuitState>> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "open",
};

/**
 * Wraps a backend's transport with a circuit breaker (cockatiel, consecutive failures)
 * and call timing. While the breaker is open, calls fail at once with UNAVAILABLE — the
 * client gets 503 without waiting on a dead backend — until `halfOpenAfter` lets one trial
 * call through; its success closes the breaker.
 *
 * Only `unary` is guarded; the streaming calls and `close` are the inner transport's.
 */
export function guardTransport(inner: Transport, options: GuardOptions): Transport {
  return new GuardedTransport(inner, options);
}

class GuardedTransport implements Transport {
  private readonly breaker: CircuitBreakerPolicy | undefined;
  /** `pkg.Service.Method` per gRPC path, for the metrics: worked out once, not per call. */
  private readonly rpcNames = new Map<string, string>();

  constructor(
    private readonly inner: Transport,
    private readonly options: GuardOptions,
  ) {
    this.breaker = options.circuitBreaker === undefined ? undefined : createBreaker(options);
  }

  // Not async: one promise chain on the inner call's promise, on every unary call of the gateway.
  unary(request: UnaryRequest): Promise<UnaryResponse> {
    const started = process.hrtime.bigint();
    const inner = this.inner;
    const call = this.breaker === undefined ? inner.unary(request) : this.breaker.execute(() => inner.unary(request));
    return call.then(
      (response) => {
        this.record(request.path, Code.OK, started);
        return response;
      },
      (error: unknown) => {
        if (error instanceof BrokenCircuitError) {
          this.record(request.path, Code.UNAVAILABLE, started);
          throw new BackendStatusError(Code.UNAVAILABLE, `backend ${this.options.backend} is failing; its circuit breaker is open`, undefined, [], []);
        }
        this.record(request.path, error instanceof BackendStatusError ? error.code : Code.UNKNOWN, started);
        throw error;
      },
    );
  }

  serverStream(request: ServerStreamRequest): ResponseStream {
    return this.inner.serverStream(request);
  }

  clientStream(request: StreamRequest): ClientStreamCall {
    return this.inner.clientStream(request);
  }

  bidiStream(request: StreamRequest): BidiStreamCall {
    return this.inner.bidiStream(request);
  }

  close(): void {
    this.inner.close();
  }

  private record(path: string, code: number, started: bigint): void {
    const onCall = this.options.onCall;
    if (onCall === undefined) return;
    let rpc = this.rpcNames.get(path);
    if (rpc === undefined) {
      rpc = path.slice(1).replace("/", ".");
      this.rpcNames.set(path, rpc);
    }
    onCall(rpc, code, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

function createBreaker(options: GuardOptions): CircuitBreakerPolicy {
  const config = options.circuitBreaker!;
  const policy = circuitBreaker(
    handleWhen((error) => error instanceof BackendStatusError && TRIPS.has(error.code)),
    { halfOpenAfter: config.halfOpenAfterMs, breaker: new ConsecutiveBreaker(config.failures) },
  );
  options.onCircuitState?.("closed");
  policy.onStateChange((state) => options.onCircuitState?.(STATES[state]));
  return policy;
}
