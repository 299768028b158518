import test from "ava";
import { compileOpenapi } from "../../../src/compile/compile-openapi.js";
import { compileRoutes } from "../../../src/compile/compile-routes.js";
import { buildModel } from "../../../src/descriptors/build-model.js";
import { loadProtos } from "../../../src/descriptors/load-protos.js";
import type { EnumModel } from "../../../src/model/descriptor.js";
import { ROUTE_TABLE_FORMAT } from "../../../src/model/route-table.js";
import { writeTempFiles } from "../../helpers/temp-dir.js";

// A proto string through the real loader: service, enum and enum-value comments reach the model, then OpenAPI.
const PROTO = [
  'syntax = "proto3";',
  "package e.v1;",
  'import "google/api/annotations.proto";',
  "// Paints things.",
  "// In colours.",
  "service Colors {",
  '  rpc Paint(PaintRequest) returns (PaintRequest) { option (google.api.http) = { post: "/v1/paint" body: "*" }; }',
  "}",
  "message PaintRequest {",
  "  Color color = 1;",
  "  Shade shade = 2;",
  "}",
  "// A colour of paint.",
  "// Two lines.",
  "enum Color {",
  "  // Not set.",
  "  COLOR_UNSPECIFIED = 0;",
  "  COLOR_RED = 1;",
  "  // Like the sky,",
  "  // on a good day.",
  "  COLOR_BLUE = 2;",
  "}",
  "enum Shade {",
  "  SHADE_UNSPECIFIED = 0;",
  "  SHADE_DARK = 1;",
  "}",
  "",
].join("\n");

function load(): ReturnType<typeof buildModel> {
  const dir = writeTempFiles({ "e/v1/colors.proto": PROTO });
  try {
    return buildModel(loadProtos([dir.dir]));
  } finally {
    dir.cleanup();
  }
}
const model = load();

test("buildModel: an enum keeps its comment and the comments of its commented values", (t) => {
  t.deepEqual(model.types.enums["e.v1.Color"], {
    fullName: "e.v1.Color",
    values: [
      { name: "COLOR_UNSPECIFIED", number: 0 },
      { name: "COLOR_RED", number: 1 },
      { name: "COLOR_BLUE", number: 2 },
    ],
    file: "e/v1/colors.proto",
    comment: "A colour of paint.\nTwo lines.",
    comments: { COLOR_UNSPECIFIED: "Not set.", COLOR_BLUE: "Like the sky,\non a good day." },
  } satisfies EnumModel);
  t.false("comment" in (model.types.enums["e.v1.Shade"] ?? {}));
  t.false("comments" in (model.types.enums["e.v1.Shade"] ?? {}));
});

test("compileOpenapi: enum comments describe the string enum, commented values as a list", (t) => {
  const doc = compileOpenapi(compileRoutes(model, "protogate test"));
  t.deepEqual(doc.components.schemas["e.v1.Color"], {
    type: "string",
    description: "A colour of paint.\nTwo lines.\n\n- `COLOR_UNSPECIFIED`: Not set.\n- `COLOR_BLUE`: Like the sky, on a good day.",
    enum: ["COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_BLUE"],
  });
  t.deepEqual(doc.components.schemas["e.v1.Shade"], { type: "string", enum: ["SHADE_UNSPECIFIED", "SHADE_DARK"] });
});

test("buildModel → compileRoutes: the service comment reaches every MethodEntry of the service", (t) => {
  t.is(model.services[0]?.comment, "Paints things.\nIn colours.");
  t.deepEqual(compileRoutes(model, "protogate test").methods.map((m) => [m.name, m.serviceComment]), [["e.v1.Colors.Paint", "Paints things.\nIn colours."]]);
});

test("compileOpenapi: a service comment is its tag's description; no comment, no description", (t) => {
  const table = compileRoutes(model, "protogate test");
  t.deepEqual(compileOpenapi(table).tags, [{ name: "Colors", description: "Paints things.\nIn colours." }]);
  const bare = { ...table, methods: table.methods.map(({ serviceComment: _, ...m }) => m) };
  t.deepEqual(compileOpenapi(bare).tags, [{ name: "Colors" }]);
});

test("compileOpenapi: value comments alone still describe the enum", (t) => {
  const only: EnumModel = { fullName: "e.v1.Color", file: "x.proto", values: [{ name: "A", number: 0 }], comments: { A: " The first.\n" } };
  const table = compileRoutes(model, "protogate test");
  const doc = compileOpenapi({ ...table, format: ROUTE_TABLE_FORMAT, types: { ...table.types, enums: { ...table.types.enums, "e.v1.Color": only } } });
  t.deepEqual(doc.components.schemas["e.v1.Color"], { type: "string", description: "- `A`: The first.", enum: ["A"] });
});
