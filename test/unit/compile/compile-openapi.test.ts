import test from "ava";
import fc from "fast-check";
import { validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import type { EnumModel, FieldModel, FieldType, MessageModel, ScalarType } from "../../../src/model/descriptor.js";
import type { FieldPath } from "../../../src/model/field-path.js";
import type { MethodEntry, RouteEntry, RouteTable } from "../../../src/model/route-table.js";
import { ROUTE_TABLE_FORMAT } from "../../../src/model/route-table.js";
import { parseTemplate } from "../../../src/httprule/parse-template.js";
import { compileOpenapi, OpenApiCompileError } from "../../../src/compile/compile-openapi.js";
import { compileRoutes } from "../../../src/compile/compile-routes.js";
import { loadProtoModel } from "../../helpers/load-types.js";
import { EXAMPLE_PROTOS } from "../../helpers/paths.js";
import type { OpenApiDocument, OperationObject, ParameterObject, SchemaObject } from "../../../src/compile/openapi-document.js";

// ---- a library API, written out by hand as the loader would produce it ---------------------

const scalar = (s: ScalarType): FieldType => ({ kind: "scalar", scalar: s });
const message = (typeName: string): FieldType => ({ kind: "message", typeName });
const enumType = (typeName: string): FieldType => ({ kind: "enum", typeName });
const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

let nextNumber = 1;
function field(name: string, type: FieldType, extra: Partial<FieldModel> = {}): FieldModel {
  return { name, jsonName: camel(name), number: nextNumber++, label: "singular", type, ...extra };
}

function msg(fullName: string, fields: FieldModel[], comment?: string): MessageModel {
  return comment === undefined ? { fullName, fields, file: "library/v1/library.proto" } : { fullName, fields, file: "library/v1/library.proto", comment };
}

const P = "library.v1.";
const messages: MessageModel[] = [
  msg(`${P}Book`, [
    field("name", scalar("string"), { comment: " The resource name: `shelves/*/books/*`.\n" }),
    field("title", scalar("string")),
    field("author", message(`${P}Author`)),
    field("page_count", scalar("int32")),
    field("isbn", scalar("int64")),
    field("uid", scalar("fixed64")),
    field("price", scalar("double")),
    field("weight", scalar("float")),
    field("stock", scalar("uint32")),
    field("in_print", scalar("bool")),
    field("cover", scalar("bytes")),
    field("genre", enumType(`${P}Genre`)),
    field("tags", scalar("string"), { label: "repeated" }),
    field("labels", scalar("string"), { label: "map", mapKey: "string" }),
    field("publish_time", message("google.protobuf.Timestamp")),
    field("read_time", message("google.protobuf.Duration")),
    field("rating", message("google.protobuf.FloatValue")),
    field("sold", message("google.protobuf.Int64Value")),
    field("metadata", message("google.protobuf.Struct")),
    field("extra", message("google.protobuf.Value")),
    field("history", message("google.protobuf.ListValue")),
    field("nothing", message("google.protobuf.Empty")),
    field("attachment", message("google.protobuf.Any")),
    field("ebook_url", scalar("string"), { oneof: "format" }),
    field("paper_weight", scalar("uint64"), { oneof: "format" }),
    field("sequel", message(`${P}Book`)),
    field("null_value", enumType("google.protobuf.NullValue")),
    field("custom_json", scalar("string"), { jsonName: "customJSON" }),
  ], " A book on a shelf.\n"),
  msg(`${P}Author`, [field("name", scalar("string")), field("display_name", scalar("string")), field("books", message(`${P}Book`), { label: "repeated" })]),
  msg(`${P}Filter`, [
    field("min_pages", scalar("int32")),
    field("genres", enumType(`${P}Genre`), { label: "repeated" }),
    field("since", message("google.protobuf.Timestamp")),
    field("max_price", message("google.protobuf.DoubleValue")),
    field("nested", message(`${P}Filter`)),
  ]),
  msg(`${P}GetBookRequest`, [
    field("name", scalar("string")),
    field("read_mask", message("google.protobuf.FieldMask"), { comment: " Fields to return.\n" }),
    field("filter", message(`${P}Filter`)),
    field("ids", scalar("int64"), { label: "repeated" }),
    field("labels", scalar("string"), { label: "map", mapKey: "string" }),
    field("similar", message(`${P}Book`), { label: "repeated" }),
    field("options", message("google.protobuf.Struct")),
    field("by_id", scalar("int64"), { oneof: "lookup" }),
    field("by_isbn", scalar("string"), { oneof: "lookup" }),
    field("no_value", enumType("google.protobuf.NullValue")), // JSON null: not a query parameter
  ]),
  msg(`${P}CreateBookRequest`, [field("parent", scalar("string")), field("book", message(`${P}Book`)), field("book_id", scalar("string"))]),
  msg(`${P}UpdateBookRequest`, [field("book", message(`${P}Book`)), field("update_mask", message("google.protobuf.FieldMask"))]),
  msg(`${P}DeleteBookRequest`, [field("name", scalar("string"))]),
  msg(`${P}PublishBookRequest`, [field("name", scalar("string")), field("force", scalar("bool"))]),
  msg(`${P}ListBooksRequest`, [field("parent", scalar("string")), field("page_size", scalar("int32")), field("page_token", scalar("string"))]),
  msg(`${P}ListBooksResponse`, [field("books", message(`${P}Book`), { label: "repeated" }), field("next_page_token", scalar("string"))]),
  msg(`${P}WatchBooksRequest`, [field("parent", scalar("string"))]),
  msg(`${P}DownloadRequest`, []),
  msg(`${P}LockRequest`, [field("name", scalar("string"))]),
  msg(`${P}ChunkRequest`, [field("data", scalar("bytes"))]),
  msg("google.api.HttpBody", [field("content_type", scalar("string")), field("data", scalar("bytes")), field("extensions", message("google.protobuf.Any"), { label: "repeated" })]),
];

const enums: EnumModel[] = [
  { fullName: `${P}Genre`, file: "library/v1/library.proto", values: [{ name: "GENRE_UNSPECIFIED", number: 0 }, { name: "FICTION", number: 1 }, { name: "POETRY", number: 2 }] },
  { fullName: "google.protobuf.NullValue", file: "google/protobuf/struct.proto", values: [{ name: "NULL_VALUE", number: 0 }] },
];

const SVC = "library.v1.LibraryService";
function method(short: string, requestType: string, responseType: string, extra: Partial<MethodEntry> = {}): MethodEntry {
  return {
    name: `${SVC}.${short}`,
    service: SVC,
    grpcPath: `/${SVC}/${short}`,
    requestType,
    responseType,
    clientStreaming: false,
    serverStreaming: false,
    file: "library/v1/library.proto",
    ...extra,
  };
}

function route(httpMethod: string, pattern: string, rpc: string, extra: { body?: FieldPath | "*"; responseBody?: FieldPath } = {}): RouteEntry {
  return { httpMethod, pattern, template: parseTemplate(pattern), rpc: `${SVC}.${rpc}`, ...extra };
}

const methods: MethodEntry[] = [
  method("GetBook", `${P}GetBookRequest`, `${P}Book`, { comment: " Gets a book.\n\n Returns NOT_FOUND when\n there is none.\n" }),
  method("CreateBook", `${P}CreateBookRequest`, `${P}Book`, { comment: " Creates a book.\n" }),
  method("UpdateBook", `${P}UpdateBookRequest`, `${P}Book`),
  method("DeleteBook", `${P}DeleteBookRequest`, "google.protobuf.Empty"),
  method("PublishBook", `${P}PublishBookRequest`, `${P}Book`),
  method("ListBooks", `${P}ListBooksRequest`, `${P}ListBooksResponse`),
  method("WatchBooks", `${P}WatchBooksRequest`, `${P}Book`, { serverStreaming: true }),
  method("UploadChunks", `${P}ChunkRequest`, "google.protobuf.Empty", { clientStreaming: true }),
  method("Download", `${P}DownloadRequest`, "google.api.HttpBody"),
  method("Lock", `${P}LockRequest`, "google.protobuf.Empty"),
];

const routes: RouteEntry[] = [
  route("GET", "/v1/{name=shelves/*/books/*}", "GetBook"),
  route("GET", "/v1/{name=authors/*/books/*}", "GetBook"), // same OpenAPI path + method as the first: expanded
  route("POST", "/v1/{parent=shelves/*}/books", "CreateBook", { body: ["book"] }),
  route("PATCH", "/v1/{book.name=shelves/*/books/*}", "UpdateBook", { body: ["book"] }), // same shape as /v1/{name}: reuses `name`
  route("DELETE", "/v1/{name=shelves/*/books/*}", "DeleteBook"),
  route("POST", "/v1/{name=shelves/*/books/*}:publish", "PublishBook", { body: "*" }),
  route("GET", "/v1/{parent=shelves/*}/books", "ListBooks"),
  route("GET", "/v1/{parent=shelves/*}/bookList", "ListBooks", { responseBody: ["books"] }),
  route("GET", "/v1/{parent=shelves/*}/books:watch", "WatchBooks"),
  route("POST", "/v1/chunks:upload", "UploadChunks", { body: "*" }),
  route("GET", "/v1/static/*/**", "Download"),
  route("LOCK", "/v1/{name=shelves/*}:lock", "Lock"),
];

function record<T extends { fullName: string }>(items: readonly T[]): Record<string, T> {
  return Object.fromEntries(items.map((i) => [i.fullName, i]));
}

const table: RouteTable = {
  format: ROUTE_TABLE_FORMAT,
  generator: "protogate test",
  methods,
  routes,
  types: { messages: record(messages), enums: record(enums) },
};

const doc = compileOpenapi(table, { title: "Library", version: "1.2.3" });

function op(path: string, m: "get" | "post" | "patch" | "delete"): OperationObject {
  const item = doc.paths[path];
  const o = item?.[m];
  if (o === undefined) throw new Error(`no ${m} ${path} in ${Object.keys(doc.paths).join(", ")}`);
  return o;
}

function params(o: OperationObject, where: "path" | "query"): ParameterObject[] {
  return (o.parameters ?? []).filter((p) => p.in === where);
}

function schema(name: string): SchemaObject {
  const s = doc.components.schemas[name];
  if (s === undefined) throw new Error(`no schema ${name}`);
  return s;
}

function prop(schemaName: string, property: string): SchemaObject | undefined {
  return schema(schemaName).properties?.[property];
}

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const STATUS_REF = ref("google.rpc.Status");
/** GetBook, UpdateBook and DeleteBook: expanded, as two GET bindings share `/v1/{name}`. */
const BOOK = "/v1/shelves/{shelf}/books/{book}";

// ---- the whole document ------------------------------------------------------------------

test("compileOpenapi: the document passes a real OpenAPI 3.1 validator", async (t) => {
  const result = await validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
  t.true(result.valid);
  t.is(result.specification, "OpenAPI");
});

test("compileOpenapi: the validator is not a rubber stamp (a non-required path parameter fails)", async (t) => {
  const broken = structuredClone(doc) as unknown as OpenAPIV3_1.Document;
  const p = broken.paths?.["/v1/{parent}/books"]?.get?.parameters?.[0] as OpenAPIV3_1.ParameterObject;
  p.required = false;
  t.false((await validate(broken)).valid);
});

test("compileOpenapi: info, tags and JSON round trip", (t) => {
  t.is(doc.openapi, "3.1.0");
  t.is(doc.info.title, "Library");
  t.is(doc.info.version, "1.2.3");
  t.deepEqual(doc.tags, [{ name: "LibraryService" }]);
  t.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
  const defaults = compileOpenapi(table);
  t.deepEqual([defaults.info.title, defaults.info.version], ["protogate", "0.0.0"]);
});

test("compileOpenapi: path keys in route order, templates converted", (t) => {
  t.deepEqual(Object.keys(doc.paths), [
    BOOK,
    "/v1/authors/{author}/books/{book}",
    "/v1/{parent}/books",
    "/v1/{name}:publish",
    "/v1/{parent}/bookList",
    "/v1/{parent}/books:watch",
    "/v1/chunks:upload",
    "/v1/static/{wildcard_1}/{wildcard_2}",
    "/v1/{name}:lock",
  ]);
  // Methods in OpenAPI order whatever the declaration order (GET, PATCH, DELETE declared).
  t.deepEqual(Object.keys(doc.paths[BOOK] ?? {}), ["get", "delete", "patch"]);
});

test("compileOpenapi: operation ids, tags, summary and description", (t) => {
  const get = op(BOOK, "get");
  t.is(get.operationId, "LibraryService_GetBook");
  t.is(op("/v1/authors/{author}/books/{book}", "get").operationId, "LibraryService_GetBook_1");
  t.is(op("/v1/{parent}/bookList", "get").operationId, "LibraryService_ListBooks_1");
  t.deepEqual(get.tags, ["LibraryService"]);
  t.is(get.summary, "Gets a book.");
  t.true(get.description?.startsWith("Gets a book.\n\nReturns NOT_FOUND when\nthere is none.\n\n"));
  t.is(get["x-protogate-rpc"], "library.v1.LibraryService.GetBook");
  const create = op("/v1/{parent}/books", "post");
  t.is(create.summary, "Creates a book."); // one sentence: no description
  t.false("description" in create);
  t.false("summary" in op(BOOK, "delete"));
});

interface CommentRow {
  readonly comment: string;
  readonly summary?: string;
  readonly description?: string;
}

const commentCase = test.macro({
  exec(t, row: CommentRow) {
    const one: RouteTable = {
      ...table,
      methods: [method("DeleteBook", `${P}DeleteBookRequest`, "google.protobuf.Empty", { comment: row.comment })],
      routes: [route("DELETE", "/x", "DeleteBook")],
    };
    const o = compileOpenapi(one).paths["/x"]?.delete;
    t.is(o?.summary, row.summary);
    t.is(o?.description, row.description);
  },
  title: (_, row: CommentRow) => `compileOpenapi: comment ${JSON.stringify(row.comment)} → summary and description`,
});

test(commentCase, { comment: " Deletes a book.\n", summary: "Deletes a book." });
test(commentCase, { comment: " Deletes a book. NOT_FOUND when\n there is none.\n", summary: "Deletes a book.", description: "Deletes a book. NOT_FOUND when\nthere is none." });
test(commentCase, { comment: " Deletes `a.b` books, e.g. old\n ones\n", summary: "Deletes `a.b` books, e.g. old ones" });
test(commentCase, { comment: "   \n\n", summary: undefined, description: undefined });

// ---- path parameters -----------------------------------------------------------------------

test("compileOpenapi: a multi-segment variable is one parameter with the pattern", (t) => {
  t.deepEqual(params(op("/v1/{name}:publish", "post"), "path"), [
    {
      name: "name",
      in: "path",
      required: true,
      description: "Matches `shelves/*/books/*`: the value spans path segments; send its `/` unescaped.",
      schema: { type: "string", pattern: "^shelves/[^/]+/books/[^/]+$" },
    },
  ]);
});

test("compileOpenapi: a nested field path on the same shape reuses the path's parameter name", (t) => {
  const one: RouteTable = {
    ...table,
    routes: [route("GET", "/v1/{name=shelves/*/books/*}", "GetBook"), route("PATCH", "/v1/{book.name=shelves/*/books/*}", "UpdateBook", { body: ["book"] })],
  };
  const out = compileOpenapi(one);
  t.deepEqual(Object.keys(out.paths), ["/v1/{name}"]);
  t.deepEqual(out.paths["/v1/{name}"]?.patch?.parameters?.[0], {
    name: "name",
    in: "path",
    required: true,
    description: "The resource name: `shelves/*/books/*`.\n\nFills field `book.name`.\n\nMatches `shelves/*/books/*`: the value spans path segments; send its `/` unescaped.",
    schema: { type: "string", pattern: "^shelves/[^/]+/books/[^/]+$" },
  });
});

test("compileOpenapi: bindings of one method on one OpenAPI path are all expanded, not dropped", (t) => {
  t.deepEqual(params(op(BOOK, "get"), "path"), [
    { name: "shelf", in: "path", required: true, description: "Part of field `name`, which is `shelves/{shelf}/books/{book}` (template `shelves/*/books/*`).", schema: { type: "string" } },
    { name: "book", in: "path", required: true, description: "Part of field `name`, which is `shelves/{shelf}/books/{book}` (template `shelves/*/books/*`).", schema: { type: "string" } },
  ]);
  t.deepEqual(
    params(op(BOOK, "patch"), "path").map((p) => [p.name, p.description]),
    [
      ["shelf", "The resource name: `shelves/*/books/*`.\n\nPart of field `book.name`, which is `shelves/{shelf}/books/{book}` (template `shelves/*/books/*`)."],
      ["book", "The resource name: `shelves/*/books/*`.\n\nPart of field `book.name`, which is `shelves/{shelf}/books/{book}` (template `shelves/*/books/*`)."],
    ],
  );
  const authors = op("/v1/authors/{author}/books/{book}", "get");
  t.deepEqual(params(authors, "path").map((p) => p.name), ["author", "book"]);
  t.true(
    authors.description?.endsWith(
      "Template `/v1/{name=authors/*/books/*}`, written with its variables' literal segments in the path: bindings of one HTTP method would otherwise share the OpenAPI path `/v1/{name}`.",
    ),
  );
});

test("compileOpenapi: expanded parameter names: singular collection ids, else the field name; ** says it spans segments", (t) => {
  const one: RouteTable = {
    ...table,
    routes: [
      route("GET", "/v1/{name=libraries/*/boxes/*/x1/*/**}", "DeleteBook"),
      route("GET", "/v1/{name=*}", "Lock"),
      route("GET", "/v1/{name=fixed}", "Lock"),
    ],
  };
  const paths = compileOpenapi(one).paths;
  t.deepEqual(Object.keys(paths), ["/v1/libraries/{library}/boxes/{box}/x1/{name}/{name_2}", "/v1/{name}", "/v1/fixed"]);
  t.false("parameters" in (paths["/v1/fixed"]?.get ?? {})); // the field is bound, to a fixed value
  const item = compileOpenapi(one).paths["/v1/libraries/{library}/boxes/{box}/x1/{name}/{name_2}"];
  const ps = item?.get?.parameters ?? [];
  t.deepEqual(ps.map((p) => p.name), ["library", "box", "name", "name_2"]);
  t.true(ps[3]?.description?.endsWith("Spans any number of path segments: send its `/` unescaped."));
  t.false(ps[2]?.description?.includes("Spans") ?? true);
});

test("compileOpenapi: wildcards outside variables get generated names", (t) => {
  t.deepEqual(params(op("/v1/static/{wildcard_1}/{wildcard_2}", "get"), "path"), [
    { name: "wildcard_1", in: "path", required: true, description: "One path segment (`*` in the template), bound to no field.", schema: { type: "string" } },
    { name: "wildcard_2", in: "path", required: true, description: "Any number of path segments (`**` in the template), bound to no field.", schema: { type: "string" } },
  ]);
});

test("compileOpenapi: a custom HTTP method goes under x-protogate-custom-methods", (t) => {
  const item = doc.paths["/v1/{name}:lock"];
  t.deepEqual(Object.keys(item ?? {}), ["x-protogate-custom-methods"]);
  t.is(item?.["x-protogate-custom-methods"]?.["LOCK"]?.operationId, "LibraryService_Lock");
});

interface PatternRow {
  readonly pattern: string;
  readonly regex: string;
  readonly matches: readonly string[];
  readonly rejects: readonly string[];
}

const patternCase = test.macro({
  exec(t, row: PatternRow) {
    const one: RouteTable = {
      ...table,
      routes: [{ httpMethod: "GET", pattern: row.pattern, template: parseTemplate(row.pattern), rpc: `${SVC}.DeleteBook` }],
    };
    const p = Object.values(compileOpenapi(one).paths)[0]?.get?.parameters?.[0];
    t.is(p?.schema.pattern, row.regex);
    const re = new RegExp(row.regex, "u");
    for (const m of row.matches) t.true(re.test(m), `${m} should match`);
    for (const r of row.rejects) t.false(re.test(r), `${r} should not match`);
  },
  title: (_, row: PatternRow) => `compileOpenapi: pattern for ${row.pattern} is ${row.regex}`,
});

test(patternCase, { pattern: "/v1/{name=shelves/*}", regex: "^shelves/[^/]+$", matches: ["shelves/1"], rejects: ["shelves", "shelves/1/x", "x/1"] });
test(patternCase, { pattern: "/v1/{name=shelves/**}", regex: "^shelves(?:/[^/]+)*$", matches: ["shelves", "shelves/a/b"], rejects: ["shelvesx", "shelves/"] });
test(patternCase, { pattern: "/v1/{name=**}", regex: "^.*$", matches: ["", "a/b"], rejects: [] });
test(patternCase, { pattern: "/v1/{name=**/x}", regex: "^(?:[^/]+/)*x$", matches: ["x", "a/b/x"], rejects: ["a/x/b"] });
test(patternCase, { pattern: "/v1/{name=a.b/*/c-d}", regex: "^a\\.b/[^/]+/c-d$", matches: ["a.b/1/c-d"], rejects: ["aXb/1/c-d"] });

test("compileOpenapi: a variable's pattern matches every value its template captures (fast-check)", (t) => {
  const piece = fc.oneof(fc.constantFrom("shelves", "books", "a.b", "x+y"), fc.constant("*"));
  const body = fc.tuple(fc.array(piece, { minLength: 1, maxLength: 4 }), fc.boolean());
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/);
  fc.assert(
    fc.property(body, fc.array(id, { minLength: 6, maxLength: 6 }), fc.integer({ min: 0, max: 2 }), ([pieces, deep], ids, deepCount) => {
      const segments = deep ? [...pieces, "**"] : pieces;
      const pattern = `/v1/{name=${segments.join("/")}}`;
      const one: RouteTable = { ...table, routes: [{ httpMethod: "GET", pattern, template: parseTemplate(pattern), rpc: `${SVC}.DeleteBook` }] };
      const param = Object.values(compileOpenapi(one).paths)[0]?.get?.parameters?.[0];
      let i = 0;
      const value = segments.flatMap((s) => (s === "*" ? [ids[i++] ?? "x"] : s === "**" ? ids.slice(3, 3 + deepCount) : [s])).join("/");
      if (pattern === "/v1/{name=*}") return param?.schema.pattern === undefined; // plain: no pattern
      const re = new RegExp(param?.schema.pattern ?? "(?!)", "u");
      return param?.name === "name" && re.test(value) && !re.test(`${value}/`) && !re.test(`/${value}`);
    }),
    { numRuns: 200 },
  );
  t.pass(); // fc.assert throws on a counterexample
});

test("compileOpenapi: literals are percent-encoded in the path key, the verb stays a suffix", (t) => {
  const one: RouteTable = {
    ...table,
    routes: [{ httpMethod: "GET", pattern: "/v1/caf%C3%A9%20x/{name}:do", template: parseTemplate("/v1/caf%C3%A9%20x/{name}:do"), rpc: `${SVC}.DeleteBook` }],
  };
  t.deepEqual(Object.keys(compileOpenapi(one).paths), ["/v1/caf%C3%A9%20x/{name}:do"]);
});

// ---- query parameters ------------------------------------------------------------------------

test("compileOpenapi: query parameters are the unbound leaves, dotted, json-named", (t) => {
  t.deepEqual(params(op(BOOK, "get"), "query"), [
    { name: "readMask", in: "query", description: "Fields to return.\n\nAlso accepted as `read_mask`.", schema: { type: "string", description: 'Comma-separated field paths, e.g. "title,author.name".' } },
    { name: "filter.minPages", in: "query", description: "Also accepted as `filter.min_pages`.", schema: { type: "integer", format: "int32" } },
    { name: "filter.genres", in: "query", style: "form", explode: true, schema: { type: "array", items: ref(`${P}Genre`) } },
    { name: "filter.since", in: "query", schema: { type: "string", format: "date-time" } },
    { name: "filter.maxPrice", in: "query", description: "Also accepted as `filter.max_price`.", schema: { type: "number", format: "double" } },
    // filter.nested is a Filter again: not recursed into (cycle).
    { name: "ids", in: "query", style: "form", explode: true, schema: { type: "array", items: { type: "string", format: "int64" } } },
    { name: "labels", in: "query", style: "deepObject", explode: true, description: "Set entries as `labels[key]=value`.", schema: { type: "object", additionalProperties: { type: "string" } } },
    // similar (repeated message) and options (Struct) cannot be written in a query.
    { name: "byId", in: "query", description: "Member of oneof `lookup`: set at most one of `byId`, `byIsbn`.\n\nAlso accepted as `by_id`.", schema: { type: "string", format: "int64" } },
    { name: "byIsbn", in: "query", description: "Member of oneof `lookup`: set at most one of `byId`, `byIsbn`.\n\nAlso accepted as `by_isbn`.", schema: { type: "string" } },
  ]);
});

test("compileOpenapi: fields bound by the path or the body are not query parameters", (t) => {
  t.deepEqual(params(op("/v1/{parent}/books", "post"), "query").map((p) => p.name), ["bookId"]);
  t.deepEqual(params(op(BOOK, "patch"), "query").map((p) => p.name), ["updateMask"]);
  t.deepEqual(params(op("/v1/{parent}/books", "get"), "query").map((p) => p.name), ["pageSize", "pageToken"]);
  t.deepEqual(op("/v1/{name}:publish", "post").parameters?.map((p) => p.name), ["name"]); // body "*": no query
});

test("compileOpenapi: path-bound nested fields leave their siblings as query parameters", (t) => {
  // GET on UpdateBook: book.name from the path, the rest of book from the query (depth-limited, cycle-free).
  const one: RouteTable = { ...table, routes: [route("GET", "/v1/{book.name=shelves/*/books/*}", "UpdateBook")] };
  const names = (Object.values(compileOpenapi(one).paths)[0]?.get?.parameters ?? []).map((p) => `${p.in}:${p.name}`);
  t.is(names[0], "path:book.name");
  t.false(names.includes("query:book.name"));
  t.true(names.includes("query:book.author.name"));
  t.true(names.includes("query:book.author.displayName"));
  t.true(names.includes("query:book.publishTime"));
  t.true(names.includes("query:book.rating"));
  t.true(names.includes("query:book.customJSON"));
  t.false(names.some((n) => n.startsWith("query:book.sequel"))); // Book inside Book: a cycle
  t.false(names.some((n) => /metadata|extra|history|nothing|attachment/.test(n)));
  t.true(names.includes("query:updateMask"));
});

test("compileOpenapi: query recursion stops at depth 5", (t) => {
  const chain: MessageModel[] = ["A", "B", "C", "D", "E", "F", "G"].map((n, i, all) =>
    msg(`deep.${n}`, [field("v", scalar("string")), ...(i + 1 < all.length ? [field("next", message(`deep.${all[i + 1]}`))] : [])]),
  );
  const one: RouteTable = {
    ...table,
    methods: [method("Deep", "deep.A", "google.protobuf.Empty")],
    routes: [route("GET", "/deep", "Deep")],
    types: { messages: record(chain), enums: {} },
  };
  t.deepEqual(
    (compileOpenapi(one).paths["/deep"]?.get?.parameters ?? []).map((p) => p.name),
    ["v", "next.v", "next.next.v", "next.next.next.v", "next.next.next.next.v"],
  );
});

// ---- bodies and responses ---------------------------------------------------------------------

test("compileOpenapi: body field → that field's schema; body * → the request minus path fields", (t) => {
  t.deepEqual(op("/v1/{parent}/books", "post").requestBody, { content: { "application/json": { schema: ref(`${P}Book`) } } });
  t.deepEqual(op("/v1/{name}:publish", "post").requestBody, {
    content: {
      "application/json": {
        schema: { type: "object", description: "library.v1.PublishBookRequest without `name`, which the path sets.", properties: { force: { type: "boolean" } } },
      },
    },
  });
  t.false("requestBody" in op(BOOK, "get"));
});

test("compileOpenapi: 200 is the response message, default is google.rpc.Status", (t) => {
  t.deepEqual(op(BOOK, "get").responses, {
    "200": { description: "OK", content: { "application/json": { schema: ref(`${P}Book`) } } },
    default: { description: "An error: the JSON form of google.rpc.Status.", content: { "application/json": { schema: STATUS_REF } } },
  });
  t.deepEqual(op(BOOK, "delete").responses["200"]?.content, { "application/json": { schema: { type: "object" } } });
});

test("compileOpenapi: response_body → the field's schema", (t) => {
  t.deepEqual(op("/v1/{parent}/bookList", "get").responses["200"]?.content, {
    "application/json": { schema: { type: "array", items: ref(`${P}Book`) } },
  });
});

test("compileOpenapi: server streaming answers NDJSON result/error lines", (t) => {
  const o = op("/v1/{parent}/books:watch", "get");
  t.is(o["x-protogate-streaming"], "server");
  t.deepEqual(o.responses["200"]?.content, {
    "application/x-ndjson": {
      schema: {
        oneOf: [
          { type: "object", properties: { result: ref(`${P}Book`) }, required: ["result"] },
          { type: "object", properties: { error: STATUS_REF }, required: ["error"] },
        ],
      },
    },
  });
  t.false("x-protogate-streaming" in op(BOOK, "get"));
});

test("compileOpenapi: client streaming takes an NDJSON body", (t) => {
  const o = op("/v1/chunks:upload", "post");
  t.is(o["x-protogate-streaming"], "client");
  t.deepEqual(o.requestBody, {
    description: "Newline-delimited JSON: one request message per line.",
    content: { "application/x-ndjson": { schema: ref(`${P}ChunkRequest`) } },
  });
});

test("compileOpenapi: google.api.HttpBody responses are raw bytes", (t) => {
  t.deepEqual(op("/v1/static/{wildcard_1}/{wildcard_2}", "get").responses["200"], {
    description: "Raw bytes with the content type the backend set (google.api.HttpBody).",
    content: { "*/*": { schema: {} } },
  });
  t.false("google.api.HttpBody" in doc.components.schemas);
});

// ---- schemas ----------------------------------------------------------------------------------

test("compileOpenapi: components are the reachable types, sorted by full name", (t) => {
  t.deepEqual(Object.keys(doc.components.schemas), [
    "google.protobuf.Any",
    "google.rpc.Status",
    "library.v1.Author",
    "library.v1.Book",
    "library.v1.ChunkRequest",
    "library.v1.Genre",
    "library.v1.ListBooksResponse",
  ]);
});

interface PropertyRow {
  readonly property: string;
  readonly schema: SchemaObject;
  readonly why: string;
}

const bookProperty = test.macro({
  exec(t, row: PropertyRow) {
    t.deepEqual(prop(`${P}Book`, row.property), row.schema);
  },
  title: (_, row: PropertyRow) => `compileOpenapi: Book.${row.property} — ${row.why}`,
});

const bookRows: PropertyRow[] = [
  { property: "name", schema: { type: "string", description: "The resource name: `shelves/*/books/*`." }, why: "field comment → description" },
  { property: "author", schema: ref(`${P}Author`), why: "message → $ref by full name" },
  { property: "pageCount", schema: { type: "integer", format: "int32" }, why: "json name, int32 → integer" },
  { property: "isbn", schema: { type: "string", format: "int64" }, why: "int64 → string" },
  { property: "uid", schema: { type: "string", format: "uint64" }, why: "fixed64 → string uint64" },
  { property: "price", schema: { type: "number", format: "double" }, why: "double → number" },
  { property: "weight", schema: { type: "number", format: "float" }, why: "float → number" },
  { property: "stock", schema: { type: "integer", format: "uint32" }, why: "uint32 → integer" },
  { property: "inPrint", schema: { type: "boolean" }, why: "bool" },
  { property: "cover", schema: { type: "string", format: "byte", contentEncoding: "base64" }, why: "bytes → base64 string" },
  { property: "genre", schema: ref(`${P}Genre`), why: "enum → $ref" },
  { property: "tags", schema: { type: "array", items: { type: "string" } }, why: "repeated → array" },
  { property: "labels", schema: { type: "object", additionalProperties: { type: "string" } }, why: "map → additionalProperties" },
  { property: "publishTime", schema: { type: "string", format: "date-time" }, why: "Timestamp → date-time string" },
  { property: "readTime", schema: { type: "string", pattern: "^-?[0-9]+(?:\\.[0-9]{1,9})?s$", description: 'Seconds with up to 9 fractional digits and an "s" suffix, e.g. "1.5s".' }, why: "Duration → string with pattern" },
  { property: "rating", schema: { type: ["number", "null"], format: "float" }, why: "FloatValue → nullable number" },
  { property: "sold", schema: { type: ["string", "null"], format: "int64" }, why: "Int64Value → nullable string" },
  { property: "metadata", schema: { type: "object", additionalProperties: true }, why: "Struct → object" },
  { property: "extra", schema: { description: "Any JSON value." }, why: "Value → any" },
  { property: "history", schema: { type: "array", items: {} }, why: "ListValue → array" },
  { property: "nothing", schema: { type: "object" }, why: "Empty → object" },
  { property: "attachment", schema: ref("google.protobuf.Any"), why: "Any → component" },
  { property: "ebookUrl", schema: { type: "string", description: "Member of oneof `format`: set at most one of `ebookUrl`, `paperWeight`." }, why: "oneof member documented" },
  { property: "sequel", schema: ref(`${P}Book`), why: "recursive message → $ref to itself" },
  { property: "nullValue", schema: { type: "null" }, why: "NullValue → null" },
  { property: "customJSON", schema: { type: "string" }, why: "explicit json_name" },
];
for (const row of bookRows) test(bookProperty, row);

test("compileOpenapi: a message is an object with its comment and every field in order", (t) => {
  const book = schema(`${P}Book`);
  t.is(book.type, "object");
  t.is(book.description, "A book on a shelf.");
  t.is(Object.keys(book.properties ?? {}).length, messages[0]?.fields.length ?? -1);
  t.deepEqual(Object.keys(book.properties ?? {}).slice(0, 4), ["name", "title", "author", "pageCount"]);
});

test("compileOpenapi: enums are string enums of value names", (t) => {
  t.deepEqual(schema(`${P}Genre`), { type: "string", enum: ["GENRE_UNSPECIFIED", "FICTION", "POETRY"] });
});

test("compileOpenapi: google.rpc.Status and Any follow SPEC §6", (t) => {
  t.deepEqual(schema("google.rpc.Status").properties, {
    code: { type: "integer", format: "int32", description: "The gRPC status code, e.g. 5 for NOT_FOUND." },
    message: { type: "string", description: "A developer-facing error message." },
    details: { type: "array", items: ref("google.protobuf.Any"), description: "Error details; always present, empty when there are none." },
  });
  const any = schema("google.protobuf.Any");
  t.deepEqual([any.type, any.required, any.additionalProperties, any.properties?.["@type"]?.type], ["object", ["@type"], true, "string"]);
});

test("compileOpenapi: useProtoNames names properties and parameters by proto name", (t) => {
  const protoDoc = compileOpenapi(table, { useProtoNames: true });
  t.deepEqual(Object.keys(protoDoc.components.schemas[`${P}Book`]?.properties ?? {}).slice(0, 4), ["name", "title", "author", "page_count"]);
  const q = (protoDoc.paths[BOOK]?.get?.parameters ?? []).find((p) => p.name === "read_mask");
  t.is(q?.description, "Fields to return.\n\nAlso accepted as `readMask`.");
  t.deepEqual(
    (protoDoc.paths["/v1/{parent}/books"]?.get?.parameters ?? []).map((p) => p.name),
    ["parent", "page_size", "page_token"],
  );
});

// ---- determinism and errors -------------------------------------------------------------------

test("compileOpenapi: output does not depend on the order of the TypeSet records", (t) => {
  const shuffled: RouteTable = {
    ...table,
    types: { messages: record([...messages].reverse()), enums: record([...enums].reverse()) },
  };
  t.is(JSON.stringify(compileOpenapi(shuffled, { title: "Library", version: "1.2.3" })), JSON.stringify(doc));
  t.is(JSON.stringify(compileOpenapi(table, { title: "Library", version: "1.2.3" })), JSON.stringify(doc));
});

test("compileOpenapi: two services with one short name get package-qualified ids and tags", (t) => {
  const other = "other.v1.LibraryService";
  const two: RouteTable = {
    ...table,
    methods: [...methods, { ...method("GetBook", `${P}GetBookRequest`, `${P}Book`), name: `${other}.GetBook`, service: other }],
    routes: [routes[0] as RouteEntry, { ...route("GET", "/other/{name}", "GetBook"), rpc: `${other}.GetBook` }],
  };
  const out: OpenApiDocument = compileOpenapi(two);
  t.deepEqual(out.tags.map((tag) => tag.name), ["library_v1_LibraryService", "other_v1_LibraryService"]);
  t.is(out.paths["/other/{name}"]?.get?.operationId, "other_v1_LibraryService_GetBook");
});

test("compileOpenapi: a binding OpenAPI cannot tell apart from an earlier one is noted on it, not an overwrite or an error", (t) => {
  const clash: RouteTable = { ...table, routes: [route("GET", "/v1/{name}", "DeleteBook"), route("GET", "/v1/*", "DeleteBook"), route("GET", "/v1/{name=**}", "GetBook")] };
  const out = compileOpenapi(clash);
  t.deepEqual(Object.keys(out.paths), ["/v1/{name}"]);
  const operation = out.paths["/v1/{name}"]?.get;
  t.is(operation?.["x-protogate-rpc"], "library.v1.LibraryService.DeleteBook");
  t.is(operation?.["x-protogate-pattern"], "/v1/{name}");
  t.regex(operation?.description ?? "", /Also served here: GET \/v1\/\* \(rpc library\.v1\.LibraryService\.DeleteBook\)/);
  t.regex(operation?.description ?? "", /Also served here: GET \/v1\/\{name=\*\*\} \(rpc library\.v1\.LibraryService\.GetBook\)/);
});

test("compileOpenapi: an unknown rpc, type or field is an OpenApiCompileError", (t) => {
  const noRpc: RouteTable = { ...table, routes: [route("GET", "/x", "Nope")] };
  t.is(t.throws(() => compileOpenapi(noRpc), { instanceOf: OpenApiCompileError })?.message, "route GET /x names unknown rpc library.v1.LibraryService.Nope");
  const noField: RouteTable = { ...table, routes: [route("GET", "/x/{missing}", "DeleteBook")] };
  t.is(
    t.throws(() => compileOpenapi(noField), { instanceOf: OpenApiCompileError })?.message,
    "route GET /x/{missing}: no field missing in library.v1.DeleteBookRequest",
  );
  const noType: RouteTable = { ...table, methods: [method("DeleteBook", `${P}Gone`, "google.protobuf.Empty")], routes: [route("GET", "/x", "DeleteBook")] };
  t.is(
    t.throws(() => compileOpenapi(noType), { instanceOf: OpenApiCompileError })?.message,
    "unknown message type library.v1.Gone (request of library.v1.LibraryService.DeleteBook)",
  );
});

// ---- the example API through the real loader ----------------------------------------------------

test("compileOpenapi: the example protos (real loader + compileRoutes) give a valid document with every binding once", async (t) => {
  const real = compileRoutes(loadProtoModel([EXAMPLE_PROTOS]), "protogate test");
  const out = compileOpenapi(real);
  const result = await validate(structuredClone(out) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
  const operations = Object.values(out.paths).flatMap((item) => [
    ...Object.entries(item).filter(([k]) => !k.startsWith("x-")).map(([, o]) => o as OperationObject),
    ...Object.values(item["x-protogate-custom-methods"] ?? {}),
  ]);
  t.is(operations.length, real.routes.length);
  t.deepEqual(operations.map((o) => o["x-protogate-rpc"]).sort(), real.routes.map((r) => r.rpc).sort());
  t.is(new Set(operations.map((o) => o.operationId)).size, operations.length);
});

// ---- security from the config's auth and rate-limit rules ---------------------------------------

const BEARER = { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A JWT from main." } as const;
const secured = compileOpenapi(table, {
  security: {
    schemes: { main: BEARER, other: { ...BEARER, description: "A JWT from other." } },
    byMethod: (rpc) => {
      if (rpc === `${SVC}.CreateBook`) return { auth: { scheme: "main", scopes: ["books.write", "books.read"], required: true } };
      if (rpc === `${SVC}.ListBooks`) return { auth: { scheme: "other", scopes: [], required: false }, rateLimit: { requests: 100, perMs: 60_000 } };
      if (rpc === `${SVC}.DeleteBook`) return { rateLimit: { requests: 5, perMs: 1500 } };
      return undefined;
    },
  },
});

test("compileOpenapi security: the document with schemes, requirements and policy responses still validates", async (t) => {
  const result = await validate(structuredClone(secured) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
});

test("compileOpenapi security: every provider is a bearer JWT scheme, sorted by id", (t) => {
  t.deepEqual(secured.components.securitySchemes, { main: BEARER, other: { ...BEARER, description: "A JWT from other." } });
  t.is(doc.components.securitySchemes, undefined);
  t.false("securitySchemes" in compileOpenapi(table, { security: { schemes: {}, byMethod: () => undefined } }).components);
});

test("compileOpenapi security: required auth lists its scopes; optional auth also allows no token; open methods have none", (t) => {
  const op = (path: string, m: "get" | "post" | "delete"): OperationObject | undefined => secured.paths[path]?.[m];
  t.deepEqual(op("/v1/{parent}/books", "post")?.security, [{ main: ["books.write", "books.read"] }]);
  t.deepEqual(op("/v1/{parent}/books", "get")?.security, [{ other: [] }, {}]);
  t.deepEqual(op("/v1/{parent}/bookList", "get")?.security, [{ other: [] }, {}], "every binding of the RPC");
  t.is(op(BOOK, "get")?.security, undefined);
  t.is(op(BOOK, "delete")?.security, undefined);
});

test("compileOpenapi security: 401/403/429 appear where the policies can answer them, each a Status", (t) => {
  const responses = (path: string, m: "get" | "post" | "delete"): Record<string, { description: string; headers?: object }> =>
    secured.paths[path]?.[m]?.responses ?? {};
  t.deepEqual(Object.keys(responses("/v1/{parent}/books", "post")), ["200", "401", "403", "default"]);
  t.deepEqual(Object.keys(responses("/v1/{parent}/books", "get")), ["200", "401", "429", "default"]);
  t.deepEqual(Object.keys(responses(BOOK, "delete")), ["200", "429", "default"]);
  t.deepEqual(Object.keys(responses(BOOK, "get")), ["200", "default"]);
  const create = responses("/v1/{parent}/books", "post");
  t.is(create["401"]?.description, "The bearer token is missing or invalid (UNAUTHENTICATED).");
  t.is(create["403"]?.description, "The token lacks a required scope: `books.write`, `books.read` (PERMISSION_DENIED).");
  t.deepEqual(Object.keys(create["401"]?.headers ?? {}), ["WWW-Authenticate"]);
  const list = responses("/v1/{parent}/books", "get");
  t.is(list["401"]?.description, "The bearer token is invalid (the method also works without one) (UNAUTHENTICATED).");
  t.is(list["429"]?.description, "Rate limited: 100 requests per 1m (RESOURCE_EXHAUSTED).");
  t.deepEqual(Object.keys(list["429"]?.headers ?? {}), ["Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]);
  t.is(responses(BOOK, "delete")["429"]?.description, "Rate limited: 5 requests per 1500ms (RESOURCE_EXHAUSTED).");
  t.deepEqual(Object.keys(responses(BOOK, "delete")["200"]?.headers ?? {}), ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"], "on every response of a limited method");
  t.deepEqual(responses(BOOK, "delete")["200"]?.description, "OK");
  t.is(responses("/v1/{parent}/books", "post")["200"]?.headers, undefined);
  t.deepEqual(secured.paths["/v1/{parent}/books"]?.post?.responses["401"]?.content, { "application/json": { schema: STATUS_REF } });
  t.deepEqual(secured.paths["/v1/{parent}/books"]?.post?.responses["403"]?.content, { "application/json": { schema: STATUS_REF } });
  t.deepEqual(secured.paths["/v1/{parent}/books"]?.get?.responses["429"]?.content, { "application/json": { schema: STATUS_REF } });
});

test("compileOpenapi security: a rule naming a scheme the document lacks is an OpenApiCompileError", (t) => {
  const e = t.throws(
    () => compileOpenapi(table, { security: { schemes: {}, byMethod: () => ({ auth: { scheme: "gone", scopes: [], required: true } }) } }),
    { instanceOf: OpenApiCompileError },
  );
  t.is(e?.message, "rpc library.v1.LibraryService.GetBook: auth scheme gone is not among the security schemes");
});
