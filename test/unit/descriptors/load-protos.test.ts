import test from "ava";
import { buildModel, defaultJsonName } from "../../../src/descriptors/build-model.js";
import { loadProtos } from "../../../src/descriptors/load-protos.js";
import { writeTempFiles } from "../../helpers/temp-dir.js";

function loadError(files: Record<string, string>): string | undefined {
  const dir = writeTempFiles(files);
  try {
    loadProtos([dir.dir]);
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    dir.cleanup();
  }
}

test("loadProtos: a syntax error names file and line", (t) => {
  t.is(loadError({ "a/b.proto": 'syntax = "proto3";\npackage a;\nmessage A {\n  string x = ;\n}\n' }), "ProtoError: a/b.proto:4: illegal id ';'");
});

test("loadProtos: a missing import names the importing file and line", (t) => {
  t.is(
    loadError({ "a/b.proto": 'syntax = "proto3";\npackage a;\nimport "nope/missing.proto";\nmessage A {}\n' }),
    'ProtoError: a/b.proto:3: import "nope/missing.proto" not found in the proto paths or bundled protos',
  );
});

test("loadProtos: an empty proto path is an error", (t) => {
  t.regex(loadError({}) ?? "", /^ProtoError: .*no \.proto files found/);
});

test("loadProtos: bundled googleapis and well-known types import without vendoring", (t) => {
  const dir = writeTempFiles({
    "a/b.proto": [
      'syntax = "proto3";',
      "package a;",
      'import "google/api/annotations.proto";',
      'import "google/api/httpbody.proto";',
      'import "google/rpc/status.proto";',
      'import "google/protobuf/struct.proto";',
      "// A thing.",
      "message A {",
      "  // Its name.",
      "  string some_name = 1;",
      '  int32 other = 2 [json_name = "x"];',
      "  optional string maybe = 3;",
      "  oneof pick { string p1 = 4; google.protobuf.Struct p2 = 5; }",
      "  map<int64, A> kids = 6;",
      "  repeated sint32 packed_nums = 7;",
      "  google.api.HttpBody body = 8;",
      "}",
      "",
    ].join("\n"),
  });
  try {
    const model = buildModel(loadProtos([dir.dir]));
    const message = model.types.messages["a.A"];
    t.is(message?.comment, "A thing.");
    t.deepEqual(message?.fields.map((field) => [field.name, field.jsonName, field.label, field.oneof, field.mapKey, field.packed]), [
      ["some_name", "someName", "singular", undefined, undefined, undefined],
      ["other", "x", "singular", undefined, undefined, undefined],
      ["maybe", "maybe", "optional", undefined, undefined, undefined],
      ["p1", "p1", "singular", "pick", undefined, undefined],
      ["p2", "p2", "singular", "pick", undefined, undefined],
      ["kids", "kids", "map", undefined, "int64", undefined],
      ["packed_nums", "packedNums", "repeated", undefined, undefined, true],
      ["body", "body", "singular", undefined, undefined, undefined],
    ]);
    t.is(message?.fields[0]?.comment, "Its name.");
    t.truthy(model.types.messages["google.rpc.Status"]);
  } finally {
    dir.cleanup();
  }
});

test("defaultJsonName: follows protoc", (t) => {
  t.is(defaultJsonName("page_size"), "pageSize");
  t.is(defaultJsonName("foo_bar_baz"), "fooBarBaz");
  t.is(defaultJsonName("a_1b"), "a1b");
  t.is(defaultJsonName("_x"), "X");
  t.is(defaultJsonName("already"), "already");
});
