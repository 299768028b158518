import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Ajv } from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import { checkBackendAddress, checkTrustedProxy, parseListenAddress } from "./address.js";
import { parseByteSize } from "./byte-size.js";
import { ConfigError } from "./config-error.js";
import { parseDuration } from "./duration.js";
import type {
  AuthProviderConfig,
  AuthRule,
  BackendConfig,
  BackendTlsConfig,
  BackendTransportKind,
  CacheStoreConfig,
  CircuitBreakerConfig,
  CorsConfig,
  GatewayConfig,
  JwtAlgorithm,
  ListenerTlsConfig,
  LogLevel,
  PublicKeySource,
  RateLimitKey,
  RateLimitRule,
  RateLimitStoreConfig,
  RetryConfig,
  RuleConfig,
  StoreErrorPolicy,
  TracingConfig,
} from "./gateway-config.js";
import { CONFIG_DEFAULTS } from "./gateway-config.js";
import { withCliBackend } from "./resolve-backends.js";
import { checkSelector, selectorCovers } from "./selector.js";

/**
 * Config file → GatewayConfig, in this order:
 *   read → parse YAML (JSON is YAML) → ${VAR} / ${VAR:-default} → JSON Schema (ajv)
 *   → parse values and check what a schema cannot say → defaults → deep-freeze.
 * Every failure is a ConfigError placed at file:line and key path.
 */
export function loadConfig(file: string | undefined, options: LoadConfigOptions = {}): GatewayConfig {
  if (file === undefined) return parseConfigText("", { ...options, file: undefined, baseDir: process.cwd() });
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error: unknown) {
    throw new ConfigError(`cannot read the config file (${describeIoError(error)})`, { file }, { cause: error });
  }
  return parseConfigText(text, { ...options, file, baseDir: dirname(resolve(file)) });
}

export interface LoadConfigOptions {
  /** Where ${VAR} comes from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ParseConfigOptions extends LoadConfigOptions {
  /** Named in errors and kept in GatewayConfig.file. */
  readonly file: string | undefined;
  /** Relative paths in the text are resolved against it. */
  readonly baseDir: string;
}

/** Config text (YAML or JSON) → GatewayConfig; what loadConfig does after reading the file. */
export function parseConfigText(text: string, options: ParseConfigOptions): GatewayConfig {
  const source = new Source(text, options.file);
  if (source.doc.contents !== null) interpolate(source, source.doc.contents, [], options.env ?? process.env);
  const data: unknown = source.toJS() ?? {};
  if (!validate()(data)) throw source.fromSchemaError(validate().errors?.filter((e) => e.keyword !== "if")[0]);
  return deepFreeze(build(source, data as RawConfig, options));
}

export interface CliOverrides {
  /** `--listen HOST:PORT` */
  readonly listen?: string | undefined;
  /** `--proto-path DIR`…, relative to the working directory; replace the file's when non-empty. */
  readonly protoPaths?: readonly string[] | undefined;
  /** `--backend HOST:PORT`: replaces the "*" backend entry (see withCliBackend). */
  readonly backend?: string | undefined;
}

/** SPEC §1: flags override the config file. Returns a new frozen config. */
export function applyCliOverrides(config: GatewayConfig, flags: CliOverrides): GatewayConfig {
  const listen = flags.listen === undefined ? config.listen : atFlag("--listen", () => parseListenAddress(flags.listen!));
  const protoPaths = flags.protoPaths !== undefined && flags.protoPaths.length > 0 ? flags.protoPaths.map((p) => resolve(p)) : config.protoPaths;
  const backends = flags.backend === undefined ? config.backends : withCliBackend(config.backends, flags.backend);
  return deepFreeze({ ...config, listen, protoPaths, backends });
}

// ---------------------------------------------------------------------------
// The raw shape ajv has checked (before defaults). Keep in step with config-schema.json.

interface RawConfig {
  listen?: string;
  protoPaths?: string[];
  backends?: RawBackend[];
  auth?: { providers?: RawProvider[] };
  rules?: RawRule[];
  rateLimitStore?: "memory" | { redis: string; onStoreError?: StoreErrorPolicy; timeout?: string };
  cacheStore?: "memory" | { memory?: { maxSize?: string | number }; redis?: string; timeout?: string };
  json?: { emitUnpopulated?: boolean; useProtoNames?: boolean; enumsAsInts?: boolean; discardUnknown?: boolean };
  autoMapping?: boolean;
  cors?: { origins: string[]; credentials?: boolean; maxAge?: string; headers?: string[] };
  limits?: { maxBodySize?: string | number };
  trustedProxies?: string[];
  shutdown?: { gracePeriod?: string };
  logging?: { level?: LogLevel };
  server?: { tls?: { cert: string; key: string; ca?: string } };
  tracing?: { endpoint: string; serviceName?: string; sampleRatio?: number };
}
interface RawBackend {
  selector: string;
  address: string;
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
  timeout?: string;
  transport?: BackendTransportKind;
  retry?: { maxAttempts?: number; initialBackoff?: string; maxBackoff?: string };
  circuitBreaker?: { failures?: number; halfOpenAfter?: string };
}
interface RawProvider {
  id: string;
  issuer?: string;
  audiences?: string[];
  secret?: string;
  jwks?: string;
  publicKey?: string;
  algorithms?: JwtAlgorithm[];
  clockSkew?: string;
}
interface RawRule {
  selector: string;
  auth?: { provider?: string; required?: boolean; scopes?: string[] };
  rateLimit?: { requests: number; per: string; key?: string; burst?: number; onStoreError?: StoreErrorPolicy };
  cache?: { ttl: string };
  timeout?: string;
}

type KeyPath = readonly (string | number)[];

const HMAC_ALGORITHMS: readonly JwtAlgorithm[] = ["HS256", "HS384", "HS512"];
const PUBLIC_KEY_ALGORITHMS: readonly JwtAlgorithm[] = [
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
];
/** RFC 9110 token: what a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// ---------------------------------------------------------------------------
// Defaults and the checks a schema cannot express. The only place defaults are filled.

function build(source: Source, raw: RawConfig, options: ParseConfigOptions): GatewayConfig {
  const { baseDir } = options;
  const path = (p: string): string => resolve(baseDir, p);
  const duration = (keyPath: KeyPath, text: string, { allowZero = false } = {}): number => {
    const ms = source.at(keyPath, () => parseDuration(text));
    if (ms === 0 && !allowZero) source.fail(keyPath, `${JSON.stringify(text)} must be longer than 0s`);
    return ms;
  };

  const rateLimitStore = buildStore(source, raw.rateLimitStore, duration);
  const defaultOnStoreError = rateLimitStore.kind === "redis" ? rateLimitStore.onStoreError : CONFIG_DEFAULTS.onStoreError;

  const backends = (raw.backends ?? []).map((b, i): BackendConfig => {
    source.at(["backends", i, "selector"], () => checkSelector(b.selector));
    // "*" is the default wherever it is listed, so it shadows nothing.
    const earlier = raw.backends!.findIndex((other, j) => j < i && other.selector !== "*" && selectorCovers(other.selector, b.selector));
    if (earlier !== -1) {
      source.fail(
        ["backends", i, "selector"],
        `${JSON.stringify(b.selector)} is never used: backends[${earlier}] (${JSON.stringify(raw.backends![earlier]!.selector)}) matches its methods first`,
      );
    }
    source.at(["backends", i, "address"], () => checkBackendAddress(b.address));
    let tls: BackendTlsConfig | undefined;
    if (b.tls !== undefined) {
      if ((b.tls.cert === undefined) !== (b.tls.key === undefined)) source.fail(["backends", i, "tls"], "set cert and key together (mTLS), or neither");
      tls = {
        ca: b.tls.ca === undefined ? undefined : path(b.tls.ca),
        cert: b.tls.cert === undefined ? undefined : path(b.tls.cert),
        key: b.tls.key === undefined ? undefined : path(b.tls.key),
        serverName: b.tls.serverName,
      };
    }
    let retry: RetryConfig | undefined;
    if (b.retry !== undefined) {
      const at = ["backends", i, "retry"] as const;
      retry = {
        maxAttempts: b.retry.maxAttempts ?? CONFIG_DEFAULTS.retryMaxAttempts,
        initialBackoffMs: duration([...at, "initialBackoff"], b.retry.initialBackoff ?? CONFIG_DEFAULTS.retryInitialBackoff),
        maxBackoffMs: duration([...at, "maxBackoff"], b.retry.maxBackoff ?? CONFIG_DEFAULTS.retryMaxBackoff),
      };
      if (retry.maxBackoffMs < retry.initialBackoffMs) source.fail([...at, "maxBackoff"], `must not be shorter than initialBackoff`);
    }
    let circuitBreaker: CircuitBreakerConfig | undefined;
    if (b.circuitBreaker !== undefined) {
      circuitBreaker = {
        failures: b.circuitBreaker.failures ?? CONFIG_DEFAULTS.breakerFailures,
        halfOpenAfterMs: duration(["backends", i, "circuitBreaker", "halfOpenAfter"], b.circuitBreaker.halfOpenAfter ?? CONFIG_DEFAULTS.breakerHalfOpenAfter),
      };
    }
    return {
      selector: b.selector,
      address: b.address,
      tls,
      timeoutMs: b.timeout === undefined ? undefined : duration(["backends", i, "timeout"], b.timeout),
      transport: b.transport ?? CONFIG_DEFAULTS.backendTransport,
      ...(retry === undefined ? {} : { retry }),
      ...(circuitBreaker === undefined ? {} : { circuitBreaker }),
    };
  });

  const providers = (raw.auth?.providers ?? []).map((p, i) => buildProvider(source, p, ["auth", "providers", i], path, duration));
  providers.forEach((p, i) => {
    const first = providers.findIndex((other) => other.id === p.id);
    if (first !== i) source.fail(["auth", "providers", i, "id"], `${JSON.stringify(p.id)} is already the id of auth.providers[${first}]`);
  });

  const rules = (raw.rules ?? []).map((r, i): RuleConfig => {
    source.at(["rules", i, "selector"], () => checkSelector(r.selector));
    return {
      selector: r.selector,
      auth: r.auth === undefined ? undefined : buildAuthRule(source, r.auth, ["rules", i, "auth"], providers),
      rateLimit: r.rateLimit === undefined ? undefined : buildRateLimit(source, r.rateLimit, ["rules", i, "rateLimit"], duration, defaultOnStoreError),
      cache: r.cache === undefined ? undefined : { ttlMs: duration(["rules", i, "cache", "ttl"], r.cache.ttl, { allowZero: true }) },
      timeoutMs: r.timeout === undefined ? undefined : duration(["rules", i, "timeout"], r.timeout),
    };
  });

  const maxBodyBytes = source.at(["limits", "maxBodySize"], () => parseByteSize(raw.limits?.maxBodySize ?? CONFIG_DEFAULTS.maxBodySize));
  if (maxBodyBytes === 0) source.fail(["limits", "maxBodySize"], "must be at least 1 byte");

  const trustedProxies = raw.trustedProxies ?? [];
  trustedProxies.forEach((entry, i) => source.at(["trustedProxies", i], () => checkTrustedProxy(entry)));

  return {
    file: options.file,
    baseDir,
    listen: source.at(["listen"], () => parseListenAddress(raw.listen ?? CONFIG_DEFAULTS.listen)),
    protoPaths: (raw.protoPaths ?? []).map(path),
    backends,
    auth: { providers },
    rules,
    rateLimitStore,
    cacheStore: buildCacheStore(source, raw.cacheStore, duration),
    json: { ...CONFIG_DEFAULTS.json, ...raw.json },
    autoMapping: raw.autoMapping ?? CONFIG_DEFAULTS.autoMapping,
    cors: raw.cors === undefined ? undefined : buildCors(source, raw.cors, duration),
    limits: { maxBodyBytes },
    trustedProxies,
    shutdown: { gracePeriodMs: duration(["shutdown", "gracePeriod"], raw.shutdown?.gracePeriod ?? CONFIG_DEFAULTS.gracePeriod, { allowZero: true }) },
    logging: { level: raw.logging?.level ?? CONFIG_DEFAULTS.logLevel },
    server: { tls: raw.server?.tls === undefined ? undefined : listenerTls(raw.server.tls, path) },
    tracing: raw.tracing === undefined ? undefined : buildTracing(source, raw.tracing),
  };
}

function buildTracing(source: Source, raw: NonNullable<RawConfig["tracing"]>): TracingConfig {
  let url: URL | undefined;
  try {
    url = new URL(raw.endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    source.fail(["tracing", "endpoint"], `${JSON.stringify(raw.endpoint)} is not an http(s) URL (use e.g. http://otel-collector:4318/v1/traces)`);
  }
  return {
    endpoint: raw.endpoint,
    serviceName: raw.serviceName ?? CONFIG_DEFAULTS.tracingServiceName,
    sampleRatio: raw.sampleRatio ?? CONFIG_DEFAULTS.tracingSampleRatio,
  };
}

function listenerTls(raw: NonNullable<NonNullable<RawConfig["server"]>["tls"]>, path: (p: string) => string): ListenerTlsConfig {
  return { cert: path(raw.cert), key: path(raw.key), ca: raw.ca === undefined ? undefined : path(raw.ca) };
}

type DurationOf = (keyPath: KeyPath, text: string, options?: { allowZero?: boolean }) => number;

function buildStore(source: Source, raw: RawConfig["rateLimitStore"], duration: DurationOf): RateLimitStoreConfig {
  if (raw === undefined || raw === "memory") return { kind: "memory" };
  try {
    new URL(raw.redis);
  } catch {
    source.fail(["rateLimitStore", "redis"], `${JSON.stringify(raw.redis)} is not a URL (use e.g. redis://127.0.0.1:6379)`);
  }
  return {
    kind: "redis",
    url: raw.redis,
    onStoreError: raw.onStoreError ?? CONFIG_DEFAULTS.onStoreError,
    timeoutMs: duration(["rateLimitStore", "timeout"], raw.timeout ?? CONFIG_DEFAULTS.redisTimeout),
  };
}

/** `cacheStore`: memory (optionally sized) or Redis; the mapping sets one of the two. */
function buildCacheStore(source: Source, raw: RawConfig["cacheStore"], duration: DurationOf): CacheStoreConfig {
  const memory = (size: string | number | undefined): CacheStoreConfig => {
    const maxBytes = source.at(["cacheStore", "memory", "maxSize"], () => parseByteSize(size ?? CONFIG_DEFAULTS.cacheMaxSize));
    if (maxBytes === 0) source.fail(["cacheStore", "memory", "maxSize"], "must be at least 1 byte");
    return { kind: "memory", maxBytes };
  };
  if (raw === undefined || raw === "memory") return memory(undefined);
  if (raw.redis === undefined) {
    if (raw.memory === undefined) source.fail(["cacheStore"], "set memory or redis");
    if (raw.timeout !== undefined) source.fail(["cacheStore", "timeout"], "applies to the redis store only");
    return memory(raw.memory?.maxSize);
  }
  if (raw.memory !== undefined) source.fail(["cacheStore", "memory"], "set memory or redis, not both");
  try {
    new URL(raw.redis);
  } catch {
    source.fail(["cacheStore", "redis"], `${JSON.stringify(raw.redis)} is not a URL (use e.g. redis://127.0.0.1:6379)`);
  }
  return { kind: "redis", url: raw.redis, timeoutMs: duration(["cacheStore", "timeout"], raw.timeout ?? CONFIG_DEFAULTS.redisTimeout) };
}

function buildProvider(source: Source, p: RawProvider, at: KeyPath, path: (p: string) => string, duration: DurationOf): AuthProviderConfig {
  const noKeys = p.secret === undefined && p.jwks === undefined && p.publicKey === undefined;
  if (noKeys && p.issuer === undefined) source.fail(at, "set secret, jwks, publicKey, or an issuer to discover keys from");
  if (p.jwks !== undefined && p.publicKey !== undefined) source.fail([...at, "publicKey"], "set jwks or publicKey, not both");
  let publicKeys: PublicKeySource | undefined;
  if (p.publicKey !== undefined) publicKeys = { kind: "public-key-file", path: path(p.publicKey) };
  else if (p.jwks !== undefined) publicKeys = jwksSource(source, p.jwks, [...at, "jwks"], path);
  else if (noKeys && p.issuer !== undefined) publicKeys = discoverySource(source, p.issuer, [...at, "issuer"]);
  const algorithms = p.algorithms ?? [
    ...(p.secret === undefined ? [] : HMAC_ALGORITHMS),
    ...(publicKeys === undefined ? [] : PUBLIC_KEY_ALGORITHMS),
  ];
  algorithms.forEach((alg, i) => {
    // Never an HMAC check with a public key (the RS256 → HS256 confusion attack).
    const hmac = HMAC_ALGORITHMS.includes(alg);
    if (hmac && p.secret === undefined) source.fail([...at, "algorithms", i], `${alg} needs a secret (never an HMAC check with a public key)`);
    if (!hmac && publicKeys === undefined) source.fail([...at, "algorithms", i], `${alg} needs jwks or publicKey (a secret only verifies HS256, HS384, HS512)`);
  });
  return {
    id: p.id,
    issuer: p.issuer,
    audiences: p.audiences,
    secret: p.secret,
    publicKeys,
    algorithms,
    clockSkewMs: duration([...at, "clockSkew"], p.clockSkew ?? CONFIG_DEFAULTS.clockSkew, { allowZero: true }),
  };
}

/** `jwks` is an https URL or a file path relative to the config file (SPEC §7). */
function jwksSource(source: Source, jwks: string, at: KeyPath, path: (p: string) => string): PublicKeySource {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(jwks)) return { kind: "jwks-file", path: path(jwks) };
  let url: URL;
  try {
    url = new URL(jwks);
  } catch {
    return source.fail(at, `${JSON.stringify(jwks)} is not a URL`);
  }
  // Plain http only where nobody can sit in between: keys fetched over it could be forged.
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || url.hostname.startsWith("127.");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    source.fail(at, `${JSON.stringify(jwks)} must be an https URL (http only for localhost) or a file path`);
  }
  return { kind: "jwks-url", url: jwks };
}

/** OIDC discovery (Okta, Auth0, Keycloak, Azure AD): the issuer URL alone, https as for jwks. */
function discoverySource(source: Source, issuer: string, at: KeyPath): PublicKeySource {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return source.fail(at, `${JSON.stringify(issuer)} must be an https URL to discover keys from (or set secret, jwks or publicKey)`);
  }
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || url.hostname.startsWith("127.");
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    source.fail(at, `${JSON.stringify(issuer)} must be an https URL (http only for localhost) to discover keys from`);
  }
  return { kind: "oidc-discovery", issuer };
}

function buildAuthRule(source: Source, raw: NonNullable<RawRule["auth"]>, at: KeyPath, providers: readonly AuthProviderConfig[]): AuthRule {
  const ids = providers.map((p) => p.id);
  let provider = raw.provider;
  if (provider === undefined) {
    if (ids.length !== 1) {
      source.fail(at, ids.length === 0 ? "needs an auth provider, but auth.providers is empty" : `set provider to one of ${ids.join(", ")}`);
    }
    provider = ids[0]!;
  } else if (!ids.includes(provider)) {
    source.fail(
      [...at, "provider"],
      `unknown provider ${JSON.stringify(provider)} (${ids.length === 0 ? "auth.providers is empty" : `expected one of ${ids.join(", ")}`})`,
    );
  }
  return { provider, required: raw.required ?? CONFIG_DEFAULTS.authRequired, scopes: raw.scopes ?? [] };
}

function buildRateLimit(
  source: Source,
  raw: NonNullable<RawRule["rateLimit"]>,
  at: KeyPath,
  duration: DurationOf,
  defaultOnStoreError: StoreErrorPolicy,
): RateLimitRule {
  return {
    requests: raw.requests,
    perMs: duration([...at, "per"], raw.per),
    key: source.at([...at, "key"], () => parseRateLimitKey(raw.key ?? CONFIG_DEFAULTS.rateLimitKey)),
    burst: raw.burst ?? raw.requests,
    onStoreError: raw.onStoreError ?? defaultOnStoreError,
  };
}

/** `ip` | `sub` | `header:<name>` (name lower-cased). */
export function parseRateLimitKey(text: string): RateLimitKey {
  if (text === "ip" || text === "sub") return { kind: text };
  const name = text.startsWith("header:") ? text.slice("header:".length) : undefined;
  if (name === undefined || !HEADER_NAME.test(name)) {
    throw new ConfigError(`${JSON.stringify(text)} is not a rate-limit key (use ip, sub or header:<name>)`);
  }
  return { kind: "header", name: name.toLowerCase() };
}

function buildCors(source: Source, raw: NonNullable<RawConfig["cors"]>, duration: DurationOf): CorsConfig {
  raw.origins.forEach((origin, i) => {
    if (origin !== "*" && !isOrigin(origin)) {
      source.fail(["cors", "origins", i], `${JSON.stringify(origin)} is not an origin (use scheme://host[:port], e.g. https://app.example, or *)`);
    }
  });
  const credentials = raw.credentials ?? CONFIG_DEFAULTS.corsCredentials;
  // Browsers refuse credentialed responses with Access-Control-Allow-Origin: *.
  if (credentials && raw.origins.includes("*")) source.fail(["cors", "credentials"], `cannot be true when origins has "*" (list the origins)`);
  const headers = raw.headers ?? [];
  headers.forEach((h, i) => {
    if (!HEADER_NAME.test(h)) source.fail(["cors", "headers", i], `${JSON.stringify(h)} is not a header name`);
  });
  return {
    origins: raw.origins,
    credentials,
    maxAgeMs: raw.maxAge === undefined ? undefined : duration(["cors", "maxAge"], raw.maxAge, { allowZero: true }),
    headers: headers.map((h) => h.toLowerCase()),
  };
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return url.origin !== "null" && url.origin === text.toLowerCase();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// ${VAR} and ${VAR:-default} in string values, before validation so the schema sees the result.

/** `$$` is a literal `$`; `${VAR:-x}` uses x when VAR is unset or empty, as in sh. */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

function interpolate(source: Source, node: YamlNode, at: KeyPath, env: Readonly<Record<string, string | undefined>>): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (pair.value !== null && typeof pair.value === "object") interpolate(source, pair.value as YamlNode, [...at, key], env);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => {
      if (item !== null && typeof item === "object") interpolate(source, item as YamlNode, [...at, i], env);
    });
  } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("$")) {
    const original = node.value;
    const replaced = original.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
      if (match === "$$") return "$";
      if (name === undefined) return source.fail(at, `${JSON.stringify(match)} is not a variable reference (use \${NAME} or \${NAME:-default})`);
      const value = env[name];
      if (value !== undefined && (value !== "" || fallback === undefined)) return value;
      if (fallback !== undefined) return fallback;
      return source.fail(at, `environment variable ${name} is not set (use \${${name}:-default} for a default)`);
    });
    // An unquoted `requests: ${RPS}` means the number, as if it had been written in place.
    const whole = /^\$\{[^}]*\}$/.test(original) && node.type === "PLAIN";
    node.value = whole ? plainScalar(replaced) : replaced;
  }
}

function plainScalar(text: string): string | number | boolean {
  if (/^-?\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  return text;
}

// ---------------------------------------------------------------------------
// The YAML document, for line numbers, and ajv errors → sentences.

class Source {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(text: string, readonly file: string | undefined) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: true,
      // `<<: *defaults` lets rules and backends share settings.
      merge: true,
    });
    const error = this.doc.errors[0];
    if (error !== undefined) {
      const line = this.lines.linePos(error.pos[0]).line;
      const what = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new ConfigError(`invalid YAML: ${what.charAt(0).toLowerCase()}${what.slice(1)}`, { file, line });
    }
    const contents = this.doc.contents;
    if (contents !== null && !isMap(contents) && !(isScalar(contents) && contents.value === null)) {
      throw new ConfigError(`the config must be a mapping of keys (got ${isSeq(contents) ? "a list" : describeData(isScalar(contents) ? contents.value : undefined)})`, { file, line: this.lineOf([]) });
    }
  }

  /** The plain value; alias bombs (`maxAliasCount`, 100 by default) are a config error too. */
  toJS(): unknown {
    try {
      return this.doc.toJS();
    } catch (error: unknown) {
      const what = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`invalid YAML: ${what.charAt(0).toLowerCase()}${what.slice(1)}`, { file: this.file }, { cause: error });
    }
  }

  /** Runs a value parser; a ConfigError it throws is placed at `keyPath`. */
  at<T>(keyPath: KeyPath, parse: () => T): T {
    try {
      return parse();
    } catch (error: unknown) {
      if (error instanceof ConfigError) throw error.at(this.location(keyPath));
      throw error;
    }
  }

  fail(keyPath: KeyPath, reason: string): never {
    throw new ConfigError(reason, this.location(keyPath));
  }

  location(keyPath: KeyPath): { file: string | undefined; line: number | undefined; keyPath: string } {
    return { file: this.file, line: this.lineOf(keyPath), keyPath: formatKeyPath(keyPath) };
  }

  /** Line of the key (for a map entry) or item at `keyPath`, else of its deepest existing ancestor. */
  lineOf(keyPath: KeyPath): number | undefined {
    if (this.file === undefined && this.doc.contents === null) return undefined;
    let node: unknown = this.doc.contents;
    let offset = (node as YamlNode | null)?.range?.[0];
    for (const segment of keyPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(segment));
        if (pair === undefined) break;
        offset = (pair.key as YamlNode | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
        if (node === undefined) break;
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : this.lines.linePos(offset).line;
  }

  fromSchemaError(error: ErrorObject | undefined): ConfigError {
    if (error === undefined) return new ConfigError("does not match the config schema", { file: this.file });
    const at = parsePointer(error.instancePath);
    const schema = (error.parentSchema ?? {}) as SchemaNode;
    const data: unknown = error.data;
    switch (error.keyword) {
      case "additionalProperties": {
        const key = String(error.params.additionalProperty);
        const expected = Object.keys(schema.properties ?? {}).filter((k) => !k.startsWith("$"));
        return new ConfigError(`unknown key ${JSON.stringify(key)} (expected one of ${expected.join(", ")})`, {
          ...this.location(at),
          line: this.lineOf([...at, key]),
        });
      }
      case "required":
        return new ConfigError(`missing required key ${JSON.stringify(String(error.params.missingProperty))}`, this.location(at));
      case "minItems":
        return new ConfigError(error.params.limit === 1 ? "must not be empty" : `must have at least ${error.params.limit} entries`, this.location(at));
      case "uniqueItems": {
        const [i, j] = [Number(error.params.i), Number(error.params.j)];
        const [earlier, later] = [Math.min(i, j), Math.max(i, j)];
        const item: unknown = Array.isArray(data) ? data[later] : undefined;
        return new ConfigError(`${describeData(item)} is listed twice (also at ${formatKeyPath([...at, earlier])})`, this.location([...at, later]));
      }
      case "enum":
        // SPEC §7: the unsigned `none` algorithm is refused by name, not as a typo.
        if (data === "none" && at.includes("algorithms")) return new ConfigError(`"none" is never accepted`, this.location(at));
        return new ConfigError(`must be ${describeSchema(schema)} (got ${describeData(data)})`, this.location(at));
      case "pattern": {
        const format = schema["x-format"];
        if (format !== undefined && typeof data === "string") {
          try {
            FORMAT_PARSERS[format](data);
          } catch (parseError: unknown) {
            if (parseError instanceof ConfigError) return parseError.at(this.location(at));
            throw parseError;
          }
        }
        return new ConfigError(`must be ${describeSchema(schema)} (got ${describeData(data)})`, this.location(at));
      }
      default:
        return new ConfigError(`must be ${describeSchema(schema)} (got ${describeData(data)})`, this.location(at));
    }
  }
}

/** The subset of JSON Schema that describeSchema reads. */
interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minLength?: number;
  properties?: Record<string, unknown>;
  "x-expected"?: string;
  "x-format"?: keyof typeof FORMAT_PARSERS;
}

const FORMAT_PARSERS = {
  duration: parseDuration,
  byteSize: parseByteSize,
  selector: checkSelector,
  rateLimitKey: parseRateLimitKey,
} as const;

/** "an integer >= 1", "one of info, warn", "true or false": what a value must be. */
function describeSchema(schema: SchemaNode): string {
  if (schema["x-expected"] !== undefined) return schema["x-expected"];
  if (schema.enum !== undefined) return `one of ${schema.enum.map(String).join(", ")}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  switch (schema.type) {
    case "integer":
      return schema.minimum === undefined ? "an integer" : `an integer >= ${schema.minimum}`;
    case "string":
      return schema.minLength === undefined ? "a string" : "a non-empty string";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
      return "a mapping of keys";
    default:
      return "valid";
  }
}

function describeData(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(value);
}

/** ["rules", 2, "rateLimit", "per"] → `rules[2].rateLimit.per` */
export function formatKeyPath(keyPath: KeyPath): string {
  let text = "";
  for (const segment of keyPath) text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  return text;
}

/** JSON Pointer `/rules/2/rateLimit/per` → ["rules", 2, "rateLimit", "per"] (array indices as numbers). */
function parsePointer(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

let compiled: ValidateFunction | undefined;

/** Compiled once, on first use; the schema file sits next to this module in dist/. */
function validate(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(new URL("./config-schema.json", import.meta.url), "utf8")) as object;
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: "x-format", schemaType: "string" });
    ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
    compiled = ajv.compile(schema);
  }
  return compiled;
}

function atFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (error: unknown) {
    if (error instanceof ConfigError) throw error.at({ keyPath: flag });
    throw error;
  }
}

function describeIoError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
