import test from "ava";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { applyCliOverrides, formatKeyPath, loadConfig, parseConfigText, parseRateLimitKey } from "../../../src/config/load-config.js";
import { ConfigError } from "../../../src/config/config-error.js";
import type { GatewayConfig } from "../../../src/config/gateway-config.js";

const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/config/", import.meta.url));
const BASE = "/srv/gateway";
const ENV = { JWT_SECRET: "s3cret", RPS: "50", EMPTY: "", PORT: "9000" };

function parse(input: string, env: Record<string, string> = ENV): GatewayConfig {
  return parseConfigText(input, { file: "config.yaml", baseDir: BASE, env });
}

/** Partial expectations: only the keys given are compared (t.like). */
type Expected = Record<string, unknown>;

const loads = test.macro({
  exec(t, input: string, output: Expected) {
    t.like(parse(input), output);
  },
  title: (name = "") => `loadConfig: ${name}`,
});

const fails = test.macro({
  exec(t, input: string, error: string | RegExp) {
    const thrown = t.throws(() => parse(input), { instanceOf: ConfigError });
    if (typeof error === "string") t.is(thrown?.message, error);
    else t.regex(thrown?.message ?? "", error);
    t.false(thrown?.message.includes("\n"), "the message is one line");
  },
  title: (name = "") => `loadConfig: ${name}`,
});

// --- defaults --------------------------------------------------------------------

const DEFAULTS: GatewayConfig = {
  file: "config.yaml",
  baseDir: BASE,
  listen: { host: "127.0.0.1", port: 8080 },
  protoPaths: [],
  backends: [],
  auth: { providers: [] },
  rules: [],
  rateLimitStore: { kind: "memory" },
  cacheStore: { kind: "memory", maxBytes: 64 * 1024 * 1024 },
  json: { emitUnpopulated: true, useProtoNames: false, enumsAsInts: false, discardUnknown: false },
  autoMapping: false,
  cors: undefined,
  limits: { maxBodyBytes: 4 * 1024 * 1024 },
  trustedProxies: [],
  shutdown: { gracePeriodMs: 10_000 },
  logging: { level: "info" },
  server: { tls: undefined },
  tracing: undefined,
};

test("loadConfig: an empty file is all defaults", (t) => {
  t.deepEqual(parse(""), DEFAULTS);
  t.deepEqual(parse("# nothing but a comment\n"), DEFAULTS);
  t.deepEqual(parse("{}"), DEFAULTS);
});

test("loadConfig: no file is all defaults, relative to the working directory", (t) => {
  t.deepEqual(loadConfig(undefined), { ...DEFAULTS, file: undefined, baseDir: process.cwd() });
});

// --- every key, accepted and defaulted -------------------------------------------

test("listen: HOST:PORT", loads, "listen: 0.0.0.0:9090\n", { listen: { host: "0.0.0.0", port: 9090 } });
test("listen: [v6]:PORT", loads, `listen: "[::]:9090"\n`, { listen: { host: "::", port: 9090 } });
test("protoPaths: relative to the config file's directory", loads, "protoPaths: [protos, ../shared, /abs]\n", {
  protoPaths: [`${BASE}/protos`, "/srv/shared", "/abs"],
});
test("backends: one entry, defaults filled", loads, "backends:\n  - selector: '*'\n    address: 127.0.0.1:50051\n", {
  backends: [{ selector: "*", address: "127.0.0.1:50051", tls: undefined, timeoutMs: undefined, transport: "native" }],
});
test(
  "backends: tls paths relative to the config file, timeout, native transport",
  loads,
  [
    "backends:",
    "  - selector: library.v1.*",
    "    address: dns:///library:50051",
    "    tls: { ca: certs/ca.pem, cert: /etc/pki/client.pem, key: client.key, serverName: library.internal }",
    "    timeout: 5s",
    "    transport: native",
    "  - selector: '*'",
    "    address: '[::1]:50052'",
    "    tls: { ca: ca.pem }",
    "",
  ].join("\n"),
  {
    backends: [
      {
        selector: "library.v1.*",
        address: "dns:///library:50051",
        tls: { ca: `${BASE}/certs/ca.pem`, cert: "/etc/pki/client.pem", key: `${BASE}/client.key`, serverName: "library.internal" },
        timeoutMs: 5000,
        transport: "native",
      },
      { selector: "*", address: "[::1]:50052", tls: { ca: `${BASE}/ca.pem`, cert: undefined, key: undefined, serverName: undefined } },
    ],
  },
);
test("auth: an HS provider, defaults filled", loads, "auth:\n  providers:\n    - id: main\n      secret: ${JWT_SECRET}\n", {
  auth: {
    providers: [
      {
        id: "main",
        issuer: undefined,
        audiences: undefined,
        secret: "s3cret",
        publicKeys: undefined,
        algorithms: ["HS256", "HS384", "HS512"],
        clockSkewMs: 30_000,
      },
    ],
  },
});
test(
  "auth: jwks URL, issuer, audiences, algorithms, clockSkew",
  loads,
  [
    "auth:",
    "  providers:",
    "    - id: idp",
    "      issuer: https://issuer.example",
    "      audiences: [library-api]",
    "      jwks: https://issuer.example/.well-known/jwks.json",
    "      algorithms: [RS256, ES256]",
    "      clockSkew: 5s",
    "",
  ].join("\n"),
  {
    auth: {
      providers: [
        {
          id: "idp",
          issuer: "https://issuer.example",
          audiences: ["library-api"],
          secret: undefined,
          publicKeys: { kind: "jwks-url", url: "https://issuer.example/.well-known/jwks.json" },
          algorithms: ["RS256", "ES256"],
          clockSkewMs: 5000,
        },
      ],
    },
  },
);
test("auth: a jwks file path is relative to the config file", loads, "auth: { providers: [{ id: a, jwks: keys/jwks.json }] }\n", {
  auth: {
    providers: [
      {
        publicKeys: { kind: "jwks-file", path: `${BASE}/keys/jwks.json` },
        algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
      },
    ],
  },
});
test("auth: jwks over http is allowed for localhost only", loads, "auth: { providers: [{ id: a, jwks: 'http://127.0.0.1:8000/jwks.json' }] }\n", {
  auth: { providers: [{ publicKeys: { kind: "jwks-url", url: "http://127.0.0.1:8000/jwks.json" } }] },
});
test("auth: a PEM publicKey file, relative", loads, "auth: { providers: [{ id: a, publicKey: keys/pub.pem, algorithms: [PS256] }] }\n", {
  auth: { providers: [{ publicKeys: { kind: "public-key-file", path: `${BASE}/keys/pub.pem` }, algorithms: ["PS256"] }] },
});
test("auth: secret and jwks together allow both families by default", loads, "auth: { providers: [{ id: a, secret: x, jwks: j.json }] }\n", {
  auth: { providers: [{ secret: "x", algorithms: ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] }] },
});
test("auth: an issuer alone means OIDC discovery, with every public-key algorithm", loads, "auth: { providers: [{ id: a, issuer: 'https://idp.example/realms/x' }] }\n", {
  auth: {
    providers: [
      {
        publicKeys: { kind: "oidc-discovery", issuer: "https://idp.example/realms/x" },
        algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
      },
    ],
  },
});
test(
  "rules: every policy key, with defaults",
  loads,
  [
    "auth: { providers: [{ id: main, secret: x }] }",
    "rules:",
    "  - selector: library.v1.LibraryService.*",
    "    auth: { provider: main, scopes: [books.read] }",
    "    rateLimit: { requests: 100, per: 1m }",
    "    cache: { ttl: 30s }",
    "    timeout: 2s",
    "",
  ].join("\n"),
  {
    rules: [
      {
        selector: "library.v1.LibraryService.*",
        auth: { provider: "main", required: true, scopes: ["books.read"] },
        rateLimit: { requests: 100, perMs: 60_000, key: { kind: "ip" }, burst: 100, onStoreError: "allow" },
        cache: { ttlMs: 30_000 },
        timeoutMs: 2000,
      },
    ],
  },
);
test("rules: the only provider is the default, required: false", loads, "auth: { providers: [{ id: main, secret: x }] }\nrules: [{ selector: '*', auth: { required: false } }]\n", {
  rules: [{ auth: { provider: "main", required: false, scopes: [] } }],
});
test("rules: rateLimit key sub, burst, onStoreError", loads, "rules: [{ selector: '*', rateLimit: { requests: 5, per: 1s, key: sub, burst: 10, onStoreError: deny } }]\n", {
  rules: [{ rateLimit: { requests: 5, perMs: 1000, key: { kind: "sub" }, burst: 10, onStoreError: "deny" } }],
});
test("rules: rateLimit key header:<name> is lower-cased", loads, "rules: [{ selector: '*', rateLimit: { requests: 5, per: 1s, key: 'header:X-Api-Key' } }]\n", {
  rules: [{ rateLimit: { key: { kind: "header", name: "x-api-key" } } }],
});
test("rules: cache ttl 0s turns caching off", loads, "rules: [{ selector: a.b.C, cache: { ttl: 0s } }]\n", {
  rules: [{ selector: "a.b.C", auth: undefined, rateLimit: undefined, cache: { ttlMs: 0 }, timeoutMs: undefined }],
});
test("rateLimitStore: memory", loads, "rateLimitStore: memory\n", { rateLimitStore: { kind: "memory" } });
test("rateLimitStore: redis, defaults filled", loads, "rateLimitStore: { redis: 'redis://127.0.0.1:6379' }\n", {
  rateLimitStore: { kind: "redis", url: "redis://127.0.0.1:6379", onStoreError: "allow", timeoutMs: 200 },
});
test(
  "rateLimitStore: redis onStoreError is the default of every rule",
  loads,
  "rateLimitStore: { redis: 'rediss://r:6380', onStoreError: deny, timeout: 50ms }\nrules: [{ selector: '*', rateLimit: { requests: 1, per: 1s } }]\n",
  {
    rateLimitStore: { kind: "redis", url: "rediss://r:6380", onStoreError: "deny", timeoutMs: 50 },
    rules: [{ rateLimit: { onStoreError: "deny" } }],
  },
);
test("json: every option", loads, "json: { emitUnpopulated: false, useProtoNames: true, enumsAsInts: true, discardUnknown: true }\n", {
  json: { emitUnpopulated: false, useProtoNames: true, enumsAsInts: true, discardUnknown: true },
});
test("json: unset options keep their defaults", loads, "json: { useProtoNames: true }\n", {
  json: { emitUnpopulated: true, useProtoNames: true, enumsAsInts: false, discardUnknown: false },
});
test("autoMapping: true", loads, "autoMapping: true\n", { autoMapping: true });
test("cors: origins, defaults filled", loads, "cors: { origins: ['https://app.example'] }\n", {
  cors: { origins: ["https://app.example"], credentials: false, maxAgeMs: undefined, headers: [] },
});
test("cors: every key", loads, "cors: { origins: ['https://app.example', 'http://localhost:3000'], credentials: true, maxAge: 10m, headers: [X-Request-Id] }\n", {
  cors: { origins: ["https://app.example", "http://localhost:3000"], credentials: true, maxAgeMs: 600_000, headers: ["x-request-id"] },
});
test("cors: * without credentials", loads, "cors: { origins: ['*'] }\n", { cors: { origins: ["*"], credentials: false } });
test("limits: maxBodySize as a size", loads, "limits: { maxBodySize: 512KiB }\n", { limits: { maxBodyBytes: 524_288 } });
test("limits: maxBodySize as bytes", loads, "limits: { maxBodySize: 1024 }\n", { limits: { maxBodyBytes: 1024 } });
test("trustedProxies: v4 and v6, addresses and CIDRs", loads, "trustedProxies: [10.0.0.0/8, 192.168.1.1, 'fd00::/8', '::1']\n", {
  trustedProxies: ["10.0.0.0/8", "192.168.1.1", "fd00::/8", "::1"],
});
test("shutdown: gracePeriod", loads, "shutdown: { gracePeriod: 1m30s }\n", { shutdown: { gracePeriodMs: 90_000 } });
test("logging: level", loads, "logging: { level: debug }\n", { logging: { level: "debug" } });
test("$schema: allowed for editors and ignored", loads, `{ "$schema": "./config-schema.json", "autoMapping": true }`, { autoMapping: true });

test(
  "YAML anchors and merge keys share settings",
  loads,
  "rules:\n  - &read { selector: a.*, timeout: 1s, cache: { ttl: 5s } }\n  - { <<: *read, selector: b.* }\n",
  { rules: [{ selector: "a.*", timeoutMs: 1000, cache: { ttlMs: 5000 } }, { selector: "b.*", timeoutMs: 1000, cache: { ttlMs: 5000 } }] },
);

// --- ${VAR} ------------------------------------------------------------------------

test("env: ${VAR} in a string", loads, "auth: { providers: [{ id: a, secret: 'pre-${JWT_SECRET}-post' }] }\n", {
  auth: { providers: [{ secret: "pre-s3cret-post" }] },
});
test("env: ${VAR:-default} when unset", loads, "listen: ${NOT_SET:-0.0.0.0:1234}\n", { listen: { host: "0.0.0.0", port: 1234 } });
test("env: ${VAR:-default} when empty, as in sh", loads, "listen: ${EMPTY:-0.0.0.0:1234}\n", { listen: { host: "0.0.0.0", port: 1234 } });
test("env: ${VAR:-default} ignores the default when set", loads, "listen: 0.0.0.0:${PORT:-1}\n", { listen: { host: "0.0.0.0", port: 9000 } });
test("env: an unquoted ${VAR} alone is a number when it reads as one", loads, "rules:\n  - selector: '*'\n    rateLimit:\n      requests: ${RPS}\n      per: 1m\n", {
  rules: [{ rateLimit: { requests: 50 } }],
});
test("env: an unquoted ${VAR} alone is a boolean when it reads as one", loads, "autoMapping: ${ON:-true}\n", { autoMapping: true });
test("env: $$ is a literal $", loads, "auth: { providers: [{ id: a, secret: 'a$$b$${JWT_SECRET}' }] }\n", {
  auth: { providers: [{ secret: "a$b${JWT_SECRET}" }] },
});
test("env: list items", loads, "protoPaths: ['${PORT}/a']\n", { protoPaths: [`${BASE}/9000/a`] });
test("env: inside JSON", loads, `{\n\t"auth": { "providers": [{ "id": "a", "secret": "\${JWT_SECRET}" }] }\n}`, {
  auth: { providers: [{ secret: "s3cret" }] },
});
test("env: a quoted ${VAR} stays a string", fails, "rules:\n  - selector: '*'\n    rateLimit:\n      requests: '${RPS}'\n      per: 1m\n",
  `config.yaml:4: rules[0].rateLimit.requests: must be an integer >= 1 (got "50")`);
test("env: a missing variable names the key", fails, "auth:\n  providers:\n    - id: main\n      secret: ${JWT_SECRET_MISSING}\n",
  "config.yaml:4: auth.providers[0].secret: environment variable JWT_SECRET_MISSING is not set (use ${JWT_SECRET_MISSING:-default} for a default)");
test("env: a malformed reference", fails, "listen: '${bad name}'\n", `config.yaml:1: listen: "\${bad name}" is not a variable reference (use \${NAME} or \${NAME:-default})`);
test("env: an unclosed reference", fails, "listen: '127.0.0.1:${PORT'\n", `config.yaml:1: listen: "\${PORT" is not a variable reference (use \${NAME} or \${NAME:-default})`);
test("env: an empty default fails the schema, not silently", fails, "auth: { providers: [{ id: a, secret: '${EMPTY:-}' }] }\n",
  `config.yaml:1: auth.providers[0].secret: must be a non-empty string (got "")`);

// --- errors: syntax and shape ----------------------------------------------------

test("YAML: a syntax error carries its line (an unclosed list is reported at the end)", fails, "listen: 1.2.3.4:80\nbackends: [\n",
  "config.yaml:3: invalid YAML: flow sequence in block collection must be sufficiently indented and end with a ]");
test("YAML: an unclosed quote", fails, "listen: a:1\nlogging: { level: 'info }\n", "config.yaml:3: invalid YAML: missing closing 'quote");
test("YAML: tabs as indentation", fails, "shutdown:\n\tgracePeriod: 1s\n", "config.yaml:2: invalid YAML: tabs are not allowed as indentation");
test("YAML: duplicate keys", fails, "listen: a:1\nlogging: {}\nlisten: b:2\n", "config.yaml:3: invalid YAML: map keys must be unique");
test("YAML: bad indentation", fails, "shutdown:\n  gracePeriod: 1s\n   level: x\n", "config.yaml:2: invalid YAML: nested mappings are not allowed in compact mappings");
test("YAML: an alias bomb is refused, not expanded", fails,
  `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
  /^config\.yaml: invalid YAML: excessive alias count/);
test("YAML: a list at the top", fails, "- listen\n", "config.yaml:1: the config must be a mapping of keys (got a list)");
test("YAML: a string at the top", fails, "listen\n", `config.yaml:1: the config must be a mapping of keys (got "listen")`);
test("JSON: a syntax error carries its line", fails, `{\n  "listen": "a:1",\n  "logging": {\n}\n`, "config.yaml:5: invalid YAML: flow map must end with a }");

// --- errors: unknown keys --------------------------------------------------------

const TOP_KEYS = "listen, protoPaths, backends, auth, rules, rateLimitStore, cacheStore, json, autoMapping, cors, limits, trustedProxies, shutdown, logging, server, tracing";
test("unknown key at the top", fails, "listn: 0.0.0.0:80\n", `config.yaml:1: unknown key "listn" (expected one of ${TOP_KEYS})`);
test("unknown key on a later line", fails, "listen: 0.0.0.0:80\n\nshutdown: {}\ngracePeriod: 1s\n", `config.yaml:4: unknown key "gracePeriod" (expected one of ${TOP_KEYS})`);
test("unknown key in a rule", fails, "rules:\n  - selector: '*'\n    timeout: 1s\n  - selector: a.*\n    ratelimit: {}\n",
  `config.yaml:5: rules[1]: unknown key "ratelimit" (expected one of selector, auth, rateLimit, cache, timeout)`);
test("unknown key in a backend's tls", fails, "backends:\n  - selector: '*'\n    address: a:1\n    tls:\n      insecureSkipVerify: true\n",
  `config.yaml:5: backends[0].tls: unknown key "insecureSkipVerify" (expected one of ca, cert, key, serverName)`);
test("unknown key in rateLimit", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 1s, window: 1s } }]\n",
  `config.yaml:1: rules[0].rateLimit: unknown key "window" (expected one of requests, per, key, burst, onStoreError)`);
test("unknown key in json", fails, "json:\n  emitDefaults: true\n", `config.yaml:2: json: unknown key "emitDefaults" (expected one of emitUnpopulated, useProtoNames, enumsAsInts, discardUnknown)`);
test("unknown key in a provider", fails, "auth:\n  providers:\n    - id: a\n      secret: x\n      audience: api\n",
  `config.yaml:5: auth.providers[0]: unknown key "audience" (expected one of id, issuer, audiences, secret, jwks, publicKey, algorithms, clockSkew)`);
test("unknown key in redis store", fails, "rateLimitStore: { redis: 'redis://r', url: x }\n", `config.yaml:1: rateLimitStore: unknown key "url" (expected one of redis, onStoreError, timeout)`);
test("unknown key in cors", fails, "cors: { origins: ['*'], methods: [GET] }\n", `config.yaml:1: cors: unknown key "methods" (expected one of origins, credentials, maxAge, headers)`);
test("unknown key in limits", fails, "limits: { maxBody: 1MB }\n", `config.yaml:1: limits: unknown key "maxBody" (expected one of maxBodySize)`);
test("unknown key in shutdown", fails, "shutdown: { grace: 1s }\n", `config.yaml:1: shutdown: unknown key "grace" (expected one of gracePeriod)`);
test("unknown key in logging", fails, "logging: { format: json }\n", `config.yaml:1: logging: unknown key "format" (expected one of level)`);
test("unknown key in auth", fails, "auth: { provider: [] }\n", `config.yaml:1: auth: unknown key "provider" (expected one of providers)`);
test("unknown key in a rule's auth", fails, "rules: [{ selector: '*', auth: { scope: [a] } }]\n", `config.yaml:1: rules[0].auth: unknown key "scope" (expected one of provider, required, scopes)`);
test("unknown key in a rule's cache", fails, "rules: [{ selector: '*', cache: { ttl: 1s, max: 5 } }]\n", `config.yaml:1: rules[0].cache: unknown key "max" (expected one of ttl)`);

// --- errors: missing keys and types ----------------------------------------------

test("missing backend selector", fails, "backends:\n  - address: a:1\n", `config.yaml:2: backends[0]: missing required key "selector"`);
test("missing backend address", fails, "backends:\n  - selector: '*'\n", `config.yaml:2: backends[0]: missing required key "address"`);
test("missing provider id", fails, "auth:\n  providers:\n    - secret: x\n", `config.yaml:3: auth.providers[0]: missing required key "id"`);
test("missing rule selector", fails, "rules:\n  - timeout: 1s\n", `config.yaml:2: rules[0]: missing required key "selector"`);
test("missing rateLimit.per", fails, "rules:\n  - selector: '*'\n    rateLimit:\n      requests: 1\n", `config.yaml:3: rules[0].rateLimit: missing required key "per"`);
test("missing cache.ttl", fails, "rules: [{ selector: '*', cache: {} }]\n", `config.yaml:1: rules[0].cache: missing required key "ttl"`);
test("missing cors.origins", fails, "cors: { credentials: true }\n", `config.yaml:1: cors: missing required key "origins"`);
test("rateLimit.requests not a number", fails, "rules:\n  - selector: '*'\n    rateLimit: { requests: ten, per: 1m }\n",
  `config.yaml:3: rules[0].rateLimit.requests: must be an integer >= 1 (got "ten")`);
test("rateLimit.requests zero", fails, "rules: [{ selector: '*', rateLimit: { requests: 0, per: 1m } }]\n", `config.yaml:1: rules[0].rateLimit.requests: must be an integer >= 1 (got 0)`);
test("rateLimit.requests fractional", fails, "rules: [{ selector: '*', rateLimit: { requests: 1.5, per: 1m } }]\n", `config.yaml:1: rules[0].rateLimit.requests: must be an integer >= 1 (got 1.5)`);
test("rateLimit.burst zero", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 1m, burst: 0 } }]\n", `config.yaml:1: rules[0].rateLimit.burst: must be an integer >= 1 (got 0)`);
test("listen not a string", fails, "listen: 8080\n", "config.yaml:1: listen: must be an address such as 127.0.0.1:8080 (got 8080)");
test("listen empty", fails, "listen:\n", "config.yaml:1: listen: must be an address such as 127.0.0.1:8080 (got nothing)");
test("protoPaths not a list", fails, "protoPaths: protos\n", `config.yaml:1: protoPaths: must be a list (got "protos")`);
test("protoPaths duplicate", fails, "protoPaths:\n  - a\n  - b\n  - a\n", `config.yaml:4: protoPaths[2]: "a" is listed twice (also at protoPaths[0])`);
test("backends not a list", fails, "backends: { selector: '*' }\n", "config.yaml:1: backends: must be a list (got a mapping)");
test("a backend not a mapping", fails, "backends:\n  - 127.0.0.1:50051\n", `config.yaml:2: backends[0]: must be a mapping of keys (got "127.0.0.1:50051")`);
test("backend transport unknown", fails, "backends: [{ selector: '*', address: 'a:1', transport: http2 }]\n",
  `config.yaml:1: backends[0].transport: must be one of grpc-js, native (got "http2")`);
test("backend timeout a bare number", fails, "backends: [{ selector: '*', address: 'a:1', timeout: 5 }]\n",
  "config.yaml:1: backends[0].timeout: must be a duration such as 30s or 1m30s (got 5)");
test("json option not a boolean", fails, "json: { emitUnpopulated: yes }\n", `config.yaml:1: json.emitUnpopulated: must be true or false (got "yes")`);
test("autoMapping not a boolean", fails, "autoMapping: 1\n", "config.yaml:1: autoMapping: must be true or false (got 1)");
test("auth.providers not a list", fails, "auth: { providers: { id: a } }\n", "config.yaml:1: auth.providers: must be a list (got a mapping)");
test("audiences empty", fails, "auth: { providers: [{ id: a, secret: x, audiences: [] }] }\n", "config.yaml:1: auth.providers[0].audiences: must not be empty");
test("audiences a string", fails, "auth: { providers: [{ id: a, secret: x, audiences: api }] }\n", `config.yaml:1: auth.providers[0].audiences: must be a list (got "api")`);
test("provider id with spaces", fails, "auth: { providers: [{ id: 'my provider', secret: x }] }\n",
  `config.yaml:1: auth.providers[0].id: must be a name of letters, digits, _, . or - (got "my provider")`);
test("algorithms: none is never accepted", fails, "auth:\n  providers:\n    - id: a\n      secret: x\n      algorithms: [HS256, none]\n",
  `config.yaml:5: auth.providers[0].algorithms[1]: "none" is never accepted`);
test("algorithms: unknown", fails, "auth: { providers: [{ id: a, secret: x, algorithms: [hs256] }] }\n",
  `config.yaml:1: auth.providers[0].algorithms[0]: must be one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA (got "hs256")`);
test("algorithms: empty", fails, "auth: { providers: [{ id: a, secret: x, algorithms: [] }] }\n", "config.yaml:1: auth.providers[0].algorithms: must not be empty");
test("rule auth.required not a boolean", fails, "rules: [{ selector: '*', auth: { required: maybe } }]\n", `config.yaml:1: rules[0].auth.required: must be true or false (got "maybe")`);
test("rateLimit onStoreError unknown", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 1s, onStoreError: retry } }]\n",
  `config.yaml:1: rules[0].rateLimit.onStoreError: must be one of allow, deny (got "retry")`);
test("rateLimitStore: an unknown store", fails, "rateLimitStore: redis\n", `config.yaml:1: rateLimitStore: must be "memory" or a mapping with a redis URL (got "redis")`);
test("rateLimitStore: a number", fails, "rateLimitStore: 5\n", `config.yaml:1: rateLimitStore: must be "memory" or a mapping with a redis URL (got 5)`);
test("rateLimitStore: not a redis URL", fails, "rateLimitStore:\n  redis: http://r:6379\n", `config.yaml:2: rateLimitStore.redis: must be a redis:// or rediss:// URL (got "http://r:6379")`);
test("rateLimitStore: missing redis", fails, "rateLimitStore: { onStoreError: deny }\n", `config.yaml:1: rateLimitStore: missing required key "redis"`);
test("rateLimitStore: onStoreError unknown", fails, "rateLimitStore: { redis: 'redis://r', onStoreError: maybe }\n",
  `config.yaml:1: rateLimitStore.onStoreError: must be one of allow, deny (got "maybe")`);
test("logging.level unknown", fails, "logging:\n  level: verbose\n", `config.yaml:2: logging.level: must be one of trace, debug, info, warn, error, fatal, silent (got "verbose")`);
test("cors.origins empty", fails, "cors: { origins: [] }\n", "config.yaml:1: cors.origins: must not be empty");
test("trustedProxies not a list", fails, "trustedProxies: 10.0.0.0/8\n", `config.yaml:1: trustedProxies: must be a list (got "10.0.0.0/8")`);
test("shutdown not a mapping", fails, "shutdown: 10s\n", `config.yaml:1: shutdown: must be a mapping of keys (got "10s")`);

// --- errors: values ---------------------------------------------------------------

test("shutdown.gracePeriod not a duration", fails, "listen: 127.0.0.1:0\nshutdown:\n  gracePeriod: soon\n",
  `config.yaml:3: shutdown.gracePeriod: "soon" is not a duration (use e.g. 1m, 30s, 500ms)`);
test("rateLimit.per not a duration", fails,
  "rules:\n  - selector: '*'\n  - selector: a.*\n  - selector: a.b.*\n    rateLimit:\n      requests: 10\n      per: 1 minute\n",
  `config.yaml:7: rules[2].rateLimit.per: "1 minute" is not a duration (use e.g. 1m, 30s, 500ms)`);
test("rateLimit.per zero", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 0s } }]\n", `config.yaml:1: rules[0].rateLimit.per: "0s" must be longer than 0s`);
test("rule timeout zero", fails, "rules: [{ selector: '*', timeout: 0ms }]\n", `config.yaml:1: rules[0].timeout: "0ms" must be longer than 0s`);
test("backend timeout too long", fails, "backends: [{ selector: '*', address: 'a:1', timeout: 1000h }]\n", `config.yaml:1: backends[0].timeout: "1000h" is too long (at most 596h)`);
test("clockSkew not a duration", fails, "auth: { providers: [{ id: a, secret: x, clockSkew: 30 seconds }] }\n",
  `config.yaml:1: auth.providers[0].clockSkew: "30 seconds" is not a duration (use e.g. 1m, 30s, 500ms)`);
test("cache.ttl not a duration", fails, "rules: [{ selector: '*', cache: { ttl: forever } }]\n", `config.yaml:1: rules[0].cache.ttl: "forever" is not a duration (use e.g. 1m, 30s, 500ms)`);
test("cors.maxAge not a duration", fails, "cors: { origins: ['*'], maxAge: 600 }\n", "config.yaml:1: cors.maxAge: must be a duration such as 30s or 1m30s (got 600)");
test("redis timeout zero", fails, "rateLimitStore: { redis: 'redis://r', timeout: 0s }\n", `config.yaml:1: rateLimitStore.timeout: "0s" must be longer than 0s`);
test("maxBodySize not a size", fails, "limits:\n  maxBodySize: 4 megs\n", `config.yaml:2: limits.maxBodySize: "4 megs" is not a size (use e.g. 4MiB, 512KiB, 1MB or a number of bytes)`);
test("maxBodySize negative", fails, "limits: { maxBodySize: -1 }\n", "config.yaml:1: limits.maxBodySize: must be a size such as 4MiB or a number of bytes (got -1)");
test("maxBodySize zero", fails, "limits: { maxBodySize: 0 }\n", "config.yaml:1: limits.maxBodySize: must be at least 1 byte");
test("listen not an address", fails, "listen: localhost\n", `config.yaml:1: listen: "localhost" is not an address (use HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080)`);
test("backend address not an address", fails, "backends:\n  - selector: '*'\n    address: http://a:1\n",
  `config.yaml:3: backends[0].address: "http://a:1" is not a backend address (use host:port, [v6]:port or dns:///name:port)`);
test("backend selector bad wildcard", fails, "backends: [{ selector: 'library.*.Get', address: 'a:1' }]\n",
  `config.yaml:1: backends[0].selector: "library.*.Get" is not a selector: a wildcard must be the whole last segment (use "*", "pkg.*", "pkg.Service.*" or "pkg.Service.Method")`);
test("rule selector bad wildcard", fails, "rules:\n  - selector: 'library.v1.Get*'\n",
  `config.yaml:2: rules[0].selector: "library.v1.Get*" is not a selector: a wildcard must be the whole last segment (use "*", "pkg.*", "pkg.Service.*" or "pkg.Service.Method")`);
test("rule selector a gRPC path", fails, "rules:\n  - selector: /library.v1.LibraryService/GetBook\n",
  `config.yaml:2: rules[0].selector: "/library.v1.LibraryService/GetBook" is not a selector (use "*", "pkg.*", "pkg.Service.*" or "pkg.Service.Method")`);
test("backend shadowed by an earlier package wildcard", fails, "backends:\n  - { selector: 'a.*', address: 'a:1' }\n  - { selector: a.B.C, address: 'b:2' }\n",
  `config.yaml:3: backends[1].selector: "a.B.C" is never used: backends[0] ("a.*") matches its methods first`);
test("backend tls cert without key", fails, "backends:\n  - selector: '*'\n    address: a:1\n    tls: { cert: c.pem }\n",
  "config.yaml:4: backends[0].tls: set cert and key together (mTLS), or neither");
test("provider without keys", fails, "auth:\n  providers:\n    - id: a\n      audiences: [x]\n", "config.yaml:3: auth.providers[0]: set secret, jwks, publicKey, or an issuer to discover keys from");
test("provider discovering from a non-https issuer", fails, "auth:\n  providers:\n    - id: a\n      issuer: http://idp.example\n",
  'config.yaml:4: auth.providers[0].issuer: "http://idp.example" must be an https URL (http only for localhost) to discover keys from');
test("provider discovering from an issuer that is no URL", fails, "auth:\n  providers:\n    - id: a\n      issuer: x\n",
  'config.yaml:4: auth.providers[0].issuer: "x" must be an https URL to discover keys from (or set secret, jwks or publicKey)');
test("provider with jwks and publicKey", fails, "auth:\n  providers:\n    - id: a\n      jwks: j.json\n      publicKey: k.pem\n",
  "config.yaml:5: auth.providers[0].publicKey: set jwks or publicKey, not both");
test("provider ids are unique", fails, "auth:\n  providers:\n    - { id: a, secret: x }\n    - { id: a, secret: y }\n",
  `config.yaml:4: auth.providers[1].id: "a" is already the id of auth.providers[0]`);
test("HS algorithm without a secret", fails, "auth: { providers: [{ id: a, jwks: j.json, algorithms: [RS256, HS256] }] }\n",
  "config.yaml:1: auth.providers[0].algorithms[1]: HS256 needs a secret (never an HMAC check with a public key)");
test("RS algorithm with only a secret", fails, "auth:\n  providers:\n    - id: a\n      secret: x\n      algorithms:\n        - RS256\n",
  "config.yaml:6: auth.providers[0].algorithms[0]: RS256 needs jwks or publicKey (a secret only verifies HS256, HS384, HS512)");
test("jwks over plain http", fails, "auth: { providers: [{ id: a, jwks: 'http://issuer.example/jwks.json' }] }\n",
  `config.yaml:1: auth.providers[0].jwks: "http://issuer.example/jwks.json" must be an https URL (http only for localhost) or a file path`);
test("jwks with another scheme", fails, "auth: { providers: [{ id: a, jwks: 'ftp://issuer.example/jwks.json' }] }\n",
  `config.yaml:1: auth.providers[0].jwks: "ftp://issuer.example/jwks.json" must be an https URL (http only for localhost) or a file path`);
test("rule names an unknown provider", fails, "auth: { providers: [{ id: main, secret: x }, { id: other, secret: y }] }\nrules:\n  - selector: '*'\n    auth: { provider: mian }\n",
  `config.yaml:4: rules[0].auth.provider: unknown provider "mian" (expected one of main, other)`);
test("rule names a provider but there are none", fails, "rules: [{ selector: '*', auth: { provider: main } }]\n",
  `config.yaml:1: rules[0].auth.provider: unknown provider "main" (auth.providers is empty)`);
test("rule auth without provider among several", fails, "auth: { providers: [{ id: a, secret: x }, { id: b, secret: y }] }\nrules:\n  - selector: '*'\n    auth: { required: true }\n",
  "config.yaml:4: rules[0].auth: set provider to one of a, b");
test("rule auth without any provider", fails, "rules:\n  - selector: '*'\n    auth: {}\n", "config.yaml:3: rules[0].auth: needs an auth provider, but auth.providers is empty");
test("rateLimit key unknown", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 1s, key: user } }]\n",
  `config.yaml:1: rules[0].rateLimit.key: "user" is not a rate-limit key (use ip, sub or header:<name>)`);
test("rateLimit key header without a name", fails, "rules: [{ selector: '*', rateLimit: { requests: 1, per: 1s, key: 'header:' } }]\n",
  `config.yaml:1: rules[0].rateLimit.key: "header:" is not a rate-limit key (use ip, sub or header:<name>)`);
test("rateLimitStore redis URL unparsable", fails, "rateLimitStore: { redis: 'redis://[bad' }\n",
  `config.yaml:1: rateLimitStore.redis: "redis://[bad" is not a URL (use e.g. redis://127.0.0.1:6379)`);
test("cors origin with a path", fails, "cors:\n  origins:\n    - https://app.example/\n",
  `config.yaml:3: cors.origins[0]: "https://app.example/" is not an origin (use scheme://host[:port], e.g. https://app.example, or *)`);
test("cors origin without a scheme", fails, "cors: { origins: [app.example] }\n",
  `config.yaml:1: cors.origins[0]: "app.example" is not an origin (use scheme://host[:port], e.g. https://app.example, or *)`);
test("cors credentials with *", fails, "cors:\n  origins: ['*']\n  credentials: true\n", `config.yaml:3: cors.credentials: cannot be true when origins has "*" (list the origins)`);
test("cors header not a token", fails, "cors: { origins: ['*'], headers: ['x bad'] }\n", `config.yaml:1: cors.headers[0]: "x bad" is not a header name`);
test("trustedProxies bad prefix", fails, "trustedProxies:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n",
  `config.yaml:3: trustedProxies[1]: "10.0.0.0/33" has a bad prefix length (0 to 32 for IPv4)`);
test("trustedProxies a host name", fails, "trustedProxies: [proxy.internal]\n", `config.yaml:1: trustedProxies[0]: "proxy.internal" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);

// --- files ---------------------------------------------------------------------------

test("loadConfig: the SPEC §2 example loads", (t) => {
  const saved = process.env.JWT_SECRET;
  process.env.JWT_SECRET = "from-env";
  try {
    const file = join(FIXTURES, "spec-example.yaml");
    const config = loadConfig(file);
    t.like(config, {
      file,
      baseDir: FIXTURES.replace(/\/$/, ""),
      listen: { host: "0.0.0.0", port: 8080 },
      protoPaths: [join(FIXTURES, "protos")],
      backends: [
        {
          selector: "library.v1.*",
          address: "127.0.0.1:50051",
          tls: { ca: join(FIXTURES, "ca.pem"), cert: join(FIXTURES, "client.pem"), key: join(FIXTURES, "client.key") },
          timeoutMs: 5000,
        },
      ],
      auth: { providers: [{ id: "main", secret: "from-env", algorithms: ["RS256", "ES256"], clockSkewMs: 30_000 }] },
      rules: [{ rateLimit: { requests: 100, perMs: 60_000, key: { kind: "sub" } }, cache: { ttlMs: 30_000 }, timeoutMs: 2000 }],
      rateLimitStore: { kind: "memory" },
      cors: { origins: ["https://app.example"], credentials: false },
      limits: { maxBodyBytes: 4 * 1024 * 1024 },
      trustedProxies: ["10.0.0.0/8"],
      shutdown: { gracePeriodMs: 10_000 },
    });
  } finally {
    if (saved === undefined) delete process.env.JWT_SECRET;
    else process.env.JWT_SECRET = saved;
  }
});

test("loadConfig: reads JSON (with tabs); paths are relative to the file, not the cwd", (t) => {
  const config = loadConfig(join(FIXTURES, "gateway.json"));
  t.like(config, {
    listen: { host: "0.0.0.0", port: 9090 },
    protoPaths: [resolve(FIXTURES, "../protos")],
    backends: [{ address: "dns:///library:50051", tls: { ca: join(FIXTURES, "certs/ca.pem") } }],
    logging: { level: "warn" },
  });
});

test("loadConfig: ${VAR} comes from process.env by default", (t) => {
  const file = join(FIXTURES, "env.yaml");
  t.like(loadConfig(file, { env: {} }), { listen: { port: 7070 } });
  t.like(loadConfig(file, { env: { PROTOGATE_TEST_LISTEN: "127.0.0.1:7171" } }), { listen: { port: 7171 } });
  process.env.PROTOGATE_TEST_LISTEN = "127.0.0.1:7272";
  try {
    t.like(loadConfig(file), { listen: { port: 7272 } });
  } finally {
    delete process.env.PROTOGATE_TEST_LISTEN;
  }
});

test("loadConfig: errors name the file as given", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "protogate-config-"));
  try {
    const file = join(dir, "config.yaml");
    writeFileSync(file, "listen: 127.0.0.1:0\nshutdown:\n  gracePeriod: soon\n");
    const error = t.throws(() => loadConfig(file), { instanceOf: ConfigError });
    t.is(error?.message, `${file}:3: shutdown.gracePeriod: "soon" is not a duration (use e.g. 1m, 30s, 500ms)`);
    t.like(error, { file, line: 3, keyPath: "shutdown.gracePeriod", name: "ConfigError" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loadConfig: a missing file is a ConfigError naming it", (t) => {
  const error = t.throws(() => loadConfig("no/such/config.yaml"), { instanceOf: ConfigError });
  t.is(error?.message, "no/such/config.yaml: cannot read the config file (no such file)");
  t.is(error?.file, "no/such/config.yaml");
  t.is(error?.line, undefined);
});

test("loadConfig: a directory is a ConfigError naming it", (t) => {
  const error = t.throws(() => loadConfig(FIXTURES), { instanceOf: ConfigError });
  t.is(error?.message, `${FIXTURES}: cannot read the config file (it is a directory)`);
});

test("loadConfig: an unreadable file is a ConfigError naming it", (t) => {
  if (process.getuid?.() === 0) {
    t.pass("root reads everything");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "protogate-config-"));
  try {
    const file = join(dir, "secret.yaml");
    writeFileSync(file, "listen: a:1\n");
    chmodSync(file, 0o000);
    const error = t.throws(() => loadConfig(file), { instanceOf: ConfigError });
    t.is(error?.message, `${file}: cannot read the config file (permission denied)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// --- the result --------------------------------------------------------------------

test("loadConfig: the result is deep-frozen", (t) => {
  const config = parse(
    "protoPaths: [a]\nbackends: [{ selector: '*', address: 'a:1', tls: { ca: c } }]\nauth: { providers: [{ id: a, secret: x }] }\nrules: [{ selector: '*', auth: { scopes: [s] }, rateLimit: { requests: 1, per: 1s } }]\ncors: { origins: ['*'] }\n",
  );
  const frozen = [
    config, config.listen, config.protoPaths, config.backends, config.backends[0], config.backends[0]?.tls,
    config.auth, config.auth.providers, config.auth.providers[0], config.auth.providers[0]?.algorithms,
    config.rules, config.rules[0], config.rules[0]?.auth, config.rules[0]?.auth?.scopes, config.rules[0]?.rateLimit,
    config.rules[0]?.rateLimit?.key, config.json, config.cors, config.cors?.origins, config.limits, config.shutdown, config.logging,
    config.rateLimitStore, config.trustedProxies,
  ];
  for (const value of frozen) t.true(Object.isFrozen(value));
  t.throws(() => {
    (config.protoPaths as string[]).push("b");
  }, { instanceOf: TypeError });
});

test("loadConfig: default arrays are not shared between results", (t) => {
  const a = parse("auth: { providers: [{ id: a, secret: x }] }\n");
  const b = parse("auth: { providers: [{ id: a, jwks: j.json }] }\n");
  t.deepEqual(a.auth.providers[0]?.algorithms, ["HS256", "HS384", "HS512"]);
  t.is(b.auth.providers[0]?.algorithms.length, 10);
});

// --- flags ---------------------------------------------------------------------------

test("applyCliOverrides: no flags changes nothing", (t) => {
  const config = parse("listen: 0.0.0.0:1\nprotoPaths: [p]\n");
  t.deepEqual(applyCliOverrides(config, {}), config);
  t.deepEqual(applyCliOverrides(config, { protoPaths: [] }), config); // no --proto-path: the file's stay
});

test("applyCliOverrides: --listen and --proto-path replace the file's; flag paths are relative to the cwd", (t) => {
  const config = parse("listen: 0.0.0.0:1\nprotoPaths: [p]\n");
  const overridden = applyCliOverrides(config, { listen: "[::1]:0", protoPaths: ["protos", "/abs"] });
  t.deepEqual(overridden.listen, { host: "::1", port: 0 });
  t.deepEqual(overridden.protoPaths, [resolve("protos"), "/abs"]);
  t.true(Object.isFrozen(overridden) && Object.isFrozen(overridden.listen) && Object.isFrozen(overridden.protoPaths));
  t.deepEqual(config.protoPaths, [`${BASE}/p`]); // the input is untouched
});

test("applyCliOverrides: --backend replaces the * entry and keeps the specific ones", (t) => {
  const config = parse("backends:\n  - { selector: a.*, address: 'a:1' }\n  - { selector: '*', address: 'b:2', timeout: 3s, tls: { ca: ca.pem } }\n");
  const overridden = applyCliOverrides(config, { backend: "127.0.0.1:9" });
  t.deepEqual(overridden.backends, [
    config.backends[0]!,
    { selector: "*", address: "127.0.0.1:9", tls: undefined, timeoutMs: 3000, transport: "native" },
  ]);
});

test("applyCliOverrides: a bad flag is a ConfigError naming the flag", (t) => {
  const config = parse("");
  t.is(t.throws(() => applyCliOverrides(config, { listen: "8080" }), { instanceOf: ConfigError })?.message,
    `--listen: "8080" is not an address (use HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080)`);
  t.is(t.throws(() => applyCliOverrides(config, { backend: "x" }), { instanceOf: ConfigError })?.message,
    `--backend: "x" is not a backend address (use host:port, [v6]:port or dns:///name:port)`);
});

// --- helpers -------------------------------------------------------------------------

test("formatKeyPath: indices in brackets, keys dotted", (t) => {
  t.is(formatKeyPath(["rules", 2, "rateLimit", "per"]), "rules[2].rateLimit.per");
  t.is(formatKeyPath(["auth", "providers", 0, "algorithms", 1]), "auth.providers[0].algorithms[1]");
  t.is(formatKeyPath([]), "");
});

test("parseRateLimitKey: ip, sub, header:<name>", (t) => {
  t.deepEqual(parseRateLimitKey("ip"), { kind: "ip" });
  t.deepEqual(parseRateLimitKey("sub"), { kind: "sub" });
  t.deepEqual(parseRateLimitKey("header:X-Tenant"), { kind: "header", name: "x-tenant" });
  t.throws(() => parseRateLimitKey("header:a b"), { instanceOf: ConfigError });
});

// --- operations: listener TLS, retry, circuit breaker ----------------------------------

test("server: tls cert and key relative to the config file, ca optional", loads, "server: { tls: { cert: tls/gw.pem, key: tls/gw.key } }\n", {
  server: { tls: { cert: "/srv/gateway/tls/gw.pem", key: "/srv/gateway/tls/gw.key", ca: undefined } },
});
test("server: tls with ca (clients must present a certificate)", loads, "server: { tls: { cert: c.pem, key: k.pem, ca: /etc/ca.pem } }\n", {
  server: { tls: { cert: "/srv/gateway/c.pem", key: "/srv/gateway/k.pem", ca: "/etc/ca.pem" } },
});
test("backends: retry and circuitBreaker, defaults filled", loads, "backends: [{ selector: '*', address: 'a:1', retry: {}, circuitBreaker: {} }]\n", {
  backends: [{ retry: { maxAttempts: 3, initialBackoffMs: 100, maxBackoffMs: 1000 }, circuitBreaker: { failures: 5, halfOpenAfterMs: 10_000 } }],
});
test(
  "backends: retry and circuitBreaker, every key",
  loads,
  "backends: [{ selector: '*', address: 'a:1', retry: { maxAttempts: 5, initialBackoff: 10ms, maxBackoff: 50ms }, circuitBreaker: { failures: 2, halfOpenAfter: 1s } }]\n",
  { backends: [{ retry: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 50 }, circuitBreaker: { failures: 2, halfOpenAfterMs: 1000 } }] },
);
test("backends: no retry or circuitBreaker keys when absent", (t) => {
  const backend = parse("backends: [{ selector: '*', address: 'a:1' }]\n").backends[0]!;
  t.false("retry" in backend);
  t.false("circuitBreaker" in backend);
});
test("--backend keeps the replaced entry's retry and circuitBreaker", (t) => {
  const config = applyCliOverrides(parse("backends: [{ selector: '*', address: 'a:1', retry: {}, circuitBreaker: { failures: 1 } }]\n"), { backend: "b:2" });
  t.like(config.backends[0], { address: "b:2", retry: { maxAttempts: 3 }, circuitBreaker: { failures: 1 } });
});
test("server tls without key", fails, "server:\n  tls: { cert: c.pem }\n", `config.yaml:2: server.tls: missing required key "key"`);
test("server unknown key", fails, "server: { port: 1 }\n", `config.yaml:1: server: unknown key "port" (expected one of tls)`);
test("retry maxAttempts too large", fails, "backends: [{ selector: '*', address: 'a:1', retry: { maxAttempts: 9 } }]\n",
  "config.yaml:1: backends[0].retry.maxAttempts: must be an integer from 2 to 5 (got 9)");
test("retry maxBackoff shorter than initialBackoff", fails, "backends: [{ selector: '*', address: 'a:1', retry: { initialBackoff: 2s, maxBackoff: 1s } }]\n",
  "config.yaml:1: backends[0].retry.maxBackoff: must not be shorter than initialBackoff");
test("circuitBreaker failures 0", fails, "backends: [{ selector: '*', address: 'a:1', circuitBreaker: { failures: 0 } }]\n",
  "config.yaml:1: backends[0].circuitBreaker.failures: must be an integer >= 1 (got 0)");
test("circuitBreaker halfOpenAfter not a duration", fails, "backends: [{ selector: '*', address: 'a:1', circuitBreaker: { halfOpenAfter: soon } }]\n",
  /^config\.yaml:1: backends\[0\]\.circuitBreaker\.halfOpenAfter: .*duration/);
test("tracing: endpoint, defaults filled", loads, "tracing: { endpoint: 'http://collector:4318/v1/traces' }\n", {
  tracing: { endpoint: "http://collector:4318/v1/traces", serviceName: "protogate", sampleRatio: 1 },
});
test("tracing: every key", loads, "tracing: { endpoint: 'https://c/v1/traces', serviceName: gw, sampleRatio: 0.25 }\n", {
  tracing: { endpoint: "https://c/v1/traces", serviceName: "gw", sampleRatio: 0.25 },
});
test("tracing endpoint not a URL", fails, "tracing: { endpoint: collector:4318 }\n",
  `config.yaml:1: tracing.endpoint: "collector:4318" is not an http(s) URL (use e.g. http://otel-collector:4318/v1/traces)`);
test("tracing sampleRatio above 1", fails, "tracing: { endpoint: 'http://c', sampleRatio: 2 }\n", "config.yaml:1: tracing.sampleRatio: must be a number from 0 to 1 (got 2)");
