import test from "ava";
import fc from "fast-check";
import type { PathTemplate } from "../../../../src/model/path-template.js";
import { parseTemplate } from "../../../../src/httprule/parse-template.js";
import { compareSpecificity } from "../../../../src/httprule/specificity.js";
import { templateKey } from "../../../../src/model/path-template.js";
import type { LookupResult, RouteMatcher } from "../../../../src/runtime/router/route-matcher.js";
import { DuplicateRouteError, InvalidRouteError, RouteMatcherBuilder } from "../../../../src/runtime/router/route-matcher.js";

/** A builder whose targets are "METHOD template" strings, so a handle names its route. */
function routes() {
  const builder = new RouteMatcherBuilder<string>();
  let matcher: RouteMatcher<string> | undefined;
  const add = (method: string, template: string): string => {
    const target = `${method} ${template}`;
    builder.add(method, parseTemplate(template), target);
    return target;
  };
  const build = (): void => {
    matcher = builder.build();
  };
  const lookup = (method: string, path: string): LookupResult<string> => {
    if (matcher === undefined) throw new Error("build() first");
    return matcher.lookup(method, path);
  };
  /** The target found, or undefined for anything but a match. */
  const find = (method: string, path: string): string | undefined => {
    const result = lookup(method, path);
    return result.kind === "match" ? result.target : undefined;
  };
  /** The values captured, or undefined for anything but a match. */
  const values = (method: string, path: string): readonly string[] | undefined => {
    const result = lookup(method, path);
    return result.kind === "match" ? result.values : undefined;
  };
  return { builder, add, build, lookup, find, values };
}

test("route-matcher: * matches one segment and ** the rest", (t) => {
  const { add, build, find } = routes();
  const a__ = add("GET", "/a/**");
  const b_ = add("GET", "/b/*");
  const c_d__ = add("GET", "/c/*/d/**");
  build();
  t.is(find("GET", "/a/b"), a__);
  t.is(find("GET", "/a/b/c"), a__);
  t.is(find("GET", "/b/c"), b_);
  t.is(find("GET", "/b/c/d"), undefined);
  t.is(find("GET", "/c/u/d/v"), c_d__);
  t.is(find("GET", "/c/v/d/w/x"), c_d__);
  t.is(find("GET", "/c/x/y/d/z"), undefined);
});

test("route-matcher: ** matches zero segments, down to the root", (t) => {
  const { add, build, find, values } = routes();
  const __ = add("GET", "/{rest=**}");
  const a__ = add("GET", "/a/{rest=**}");
  build();
  t.is(find("GET", "/"), __);
  t.deepEqual(values("GET", "/"), [""]);
  t.is(find("GET", "/a"), a__);
  t.deepEqual(values("GET", "/a"), [""]);
  t.deepEqual(values("GET", "/a/"), [""]);
});

test("route-matcher: the root template matches only /", (t) => {
  const { add, build, find } = routes();
  const root = add("GET", "/");
  const a = add("GET", "/a");
  build();
  t.is(find("GET", "/"), root);
  t.is(find("GET", "/a"), a);
  t.is(find("GET", "/b"), undefined);
});

test("route-matcher: a literal wins over * and ** whatever the order of add", (t) => {
  const { add, build, find } = routes();
  const c_d__ = add("GET", "/c/*/d/**");
  const c_de = add("GET", "/c/*/d/e");
  const cfde = add("GET", "/c/f/d/e");
  build();
  t.is(find("GET", "/c/x/d/e"), c_de);
  t.is(find("GET", "/c/f/d/e"), cfde);
  t.is(find("GET", "/c/f/d/e/g"), c_d__);
});

test("route-matcher: * wins over **", (t) => {
  const { add, build, find } = routes();
  const a__ = add("GET", "/a/**");
  const a_ = add("GET", "/a/*");
  build();
  t.is(find("GET", "/a/x"), a_);
  t.is(find("GET", "/a/x/y"), a__);
});

test("route-matcher: a template that ends beats ** matching nothing", (t) => {
  const { add, build, find } = routes();
  const a__ = add("GET", "/a/**");
  const a = add("GET", "/a");
  build();
  t.is(find("GET", "/a"), a);
  t.is(find("GET", "/a/b"), a__);
});

test("route-matcher: backtracks from a literal dead end to *", (t) => {
  const { add, build, find } = routes();
  const abc = add("GET", "/a/b/c");
  const a_d = add("GET", "/a/*/d");
  build();
  t.is(find("GET", "/a/b/c"), abc);
  t.is(find("GET", "/a/b/d"), a_d);
});

test("route-matcher: rejects paths shorter or longer than every template", (t) => {
  const { add, build, find } = routes();
  const pms = add("GET", "/prefix/middle/suffix");
  const pm = add("GET", "/prefix/middle");
  build();
  t.is(find("GET", "/prefix/middle/suffix"), pms);
  t.is(find("GET", "/prefix/middle"), pm);
  t.is(find("GET", "/prefix"), undefined);
  t.is(find("GET", "/prefix/middle/suffix/other"), undefined);
  t.is(find("GET", "/prefix/other"), undefined);
});

test("route-matcher: an empty matcher finds nothing", (t) => {
  const { build, lookup } = routes();
  build();
  t.deepEqual(lookup("GET", "/a/b"), { kind: "not-found" });
});

test("route-matcher: values come in template.variables order", (t) => {
  const { add, build, find, values } = routes();
  const a_cde = add("GET", "/a/{x}/c/d/e");
  const a_b_c = add("GET", "/{x=a/*}/b/{y=*}/c");
  const ab_d__ = add("GET", "/a/{x=b/*}/{y=d/**}");
  const alpha_beta__gamma = add("GET", "/alpha/{x=*}/beta/{y=**}/gamma");
  const __ab = add("GET", "/{x=**}/a/b");
  const _def__ = add("GET", "/{x=*}/d/e/f/{y=**}");
  build();
  t.is(find("GET", "/a/book/c/d/e"), a_cde);
  t.deepEqual(values("GET", "/a/book/c/d/e"), ["book"]);
  t.is(find("GET", "/a/hello/b/world/c"), a_b_c);
  t.deepEqual(values("GET", "/a/hello/b/world/c"), ["a/hello", "world"]);
  t.is(find("GET", "/a/b/zoo/d/animal/tiger"), ab_d__);
  t.deepEqual(values("GET", "/a/b/zoo/d/animal/tiger"), ["b/zoo", "d/animal/tiger"]);
  t.is(find("GET", "/alpha/dog/beta/eat/bones/gamma"), alpha_beta__gamma);
  t.deepEqual(values("GET", "/alpha/dog/beta/eat/bones/gamma"), ["dog", "eat/bones"]);
  t.is(find("GET", "/foo/bar/a/b"), __ab);
  t.deepEqual(values("GET", "/foo/bar/a/b"), ["foo/bar"]);
  t.is(find("GET", "/foo/d/e/f/bar/baz"), _def__);
  t.deepEqual(values("GET", "/foo/d/e/f/bar/baz"), ["foo", "bar/baz"]);
});

test("route-matcher: ** may be followed by literal segments, longest suffix first", (t) => {
  const { add, build, find, values } = routes();
  const ab__ = add("GET", "/a/{x=b/**}");
  const ab__z = add("GET", "/a/{x=b/**}/z");
  const ab__yz = add("GET", "/a/{x=b/**}/y/z");
  const a__ = add("GET", "/a/{x=**}");
  const f___g = add("GET", "/f/{x=*}/{y=**}/g");
  build();
  t.is(find("GET", "/a/b/hello/world/c"), ab__);
  t.deepEqual(values("GET", "/a/b/hello/world/c"), ["b/hello/world/c"]);
  t.is(find("GET", "/a/b/world/c/z"), ab__z);
  t.deepEqual(values("GET", "/a/b/world/c/z"), ["b/world/c"]);
  t.is(find("GET", "/a/b/world/c/y/z"), ab__yz);
  t.deepEqual(values("GET", "/a/b/world/c/y/z"), ["b/world/c"]);
  t.is(find("GET", "/a/b/z"), ab__z);
  t.deepEqual(values("GET", "/a/b/z"), ["b"]);
  t.is(find("GET", "/a/hello/b/world/c"), a__);
  t.deepEqual(values("GET", "/a/hello/b/world/c"), ["hello/b/world/c"]);
  t.is(find("GET", "/f/foo/bar/baz/g"), f___g);
  t.deepEqual(values("GET", "/f/foo/bar/baz/g"), ["foo", "bar/baz"]);
  t.deepEqual(values("GET", "/f/foo/g"), ["foo", ""]);
  t.is(find("GET", "/f/foo/bar"), undefined);
});

test("route-matcher: a single-segment variable is fully percent-decoded", (t) => {
  const { add, build, values } = routes();
  add("GET", "/a/{x}/c");
  build();
  t.deepEqual(values("GET", "/a/p%20q%2Fr/c"), ["p q/r"]);
  t.deepEqual(values("GET", "/a/%E7%AC%AC+1/c"), ["第+1"]);
});

test("route-matcher: a single-segment variable decodes every ASCII escape", (t) => {
  const { add, build, values } = routes();
  add("GET", "/{x}");
  build();
  for (let code = 0; code < 0x80; code++) {
    const hex = code.toString(16).padStart(2, "0");
    const char = String.fromCharCode(code);
    t.deepEqual(values("GET", `/%${hex}`), [char], `%${hex}`);
    t.deepEqual(values("GET", `/%${hex.toUpperCase()}`), [char], `%${hex.toUpperCase()}`);
  }
});

test("route-matcher: multi-segment capture keeps %2F encoded", (t) => {
  const { add, build, values } = routes();
  add("GET", "/a/{x=p/*/q/*}/c");
  add("GET", "/b/{x=**}/c");
  build();
  t.deepEqual(values("GET", "/a/p/foo%20foo/q/bar%2Fbar/c"), ["p/foo foo/q/bar%2Fbar"]);
  t.deepEqual(values("GET", "/b/p/foo%20foo/q/bar%2fbar/c"), ["p/foo foo/q/bar%2fbar"]);
});

test("route-matcher: multi-segment capture keeps every RFC 6570 reserved escape", (t) => {
  const { add, build, values } = routes();
  add("GET", "/a/{x=*}/{y=**}/c");
  build();
  const reserved = "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D";
  t.deepEqual(values("GET", `/a/${reserved}/${reserved}/c`), ["!#$&'()*+,/:;=?@[]", reserved]);
});

test("route-matcher: a variable over several template segments counts as multi-segment", (t) => {
  const { add, build, values } = routes();
  add("GET", "/v1/{name=shelves/*}");
  build();
  t.deepEqual(values("GET", "/v1/shelves/a%2Fb%20c"), ["shelves/a%2Fb c"]);
});

test("route-matcher: literal segments compare with the decoded path segment", (t) => {
  const { add, build, find } = routes();
  const shelves = add("GET", "/v1/shelves");
  const encoded = add("GET", "/v1/a%2Fb");
  build();
  t.is(find("GET", "/v1/sh%65lves"), shelves);
  t.is(find("GET", "/v1/%73%68%65%6C%76%65%73"), shelves);
  t.is(find("GET", "/v1/a%2Fb"), encoded);
  t.is(find("GET", "/v1/a/b"), undefined);
});

test("route-matcher: an escaped slash never splits a segment", (t) => {
  const { add, build, find } = routes();
  add("GET", "/a/b/c");
  const a_c = add("GET", "/a/*/c");
  build();
  t.is(find("GET", "/a%2Fb/c"), undefined);
  t.is(find("GET", "/a/b%2Fx/c"), a_c);
});

const badPaths: ReadonlyArray<readonly [string, string, string]> = [
  ["/v1/things/%zz", 'malformed percent-escape in path segment "%zz"', "non-hex digits"],
  ["/v1/things/%4", 'malformed percent-escape in path segment "%4"', "a truncated escape"],
  ["/v1/things/a%", 'malformed percent-escape in path segment "a%"', "a lone %"],
  ["/v1/%2/things", 'malformed percent-escape in path segment "%2"', "a bad escape in the middle"],
  ["/v1/things/%C3%28", 'invalid UTF-8 in path segment "%C3%28"', "a bad continuation byte"],
  ["/v1/things/%ED%A0%80", 'invalid UTF-8 in path segment "%ED%A0%80"', "an encoded surrogate"],
  ["/v1/things/%C0%AF", 'invalid UTF-8 in path segment "%C0%AF"', "an overlong /"],
  ["/nowhere/%zz", 'malformed percent-escape in path segment "%zz"', "checked before matching, so even an unknown path is a 400"],
  ["v1/things", 'path "v1/things" does not start with "/"', "no leading /"],
  ["*", 'path "*" does not start with "/"', "OPTIONS * is not a transcoded path"],
  ["", 'path "" does not start with "/"', "empty path"],
];

for (const [path, reason, rule] of badPaths) {
  test(`route-matcher: ${JSON.stringify(path)} is a bad path (${rule})`, (t) => {
    const { add, build, lookup } = routes();
    add("GET", "/v1/things/{id}");
    add("GET", "/v1/{a}/things");
    build();
    t.deepEqual(lookup("GET", path), { kind: "bad-path", reason });
  });
}

test("route-matcher: verbs select templates with that verb", (t) => {
  const { add, build, find } = routes();
  const some_const_verb = add("GET", "/some/const:verb");
  const some__verb = add("GET", "/some/*:verb");
  const some__foo_verb = add("GET", "/some/*/foo:verb");
  const other__verb = add("GET", "/other/**:verb");
  const other__const_verb = add("GET", "/other/**/const:verb");
  build();
  t.is(find("GET", "/some/const:verb"), some_const_verb);
  t.is(find("GET", "/some/other:verb"), some__verb);
  t.is(find("GET", "/some/bar/foo:verb"), some__foo_verb);
  t.is(find("GET", "/some/foo1/foo2/foo:verb"), undefined);
  t.is(find("GET", "/some/foo/bar:verb"), undefined);
  t.is(find("GET", "/other/bar/foo:verb"), other__verb);
  t.is(find("GET", "/other/bar/foo/const:verb"), other__const_verb);
  t.is(find("GET", "/some/const"), undefined);
});

test("route-matcher: a verb splits at the last colon of the last segment", (t) => {
  const { add, build, values } = routes();
  add("GET", "/{a=*}/{b=*}:verb");
  add("GET", "/x/{a=**}:verb");
  build();
  t.deepEqual(values("GET", "/some:verb/const:verb"), ["some:verb", "const"]);
  t.deepEqual(values("GET", "/x/a:b:verb"), ["a:b"]);
});

test("route-matcher: a colon is plain text when no template has that verb", (t) => {
  const { add, build, find, values } = routes();
  const foo_ = add("GET", "/foo/{a=*}");
  add("GET", "/other/*:verb");
  build();
  t.is(find("GET", "/foo/other:custom"), foo_);
  t.deepEqual(values("GET", "/foo/other:custom"), ["other:custom"]);
  t.is(find("GET", "/other/x:custom"), undefined);
});

test("route-matcher: a template without a verb captures x:verb when the verb reading fails", (t) => {
  const { add, build, find, values } = routes();
  add("POST", "/v1/things/{id}:archive");
  const files_ = add("GET", "/v1/files/{name}");
  const things_ = add("GET", "/v1/things/{id}");
  build();
  t.is(find("GET", "/v1/files/report:archive"), files_);
  t.deepEqual(values("GET", "/v1/files/report:archive"), ["report:archive"]);
  t.is(find("GET", "/v1/things/abc:archive"), things_);
  t.deepEqual(values("GET", "/v1/things/abc:archive"), ["abc:archive"]);
});

test("route-matcher: the verb reading wins over the plain one", (t) => {
  const { add, build, find, values } = routes();
  const verb = add("GET", "/{a=**}:verb");
  const plain = add("GET", "/{a=**}");
  build();
  t.is(find("GET", "/some:verb/const:verb"), verb);
  t.deepEqual(values("GET", "/some:verb/const:verb"), ["some:verb/const"]);
  t.is(find("GET", "/some:verb/const"), plain);
  t.deepEqual(values("GET", "/some:verb/const"), ["some:verb/const"]);
  t.is(find("GET", "/some/const:verb2"), plain);
  t.deepEqual(values("GET", "/some/const:verb2"), ["some/const:verb2"]);
});

test("route-matcher: an escaped colon is never a verb separator", (t) => {
  const { add, build, find, values } = routes();
  add("GET", "/v1/{name}:publish");
  const plain = add("GET", "/v1/{name}");
  build();
  t.is(find("GET", "/v1/a%3Apublish"), plain);
  t.deepEqual(values("GET", "/v1/a%3Apublish"), ["a:publish"]);
  t.deepEqual(values("GET", "/v1/a%3Ab:publish"), ["a:b"]);
});

test("route-matcher: an escaped verb matches its decoded form", (t) => {
  const { add, build, find } = routes();
  const publish = add("GET", "/v1/{name}:publish");
  build();
  t.is(find("GET", "/v1/a:%70ublish"), publish);
});

test("route-matcher: a colon before the last slash is not a verb", (t) => {
  const { add, build, find } = routes();
  const foo__hello = add("GET", "/foo/*/hello");
  add("GET", "/some/*:verb");
  build();
  t.is(find("GET", "/foo/other:verb/hello"), foo__hello);
  t.is(find("GET", "/some/other:verb/"), undefined);
});

test("route-matcher: trailing slashes are ignored", (t) => {
  const { add, build, find, values } = routes();
  const shelves = add("GET", "/v1/shelves");
  const shelf = add("GET", "/v1/shelves/{id}");
  build();
  t.is(find("GET", "/v1/shelves/"), shelves);
  t.is(find("GET", "/v1/shelves//"), shelves);
  t.is(find("GET", "/v1/shelves/a/"), shelf);
  t.deepEqual(values("GET", "/v1/shelves/a/"), ["a"]);
});

test("route-matcher: * does not match an empty segment, ** spans one", (t) => {
  const { add, build, find, values } = routes();
  add("GET", "/a/*/b");
  const c__ = add("GET", "/c/{x=**}");
  build();
  t.is(find("GET", "/a//b"), undefined);
  t.is(find("GET", "/c/x//y"), c__);
  t.deepEqual(values("GET", "/c/x//y"), ["x//y"]);
});

test("route-matcher: a path matching only under other methods lists them, sorted", (t) => {
  const { add, build, lookup } = routes();
  add("GET", "/v1/things/{id}");
  add("DELETE", "/v1/things/{id}");
  add("PATCH", "/v1/things/{thing.id}");
  add("GET", "/v1/things/special");
  add("POST", "/v1/things");
  build();
  t.deepEqual(lookup("POST", "/v1/things/abc"), { kind: "method-not-allowed", allowed: ["DELETE", "GET", "PATCH"] });
  t.deepEqual(lookup("PUT", "/v1/things/special"), { kind: "method-not-allowed", allowed: ["DELETE", "GET", "PATCH"] });
  t.deepEqual(lookup("GET", "/v1/things"), { kind: "method-not-allowed", allowed: ["POST"] });
  t.deepEqual(lookup("GET", "/v2/things"), { kind: "not-found" });
});

test("route-matcher: allowed methods cover both readings of a verb", (t) => {
  const { add, build, lookup } = routes();
  add("POST", "/v1/things/{id}:archive");
  add("GET", "/v1/things/{id}");
  build();
  t.deepEqual(lookup("PUT", "/v1/things/abc:archive"), { kind: "method-not-allowed", allowed: ["GET", "POST"] });
  t.deepEqual(lookup("PUT", "/v1/things/abc"), { kind: "method-not-allowed", allowed: ["GET"] });
});

test("route-matcher: the most specific template bound to the method wins", (t) => {
  const { add, build, find } = routes();
  const get_a_ = add("GET", "/a/*");
  const post_ab = add("POST", "/a/b");
  build();
  t.is(find("GET", "/a/b"), get_a_);
  t.is(find("POST", "/a/b"), post_ab);
});

test("route-matcher: HEAD falls back to GET", (t) => {
  const { add, build, find, lookup } = routes();
  const get_things_ = add("GET", "/v1/things/{id}");
  const head_heads_ = add("HEAD", "/v1/heads/{id}");
  add("GET", "/v1/heads/{id}");
  add("POST", "/v1/posts");
  build();
  t.is(find("HEAD", "/v1/things/x"), get_things_);
  t.is(find("HEAD", "/v1/heads/x"), head_heads_);
  t.deepEqual(lookup("HEAD", "/v1/posts"), { kind: "method-not-allowed", allowed: ["POST"] });
});

test("route-matcher: a HEAD binding anywhere beats the GET fallback", (t) => {
  const { add, build, find } = routes();
  add("GET", "/a/b");
  const head_a_ = add("HEAD", "/a/*");
  build();
  t.is(find("HEAD", "/a/b"), head_a_);
});

test("route-matcher: custom methods match exactly", (t) => {
  const { add, build, find, lookup } = routes();
  const purge = add("PURGE", "/cache/{key}");
  build();
  t.is(find("PURGE", "/cache/k"), purge);
  t.deepEqual(lookup("purge", "/cache/k"), { kind: "method-not-allowed", allowed: ["PURGE"] });
});

test("route-matcher: a duplicate method and template throws with both targets", (t) => {
  const builder = new RouteMatcherBuilder<string>();
  builder.add("GET", parseTemplate("/v1/{name=shelves/*}/books/{book}:publish"), "first");
  const error = t.throws(() => builder.add("GET", parseTemplate("/v1/shelves/{shelf}/books/*:publish"), "second"), {
    instanceOf: DuplicateRouteError,
  });
  t.is(error?.message, "duplicate route GET /v1/shelves/*/books/*:publish: two bindings have the same method and template");
  t.is(error?.first, "first");
  t.is(error?.second, "second");
  t.is(error?.httpMethod, "GET");
  t.is(error?.route, "/v1/shelves/*/books/*:publish");
});

test("route-matcher: the same template under another method or verb is no duplicate", (t) => {
  const { add, build, find } = routes();
  const get = add("GET", "/v1/{name}");
  const del = add("DELETE", "/v1/{name}");
  const publish = add("GET", "/v1/{name}:publish");
  build();
  t.is(find("GET", "/v1/x"), get);
  t.is(find("DELETE", "/v1/x"), del);
  t.is(find("GET", "/v1/x:publish"), publish);
});

test("route-matcher: adding after build does not change a built matcher", (t) => {
  const builder = new RouteMatcherBuilder<string>();
  builder.add("GET", parseTemplate("/a/*"), "a_");
  const before = builder.build();
  builder.add("GET", parseTemplate("/a/b"), "ab");
  t.like(before.lookup("GET", "/a/b"), { kind: "match", target: "a_" });
  t.like(builder.build().lookup("GET", "/a/b"), { kind: "match", target: "ab" });
});

test("route-matcher: paths longer than the scratch space still match", (t) => {
  const { add, build, values } = routes();
  add("GET", "/deep/{rest=**}/end");
  build();
  const middle = Array.from({ length: 100 }, (_, i) => `s${i}`).join("/");
  t.deepEqual(values("GET", `/deep/${middle}/end`), [middle]);
});

const invalidTemplates: ReadonlyArray<readonly [string, PathTemplate, string]> = [
  ["an empty literal", { segments: [{ kind: "literal", value: "" }], variables: [] }, "segment 0 is an empty literal"],
  ["* after **", { segments: [{ kind: "deep" }, { kind: "wildcard" }], variables: [] }, 'segment 1 is "*" after "**"'],
  ["two **", { segments: [{ kind: "deep" }, { kind: "deep" }], variables: [] }, 'segment 1 is a second "**"'],
  ["an empty verb", { segments: [{ kind: "wildcard" }], verb: "", variables: [] }, "the verb is empty"],
  [
    "a range past the end",
    { segments: [{ kind: "wildcard" }], variables: [{ fieldPath: ["a"], start: 0, end: 2 }] },
    'variable "a" has a bad range [0, 2)',
  ],
  [
    "overlapping variables",
    {
      segments: [{ kind: "wildcard" }, { kind: "wildcard" }],
      variables: [
        { fieldPath: ["a"], start: 0, end: 2 },
        { fieldPath: ["b"], start: 1, end: 2 },
      ],
    },
    'variable "b" has a bad range [1, 2)',
  ],
  [
    "an empty field path",
    { segments: [{ kind: "wildcard" }], variables: [{ fieldPath: [], start: 0, end: 1 }] },
    "a variable has an empty field path",
  ],
];

for (const [name, template, problem] of invalidTemplates) {
  test(`route-matcher: rejects a hand-made template with ${name}`, (t) => {
    const builder = new RouteMatcherBuilder<string>();
    const error = t.throws(() => builder.add("GET", template, "x"), { instanceOf: InvalidRouteError });
    t.is(error?.message, `invalid route template for GET: ${problem}`);
  });
}

const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
const pathish = fc.string({ unit: fc.constantFrom("/", "%", "2", "F", "C", "3", "a", "b", ":", "v", "z") }).map((s) => "/" + s);

test("route-matcher: lookup never throws for arbitrary path strings", (t) => {
  const { add, build, lookup } = routes();
  for (const template of ["/", "/a/*", "/a/b", "/{x=**}:v", "/a/{x=**}/b", "/a/*/b:v", "/b/{y}", "/%2F/*"]) add("GET", template);
  add("POST", "/a/*");
  build();
  fc.assert(
    fc.property(fc.oneof(codeUnits, pathish), fc.constantFrom("GET", "HEAD", "POST", "PUT"), (path, method) => {
      const result = lookup(method, path);
      return ["match", "method-not-allowed", "not-found", "bad-path"].includes(result.kind);
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

test("route-matcher: a single-segment value round-trips through percent-encoding", (t) => {
  const { add, build, values } = routes();
  add("GET", "/v1/things/{id}");
  add("GET", "/v1/things/{id}:archive");
  build();
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (id) => {
      const found = values("GET", `/v1/things/${encodeURIComponent(id)}`);
      return found !== undefined && found.length === 1 && found[0] === id;
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

const templateText = fc
  .record({
    head: fc.array(fc.constantFrom("a", "b", "*"), { maxLength: 3 }),
    deep: fc.boolean(),
    tail: fc.array(fc.constantFrom("a", "b"), { maxLength: 2 }),
    verb: fc.option(fc.constantFrom("v", "w")),
  })
  .map(({ head, deep, tail, verb }) => {
    const segments = [...head, ...(deep ? ["**", ...tail] : [])];
    return "/" + segments.join("/") + (verb === null || segments.length === 0 ? "" : `:${verb}`);
  });
const pathText = fc
  .record({ segments: fc.array(fc.constantFrom("a", "b", "c", "a:v", "b:w"), { maxLength: 5 }), verb: fc.option(fc.constantFrom("v", "w", "x")) })
  .map(({ segments, verb }) => "/" + segments.join("/") + (verb === null ? "" : `:${verb}`));

test("route-matcher: picks the first matching template in compareSpecificity order", (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(templateText, { minLength: 1, maxLength: 6, selector: (text) => templateKey(parseTemplate(text)) }), fc.array(pathText, { minLength: 1, maxLength: 10 }), (texts, paths) => {
      const all = new RouteMatcherBuilder<string>();
      const alone = texts.map((text) => {
        all.add("GET", parseTemplate(text), text);
        const one = new RouteMatcherBuilder<string>();
        one.add("GET", parseTemplate(text), text);
        return { text, matcher: one.build() };
      });
      const matcher = all.build();
      for (const path of paths) {
        const candidates = alone.filter(({ matcher: one }) => one.lookup("GET", path).kind === "match").map(({ text }) => parseTemplate(text));
        const expected = candidates.sort(compareSpecificity)[0];
        const found = matcher.lookup("GET", path);
        const target = found.kind === "match" ? found.target : undefined;
        if ((target === undefined ? undefined : templateKey(parseTemplate(target))) !== (expected === undefined ? undefined : templateKey(expected))) {
          throw new Error(`${path}: matched ${String(target)}, expected ${expected === undefined ? "nothing" : templateKey(expected)}`);
        }
      }
    }),
    { numRuns: 1000 },
  );
  t.pass();
});
