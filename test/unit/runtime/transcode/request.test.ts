import test from "ava";
import { createCodecRegistry } from "../../../../src/codec/index.js";
import { compileRoutes } from "../../../../src/compile/compile-routes.js";
import { buildRequest, compileRequestPlan } from "../../../../src/runtime/transcode/request.js";
import { ECHO_PROTOS } from "../../../helpers/echo-gateway.js";
import { loadProtoModel } from "../../../helpers/load-types.js";

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
