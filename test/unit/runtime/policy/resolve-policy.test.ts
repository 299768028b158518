import test from "ava";
import { parseConfigText } from "../../../../src/config/load-config.js";
import type { MethodEntry } from "../../../../src/model/route-table.js";
import { resolvePolicy } from "../../../../src/runtime/policy/resolve-policy.js";

function method(name: string, policy?: MethodEntry["policy"]): MethodEntry {
  const service = name.slice(0, name.lastIndexOf("."));
  return {
    name, service, grpcPath: `/${service}/${name.slice(service.length + 1)}`, requestType: "p.M", responseType: "p.M",
    clientStreaming: false, serverStreaming: false, file: "p/p.proto", ...(policy === undefined ? {} : { policy }),
  };
}

const config = (yaml: string) => parseConfigText(yaml, { file: "config.yaml", baseDir: "/tmp" });

const PROVIDERS = "auth:\n  providers:\n    - { id: main, secret: s }\n    - { id: other, secret: t }\n";

test("resolve policy: the config's rules override the proto key by key; later rules override earlier ones", (t) => {
  const c = config(`${PROVIDERS}rules:
  - selector: "p.*"
    rateLimit: { requests: 10, per: 1m, key: sub }
  - selector: "p.S.Get"
    auth: { provider: other, required: false }
    timeout: 2s
`);
  const proto = method("p.S.Get", {
    auth: { required: true, provider: "main", scopes: ["a"] },
    rateLimit: { requests: 1, perMs: 1000 },
    cache: { ttlMs: 30_000 },
    timeoutMs: 9000,
  });
  t.deepEqual(resolvePolicy(proto, c), {
    auth: { provider: "other", required: false, scopes: [] },
    rateLimit: { requests: 10, perMs: 60_000, key: { kind: "sub" }, burst: 10, onStoreError: "allow" },
    cache: { ttlMs: 30_000 },
    timeoutMs: 2000,
  });
});

test("resolve policy: proto options alone, with defaults filled", (t) => {
  const c = config("auth:\n  providers:\n    - { id: main, secret: s }\n");
  t.deepEqual(resolvePolicy(method("p.S.Get", { auth: { scopes: ["x"] }, rateLimit: { requests: 2, perMs: 1000, key: "header:X-Key", burst: 4 } }), c), {
    auth: { provider: "main", required: true, scopes: ["x"] },
    rateLimit: { requests: 2, perMs: 1000, key: { kind: "header", name: "x-key" }, burst: 4, onStoreError: "allow" },
    cache: undefined,
    timeoutMs: undefined,
  });
});

test("resolve policy: a config cache ttl of 0 turns the proto's cache off; no policy is open", (t) => {
  const c = config('rules:\n  - selector: "*"\n    cache: { ttl: 0s }\n');
  t.is(resolvePolicy(method("p.S.Get", { cache: { ttlMs: 5000 } }), c).cache, undefined);
  t.deepEqual(resolvePolicy(method("p.S.Other"), config("{}")), { auth: undefined, rateLimit: undefined, cache: undefined, timeoutMs: undefined });
});

test("resolve policy: a proto auth policy the config cannot satisfy stops start-up", (t) => {
  const none = t.throws(() => resolvePolicy(method("p.S.Get", { auth: {} }), config("{}")));
  t.is(none?.message, "auth.providers: p/p.proto: rpc p.S.Get requires auth, but auth.providers is empty");
  t.is(none?.name, "ConfigError");
  const two = t.throws(() => resolvePolicy(method("p.S.Get", { auth: {} }), config(PROVIDERS)));
  t.is(two?.message, "auth.providers: p/p.proto: rpc p.S.Get requires auth, but names no provider (one of main, other)");
  const unknown = t.throws(() => resolvePolicy(method("p.S.Get", { auth: { provider: "x" } }), config(PROVIDERS)));
  t.is(unknown?.message, 'auth.providers: p/p.proto: rpc p.S.Get names unknown auth provider "x"');
});
