import test from "ava";
import type { ExecutionContext } from "ava";
import { compileRoutes } from "../../../src/compile/compile-routes.js";
import { buildModel } from "../../../src/descriptors/build-model.js";
import { loadProtos } from "../../../src/descriptors/load-protos.js";
import type { RouteTable } from "../../../src/model/route-table.js";
import { writeTempFiles } from "../../helpers/temp-dir.js";

const HEADER = [
  'syntax = "proto3";',
  "package t.v1;",
  'import "google/api/annotations.proto";',
  'import "google/protobuf/timestamp.proto";',
  "message Inner { string name = 1; repeated string tags = 2; }",
  "message Req { string name = 1; Inner inner = 2; repeated string ids = 3; map<string, string> labels = 4; google.protobuf.Timestamp when = 5; string page_token = 6; }",
  "message Res { Inner inner = 1; string value = 2; }",
].join("\n");

/** Compiles one service body (the rpc lines) written into a temp proto root. */
function compile(rpcs: string): RouteTable {
  const files = writeTempFiles({ "t/v1/t.proto": `${HEADER}\nservice S {\n${rpcs}\n}\n` });
  try {
    return compileRoutes(buildModel(loadProtos([files.dir])), "protogate test");
  } finally {
    files.cleanup();
  }
}

const rejects = test.macro({
  exec(t: ExecutionContext, rpcs: string, expected: string) {
    const error = t.throws(() => compile(rpcs));
    t.is(error?.message, expected);
  },
  title: (provided = "") => `compileRoutes: rejects ${provided}`,
});

const rpc = (name: string, rule: string): string => `  rpc ${name}(Req) returns (Res) { option (google.api.http) = { ${rule} }; }`;

test("a path field that does not exist", rejects, rpc("Get", 'get: "/v1/{missing}"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: path variable {missing} in "/v1/{missing}": no field "missing" in message t.v1.Req');
test("a repeated path field", rejects, rpc("Get", 'get: "/v1/{ids}"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: path variable {ids} in "/v1/{ids}": field ids is repeated; path variables must be singular');
test("a message path field", rejects, rpc("Get", 'get: "/v1/{inner}"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: path variable {inner} in "/v1/{inner}": field inner is a message (t.v1.Inner); path variables must be scalars');
test("a path through a repeated field", rejects, rpc("Get", 'get: "/v1/{ids.x}"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: path variable {ids.x} in "/v1/{ids.x}": field ids of t.v1.Req is not a singular message, so "ids.x" cannot go inside it');
test("a body field that does not exist", rejects, rpc("Post", 'post: "/v1/x" body: "nope"'),
  't/v1/t.proto:9: rpc t.v1.S.Post: body "nope": no field "nope" in message t.v1.Req');
test("a response_body field that does not exist", rejects, rpc("Get", 'get: "/v1/x" response_body: "nope"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: response_body "nope": no field "nope" in message t.v1.Res');
test("a bad template", rejects, rpc("Get", 'get: "/v1/{name"'),
  't/v1/t.proto:9: rpc t.v1.S.Get: invalid path template "/v1/{name": unclosed variable at column 5');
test("a rule without a pattern", rejects, rpc("Get", 'body: "*"'),
  "t/v1/t.proto:9: rpc t.v1.S.Get: http rule has no pattern (set one of get, put, post, delete, patch or custom)");
test("nested additional_bindings", rejects, rpc("Get", 'get: "/v1/a" additional_bindings { get: "/v1/b" additional_bindings { get: "/v1/c" } }'),
  "t/v1/t.proto:9: rpc t.v1.S.Get: additional_bindings must not be nested");
test("two rpcs on the same method and template", rejects, `${rpc("A", 'get: "/v1/{name}"')}\n${rpc("B", 'get: "/v1/{page_token}"')}`,
  "t/v1/t.proto:10: rpc t.v1.S.B: binding GET /v1/{page_token} duplicates a binding of rpc t.v1.S.A (t/v1/t.proto:9) with the same method and template");

test("compileRoutes: binds every kind of rule, with additional bindings and canonical proto field paths", (t) => {
  const table = compile(
    [
      rpc("Get", 'get: "/v1/{name=shelves/*}" additional_bindings { get: "/v1/inner/{inner.name}" } additional_bindings { custom: { kind: "head" path: "/v1/h/{name}" } }'),
      rpc("Post", 'post: "/v1/{pageToken}:go" body: "inner" response_body: "inner"'),
      rpc("When", 'get: "/v1/at/{when}"'),
      "  rpc Plain(Req) returns (Res);",
    ].join("\n"),
  );
  t.is(table.format, 1);
  t.deepEqual(table.methods.map((method) => method.name), ["t.v1.S.Get", "t.v1.S.Post", "t.v1.S.When", "t.v1.S.Plain"]);
  t.deepEqual(
    table.routes.map((route) => [route.httpMethod, route.pattern, route.rpc, route.body, route.responseBody, route.template.variables.map((v) => v.fieldPath.join("."))]),
    [
      ["GET", "/v1/{name=shelves/*}", "t.v1.S.Get", undefined, undefined, ["name"]],
      ["GET", "/v1/inner/{inner.name}", "t.v1.S.Get", undefined, undefined, ["inner.name"]],
      ["HEAD", "/v1/h/{name}", "t.v1.S.Get", undefined, undefined, ["name"]],
      ["POST", "/v1/{pageToken}:go", "t.v1.S.Post", ["inner"], ["inner"], ["page_token"]],
      ["GET", "/v1/at/{when}", "t.v1.S.When", undefined, undefined, ["when"]],
    ],
  );
  t.is(table.methods[0]?.grpcPath, "/t.v1.S/Get");
});

test("compileRoutes: keeps the reachable types, google.rpc and the well-known types, not descriptor.proto", (t) => {
  const table = compile(rpc("Get", 'get: "/v1/x"'));
  const names = Object.keys(table.types.messages);
  for (const name of ["t.v1.Req", "t.v1.Inner", "google.rpc.Status", "google.rpc.BadRequest", "google.protobuf.Any", "google.protobuf.Struct"]) {
    t.true(names.includes(name), name);
  }
  t.false(names.includes("google.protobuf.FileDescriptorProto"));
  t.true("google.protobuf.NullValue" in table.types.enums);
});
