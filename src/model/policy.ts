/**
 * Policy declared in the proto with protogate's own options (`bundled/protogate/options.proto`),
 * as the generator writes it into the route table: the method option merged over the
 * service option, key by key. Durations are milliseconds. The config's rules override
 * these at start-up (runtime/policy/resolve-policy.ts).
 */
export interface ProtoPolicy {
  readonly auth?: ProtoAuthPolicy;
  readonly rateLimit?: ProtoRateLimitPolicy;
  readonly cache?: { readonly ttlMs: number };
  readonly timeoutMs?: number;
}

export interface ProtoAuthPolicy {
  /** Absent means the default (true). */
  readonly required?: boolean;
  /** Absent means the only configured provider. */
  readonly provider?: string;
  readonly scopes?: readonly string[];
}

export interface ProtoRateLimitPolicy {
  readonly requests: number;
  readonly perMs: number;
  /** `ip`, `sub` or `header:<name>`; absent means ip. */
  readonly key?: string;
  readonly burst?: number;
}
