import type { Duration, Timestamp } from "./library-messages.js";

/** A Timestamp for a JavaScript date (millisecond precision). */
export function timestampFromMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

/** Milliseconds since the epoch; sub-millisecond nanos are dropped. */
export function msFromTimestamp(timestamp: Timestamp): number {
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

export function durationFromMs(ms: number): Duration {
  return timestampFromMs(ms);
}

export function msFromDuration(duration: Duration): number {
  return msFromTimestamp(duration);
}

export const DAY_MS = 24 * 60 * 60 * 1000;
