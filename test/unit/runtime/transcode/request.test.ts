import test from "ava";
import { createCodecRegistry } from "../../../../src/codec/index.js";
import { compileRoutes } from "../../../../src/compile/compile-routes.js";
import { buildRequest, compileRequestPlan } from "../../../../src/runtime/transcode/request.js";
import { ECHO_PROTOS } from "../../../helpers/echo-gateway.js";
import { loadProtoModel } from "../../../helpers/load-types.js";
import { topLevelFields } from "../../../helpers/wire-fields.js";

// The echo fixture's PATCH /v1/things/{thing.id} (body "thing"; UpdateThingRequest has update_mask).
const table = compileRoutes(loadProtoModel([ECHO_PROTOS]), "protogate test");
const codecs = createCodecRegistry(table.types, { emitUnpopulated: false });
const patch = table.routes.find((route) => route.httpMethod === "PATCH")!;
const codec = codecs.message("e2e.v1.UpdateThingRequest");
const plan = compileRequestPlan(patch, codec, table.types);

/** The request as JSON for path value "abc", `query` and `body`. */
const request = (query: string, body: unknown): unknown => JSON.parse(codec.toJson(buildRequest(plan, ["abc"], query, body)));

test("compileRequestPlan: a PATCH with a body field gets an auto mask on update_mask", (t) => {
  t.is(plan.autoMask, "update_mask");
});

test("buildRequest: PATCH without a mask in the query fills it from the body's keys", (t) => {
  t.deepEqual(request("", { i32: 1, nested: { name: "x" } }), { thing: { id: "abc", i32: 1, nested: { name: "x" } }, updateMask: "i32,nested.name" });
  // thing.i32 is inside the body field, so the query names no mask: still filled.
  t.deepEqual(request("thing.i32=9", { flag: true }), { thing: { id: "abc", flag: true }, updateMask: "flag" });
});

const sent: ReadonlyArray<readonly [string, string]> = [
  ["update_mask=i32", "i32"],
  ["updateMask=i32", "i32"],
  ["update_mask.paths=i32&update_mask.paths=flag", "i32,flag"],
  ["update_mask=", ""], // an empty mask sent is still the client's mask
];
for (const [query, mask] of sent) {
  test(`buildRequest: PATCH keeps the mask sent as ${JSON.stringify(query)}`, (t) => {
    t.deepEqual(request(query, { i32: 1, flag: true, nested: { name: "x" } }), {
      thing: { id: "abc", i32: 1, flag: true, nested: { name: "x" } },
      updateMask: mask,
    });
  });
}

// PUT /v1/things/{id}/nested, body "nested": the path sets the scalar `id`, the body the message `nested`.
const put = table.routes.find((route) => route.httpMethod === "PUT")!;
const thing = codecs.message("e2e.v1.Thing");
const putPlan = compileRequestPlan(put, thing, table.types);

test("buildRequest: parts on different top-level fields are put side by side, which is their merge", (t) => {
  t.true(putPlan.disjointParts);
  const body = { name: "x" };
  const bytes = buildRequest(putPlan, ["abc"], "i32=3&id=zzz", body);
  const parts = [thing.fieldFromJson(["nested"], body), thing.queryToBytes("i32=3&id=zzz", putPlan.boundFields), thing.fieldFromText(["id"], ["abc"], "path", "id")];
  t.deepEqual(Buffer.from(bytes), Buffer.concat(parts));
  t.deepEqual(Buffer.from(bytes), Buffer.from(thing.mergeParts(parts)));
  t.deepEqual(JSON.parse(thing.toJson(bytes)), { id: "abc", i32: 3, nested: { name: "x" } });
});

test("compileRequestPlan: parts that can meet in one field are merged (nested variables, body *)", (t) => {
  t.false(plan.disjointParts, "PATCH /v1/things/{thing.id} with body thing: both parts set `thing`");
  const nested = table.routes.find((route) => route.pattern === "/v1/nested/{nested.name}/things/{id}")!;
  t.false(compileRequestPlan(nested, thing, table.types).disjointParts);
  const star = table.routes.find((route) => route.httpMethod === "POST" && route.pattern === "/v1/things")!;
  t.false(compileRequestPlan(star, thing, table.types).disjointParts);
  // The path's thing.id and the body's thing arrive as one `thing` (field 1), and the mask (2) once.
  t.deepEqual(topLevelFields(buildRequest(plan, ["abc"], "", { i32: 1 })).sort(), [1, 2]);
});

test("pathWriter: variables under one parent arrive as one record of it; each variable's errors name it", (t) => {
  const write = thing.pathWriter([
    { path: ["nested", "name"], name: "nested.name" },
    { path: ["id"], name: "id" },
    { path: ["nested", "child", "count"], name: "nested.child.count" },
  ]);
  const bytes = write(["n", "abc", "7"]);
  // nested (13) once, though two variables set fields in it: protobufjs servers would keep only the last.
  t.deepEqual(topLevelFields(bytes).sort((a, b) => a - b), [1, 13]);
  t.deepEqual(JSON.parse(thing.toJson(bytes)), { id: "abc", nested: { name: "n", child: { count: "7" } } });
  const error = t.throws(() => write(["n", "abc", "seven"]));
  t.regex(error?.message ?? "", /path variable "nested\.child\.count"/);
  t.throws(() => thing.pathWriter([{ path: ["labels"], name: "labels" }])(["x"]), { message: /map field/ });
});
