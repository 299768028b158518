import test from "ava";
import { checkSelector, matchesSelector, selectorCovers, selectorSpecificity } from "../../../src/config/selector.js";
import { ConfigError } from "../../../src/config/config-error.js";

const METHOD = "library.v1.LibraryService.GetBook";

const matches = test.macro({
  exec(t, selector: string, method: string, expected: boolean) {
    checkSelector(selector);
    t.is(matchesSelector(selector, method), expected);
  },
  title: (_given, selector: string, method: string, expected: boolean) =>
    `matchesSelector: "${selector}" ${expected ? "selects" : "does not select"} ${method}`,
});
test(matches, "*", METHOD, true);
test(matches, "library.*", METHOD, true); // sub-packages too
test(matches, "library.v1.*", METHOD, true);
test(matches, "library.v1.LibraryService.*", METHOD, true);
test(matches, "library.v1.LibraryService.GetBook", METHOD, true);
test(matches, "library.v1.LibraryService.GetBookX", METHOD, false);
test(matches, "library.v1.LibraryService.Get", METHOD, false); // no prefix matching without a wildcard
test(matches, "library.v1.LibraryService", METHOD, true); // an exact service name selects its methods
test(matches, "library.v1", METHOD, true); // an exact package name selects everything in it
test(matches, "library.v2.*", METHOD, false);
test(matches, "lib.*", METHOD, false); // a wildcard covers whole segments only
test(matches, "library.v1.LibraryServiceX.*", METHOD, false);

const rejects = test.macro({
  exec(t, selector: string, message: string) {
    const error = t.throws(() => checkSelector(selector), { instanceOf: ConfigError });
    t.is(error?.message, message);
  },
  title: (_given, selector: string) => `checkSelector: rejects ${JSON.stringify(selector)}`,
});
const hint = `(use "*", "pkg.*", "pkg.Service.*" or "pkg.Service.Method")`;
test(rejects, "library.*.GetBook", `"library.*.GetBook" is not a selector: a wildcard must be the whole last segment ${hint}`);
test(rejects, "*.GetBook", `"*.GetBook" is not a selector: a wildcard must be the whole last segment ${hint}`);
test(rejects, "library.v1.Get*", `"library.v1.Get*" is not a selector: a wildcard must be the whole last segment ${hint}`);
test(rejects, "library.**", `"library.**" is not a selector: a wildcard must be the whole last segment ${hint}`);
test(rejects, "", `"" is not a selector ${hint}`);
test(rejects, "library..v1", `"library..v1" is not a selector ${hint}`);
test(rejects, "/library.v1.LibraryService/GetBook", `"/library.v1.LibraryService/GetBook" is not a selector ${hint}`); // gRPC path form
test(rejects, "library.v1.", `"library.v1." is not a selector ${hint}`);
test(rejects, "1library", `"1library" is not a selector ${hint}`);

test("selectorSpecificity: method > service wildcard > package wildcard > *", (t) => {
  t.is(selectorSpecificity("*"), 0);
  t.is(selectorSpecificity("library.v1.*"), 4);
  t.is(selectorSpecificity("library.v1.LibraryService.*"), 6);
  t.is(selectorSpecificity("library.v1.LibraryService.GetBook"), 9);
  // An exact name beats a wildcard over the same prefix.
  t.true(selectorSpecificity("a.b") > selectorSpecificity("a.b.*"));
});

const covers = test.macro({
  exec(t, outer: string, inner: string, expected: boolean) {
    t.is(selectorCovers(outer, inner), expected);
  },
  title: (_given, outer: string, inner: string, expected: boolean) => `selectorCovers: "${outer}" ${expected ? "covers" : "does not cover"} "${inner}"`,
});
test(covers, "*", "a.*", true);
test(covers, "*", "*", true);
test(covers, "a.*", "a.b.*", true);
test(covers, "a.*", "a.b.C", true);
test(covers, "a.b.C", "a.b.C", true);
test(covers, "a.b.*", "a.*", false);
test(covers, "a.*", "*", false);
test(covers, "a.b.C", "a.b.*", false);
test(covers, "a.*", "ab.C", false);
