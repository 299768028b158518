import test from "ava";
import { join } from "node:path";
import { validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import { openapiFor } from "../../../src/cli/build-table.js";
import { compileRoutes } from "../../../src/compile/compile-routes.js";
import type { OpenApiDocument } from "../../../src/compile/openapi-document.js";
import { parseConfigText } from "../../../src/config/load-config.js";
import { loadProtoModel } from "../../helpers/load-types.js";
import { EXAMPLE_PROTOS, REPO_ROOT } from "../../helpers/paths.js";

// The CLI's side: the config's providers and rules (resolveRule: later rules win) → compileOpenapi's security input.
const CONFIG = `
auth:
  providers:
    - { id: main, issuer: https://issuer.example, audiences: [library-api, admin], secret: s3cret-value }
    - { id: partner, secret: other-secret }
rules:
  - selector: "library.v1.LibraryService.*"
    auth: { provider: main, required: true, scopes: [books.read] }
  - selector: "library.v1.LibraryService.CreateBook"
    auth: { provider: main, scopes: [books.read, books.write] }
    rateLimit: { requests: 10, per: 1m }
  - selector: "library.v1.LibraryService.ListShelves"
    auth: { provider: partner, required: false }
`;

const table = compileRoutes(loadProtoModel([EXAMPLE_PROTOS]), "protogate test");
const doc = openapiFor(table, parseConfigText(CONFIG, { file: undefined, baseDir: process.cwd(), env: {} })) as OpenApiDocument;

test("openapiFor: the example API with the config's auth and rate limits validates", async (t) => {
  const result = await validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
});

test("openapiFor: each auth provider is a bearer scheme whose description names its checks, never its secret", (t) => {
  t.deepEqual(doc.components.securitySchemes, {
    main: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "A JWT from provider `main` in `Authorization: Bearer` (issuer https://issuer.example, audience library-api or admin); scopes from its `scope` or `scp` claim.",
    },
    partner: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: "A JWT from provider `partner` in `Authorization: Bearer`; scopes from its `scope` or `scp` claim.",
    },
  });
  t.false(JSON.stringify(doc).includes("s3cret-value"));
});

test("openapiFor: per-operation security follows the last matching rule", (t) => {
  t.deepEqual(doc.paths["/v1/shelves"]?.get?.security, [{ partner: [] }, {}]);
  t.deepEqual(doc.paths["/v1/{parent}/books"]?.post?.security, [{ main: ["books.read", "books.write"] }]);
  t.deepEqual(Object.keys(doc.paths["/v1/{parent}/books"]?.post?.responses ?? {}), ["200", "401", "403", "429", "default"]);
  const getBook = Object.values(doc.paths).flatMap((item) => (item.get === undefined ? [] : [item.get])).find((o) => o["x-protogate-rpc"].endsWith(".GetBook"));
  t.deepEqual(getBook?.security, [{ main: ["books.read"] }]);
  t.deepEqual(Object.keys(getBook?.responses ?? {}), ["200", "401", "403", "default"]);
});

test("openapiFor: without auth or rules the document has no security at all", (t) => {
  const plain = openapiFor(table, parseConfigText("", { file: undefined, baseDir: process.cwd(), env: {} })) as OpenApiDocument;
  t.false("securitySchemes" in plain.components);
  t.false(JSON.stringify(plain.paths).includes('"security"'));
});

test("openapiFor: with autoMapping the unbound RPCs are documented as POST /pkg.Service/Method, body the whole request", async (t) => {
  const mapped = openapiFor(table, parseConfigText("autoMapping: true", { file: undefined, baseDir: process.cwd(), env: {} })) as OpenApiDocument;
  const borrow = mapped.paths["/library.v1.LibraryService/BorrowBook"]?.post;
  t.is(borrow?.["x-protogate-rpc"], "library.v1.LibraryService.BorrowBook");
  t.deepEqual(borrow?.requestBody, { content: { "application/json": { schema: { $ref: "#/components/schemas/library.v1.BorrowBookRequest" } } } });
  t.is(doc.paths["/library.v1.LibraryService/BorrowBook"], undefined, "off by default");
  const result = await validate(structuredClone(mapped) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
});

// Policies declared in the proto (protogate.policy options): documented as serve resolves them, the config winning.
const policyTable = compileRoutes(loadProtoModel([join(REPO_ROOT, "test", "fixtures", "policy")]), "protogate test");
const policyOp = (d: OpenApiDocument, path: string) => d.paths[path]?.get;
const withProvider = (extra: string): OpenApiDocument =>
  openapiFor(policyTable, parseConfigText(`auth: { providers: [{ id: main, secret: s }] }\n${extra}`, { file: undefined, baseDir: process.cwd(), env: {} })) as OpenApiDocument;

test("openapiFor: proto policy options give security and policy responses", async (t) => {
  const d = withProvider("");
  t.deepEqual(policyOp(d, "/v1/secret/{id}")?.security, [{ main: ["items.read"] }]);
  t.deepEqual(Object.keys(policyOp(d, "/v1/secret/{id}")?.responses ?? {}), ["200", "401", "403", "default"]);
  t.deepEqual(policyOp(d, "/v1/optional/{id}")?.security, [{ main: [] }, {}]);
  t.is(policyOp(d, "/v1/limited/{id}")?.responses["429"]?.description, "Rate limited: 3 requests per 1m (RESOURCE_EXHAUSTED).");
  t.is(policyOp(d, "/v1/open/{id}")?.security, undefined);
  t.deepEqual(Object.keys(policyOp(d, "/v1/cached/{id}")?.responses ?? {}), ["200", "default"]);
  const result = await validate(structuredClone(d) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
});

test("openapiFor: a config rule overrides the proto's auth whole", (t) => {
  const d = withProvider('rules: [{ selector: "policy.v1.PolicyService.GetSecret", auth: { required: false } }]');
  t.deepEqual(policyOp(d, "/v1/secret/{id}")?.security, [{ main: [] }, {}]);
  t.false("403" in (policyOp(d, "/v1/secret/{id}")?.responses ?? {}));
});

test("openapiFor: without a provider (generate, no config) proto auth is left out, proto rate limits stay", (t) => {
  const d = openapiFor(policyTable, parseConfigText("", { file: undefined, baseDir: process.cwd(), env: {} })) as OpenApiDocument;
  t.false("securitySchemes" in d.components);
  t.is(policyOp(d, "/v1/secret/{id}")?.security, undefined);
  t.deepEqual(Object.keys(policyOp(d, "/v1/limited/{id}")?.responses ?? {}), ["200", "429", "default"]);
});
