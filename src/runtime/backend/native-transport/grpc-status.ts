import { H2Code } from "./errors.js";

/** gRPC status codes used by the transport. */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** gRPC's HTTP-to-gRPC mapping for a response that is not `:status 200` (doc/http-grpc-status-mapping.md). */
export function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** gRPC's mapping of a peer's RST_STREAM code (PROTOCOL-HTTP2.md "Errors"). */
export function statusFromReset(code: number): number {
  switch (code) {
    case H2Code.REFUSED_STREAM:
      return Status.UNAVAILABLE;
    case H2Code.CANCEL:
      return Status.CANCELLED;
    case H2Code.ENHANCE_YOUR_CALM:
      return Status.RESOURCE_EXHAUSTED;
    case H2Code.INADEQUATE_SECURITY:
      return Status.PERMISSION_DENIED;
    default:
      return Status.INTERNAL;
  }
}

/** `grpc-message` is percent-encoded UTF-8; a malformed escape stays as it is. */
export function percentDecode(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const char = value.charCodeAt(i);
    if (char === 0x25 && i + 2 < value.length && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(char & 0xff);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** `grpc-timeout`: at most 8 digits, in the finest unit that fits. */
export function encodeTimeout(ms: number): string {
  const millis = Math.max(1, Math.ceil(ms));
  if (millis < 1e8) return `${millis}m`;
  const seconds = Math.ceil(millis / 1000);
  if (seconds < 1e8) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}
