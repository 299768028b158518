import { BackendStatusError } from "../backend/transport.js";
import type { Transport } from "../backend/transport.js";
import { Code } from "../errors/gateway-error.js";

/** One configured backend as readiness sees it. */
export interface ReadinessTarget {
  /** The address as configured: the key in /readyz's answer and the `backend` label. */
  readonly name: string;
  readonly transport: Transport;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** Backend name → `up` or why it is not. */
  readonly backends: Readonly<Record<string, string>>;
}

export interface ReadinessOptions {
  /** How long one result is reused, so probes from many pods cannot stampede backends. Default 1s. */
  readonly cacheMs?: number;
  /** Deadline of one health check. Default 1s (a probe's own timeout is usually 1s+). */
  readonly timeoutMs?: number;
  /** Called with each backend's result (for the `protogate_backend_up` gauge). */
  readonly onResult?: (name: string, up: boolean) => void;
}

const HEALTH_CHECK_PATH = "/grpc.health.v1.Health/Check";
// HealthCheckRequest{service: ""}: the server's overall health, encoded as no bytes.
const OVERALL = new Uint8Array(0);
const SERVING = 1;

/**
 * `/readyz`'s backend half (SPEC §8): every configured backend must answer. Each is asked
 * `grpc.health.v1.Health/Check` for the overall service ("") through its own channel:
 * SERVING is up, NOT_SERVING is down. A backend without the health service answers
 * UNIMPLEMENTED (or NOT_FOUND for ""); that answer still proves the channel connects, which
 * is the fallback the spec asks for. Only UNAVAILABLE, a deadline or another transport
 * failure counts as unreachable.
 */
export class BackendReadiness {
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private last: { readonly at: number; readonly report: ReadinessReport } | undefined;
  private pending: Promise<ReadinessReport> | undefined;

  constructor(
    private readonly targets: () => readonly ReadinessTarget[],
    private readonly options: ReadinessOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  /** The cached report when fresh; concurrent callers share one round of checks. */
  check(): Promise<ReadinessReport> {
    if (this.last !== undefined && Date.now() - this.last.at < this.cacheMs) return Promise.resolve(this.last.report);
    this.pending ??= this.run().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async run(): Promise<ReadinessReport> {
    const targets = this.targets();
    const results = await Promise.all(targets.map((target) => this.probe(target.transport)));
    const backends: Record<string, string> = {};
    targets.forEach((target, i) => {
      const result = results[i]!;
      backends[target.name] = result;
      this.options.onResult?.(target.name, result === "up");
    });
    const report: ReadinessReport = { ready: results.every((r) => r === "up"), backends };
    this.last = { at: Date.now(), report };
    return report;
  }

  private async probe(transport: Transport): Promise<string> {
    try {
      const response = await transport.unary({
        path: HEALTH_CHECK_PATH,
        message: OVERALL,
        metadata: [],
        deadline: Date.now() + this.timeoutMs,
        signal: undefined,
      });
      const status = servingStatus(response.message);
      return status === SERVING ? "up" : `health check answered ${status === 2 ? "NOT_SERVING" : `status ${status}`}`;
    } catch (error: unknown) {
      if (error instanceof BackendStatusError) {
        // The server answered, so it is reachable; it just does not serve grpc.health.v1 for "".
        if (error.code === Code.UNIMPLEMENTED || error.code === Code.NOT_FOUND) return "up";
        return `unreachable (${error.code === Code.UNAVAILABLE ? "UNAVAILABLE" : error.code === Code.DEADLINE_EXCEEDED ? "DEADLINE_EXCEEDED" : `code ${error.code}`}: ${error.details})`;
      }
      return `unreachable (${error instanceof Error ? error.message : String(error)})`;
    }
  }
}

/** HealthCheckResponse.status (field 1, varint); 0 (UNKNOWN) when absent. */
export function servingStatus(message: Uint8Array): number {
  let i = 0;
  while (i < message.length) {
    const tag = message[i++]!;
    if (tag === 0x08) return message[i] ?? 0;
    // Skip an unknown field: varint (0) or length-delimited (2) are the only ones a sane server sends.
    if ((tag & 7) === 0) {
      while ((message[i++] ?? 0) & 0x80);
    } else if ((tag & 7) === 2) {
      i += (message[i] ?? 0) + 1;
    } else {
      return 0;
    }
  }
  return 0;
}
