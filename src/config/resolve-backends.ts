import { checkBackendAddress } from "./address.js";
import { ConfigError } from "./config-error.js";
import type { AuthRule, BackendConfig, CacheRule, GatewayConfig, RateLimitRule } from "./gateway-config.js";
import { CONFIG_DEFAULTS } from "./gateway-config.js";
import { matchesSelector } from "./selector.js";

/**
 * The backend of one RPC: the first `backends` entry whose selector matches, where "*" is
 * the default wherever it is listed (load-config rejects an entry shadowed by an earlier one).
 * `cliBackend` is `--backend HOST:PORT`, applied as withCliBackend describes.
 */
export function resolveBackend(config: GatewayConfig, fullMethodName: string, cliBackend?: string): BackendConfig | undefined {
  const backends = cliBackend === undefined ? config.backends : withCliBackend(config.backends, cliBackend);
  return (
    backends.find((b) => b.selector !== "*" && matchesSelector(b.selector, fullMethodName)) ?? backends.find((b) => b.selector === "*")
  );
}

/**
 * SPEC §1: "--backend is the default backend for every service" and "flags override the
 * config file". So the flag replaces the config's default ("*") entry — every method no
 * more specific entry claims goes to it — and more specific entries keep their backends.
 * Without a "*" entry the flag becomes one, appended last.
 *
 * The replaced entry keeps its `timeout`, `transport`, `retry` and `circuitBreaker` (they describe the calls) but not
 * its `tls`: a bare HOST:PORT cannot say how to trust a different host, so the flag's
 * backend is plaintext. Idempotent, so applying it twice is harmless.
 */
export function withCliBackend(backends: readonly BackendConfig[], address: string): readonly BackendConfig[] {
  try {
    checkBackendAddress(address);
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw error.at({ keyPath: "--backend" });
    throw error;
  }
  const replace = (entry: BackendConfig | undefined): BackendConfig =>
    Object.freeze({
      selector: "*",
      address,
      tls: undefined,
      timeoutMs: entry?.timeoutMs,
      transport: entry?.transport ?? CONFIG_DEFAULTS.backendTransport,
      // Like timeout, retry and breaker describe the calls, not the host.
      ...(entry?.retry === undefined ? {} : { retry: entry.retry }),
      ...(entry?.circuitBreaker === undefined ? {} : { circuitBreaker: entry.circuitBreaker }),
    });
  const hasDefault = backends.some((b) => b.selector === "*");
  const result = backends.map((b) => (b.selector === "*" ? replace(b) : b));
  if (!hasDefault) result.push(replace(undefined));
  return Object.freeze(result);
}

/** The policy of one RPC from the config's rules; a key is undefined when no rule sets it. */
export interface ResolvedRule {
  readonly auth: AuthRule | undefined;
  readonly rateLimit: RateLimitRule | undefined;
  readonly cache: CacheRule | undefined;
  readonly timeoutMs: number | undefined;
}

/**
 * Every rule whose selector matches applies, in file order; for each key (auth,
 * rateLimit, cache, timeout) the last rule that sets it wins, as a whole — objects are
 * replaced, not merged, so a later `auth: { required: false }` does not inherit scopes.
 */
export function resolveRule(config: GatewayConfig, fullMethodName: string): ResolvedRule {
  let auth: AuthRule | undefined;
  let rateLimit: RateLimitRule | undefined;
  let cache: CacheRule | undefined;
  let timeoutMs: number | undefined;
  for (const rule of config.rules) {
    if (!matchesSelector(rule.selector, fullMethodName)) continue;
    auth = rule.auth ?? auth;
    rateLimit = rule.rateLimit ?? rateLimit;
    cache = rule.cache ?? cache;
    timeoutMs = rule.timeoutMs ?? timeoutMs;
  }
  return Object.freeze({ auth, rateLimit, cache, timeoutMs });
}
