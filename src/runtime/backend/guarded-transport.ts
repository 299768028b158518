import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from "cockatiel";
import type { CircuitBreakerPolicy } from "cockatiel";
import type { CircuitBreakerConfig } from "../../config/gateway-config.js";
import { Code } from "../errors/grpc-code.js";
import type { CircuitState as MetricsCircuitState } from "../ops/metrics.js";
import { BackendStatusError } from "./transport.js";
import type { Transport, UnaryRequest, UnaryResponse } from "./transport.js";

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
 * Only `unary` is guarded. Every other member (the streaming calls, `close`) is the inner
 * transport's own, through a Proxy, so this decorator stays correct as Transport grows.
 */
export function guardTransport(inner: Transport, options: GuardOptions): Transport {
  const breaker = options.circuitBreaker === undefined ? undefined : createBreaker(options);
  const call = (request: UnaryRequest): Promise<UnaryResponse> =>
    breaker === undefined ? inner.unary(request) : breaker.execute(() => inner.unary(request));
  const unary = async (request: UnaryRequest): Promise<UnaryResponse> => {
    const started = process.hrtime.bigint();
    const rpc = request.path.slice(1).replace("/", ".");
    let code: number = Code.OK;
    try {
      return await call(request);
    } catch (error: unknown) {
      if (error instanceof BrokenCircuitError) {
        code = Code.UNAVAILABLE;
        throw new BackendStatusError(code, `backend ${options.backend} is failing; its circuit breaker is open`, undefined, [], []);
      }
      code = error instanceof BackendStatusError ? error.code : Code.UNKNOWN;
      throw error;
    } finally {
      options.onCall?.(rpc, code, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === "unary") return unary;
      const value: unknown = Reflect.get(target, property, receiver);
      // Bound to the inner transport: its methods may use #private fields a Proxy cannot reach.
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
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
