import test from "ava";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import fc from "fast-check";
import { CONFIG_DEFAULTS } from "../../../src/config/gateway-config.js";
import { parseByteSize } from "../../../src/config/byte-size.js";
import { parseDuration } from "../../../src/config/duration.js";
import { checkSelector } from "../../../src/config/selector.js";

interface SchemaNode {
  readonly default?: unknown;
  readonly properties?: Record<string, SchemaNode>;
  readonly items?: SchemaNode;
  readonly else?: SchemaNode;
  readonly pattern?: string;
  readonly additionalProperties?: boolean;
  readonly type?: string | string[];
  readonly definitions?: Record<string, SchemaNode>;
}

const schema = JSON.parse(readFileSync(new URL("../../../src/config/config-schema.json", import.meta.url), "utf8")) as SchemaNode;
const top = schema.properties!;
const at = (...keys: string[]): SchemaNode => {
  let node: SchemaNode = { properties: top };
  for (const key of keys) {
    const inner: SchemaNode = node.items ?? node.else ?? node;
    node = inner.properties![key]!;
  }
  return node;
};

test("config-schema.json: is a valid draft-07 schema", (t) => {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: "x-format", schemaType: "string" });
  ajv.addKeyword({ keyword: "x-expected", schemaType: "string" });
  t.notThrows(() => ajv.compile(schema));
});

test("config-schema.json: documents the defaults CONFIG_DEFAULTS fills", (t) => {
  t.is(at("listen").default, CONFIG_DEFAULTS.listen);
  t.is(at("backends", "transport").default, CONFIG_DEFAULTS.backendTransport);
  t.is(at("auth", "providers", "clockSkew").default, CONFIG_DEFAULTS.clockSkew);
  t.is(at("rules", "auth", "required").default, CONFIG_DEFAULTS.authRequired);
  t.is(at("rules", "rateLimit", "key").default, CONFIG_DEFAULTS.rateLimitKey);
  t.is(at("rateLimitStore").default, "memory");
  t.is(at("rateLimitStore", "onStoreError").default, CONFIG_DEFAULTS.onStoreError);
  t.is(at("rateLimitStore", "timeout").default, CONFIG_DEFAULTS.redisTimeout);
  for (const [key, value] of Object.entries(CONFIG_DEFAULTS.json)) t.is(at("json", key).default, value, `json.${key}`);
  t.is(at("autoMapping").default, CONFIG_DEFAULTS.autoMapping);
  t.is(at("cors", "credentials").default, CONFIG_DEFAULTS.corsCredentials);
  t.is(at("limits", "maxBodySize").default, CONFIG_DEFAULTS.maxBodySize);
  t.is(at("shutdown", "gracePeriod").default, CONFIG_DEFAULTS.gracePeriod);
  t.is(at("logging", "level").default, CONFIG_DEFAULTS.logLevel);
  t.is(at("backends", "retry", "maxAttempts").default, CONFIG_DEFAULTS.retryMaxAttempts);
  t.is(at("backends", "retry", "initialBackoff").default, CONFIG_DEFAULTS.retryInitialBackoff);
  t.is(at("backends", "retry", "maxBackoff").default, CONFIG_DEFAULTS.retryMaxBackoff);
  t.is(at("backends", "circuitBreaker", "failures").default, CONFIG_DEFAULTS.breakerFailures);
  t.is(at("backends", "circuitBreaker", "halfOpenAfter").default, CONFIG_DEFAULTS.breakerHalfOpenAfter);
  t.is(at("tracing", "serviceName").default, CONFIG_DEFAULTS.tracingServiceName);
  t.is(at("tracing", "sampleRatio").default, CONFIG_DEFAULTS.tracingSampleRatio);
});

test("config-schema.json: every object forbids unknown keys", (t) => {
  const walk = (node: SchemaNode, path: string): void => {
    if (node.properties !== undefined) t.is(node.additionalProperties, false, path);
    for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`);
    if (node.items !== undefined) walk(node.items, `${path}[]`);
    if (node.else !== undefined) walk(node.else, `${path}(else)`);
  };
  walk(schema, "$");
});

// The schema's patterns are for editors; the parsers give the messages. They must agree.
const agrees = (name: string, pattern: string, parse: (text: string) => unknown, sample: fc.Arbitrary<string>): void => {
  test(`config-schema.json: the ${name} pattern accepts exactly what the parser accepts`, (t) => {
    const regex = new RegExp(pattern);
    fc.assert(
      fc.property(sample, (text) => {
        let reason: string | undefined;
        try {
          parse(text);
        } catch (error: unknown) {
          reason = error instanceof Error ? error.message : String(error);
        }
        // Bounds (too long, too large, fractional bytes) are the parser's alone.
        if (reason === undefined) return regex.test(text);
        return !regex.test(text) || /is too long|is too large|not a whole number/.test(reason);
      }),
      { numRuns: 300 },
    );
    t.pass();
  });
};
const defs = schema.definitions!;
const chars = (alphabet: string, maxLength = 8): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet.split("")), { maxLength }).map((a) => a.join(""));
const durationLike = fc
  .array(fc.tuple(fc.nat(999), fc.constantFrom("h", "m", "s", "ms", "us", "", "d", "M")), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.map(([n, unit]) => `${n}${unit}`).join(""));
agrees("duration", defs.duration!.pattern!, parseDuration, fc.oneof(chars("0123456789.hmsu -"), durationLike));
const sizeLike = fc
  .tuple(fc.nat(9999), fc.constantFrom("", "B", "kB", "KB", "MB", "GB", "KiB", "MiB", "GiB", "mb", "TB", " MiB"))
  .map(([n, unit]) => `${n}${unit}`);
agrees("byteSize", defs.byteSize!.pattern!, parseByteSize, fc.oneof(chars("0123456789. KMGiBk"), sizeLike));
const selectorLike = fc
  .array(fc.constantFrom("a", "B_1", "*", "", "1x"), { minLength: 1, maxLength: 4 })
  .map((segments) => segments.join("."));
agrees("selector", defs.selector!.pattern!, checkSelector, fc.oneof(chars("ab_1.*/ "), selectorLike));
