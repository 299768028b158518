import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { LRUCache } from "lru-cache";
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { CryptoKey, JWTPayload, JWTVerifyGetKey } from "jose";
import type { AuthProviderConfig, PublicKeySource } from "../../config/gateway-config.js";
import type { AuthFailureReason } from "../ops/metrics.js";

/** Why a token was refused, worded for `error_description` (no secrets, no token text). */
export class TokenError extends Error {
  override name = "TokenError";
  constructor(
    message: string,
    /** The metrics label. */
    readonly reason: AuthFailureReason,
  ) {
    super(message);
  }
}

/** The keys could not be fetched (issuer or JWKS URL down): our problem, not the client's. */
export class KeySourceError extends Error {
  override name = "KeySourceError";
}

export interface VerifierOptions {
  /** Minimum time between two JWKS fetches triggered by an unknown `kid`. Default 30s. */
  readonly refreshCooldownMs?: number;
  /** A fetched JWKS is reused this long before it is fetched again. Default 10m. */
  readonly cacheMaxAgeMs?: number;
  /** Bound on one JWKS or discovery fetch. Default 5s. */
  readonly fetchTimeoutMs?: number;
  /** How long a verified token is taken on trust without checking it again. Default 60s; 0 turns it off. */
  readonly verifiedTtlMs?: number;
}

// Verified tokens kept: bounded by bytes (a token can be large) as well as by count.
const VERIFIED_MAX_BYTES = 32 * 1024 * 1024;
const VERIFIED_MAX_ENTRIES = 50_000;

/** Where the keys come from: JWKS URL or file, PEM file, or OIDC discovery from the issuer. */
export type KeySource = PublicKeySource;

/**
 * A provider as the verifier takes it: the config's, with the allow-list widened to any
 * string so a test can show that `none` is refused even when listed.
 */
export interface ProviderSpec extends Omit<AuthProviderConfig, "publicKeys" | "algorithms"> {
  readonly publicKeys: KeySource | undefined;
  /** Allow-list of JWS `alg` values; `none` is refused whatever this says. */
  readonly algorithms: readonly string[];
}

const HMAC = /^HS(?:256|384|512)$/;

/**
 * Verifies the JWTs of one provider with jose. The token's `alg` must be on the
 * provider's allow-list (so never `none`), and picks the key: HS* only the secret, every
 * other algorithm only public keys — a public key is never an HMAC secret. Keys from a
 * JWKS URL (or OIDC discovery) are cached; an unknown `kid` refetches at most once per
 * cooldown, so a flood of made-up kids does not hammer the issuer. `jku`, `x5u` and
 * embedded `jwk` headers are never followed: keys only come from the configuration.
 */
export class JwtVerifier {
  readonly id: string;
  private readonly getKey: JWTVerifyGetKey;
  /**
   * Tokens that passed, by their exact text: a client sends the same token on every call,
   * and checking its signature again (plus jose's parsing) costs more than the rest of the
   * gateway's work for a small call. A hit still checks `exp`; an entry lives at most
   * `verifiedTtlMs`, so a key taken out of the JWKS stops its tokens within that (the JWKS
   * itself is cached longer). Failures are never kept.
   */
  private readonly verified: LRUCache<string, JWTPayload> | undefined;
  private readonly verifiedTtlMs: number;

  constructor(
    private readonly spec: ProviderSpec,
    options: VerifierOptions = {},
  ) {
    this.id = spec.id;
    this.verifiedTtlMs = options.verifiedTtlMs ?? 60_000;
    this.verified =
      this.verifiedTtlMs > 0
        ? new LRUCache<string, JWTPayload>({ max: VERIFIED_MAX_ENTRIES, maxSize: VERIFIED_MAX_BYTES, sizeCalculation: (_payload, token) => token.length * 3 })
        : undefined;
    const secret = spec.secret === undefined ? undefined : new TextEncoder().encode(spec.secret);
    // One imported HMAC key per algorithm, kept: importing raw bytes on every call costs ~3x the check.
    const hmacKeys = new Map<string, Promise<CryptoKey>>();
    const publicKeys = spec.publicKeys === undefined ? undefined : publicKeyGetter(spec.publicKeys, options);
    this.getKey = async (header, token) => {
      const alg = header.alg ?? "";
      if (HMAC.test(alg)) {
        if (secret === undefined) throw new TokenError(`algorithm ${alg} is not allowed`, "disallowed_algorithm");
        let key = hmacKeys.get(alg);
        if (key === undefined) {
          key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: `SHA-${alg.slice(2)}` }, false, ["verify"]);
          hmacKeys.set(alg, key);
        }
        return key;
      }
      if (publicKeys === undefined) throw new TokenError(`algorithm ${alg} is not allowed`, "disallowed_algorithm");
      return publicKeys(header, token);
    };
  }

  /** The verified payload, or TokenError / KeySourceError. */
  async verify(token: string): Promise<JWTPayload> {
    const toleranceS = this.spec.clockSkewMs / 1000;
    const known = this.verified?.get(token);
    if (known !== undefined) {
      // jose's rule: expired once exp <= now - tolerance.
      if (known.exp === undefined || known.exp > Date.now() / 1000 - toleranceS) return known;
      this.verified?.delete(token);
      throw new TokenError("token expired", "expired");
    }
    const payload = await this.verifyOnce(token, toleranceS);
    if (this.verified !== undefined) {
      const untilExpiry = payload.exp === undefined ? Infinity : (payload.exp + toleranceS) * 1000 - Date.now();
      const ttl = Math.floor(Math.min(this.verifiedTtlMs, untilExpiry));
      if (ttl > 0) this.verified.set(token, payload, { ttl });
    }
    return payload;
  }

  private async verifyOnce(token: string, toleranceS: number): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        algorithms: this.spec.algorithms.filter((alg) => alg !== "none"),
        clockTolerance: toleranceS,
        ...(this.spec.issuer === undefined ? {} : { issuer: this.spec.issuer }),
        ...(this.spec.audiences === undefined ? {} : { audience: [...this.spec.audiences] }),
      });
      return payload;
    } catch (reason: unknown) {
      throw describe(reason);
    }
  }
}

function publicKeyGetter(source: KeySource, options: VerifierOptions): JWTVerifyGetKey {
  const remote = {
    cooldownDuration: options.refreshCooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    timeoutDuration: options.fetchTimeoutMs ?? 5000,
  };
  switch (source.kind) {
    case "jwks-url":
      return createRemoteJWKSet(new URL(source.url), remote);
    case "jwks-file": {
      // Read once at start-up: a broken file stops the gateway instead of failing every call.
      const jwks = createLocalJWKSet(JSON.parse(readFileSync(source.path, "utf8")) as Parameters<typeof createLocalJWKSet>[0]);
      return (header, token) => jwks(header, token);
    }
    case "public-key-file": {
      const key: KeyObject = createPublicKey(readFileSync(source.path));
      return () => key;
    }
    case "oidc-discovery":
      return discoveredJwks(source.issuer, remote);
  }
}

/** `issuer` → `/.well-known/openid-configuration` → `jwks_uri`, fetched once and kept. */
function discoveredJwks(
  issuer: string,
  remote: { cooldownDuration: number; cacheMaxAge: number; timeoutDuration: number },
): JWTVerifyGetKey {
  let jwks: Promise<JWTVerifyGetKey> | undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(remote.timeoutDuration), redirect: "error" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
    } catch (reason: unknown) {
      throw new KeySourceError(`OIDC discovery at ${url} failed: ${reason instanceof Error ? reason.message : String(reason)}`);
    }
    const jwksUri = typeof document === "object" && document !== null ? (document as Record<string, unknown>)["jwks_uri"] : undefined;
    if (typeof jwksUri !== "string" || !URL.canParse(jwksUri)) throw new KeySourceError(`OIDC discovery at ${url} has no jwks_uri`);
    const jwksUrl = new URL(jwksUri);
    // The same rule as a configured jwks URL: keys fetched over plain http could be forged.
    const loopback = jwksUrl.hostname === "localhost" || jwksUrl.hostname === "[::1]" || jwksUrl.hostname.startsWith("127.");
    if (jwksUrl.protocol !== "https:" && !(jwksUrl.protocol === "http:" && loopback)) {
      throw new KeySourceError(`OIDC discovery at ${url} names a jwks_uri that is not https`);
    }
    return createRemoteJWKSet(jwksUrl, remote);
  };
  return async (header, token) => {
    // A failed discovery is retried on the next token, not cached forever.
    jwks ??= discover().catch((reason: unknown) => {
      jwks = undefined;
      throw reason;
    });
    return (await jwks)(header, token);
  };
}

function describe(reason: unknown): Error {
  if (reason instanceof TokenError || reason instanceof KeySourceError) return reason;
  if (reason instanceof errors.JWTExpired) return new TokenError("token expired", "expired");
  if (reason instanceof errors.JWTClaimValidationFailed) {
    if (reason.claim === "nbf") return new TokenError("token not yet valid", "not_yet_valid");
    if (reason.claim === "iss") return new TokenError("unexpected issuer", "wrong_issuer");
    if (reason.claim === "aud") return new TokenError("unexpected audience", "wrong_audience");
    return new TokenError(`invalid ${reason.claim} claim`, "malformed_token");
  }
  if (reason instanceof errors.JOSEAlgNotAllowed) return new TokenError("algorithm not allowed", "disallowed_algorithm");
  if (reason instanceof errors.JWSSignatureVerificationFailed) return new TokenError("signature verification failed", "bad_signature");
  if (reason instanceof errors.JWKSNoMatchingKey || reason instanceof errors.JWKSMultipleMatchingKeys) return new TokenError("no matching signing key", "unknown_key");
  if (reason instanceof errors.JWKSTimeout) return new KeySourceError("JWKS fetch timed out");
  if (reason instanceof errors.JWKSInvalid) return new KeySourceError("JWKS is invalid");
  if (reason instanceof errors.JOSEError && reason.code === "ERR_JOSE_GENERIC") return new KeySourceError(`JWKS fetch failed: ${reason.message}`);
  if (reason instanceof errors.JOSEError) return new TokenError("malformed token", "malformed_token");
  // fetch() rejects with TypeError("fetch failed") when the JWKS host is unreachable.
  if (reason instanceof TypeError && reason.message === "fetch failed") return new KeySourceError("JWKS fetch failed");
  if (reason instanceof TypeError) return new TokenError("key does not fit the token's algorithm", "disallowed_algorithm");
  // fetch failures (issuer down) surface as plain errors from createRemoteJWKSet.
  return new KeySourceError(`signing keys unavailable: ${reason instanceof Error ? reason.message : String(reason)}`);
}
