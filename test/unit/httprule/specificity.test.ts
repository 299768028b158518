import test from "ava";
import fc from "fast-check";
import { parseTemplate } from "../../../src/httprule/parse-template.js";
import { compareSpecificity } from "../../../src/httprule/specificity.js";
import { templateKey } from "../../../src/model/path-template.js";

function compare(a: string, b: string): number {
  return Math.sign(compareSpecificity(parseTemplate(a), parseTemplate(b)));
}

// [more specific, less specific, rule]
const pairs: ReadonlyArray<readonly [string, string, string]> = [
  ["/a/b", "/a/*", "a literal beats *"],
  ["/a/*", "/a/**", "* beats **"],
  ["/a/b", "/a/**", "a literal beats **"],
  ["/a/b/*", "/a/*/c", "the leftmost difference decides"],
  ["/c/f/d/e", "/c/*/d/e", "Envoy: a more specific match overrides a * match"],
  ["/c/*/d/e", "/c/*/d/**", "Envoy: a more specific match overrides a ** match"],
  ["/a", "/a/**", "a template that ends beats ** matching nothing"],
  ["/a/**/b", "/a/**", "a literal suffix after ** beats none"],
  ["/a/**/y/z", "/a/**/z", "a longer literal suffix after ** wins"],
  ["/a/*:verb", "/a/*", "a verb beats no verb"],
  ["/a/*/c:verb", "/a/b/**", "a verb is compared first: the matcher reads x:verb before the plain segment"],
  ["/a/{x}", "/{y=**}", "variable names and shapes do not matter, only segments"],
];

for (const [specific, general, rule] of pairs) {
  test(`compareSpecificity: ${specific} before ${general} (${rule})`, (t) => {
    t.is(compare(specific, general), -1);
    t.is(compare(general, specific), 1);
  });
}

test("compareSpecificity: templates with the same key compare equal", (t) => {
  t.is(compare("/v1/{name=shelves/*}", "/v1/shelves/{shelf}"), 0);
  t.is(compare("/v1/{a=**}:x", "/v1/**:x"), 0);
});

test("compareSpecificity: templates that never match the same path still sort deterministically", (t) => {
  t.is(compare("/a/b", "/a/c"), -1);
  t.is(compare("/a:x", "/a:y"), -1);
});

test("compareSpecificity: sorting gives the matcher's order", (t) => {
  const ordered = ["/a/b:v", "/a/*:v", "/a/b/c", "/a/b", "/a/b/**", "/a/*/c", "/a/*", "/a", "/a/**/c", "/a/**", "/**"];
  const shuffled = [...ordered].reverse();
  t.deepEqual(
    shuffled.map(parseTemplate).sort(compareSpecificity).map(templateKey),
    ordered.map((text) => templateKey(parseTemplate(text))),
  );
});

const segment = fc.constantFrom("a", "b", "*");
const template = fc
  .record({ head: fc.array(segment, { maxLength: 4 }), deep: fc.boolean(), tail: fc.array(fc.constantFrom("a", "b"), { maxLength: 2 }), verb: fc.option(fc.constantFrom("x", "y")) })
  .map(({ head, deep, tail, verb }) => {
    const segments = [...head, ...(deep ? ["**", ...tail] : [])];
    return parseTemplate("/" + segments.join("/") + (verb === null || segments.length === 0 ? "" : `:${verb}`));
  });

test("compareSpecificity: is a total order (antisymmetric and transitive)", (t) => {
  fc.assert(
    fc.property(template, template, template, (a, b, c) => {
      const ab = Math.sign(compareSpecificity(a, b));
      if (ab !== -Math.sign(compareSpecificity(b, a))) return false;
      if (ab === 0 && templateKey(a) !== templateKey(b)) return false;
      if (ab <= 0 && compareSpecificity(b, c) <= 0 && compareSpecificity(a, c) > 0) return false;
      return true;
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

const keys: ReadonlyArray<readonly [string, string, string]> = [
  ["/v1/{name=shelves/*}/books/{book}:publish", "/v1/shelves/*/books/*:publish", "variables are replaced by their segments"],
  ["/v1/{name}", "/v1/*", "{x} is *"],
  ["/v1/{name=**}/x", "/v1/**/x", "** keeps its literal suffix"],
  ["/", "/", "the root"],
  ["/v1/sh%65lves", "/v1/shelves", "literals are compared decoded"],
  ["/v1/%2A", "/v1/%2A", "a literal * cannot be confused with a wildcard"],
  ["/v1/a%2Fb", "/v1/a%2Fb", "a literal / cannot be confused with a separator"],
  ["/v1/a%3Ab", "/v1/a%3Ab", "a literal : cannot be confused with a verb"],
  ["/v1/%e7%ac%ac", "/v1/%E7%AC%AC", "non-ASCII is re-encoded in upper case"],
];

for (const [text, key, rule] of keys) {
  test(`templateKey: ${text} is ${key} (${rule})`, (t) => {
    t.is(templateKey(parseTemplate(text)), key);
  });
}
