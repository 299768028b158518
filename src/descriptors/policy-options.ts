import type protobuf from "protobufjs";
import { parseDuration } from "../config/duration.js";
import { ConfigError } from "../config/config-error.js";
import type { ProtoAuthPolicy, ProtoPolicy, ProtoRateLimitPolicy } from "../model/policy.js";
import { ProtoError } from "./proto-error.js";

const METHOD_OPTION = "(protogate.policy)";
const SERVICE_OPTION = "(protogate.service_policy)";
const RATE_LIMIT_KEY = /^(?:ip|sub|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/;

type Raw = Record<string, unknown>;

/**
 * The protogate policy of one RPC: `(protogate.policy)` over its service's
 * `(protogate.service_policy)`, each key (auth, rate_limit, cache, timeout) replaced as a
 * whole, like config rules. Undefined when neither is set. Bad values are a ProtoError
 * at generate time, never a surprise at run time.
 */
export function policyOptions(
  method: protobuf.Method,
  service: protobuf.Service,
  where: { readonly file: string; readonly line: number },
): ProtoPolicy | undefined {
  const serviceRaw = gather(service.parsedOptions, SERVICE_OPTION);
  const methodRaw = gather(method.parsedOptions, METHOD_OPTION);
  if (serviceRaw === undefined && methodRaw === undefined) return undefined;
  const raw: Raw = { ...serviceRaw, ...methodRaw };
  const fail = (reason: string): never => {
    throw new ProtoError(where.file, where.line, `rpc ${method.name}: ${reason}`);
  };
  const duration = (name: string, value: unknown, allowZero: boolean): number => {
    if (typeof value !== "string") return fail(`${name} must be a duration text such as "30s"`);
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error: unknown) {
      if (error instanceof ConfigError) return fail(`${name}: ${error.reason}`);
      throw error;
    }
    if (ms === 0 && !allowZero) fail(`${name} must be longer than 0s`);
    return ms;
  };

  const policy: { -readonly [K in keyof ProtoPolicy]: ProtoPolicy[K] } = {};
  if (isObject(raw["auth"])) policy.auth = authPolicy(raw["auth"], fail);
  if (isObject(raw["rate_limit"])) policy.rateLimit = rateLimitPolicy(raw["rate_limit"], fail, duration);
  if (isObject(raw["cache"])) policy.cache = { ttlMs: duration("cache.ttl", raw["cache"]["ttl"] ?? "0s", true) };
  if (raw["timeout"] !== undefined && raw["timeout"] !== "") policy.timeoutMs = duration("timeout", raw["timeout"], false);
  return policy;
}

function authPolicy(raw: Raw, fail: (reason: string) => never): ProtoAuthPolicy {
  const scopes = raw["scopes"] === undefined ? [] : Array.isArray(raw["scopes"]) ? raw["scopes"] : [raw["scopes"]];
  if (!scopes.every((scope): scope is string => typeof scope === "string" && scope !== "")) fail("auth.scopes must be non-empty strings");
  const required = raw["required"];
  if (required !== undefined && typeof required !== "boolean") fail("auth.required must be true or false");
  const provider = raw["provider"];
  if (provider !== undefined && typeof provider !== "string") fail("auth.provider must be a string");
  return {
    ...(typeof required === "boolean" ? { required } : {}),
    ...(typeof provider === "string" && provider !== "" ? { provider } : {}),
    ...(scopes.length === 0 ? {} : { scopes: scopes as string[] }),
  };
}

function rateLimitPolicy(
  raw: Raw,
  fail: (reason: string) => never,
  duration: (name: string, value: unknown, allowZero: boolean) => number,
): ProtoRateLimitPolicy {
  const requests = raw["requests"];
  if (typeof requests !== "number" || !Number.isInteger(requests) || requests < 1) fail("rate_limit.requests must be an integer >= 1");
  const key = raw["key"];
  if (key !== undefined && key !== "" && (typeof key !== "string" || !RATE_LIMIT_KEY.test(key))) {
    fail(`rate_limit.key ${JSON.stringify(key)} is not a rate-limit key (use ip, sub or header:<name>)`);
  }
  const burst = raw["burst"];
  if (burst !== undefined && burst !== 0 && (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1)) {
    fail("rate_limit.burst must be an integer >= 1");
  }
  return {
    requests: requests as number,
    perMs: duration("rate_limit.per", raw["per"], false),
    ...(typeof key === "string" && key !== "" ? { key } : {}),
    ...(typeof burst === "number" && burst > 0 ? { burst } : {}),
  };
}

/** protobufjs keeps each `option` statement as one object; statements about one option merge. */
function gather(parsed: unknown, name: string): Raw | undefined {
  let out: Raw | undefined;
  for (const option of Array.isArray(parsed) ? (parsed as unknown[]) : []) {
    if (!isObject(option)) continue;
    for (const [key, value] of Object.entries(option)) {
      if (key === name && isObject(value)) out = deepMerge(out ?? {}, value);
      else if (key.startsWith(`${name}.`)) out = deepMerge(out ?? {}, nest(key.slice(name.length + 1).split("."), value));
    }
  }
  return out;
}

function nest(path: readonly string[], value: unknown): Raw {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Raw;
}

function deepMerge(into: Raw, from: Raw): Raw {
  const out: Raw = { ...into };
  for (const [key, value] of Object.entries(from)) {
    const existing = out[key];
    out[key] = isObject(existing) && isObject(value) ? deepMerge(existing, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
