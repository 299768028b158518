import type { Logger } from "pino";

/** A store that did not answer within its timeout. */
export class StoreTimeoutError extends Error {
  override name = "StoreTimeoutError";
}

/**
 * `call`, or a StoreTimeoutError after `timeoutMs`: a stalled Redis costs a bounded wait,
 * whatever the client's own settings. A call that loses the race may still reject later;
 * nobody waits for it, so that rejection is swallowed.
 */
export async function withinTimeout<T>(call: Promise<T>, timeoutMs: number, store: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreTimeoutError(`${store} did not answer within ${timeoutMs}ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined);
  }
}

/**
 * The log of one store's outages: an error line when one starts and an info line when the
 * store answers again, never one per failed call (a down Redis must not flood the log);
 * `failures` counts every failed call.
 */
export class OutageLog {
  failures = 0;
  private failing = false;

  constructor(
    private readonly logger: Logger,
    private readonly messages: { readonly down: string; readonly up: string },
  ) {}

  failed(reason: unknown, fields: Readonly<Record<string, unknown>> = {}): void {
    this.failures++;
    if (this.failing) return;
    this.failing = true;
    this.logger.error({ err: reason instanceof Error ? reason.message : String(reason), ...fields }, this.messages.down);
  }

  recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ storeErrors: this.failures }, this.messages.up);
  }
}
