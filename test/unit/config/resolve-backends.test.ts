import test from "ava";
import { parseConfigText } from "../../../src/config/load-config.js";
import { resolveBackend, resolveRule, withCliBackend } from "../../../src/config/resolve-backends.js";
import { ConfigError } from "../../../src/config/config-error.js";
import type { GatewayConfig } from "../../../src/config/gateway-config.js";

const parse = (text: string): GatewayConfig => parseConfigText(text, { file: "config.yaml", baseDir: "/srv", env: {} });

const GET_BOOK = "library.v1.LibraryService.GetBook";
const LIST_BOOKS = "library.v1.LibraryService.ListBooks";
const GET_SHELF = "library.v1.ShelfService.GetShelf";
const OTHER = "other.v1.Other.Call";

const BACKENDS = parse(`
backends:
  - { selector: library.v1.LibraryService.GetBook, address: 'books-read:1' }
  - { selector: library.v1.LibraryService.*, address: 'books:1' }
  - { selector: library.v1.*, address: 'library:1', timeout: 4s }
  - { selector: '*', address: 'default:1', timeout: 9s, transport: native, tls: { ca: ca.pem } }
`);

const routes = test.macro({
  exec(t, config: GatewayConfig, method: string, cli: string | undefined, expected: string | undefined) {
    t.is(resolveBackend(config, method, cli)?.address, expected);
  },
  title: (name = "", _config: GatewayConfig, method: string, cli: string | undefined, expected: string | undefined) =>
    `resolveBackend: ${name}: ${method}${cli === undefined ? "" : ` with --backend ${cli}`} → ${expected ?? "none"}`,
});
test("exact method first", routes, BACKENDS, GET_BOOK, undefined, "books-read:1");
test("service wildcard", routes, BACKENDS, LIST_BOOKS, undefined, "books:1");
test("package wildcard", routes, BACKENDS, GET_SHELF, undefined, "library:1");
test("* is the default", routes, BACKENDS, OTHER, undefined, "default:1");
test("--backend replaces *", routes, BACKENDS, OTHER, "cli:2", "cli:2");
test("--backend leaves specific entries alone", routes, BACKENDS, GET_SHELF, "cli:2", "library:1");
test("no backends, no flag", routes, parse(""), GET_BOOK, undefined, undefined);
test("no backends: --backend serves every method", routes, parse(""), GET_BOOK, "cli:2", "cli:2");
test("no * entry: an unmatched method has none", routes, parse("backends: [{ selector: a.*, address: 'a:1' }]"), OTHER, undefined, undefined);
test("no * entry: --backend is the default", routes, parse("backends: [{ selector: a.*, address: 'a:1' }]"), OTHER, "cli:2", "cli:2");
test("no * entry: --backend does not take specific methods", routes, parse("backends: [{ selector: a.*, address: 'a:1' }]"), "a.S.M", "cli:2", "a:1");

test("resolveBackend: * is the default wherever it is listed", (t) => {
  const config = parse("backends:\n  - { selector: '*', address: 'any:1' }\n  - { selector: 'library.v1.*', address: 'lib:2' }\n");
  t.is(resolveBackend(config, GET_SHELF)?.address, "lib:2");
  t.is(resolveBackend(config, "other.v1.S.M")?.address, "any:1");
});

test("resolveBackend: the whole entry comes back", (t) => {
  t.deepEqual(resolveBackend(BACKENDS, GET_SHELF), { selector: "library.v1.*", address: "library:1", tls: undefined, timeoutMs: 4000, transport: "native" });
});

test("withCliBackend: the replaced * keeps timeout and transport but not tls", (t) => {
  const backends = withCliBackend(BACKENDS.backends, "127.0.0.1:50051");
  t.is(backends.length, 4);
  t.deepEqual(backends[3], { selector: "*", address: "127.0.0.1:50051", tls: undefined, timeoutMs: 9000, transport: "native" });
  t.is(backends[0], BACKENDS.backends[0]); // the rest are the same objects
  t.true(Object.isFrozen(backends) && Object.isFrozen(backends[3]));
});

test("withCliBackend: appended last when there is no *", (t) => {
  const config = parse("backends: [{ selector: a.*, address: 'a:1' }]");
  t.deepEqual(withCliBackend(config.backends, "b:2").map((b) => [b.selector, b.address, b.transport]), [["a.*", "a:1", "native"], ["*", "b:2", "native"]]);
});

test("withCliBackend: applying it twice is the same as once", (t) => {
  const once = withCliBackend(BACKENDS.backends, "c:3");
  t.deepEqual(withCliBackend(once, "c:3"), once);
});

test("withCliBackend: a bad address is a ConfigError naming --backend", (t) => {
  const error = t.throws(() => resolveBackend(BACKENDS, OTHER, "nope"), { instanceOf: ConfigError });
  t.is(error?.message, `--backend: "nope" is not a backend address (use host:port, [v6]:port or dns:///name:port)`);
});

// --- rules ---------------------------------------------------------------------------

const RULES = parse(`
auth:
  providers:
    - { id: main, secret: x }
    - { id: admin, secret: y }
rules:
  - selector: '*'
    timeout: 10s
    rateLimit: { requests: 1000, per: 1m }
  - selector: library.v1.*
    auth: { provider: main, scopes: [library] }
    cache: { ttl: 30s }
  - selector: library.v1.LibraryService.*
    rateLimit: { requests: 100, per: 1m, key: sub }
    timeout: 2s
  - selector: library.v1.LibraryService.GetBook
    auth: { provider: main, required: false }
    cache: { ttl: 0s }
  - selector: library.v1.ShelfService.*
    auth: { provider: admin, scopes: [shelves] }
`);

test("resolveRule: later matching rules override earlier ones key by key", (t) => {
  t.deepEqual(resolveRule(RULES, LIST_BOOKS), {
    auth: { provider: "main", required: true, scopes: ["library"] }, // from library.v1.*
    rateLimit: { requests: 100, perMs: 60_000, key: { kind: "sub" }, burst: 100, onStoreError: "allow" }, // service rule beats *
    cache: { ttlMs: 30_000 },
    timeoutMs: 2000,
  });
});

test("resolveRule: an object key is replaced whole, not merged", (t) => {
  const rule = resolveRule(RULES, GET_BOOK);
  t.deepEqual(rule.auth, { provider: "main", required: false, scopes: [] }); // scopes: [library] is not inherited
  t.deepEqual(rule.cache, { ttlMs: 0 }); // caching turned off for this method
  t.is(rule.timeoutMs, 2000);
});

test("resolveRule: rules for other services do not apply", (t) => {
  const rule = resolveRule(RULES, GET_SHELF);
  t.is(rule.auth?.provider, "admin");
  t.is(rule.rateLimit?.requests, 1000);
  t.is(rule.timeoutMs, 10_000);
  t.deepEqual(rule.cache, { ttlMs: 30_000 });
});

test("resolveRule: file order decides, not specificity", (t) => {
  const config = parse("rules:\n  - { selector: a.S.M, timeout: 1s }\n  - { selector: '*', timeout: 5s }\n");
  t.is(resolveRule(config, "a.S.M").timeoutMs, 5000);
});

test("resolveRule: nothing matches → every key undefined", (t) => {
  const rule = resolveRule(parse("rules: [{ selector: a.*, timeout: 1s }]"), OTHER);
  t.deepEqual(rule, { auth: undefined, rateLimit: undefined, cache: undefined, timeoutMs: undefined });
  t.true(Object.isFrozen(rule));
});
