/**
 * The config after validation and defaulting (SPEC §2): every documented default is
 * filled, durations are milliseconds, sizes are bytes, paths are absolute, and the
 * whole object is deep-frozen. `loadConfig` is the only producer.
 */
export interface GatewayConfig {
  /** The config file as the user named it; undefined when running on defaults. */
  readonly file: string | undefined;
  /** Directory relative paths in the file were resolved against (cwd without a file). */
  readonly baseDir: string;
  /** Default `127.0.0.1:8080` (SPEC §1). `host` has no brackets for IPv6. */
  readonly listen: ListenAddress;
  /** Absolute directories; default none. Flags replace them (applyCliOverrides). */
  readonly protoPaths: readonly string[];
  /** In file order; the first whose selector matches a method wins. Default none. */
  readonly backends: readonly BackendConfig[];
  readonly auth: { readonly providers: readonly AuthProviderConfig[] };
  /** In file order; later rules override earlier ones key by key (resolveRule). */
  readonly rules: readonly RuleConfig[];
  /** Default memory. */
  readonly rateLimitStore: RateLimitStoreConfig;
  /** Where cached responses live (a protogate extension to SPEC §2). Default memory, 64 MiB. */
  readonly cacheStore: CacheStoreConfig;
  readonly json: JsonConfig;
  /** Route RPCs without a google.api.http rule as `POST /pkg.Service/Method`. Default false. */
  readonly autoMapping: boolean;
  /** CORS is off when the file has no `cors`. */
  readonly cors: CorsConfig | undefined;
  readonly limits: { readonly maxBodyBytes: number };
  /** IPs and CIDRs (v4 or v6) whose X-Forwarded-For is believed, as written. Default none. */
  readonly trustedProxies: readonly string[];
  readonly shutdown: { readonly gracePeriodMs: number };
  readonly logging: { readonly level: LogLevel };
  /** The listener itself: TLS termination. Plain HTTP when `tls` is undefined. */
  readonly server: { readonly tls: ListenerTlsConfig | undefined };
  /** OpenTelemetry span export over OTLP/HTTP; off (and never loaded) when undefined. */
  readonly tracing: TracingConfig | undefined;
}

export interface TracingConfig {
  /** OTLP/HTTP traces URL, e.g. `http://otel-collector:4318/v1/traces` (Jaeger and Tempo accept it). */
  readonly endpoint: string;
  /** `service.name` of the spans. Default `protogate`. */
  readonly serviceName: string;
  /** Share of new traces sampled, 0..1; a sampled parent is always followed. Default 1. */
  readonly sampleRatio: number;
}

/** Absolute PEM file paths for the listener; with `ca`, clients must present a certificate it signed (mTLS). */
export interface ListenerTlsConfig {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
}

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export type BackendTransportKind = "grpc-js" | "native";

export interface BackendConfig {
  /** `*`, `pkg.*`, `pkg.Service.*` or `pkg.Service.Method` (selector.ts). */
  readonly selector: string;
  /** `host:port`, `[v6]:port` or `dns:///name:port`, as written (grpc-js accepts all three). */
  readonly address: string;
  /** Plaintext when undefined. */
  readonly tls: BackendTlsConfig | undefined;
  /** Upper bound on every call's deadline; undefined for none. */
  readonly timeoutMs: number | undefined;
  /** Default `native` (about a third of grpc-js's CPU per unary call; streaming still uses grpc-js). */
  readonly transport: BackendTransportKind;
  /** Retries of idempotent methods on UNAVAILABLE; none when undefined. */
  readonly retry?: RetryConfig | undefined;
  /** Fails fast with 503 after consecutive failures; off when undefined. */
  readonly circuitBreaker?: CircuitBreakerConfig | undefined;
}

/**
 * gRPC service-config retryPolicy for the backend's methods with an `idempotency_level`
 * (NO_SIDE_EFFECTS or IDEMPOTENT): only those are safe to send twice.
 */
export interface RetryConfig {
  /** Attempts including the first, 2..5 (grpc caps at 5). Default 3. */
  readonly maxAttempts: number;
  /** Default 100ms. */
  readonly initialBackoffMs: number;
  /** Default 1s. */
  readonly maxBackoffMs: number;
}

export interface CircuitBreakerConfig {
  /** Consecutive UNAVAILABLE / DEADLINE_EXCEEDED answers that open the breaker. Default 5. */
  readonly failures: number;
  /** How long it stays open before one trial call may pass. Default 10s. */
  readonly halfOpenAfterMs: number;
}

/** Absolute file paths; mTLS when cert and key are set (always together). */
export interface BackendTlsConfig {
  /** Trusted roots; the system roots when undefined. */
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
  /** Name checked against the server certificate instead of the address's host. */
  readonly serverName: string | undefined;
}

export type JwtAlgorithm =
  | "HS256" | "HS384" | "HS512"
  | "RS256" | "RS384" | "RS512"
  | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512"
  | "EdDSA";

/** Where a provider's public keys come from (RS*, PS*, ES*). */
export type PublicKeySource =
  /** An https URL (http only for loopback hosts), fetched and cached; keys picked by `kid`. */
  | { readonly kind: "jwks-url"; readonly url: string }
  /** A local JWKS file, absolute path. */
  | { readonly kind: "jwks-file"; readonly path: string }
  /** A PEM public key (SPKI or certificate), absolute path. */
  | { readonly kind: "public-key-file"; readonly path: string }
  /** Only an `issuer`: its `/.well-known/openid-configuration` names the `jwks_uri` (OIDC discovery). */
  | { readonly kind: "oidc-discovery"; readonly issuer: string };

/**
 * At least one of `secret` and `publicKeys`. A token's `alg` picks which: HS* only ever
 * checks against the secret and the others only against public keys, so a public key
 * is never used as an HMAC secret (the RS256 → HS256 confusion).
 */
export interface AuthProviderConfig {
  readonly id: string;
  /** Checked against `iss` when set. */
  readonly issuer: string | undefined;
  /** One of them must be in `aud` when set. */
  readonly audiences: readonly string[] | undefined;
  /** HS* key: the UTF-8 bytes of the configured string. */
  readonly secret: string | undefined;
  readonly publicKeys: PublicKeySource | undefined;
  /**
   * Allow-list; never `none`, HS* only with a secret, the others only with public keys.
   * Default: HS256/384/512 when there is a secret, plus every RS*, PS*, ES* and EdDSA when
   * there are public keys.
   */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Leeway for `exp`/`nbf`. Default 30s. */
  readonly clockSkewMs: number;
}

export interface RuleConfig {
  readonly selector: string;
  readonly auth: AuthRule | undefined;
  readonly rateLimit: RateLimitRule | undefined;
  readonly cache: CacheRule | undefined;
  /** Upper bound on the call's deadline; undefined for none. */
  readonly timeoutMs: number | undefined;
}

export interface AuthRule {
  /** An `auth.providers[].id`; defaults to the only provider when there is exactly one. */
  readonly provider: string;
  /** Default true. false: a token is verified when present, but its absence is fine. */
  readonly required: boolean;
  /** All of them must be granted. Default none. */
  readonly scopes: readonly string[];
}

export type RateLimitKey =
  | { readonly kind: "ip" }
  /** The verified JWT `sub`; the client IP without a verified token. */
  | { readonly kind: "sub" }
  /** `name` is lower-case; the client IP when the header is missing. */
  | { readonly kind: "header"; readonly name: string };

export type StoreErrorPolicy = "allow" | "deny";

export interface RateLimitRule {
  /** Requests allowed per window; an integer >= 1. */
  readonly requests: number;
  readonly perMs: number;
  /** Default ip. */
  readonly key: RateLimitKey;
  /** Largest burst; default `requests`. */
  readonly burst: number;
  /** What to do when the store cannot answer; default the store's (allow). */
  readonly onStoreError: StoreErrorPolicy;
}

export interface CacheRule {
  /** 0 turns caching off for the methods of this rule (overriding an earlier rule). */
  readonly ttlMs: number;
}

export type RateLimitStoreConfig =
  | { readonly kind: "memory" }
  | {
      readonly kind: "redis";
      /** `redis://` or `rediss://` URL, as written. */
      readonly url: string;
      /** Default allow (SPEC §7). */
      readonly onStoreError: StoreErrorPolicy;
      /** A store call slower than this counts as a store error. Default 200ms. */
      readonly timeoutMs: number;
    };

export type CacheStoreConfig =
  | { readonly kind: "memory"; readonly maxBytes: number }
  | {
      readonly kind: "redis";
      /** `redis://` or `rediss://` URL, as written; replicas pointed at one Redis share answers. */
      readonly url: string;
      /** A store call slower than this is a miss (get) or skipped (set). Default 200ms. */
      readonly timeoutMs: number;
    };

/** proto3 JSON options; same shape as codec's JsonOptions. */
export interface JsonConfig {
  /** Default true. */
  readonly emitUnpopulated: boolean;
  readonly useProtoNames: boolean;
  readonly enumsAsInts: boolean;
  readonly discardUnknown: boolean;
}

export interface CorsConfig {
  /** Exact origins (`https://app.example`) or `*`. */
  readonly origins: readonly string[];
  /** Default false; cannot be true with `*`. */
  readonly credentials: boolean;
  /** Access-Control-Max-Age; undefined to send none. */
  readonly maxAgeMs: number | undefined;
  /** Extra request headers to allow, lower-case. Default none. */
  readonly headers: readonly string[];
}

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

/**
 * Every default, in one place; load-config.ts reads them from here, and a test checks
 * that config-schema.json documents the same values.
 */
export const CONFIG_DEFAULTS = {
  listen: "127.0.0.1:8080",
  backendTransport: "native",
  clockSkew: "30s",
  authRequired: true,
  rateLimitKey: "ip",
  onStoreError: "allow",
  redisTimeout: "200ms",
  cacheMaxSize: "64MiB",
  json: { emitUnpopulated: true, useProtoNames: false, enumsAsInts: false, discardUnknown: false },
  autoMapping: false,
  corsCredentials: false,
  maxBodySize: "4MiB",
  gracePeriod: "10s",
  logLevel: "info",
  retryMaxAttempts: 3,
  retryInitialBackoff: "100ms",
  retryMaxBackoff: "1s",
  breakerFailures: 5,
  breakerHalfOpenAfter: "10s",
  tracingServiceName: "protogate",
  tracingSampleRatio: 1,
} as const;
