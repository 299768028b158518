import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validate } from "@readme/openapi-parser";
import type { OpenAPIV3_1 } from "openapi-types";
import type { OpenApiDocument, OperationObject } from "../../../src/compile/openapi-document.js";
import { OPENAPI_METHODS } from "../../../src/compile/openapi-document.js";
import type { RouteTable } from "../../../src/model/route-table.js";
import { REPO_ROOT } from "../../helpers/paths.js";

// The committed files, as a reader (or a client generator) gets them; generated-is-fresh checks they are current.
const doc = JSON.parse(readFileSync(join(REPO_ROOT, "generated", "openapi.json"), "utf8")) as OpenApiDocument;
const table = JSON.parse(readFileSync(join(REPO_ROOT, "generated", "route-table.json"), "utf8")) as RouteTable;

/** Every operation with the HTTP method it is filed under. */
function operations(d: OpenApiDocument): { httpMethod: string; path: string; op: OperationObject }[] {
  return Object.entries(d.paths).flatMap(([path, item]) => [
    ...OPENAPI_METHODS.flatMap((m) => (item[m] === undefined ? [] : [{ httpMethod: m.toUpperCase(), path, op: item[m] }])),
    ...Object.entries(item["x-protogate-custom-methods"] ?? {}).map(([httpMethod, op]) => ({ httpMethod, path, op })),
  ]);
}

test("generated/openapi.json: passes the real OpenAPI 3.1 validator", async (t) => {
  const result = await validate(structuredClone(doc) as unknown as OpenAPIV3_1.Document);
  t.deepEqual(result.valid ? [] : result.errors.map((e) => e.message), []);
  t.is(doc.openapi, "3.1.0");
});

test("generated/openapi.json: every route of generated/route-table.json is exactly one operation, and nothing else is", (t) => {
  const ops = operations(doc);
  t.true(table.routes.length > 0);
  for (const route of table.routes) {
    const matches = ops.filter((o) => o.httpMethod === route.httpMethod && o.op["x-protogate-rpc"] === route.rpc && o.op["x-protogate-pattern"] === route.pattern);
    t.is(matches.length, 1, `${route.httpMethod} ${route.pattern} (${route.rpc})`);
  }
  t.is(ops.length, table.routes.length);
  t.is(new Set(ops.map((o) => o.op.operationId)).size, ops.length, "operation ids are unique");
});

test("generated/openapi.json: every RPC with a binding is documented, with its proto comment as the summary", (t) => {
  const bound = new Set(table.routes.map((r) => r.rpc));
  const documented = new Set(operations(doc).map((o) => o.op["x-protogate-rpc"]));
  t.deepEqual([...documented].sort(), [...bound].sort());
  for (const m of table.methods.filter((x) => bound.has(x.name) && x.comment !== undefined)) {
    t.truthy(operations(doc).find((o) => o.op["x-protogate-rpc"] === m.name)?.op.summary, m.name);
  }
});
