import test from "ava";
import { MemoryCacheStore } from "../../../../src/runtime/policy/cache-store.js";
import { etagOf, matchesIfNoneMatch } from "../../../../src/runtime/policy/cache.js";

test("etagOf: a strong tag of the body; equal bodies give equal tags", (t) => {
  t.is(etagOf("{}"), etagOf("{}"));
  t.not(etagOf('{"a":1}'), etagOf('{"a":2}'));
  t.regex(etagOf("{}"), /^"[A-Za-z0-9_-]{27}"$/);
});

test("matchesIfNoneMatch: lists, weak tags and * (RFC 9110 weak comparison)", (t) => {
  const tag = '"abc"';
  const cases: ReadonlyArray<readonly [string, boolean]> = [
    ['"abc"', true], ['W/"abc"', true], ['"x", "abc"', true], ["*", true], [" * ", true],
    ['"abcd"', false], ['"x"', false], ["abc", false],
  ];
  for (const [header, expected] of cases) t.is(matchesIfNoneMatch(header, tag), expected, header);
});

test("MemoryCacheStore: bounded by bytes, least recently used out first", (t) => {
  const cache = new MemoryCacheStore(3000);
  const entry = (n: number) => ({ body: "x".repeat(n), etag: '"e"', headers: [] });
  cache.set("a", entry(1000), 60_000);
  cache.set("b", entry(1000), 60_000);
  t.truthy(cache.get("a"));
  cache.set("c", entry(1000), 60_000);
  t.truthy(cache.get("a"));
  t.is(cache.get("b"), undefined);
  t.truthy(cache.get("c"));
  // An entry larger than the whole cache is not kept.
  cache.set("huge", entry(5000), 60_000);
  t.is(cache.get("huge"), undefined);
});
