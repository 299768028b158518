import type { MethodEntry } from "../../model/route-table.js";
import type { Transport } from "./transport.js";

/** Where the RPCs of one selector go. */
export interface BackendTarget {
  readonly address: string;
  /** Upper bound on every call's deadline, in ms. */
  readonly timeoutMs: number | undefined;
  /** Opens the transport; called at most once per distinct target. */
  readonly connect: () => Transport;
}

/**
 * Resolves every method to one transport at start-up, so no selector is matched per
 * request; methods that share a backend share its channel.
 */
export class BackendPool {
  private readonly transports = new Map<BackendTarget, Transport>();

  constructor(private readonly targetFor: (method: MethodEntry) => BackendTarget | undefined) {}

  transportFor(method: MethodEntry): Transport {
    const target = this.require(method);
    let transport = this.transports.get(target);
    if (transport === undefined) {
      transport = target.connect();
      this.transports.set(target, transport);
    }
    return transport;
  }

  timeoutFor(method: MethodEntry): number | undefined {
    return this.require(method).timeoutMs;
  }

  close(): void {
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }

  private require(method: MethodEntry): BackendTarget {
    const target = this.targetFor(method);
    if (target === undefined) {
      throw new NoBackendError(`no backend for rpc ${method.name}: pass --backend HOST:PORT or add a "backends" entry that matches it`);
    }
    return target;
  }
}

export class NoBackendError extends Error {
  override name = "NoBackendError";
}
