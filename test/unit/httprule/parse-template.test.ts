import test from "ava";
import fc from "fast-check";
import type { TemplateSegment } from "../../../src/model/path-template.js";
import { parseTemplate } from "../../../src/httprule/parse-template.js";
import { TemplateSyntaxError } from "../../../src/httprule/template-syntax-error.js";

/** `"*"` and `"**"` are wildcards; any other string a literal; objects as they are. */
type SegmentSpec = string | TemplateSegment;
/** `[field.path, start, end]` */
type VariableSpec = readonly [string, number, number];

interface Row {
  readonly template: string;
  readonly segments?: readonly SegmentSpec[];
  readonly verb?: string;
  readonly variables?: readonly VariableSpec[];
}

interface ErrorRow {
  readonly template: string;
  /** The exact message. */
  readonly error: string;
}

function segment(spec: SegmentSpec): TemplateSegment {
  if (typeof spec !== "string") return spec;
  if (spec === "*") return { kind: "wildcard" };
  if (spec === "**") return { kind: "deep" };
  return { kind: "literal", value: spec };
}

const accepted: readonly Row[] = [
  { template: "/v1/messages/{message_id}", segments: ["v1", "messages", "*"], variables: [["message_id", 2, 3]] }, // http.proto: {x} means {x=*}
  { template: "/v1/{name=messages/*}", segments: ["v1", "messages", "*"], variables: [["name", 1, 3]] }, // http.proto: a variable with a segments pattern
  { template: "/v1/messages/{message_id}/{sub.subfield}", segments: ["v1", "messages", "*", "*"], variables: [["message_id", 2, 3], ["sub.subfield", 3, 4]] }, // http.proto: FieldPath = IDENT { "." IDENT }
  { template: "/v1/users/{user_id}/messages/{message_id}", segments: ["v1", "users", "*", "messages", "*"], variables: [["user_id", 2, 3], ["message_id", 4, 5]] }, // http.proto: additional_bindings example
  { template: "/v1/{name=shelves/*}/books/{book}:publish", segments: ["v1", "shelves", "*", "books", "*"], verb: "publish", variables: [["name", 1, 3], ["book", 4, 5]] }, // Verb = ":" LITERAL after the last segment
  { template: "/shelves/{shelf}/books/{book}", segments: ["shelves", "*", "books", "*"], variables: [["shelf", 1, 2], ["book", 3, 4]] }, // Envoy ParseTest1
  { template: "/shelves/**", segments: ["shelves", "**"] }, // Segment = "**"
  { template: "/**", segments: ["**"] }, // "**" as the only segment
  { template: "/a:foo", segments: ["a"], verb: "foo" }, // verb on a literal
  { template: "/a/b/c:foo", segments: ["a", "b", "c"], verb: "foo" }, // verb after several literals
  { template: "/*/**", segments: ["*", "**"] }, // "*" then "**"
  { template: "/*/a/**", segments: ["*", "a", "**"] }, // mixed segments
  { template: "/*:verb", segments: ["*"], verb: "verb" }, // verb on "*"
  { template: "/**:verb", segments: ["**"], verb: "verb" }, // verb on "**"
  { template: "/a/b/{a}:verb", segments: ["a", "b", "*"], verb: "verb", variables: [["a", 2, 3]] }, // verb after a variable
  { template: "/a/{b=**}", segments: ["a", "**"], variables: [["b", 1, 2]] }, // a variable capturing "**"
  { template: "/a/{b=c/*/d}", segments: ["a", "c", "*", "d"], variables: [["b", 1, 4]] }, // variable ranges are [start, end)
  { template: "/a/{b=c/**}/d/e", segments: ["a", "c", "**", "d", "e"], variables: [["b", 1, 3]] }, // literals may follow "**" (Envoy, grpc-gateway)
  { template: "/a/{b=c/**/d}/e:verb", segments: ["a", "c", "**", "d", "e"], verb: "verb", variables: [["b", 1, 4]] }, // literals after "**" inside the variable, then a verb
  { template: "/{x.y.z=*/a/b}/c", segments: ["*", "a", "b", "c"], variables: [["x.y.z", 0, 3]] }, // a variable as the first segment
  { template: "/a/{x=*}/{y=**}/c", segments: ["a", "*", "**", "c"], variables: [["x", 1, 2], ["y", 2, 3]] }, // Envoy's reserved-characters fixture
  { template: "/a/{x=b/*/**/y/z}/foo", segments: ["a", "b", "*", "**", "y", "z", "foo"], variables: [["x", 1, 6]] }, // "*" before "**" is fine
  { template: "/a/**/b", segments: ["a", "**", "b"] }, // bare "**" with a literal suffix
  { template: "/v1/{name=**}/x", segments: ["v1", "**", "x"], variables: [["name", 1, 2]] }, // "**" variable with a literal suffix
  { template: "/{_a1.B_2}", segments: ["*"], variables: [["_a1.B_2", 0, 1]] }, // IDENT = (ALPHA | "_") { ALPHA | DIGIT | "_" }
  { template: "/", segments: [] }, // decision: "/" alone is the root, as in grpc-gateway
  { template: "/v1/a=b&c=d;e=f:g/endpoint.rdf", segments: ["v1", "a=b&c=d;e=f:g", "endpoint.rdf"] }, // ":" outside the last segment is literal (grpc-gateway)
  { template: "/-._~!$&'()+,;=:@/x", segments: ["-._~!$&'()+,;=:@", "x"] }, // LITERAL allows unreserved, sub-delims but "*", ":" and "@"
  { template: "/v1/a:b:c", segments: ["v1", "a:b"], verb: "c" }, // the verb starts at the LAST ":" of the last segment
  { template: "/a/{x=var:verb}", segments: ["a", "var:verb"], variables: [["x", 1, 2]] }, // ":" inside braces is literal, not a verb
  { template: "/%e7%ac%ac%e4%b8%80%e7%89%88", segments: ["第一版"] }, // literals are stored percent-decoded (grpc-gateway vector)
  { template: "/v1/sh%65lves", segments: ["v1", "shelves"] }, // decoded literal: matches the path "/v1/shelves"
  { template: "/v1/a%3Ab", segments: ["v1", "a:b"] }, // an escaped ":" is never a verb separator
  { template: "/v1/%2A", segments: ["v1", { kind: "literal", value: "*" }] }, // an escaped "*" is a literal, not a wildcard
  { template: "/v1/x:%76erb", segments: ["v1", "x"], verb: "verb" }, // the verb is stored decoded too
];

const rejected: readonly ErrorRow[] = [
  { template: "", error: 'invalid path template "": a template must start with "/" at column 1' }, // Template = "/" ...
  { template: "v1/a", error: 'invalid path template "v1/a": a template must start with "/" at column 1' }, // leading "/"
  { template: "{x}", error: 'invalid path template "{x}": a template must start with "/" at column 1' }, // leading "/" before a variable
  { template: ":verb", error: 'invalid path template ":verb": a template must start with "/" at column 1' }, // leading "/" before a verb
  { template: "//", error: 'invalid path template "//": empty segment at column 2' }, // Segments = Segment { "/" Segment }: no empty segment
  { template: "/a//b", error: 'invalid path template "/a//b": empty segment at column 4' }, // no empty segment in the middle
  { template: "/a/", error: 'invalid path template "/a/": empty segment at column 4' }, // no trailing "/"
  { template: "/:verb", error: 'invalid path template "/:verb": empty segment at column 2' }, // a verb needs a segment before it
  { template: "/a/:verb", error: 'invalid path template "/a/:verb": empty segment at column 4' }, // a verb needs a segment before it
  { template: "/a/b/*:", error: 'invalid path template "/a/b/*:": empty verb at column 7' }, // Verb = ":" LITERAL: not empty
  { template: "/{var}:", error: 'invalid path template "/{var}:": empty verb at column 7' }, // empty verb after a variable
  { template: "/a/{", error: 'invalid path template "/a/{": unclosed variable at column 4' }, // Variable = "{" ... "}"
  { template: "/v1/{a", error: 'invalid path template "/v1/{a": unclosed variable at column 5' }, // unclosed after the field path
  { template: "/a/{var.", error: 'invalid path template "/a/{var.": unclosed variable at column 4' }, // unclosed inside the field path
  { template: "/v1/{a=b", error: 'invalid path template "/v1/{a=b": unclosed variable at column 5' }, // unclosed after a literal
  { template: "/v1/{a=*", error: 'invalid path template "/v1/{a=*": unclosed variable at column 5' }, // unclosed after "*"
  { template: "/v1/{a=b/", error: 'invalid path template "/v1/{a=b/": unclosed variable at column 5' }, // unclosed after "/"
  { template: "/{}", error: 'invalid path template "/{}": expected a field name, got "}" at column 3' }, // FieldPath is not empty
  { template: "/{a.}", error: 'invalid path template "/{a.}": expected a field name, got "}" at column 5' }, // no empty IDENT after "."
  { template: "/{a..b}", error: 'invalid path template "/{a..b}": expected a field name, got "." at column 5' }, // no empty IDENT between dots
  { template: "/{1a}", error: 'invalid path template "/{1a}": expected a field name, got "1" at column 3' }, // IDENT does not start with a digit
  { template: "/{field-name}", error: 'invalid path template "/{field-name}": unexpected "-" in field path at column 8' }, // IDENT has no "-"
  { template: "/{a b}", error: 'invalid path template "/{a b}": unexpected " " in field path at column 4' }, // IDENT has no space
  { template: "/{var=a/{nested=b}}", error: 'invalid path template "/{var=a/{nested=b}}": nested variable at column 9' }, // a variable must not contain variables
  { template: "/{var=}", error: 'invalid path template "/{var=}": empty segment at column 7' }, // "=" needs Segments
  { template: "/a/{var=/b}", error: 'invalid path template "/a/{var=/b}": empty segment at column 9' }, // a variable does not capture the leading "/"
  { template: "/a{x}", error: 'invalid path template "/a{x}": a variable must be a whole segment at column 3' }, // Segment = ... | Variable, never inside a literal
  { template: "/{x}a", error: 'invalid path template "/{x}a": unexpected "a" after a variable at column 5' }, // nothing between "}" and "/"
  { template: "/a/{x}b{y}", error: 'invalid path template "/a/{x}b{y}": unexpected "b" after a variable at column 7' }, // two variables in one segment
  { template: "/a}", error: 'invalid path template "/a}": unexpected "}" at column 3' }, // "}" outside a variable
  { template: "/}", error: 'invalid path template "/}": unexpected "}" at column 2' }, // a stray "}" as a segment
  { template: "/a*", error: 'invalid path template "/a*": "*" must be a whole segment at column 3' }, // "*" is not a glob inside a literal
  { template: "/*a", error: 'invalid path template "/*a": "*" must be a whole segment at column 2' }, // "*" followed by text
  { template: "/***", error: 'invalid path template "/***": "**" must be a whole segment at column 2' }, // no "***"
  { template: "/a/**/*", error: 'invalid path template "/a/**/*": only literal segments may follow "**" at column 7' }, // no "*" after "**"
  { template: "/a/**/**", error: 'invalid path template "/a/**/**": only literal segments may follow "**" at column 7' }, // at most one "**"
  { template: "/a/**/foo/*", error: 'invalid path template "/a/**/foo/*": only literal segments may follow "**" at column 11' }, // no "*" after the literal suffix
  { template: "/a/**/{x}", error: 'invalid path template "/a/**/{x}": only literal segments may follow "**" at column 7' }, // no variable after "**"
  { template: "/a/{x=b/**}/{y=*}", error: 'invalid path template "/a/{x=b/**}/{y=*}": only literal segments may follow "**" at column 13' }, // no variable after a "**" variable (Envoy)
  { template: "/{a}/{a}", error: 'invalid path template "/{a}/{a}": duplicate variable "a" at column 6' }, // one variable per field path
  { template: "/{a.b}/x/{a.b=**}", error: 'invalid path template "/{a.b}/x/{a.b=**}": duplicate variable "a.b" at column 10' }, // duplicate nested field path
  { template: "/a?b", error: 'invalid path template "/a?b": illegal character "?" in literal at column 3' }, // LITERAL has no "?"
  { template: "/a#b", error: 'invalid path template "/a#b": illegal character "#" in literal at column 3' }, // LITERAL has no "#"
  { template: "/a b", error: 'invalid path template "/a b": illegal character " " in literal at column 3' }, // LITERAL has no space
  { template: "/é", error: 'invalid path template "/é": illegal character "é" in literal at column 2' }, // non-ASCII must be percent-encoded
  { template: "/a/%", error: 'invalid path template "/a/%": malformed percent-escape "%" at column 4' }, // pct-encoded = "%" HEXDIG HEXDIG
  { template: "/a/%2", error: 'invalid path template "/a/%2": malformed percent-escape "%2" at column 4' }, // a truncated escape
  { template: "/a/a%2z", error: 'invalid path template "/a/a%2z": malformed percent-escape "%2z" at column 5' }, // a non-hex digit
  { template: "/a/%C3", error: 'invalid path template "/a/%C3": percent-escapes in "%C3" are not valid UTF-8 at column 4' }, // escapes decode to UTF-8
  { template: "/a:b{c}", error: 'invalid path template "/a:b{c}": illegal character "{" in verb at column 5' }, // Verb = ":" LITERAL
  { template: "/a:v*", error: 'invalid path template "/a:v*": illegal character "*" in verb at column 5' }, // no "*" in a verb
  { template: "/a:%zz", error: 'invalid path template "/a:%zz": malformed percent-escape "%zz" at column 4' }, // escapes in a verb are checked
  { template: "/v1/a/{endpoint}:b:c", error: 'invalid path template "/v1/a/{endpoint}:b:c": unexpected ":" after a variable at column 17' }, // the verb starts at the last ":" (grpc-gateway reads "b:c")
];

const accepts = test.macro({
  exec(t, row: Row) {
    const parsed = parseTemplate(row.template);
    t.deepEqual(parsed.segments, (row.segments ?? []).map(segment));
    t.is(parsed.verb, row.verb);
    t.deepEqual(
      parsed.variables,
      (row.variables ?? []).map(([path, start, end]) => ({ fieldPath: path.split("."), start, end })),
    );
  },
  title: (_provided, row: Row) => `parseTemplate: accepts ${JSON.stringify(row.template)}`,
});

const rejects = test.macro({
  exec(t, row: ErrorRow) {
    const error = t.throws(() => parseTemplate(row.template), { instanceOf: TemplateSyntaxError });
    t.is(error?.message, row.error);
    t.is(error?.template, row.template);
  },
  title: (_provided, row: ErrorRow) => `parseTemplate: rejects ${JSON.stringify(row.template)}`,
});

for (const row of accepted) test(accepts, row);
for (const row of rejected) test(rejects, row);

test("parseTemplate: the error keeps column and raw reason apart", (t) => {
  const error = t.throws(() => parseTemplate("/v1/{a"), { instanceOf: TemplateSyntaxError });
  t.is(error?.column, 5);
  t.is(error?.reason, "unclosed variable");
  t.is(error?.name, "TemplateSyntaxError");
});

test("parseTemplate: a missing segment at the end points one past the last column", (t) => {
  const error = t.throws(() => parseTemplate("/a/"), { instanceOf: TemplateSyntaxError });
  t.is(error?.column, 4);
});

const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
const templateish = fc.string({ unit: fc.constantFrom("/", "{", "}", "*", ":", "=", ".", "a", "_", "1", "%", "2", "F", "?", "é") });

test("parseTemplate: arbitrary text either parses or throws TemplateSyntaxError with a column inside it", (t) => {
  fc.assert(
    fc.property(fc.oneof(codeUnits, templateish, templateish.map((s) => "/" + s)), (text) => {
      try {
        parseTemplate(text);
      } catch (reason: unknown) {
        if (!(reason instanceof TemplateSyntaxError)) throw reason;
        if (reason.column < 1 || reason.column > text.length + 1) throw new Error(`column ${reason.column} outside ${JSON.stringify(text)}`);
      }
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

// Templates built from the grammar, with what the parser must find in them.
const literal = fc.stringMatching(/^[a-z0-9\-._~!$&'()+,;=@]{1,6}$/);
const plainSegment = fc.oneof(literal, fc.constant("*"));
const generated = fc
  .record({
    prefix: fc.array(plainSegment, { minLength: 1, maxLength: 4 }),
    variable: fc.option(fc.array(plainSegment, { minLength: 1, maxLength: 3 })),
    deep: fc.boolean(),
    suffix: fc.array(literal, { maxLength: 2 }),
    verb: fc.option(literal),
  })
  .map(({ prefix, variable, deep, suffix, verb }) => {
    const inner = [...(variable ?? []), ...(deep ? ["**"] : [])];
    const parts = [...prefix, ...(inner.length > 0 ? [`{v=${inner.join("/")}}`] : []), ...suffix];
    return {
      text: "/" + parts.join("/") + (verb === null ? "" : `:${verb}`),
      segments: prefix.length + inner.length + suffix.length,
      variable: inner.length > 0 ? { start: prefix.length, end: prefix.length + inner.length } : undefined,
      verb: verb ?? undefined,
    };
  });

test("parseTemplate: every template built from the grammar parses to its parts", (t) => {
  fc.assert(
    fc.property(generated, (expected) => {
      const parsed = parseTemplate(expected.text);
      return (
        parsed.segments.length === expected.segments &&
        parsed.verb === expected.verb &&
        JSON.stringify(parsed.variables) ===
          JSON.stringify(expected.variable === undefined ? [] : [{ fieldPath: ["v"], ...expected.variable }])
      );
    }),
    { numRuns: 2000 },
  );
  t.pass();
});
