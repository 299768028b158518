import type { MetadataPairs } from "../backend/transport.js";
import type { RequestState } from "../request-state.js";

// Printable ASCII only: gRPC cannot carry anything else in a text metadata value.
const LEGAL_VALUE = /^[\x20-\x7e]*$/;

// The verifier hands out the same payload object for a token it has seen: encode it once.
const ENCODED = new WeakMap<object, string>();

/**
 * Adds the verified claims (SPEC §7): `x-jwt-sub` and the whole payload as `x-jwt-payload`
 * (base64url JSON). Client-sent `x-jwt-*` never get this far — metadataFromHeaders drops
 * them — so these two can only come from a token the auth middleware verified.
 */
export function withClaims(metadata: MetadataPairs, state: Pick<RequestState, "claims" | "subject">): MetadataPairs {
  if (state.claims === undefined) return metadata;
  const pairs: Array<readonly [string, string | Uint8Array]> = [...metadata];
  if (state.subject !== undefined && LEGAL_VALUE.test(state.subject)) pairs.push(["x-jwt-sub", state.subject]);
  let encoded = ENCODED.get(state.claims);
  if (encoded === undefined) {
    encoded = Buffer.from(JSON.stringify(state.claims)).toString("base64url");
    ENCODED.set(state.claims, encoded);
  }
  pairs.push(["x-jwt-payload", encoded]);
  return pairs;
}
