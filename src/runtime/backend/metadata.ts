import type { IncomingHttpHeaders } from "node:http";
import type { MetadataPairs } from "./transport.js";
import { Code, GatewayError } from "../errors/gateway-error.js";

/** Headers forwarded to the backend under their own (lower-case) name. SPEC §5. */
const FORWARDED_AS_IS = ["authorization", "traceparent", "tracestate"] as const;
const METADATA_PREFIX = "grpc-metadata-";
// Client metadata forwarded at most: gRPC servers refuse more than 8 KiB of metadata by
// default, and node:http2 (grpc-js) more than 128 header fields, by resetting the call.
const MAX_CLIENT_METADATA_BYTES = 8 * 1024;
const MAX_CLIENT_METADATA_PAIRS = 64;
// HTTP/2 counts each header field as name + value + 32 bytes (RFC 9113 §6.5.2).
const HPACK_ENTRY_OVERHEAD = 32;
// gRPC metadata keys: lower-case letters, digits, `_ - .` (grpc-js rejects anything else).
const LEGAL_KEY = /^[0-9a-z_.-]+$/;
// Standard or URL-safe base64, padding optional (gRPC peers send it unpadded).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$|^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}|[A-Za-z0-9_-]{3})?$/;
// Non-binary values must be printable ASCII (space to tilde).
const LEGAL_VALUE = /^[\x20-\x7e]*$/;

/** Keys a client may never set: reserved by gRPC/HTTP2, hop-by-hop, or the gateway's own. */
function isForbiddenKey(key: string): boolean {
  return (
    key.startsWith("grpc-") ||
    key.startsWith("x-jwt-") ||
    key.startsWith(":") ||
    key === "content-type" ||
    key === "te" ||
    key === "user-agent" ||
    key === "connection" ||
    key === "keep-alive" ||
    key === "proxy-connection" ||
    key === "transfer-encoding" ||
    key === "upgrade" ||
    key === "host" ||
    key === "x-request-id" ||
    key === "x-forwarded-for" ||
    key === "x-forwarded-host"
  );
}

export interface ForwardContext {
  readonly requestId: string;
  /** The address of the TCP peer, which this hop appends to X-Forwarded-For. */
  readonly peer: string;
  /** X-Forwarded-For received from a trusted peer, to extend; undefined otherwise. */
  readonly forwardedFor: string | undefined;
}

/**
 * Builds outgoing gRPC metadata from request headers. A name or value gRPC cannot carry
 * is dropped, never an error: a header is not worth a 5xx.
 */
export function metadataFromHeaders(headers: IncomingHttpHeaders, context: ForwardContext): MetadataPairs {
  const pairs: Array<readonly [string, string | Uint8Array]> = [];
  for (const name of FORWARDED_AS_IS) {
    addValues(pairs, name, headers[name]);
  }
  let room = MAX_CLIENT_METADATA_BYTES;
  let count = 0;
  for (const name in headers) {
    if (!name.startsWith(METADATA_PREFIX)) continue;
    const key = name.slice(METADATA_PREFIX.length);
    if (!LEGAL_KEY.test(key) || isForbiddenKey(key)) continue;
    const value = headers[name];
    // What a backend would refuse whole (its header list limits reset the call) is dropped
    // here instead, the rest forwarded: a header is not worth failing the request over.
    room -= key.length + (typeof value === "string" ? value.length : (value ?? []).join("").length) + HPACK_ENTRY_OVERHEAD;
    if (room < 0 || ++count > MAX_CLIENT_METADATA_PAIRS) continue;
    addValues(pairs, key, value);
  }
  pairs.push(["x-request-id", context.requestId]);
  const forwardedFor = context.forwardedFor ? `${context.forwardedFor}, ${context.peer}` : context.peer;
  if (LEGAL_VALUE.test(forwardedFor)) pairs.push(["x-forwarded-for", forwardedFor]);
  const host = headers.host;
  if (host !== undefined && LEGAL_VALUE.test(host)) pairs.push(["x-forwarded-host", host]);
  return pairs;
}

function addValues(
  pairs: Array<readonly [string, string | Uint8Array]>,
  key: string,
  value: string | string[] | undefined,
): void {
  if (value === undefined) return;
  for (const one of Array.isArray(value) ? value : [value]) {
    if (key.endsWith("-bin")) {
      // Binary metadata travels base64-encoded in HTTP headers (padded or not); a value that
      // is not base64 is dropped, not decoded into whatever Buffer.from makes of it.
      if (BASE64.test(one)) pairs.push([key, Buffer.from(one, "base64")]);
    } else if (LEGAL_VALUE.test(one)) {
      pairs.push([key, one]);
    }
  }
}

/**
 * Backend headers → `Grpc-Metadata-<k>`, trailers → `Grpc-Trailer-<k>` (SPEC §5).
 * The transports already left out HTTP/2 and gRPC protocol headers. Binary values are
 * sent base64-encoded; names and values HTTP cannot carry are dropped.
 */
export function responseHeadersFromMetadata(
  headers: MetadataPairs,
  trailers: MetadataPairs,
): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  addResponse(out, "Grpc-Metadata-", headers);
  addResponse(out, "Grpc-Trailer-", trailers);
  return out;
}

function addResponse(out: Array<readonly [string, string]>, prefix: string, pairs: MetadataPairs): void {
  for (const [key, value] of pairs) {
    const text = typeof value === "string" ? value : Buffer.from(value).toString("base64");
    if (LEGAL_VALUE.test(text) && LEGAL_KEY.test(key)) out.push([prefix + key, text]);
  }
}

/**
 * Parses a `Grpc-Timeout` header (gRPC wire syntax: up to 8 digits and a unit H M S m u n)
 * into milliseconds; undefined when absent. A malformed value is a 400, as in grpc-gateway.
 */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value.trim());
  if (!match) throw new GatewayError(Code.INVALID_ARGUMENT, `invalid Grpc-Timeout header ${JSON.stringify(value)} (use e.g. 500m, 2S)`);
  const amount = Number(match[1]);
  switch (match[2]) {
    case "H": return amount * 3_600_000;
    case "M": return amount * 60_000;
    case "S": return amount * 1000;
    case "m": return amount;
    case "u": return amount / 1000;
    default: return amount / 1_000_000;
  }
}
