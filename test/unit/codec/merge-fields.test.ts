import test from "ava";
import protobuf from "protobufjs";
import { fileURLToPath } from "node:url";
import { createFieldMerger } from "../../../src/codec/merge-fields.js";
import { loadTypeSet } from "../../helpers/load-types.js";
import { BUNDLED_DIR } from "../../helpers/paths.js";

const FIXTURES = fileURLToPath(new URL("../../../../test/fixtures/e2e/", import.meta.url));
const types = loadTypeSet([FIXTURES]);
const merge = createFieldMerger(types);
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith("google/") ? BUNDLED_DIR + target : FIXTURES + target);
root.loadSync("e2e/v1/echo.proto", { keepCase: true });
const Update = root.lookupType("e2e.v1.UpdateThingRequest");

const encode = (value: Record<string, unknown>): Uint8Array => Update.encode(Update.fromObject(value)).finish();
const decode = (bytes: Uint8Array): Record<string, unknown> =>
  Update.toObject(Update.decode(bytes), { longs: String }) as Record<string, unknown>;

test("merge-fields: two occurrences of a sub-message become one, fields of both kept", (t) => {
  const body = encode({ thing: { i32: 7, nested: { name: "n" }, tags: ["a"] } });
  const path = encode({ thing: { id: "abc", nested: { count: 3 }, tags: ["b"] } });
  // protobufjs alone keeps only the last occurrence: the reason this pass exists.
  t.deepEqual(decode(Buffer.concat([body, path])), { thing: { id: "abc", nested: { count: "3" }, tags: ["b"] } });
  t.deepEqual(decode(merge("e2e.v1.UpdateThingRequest", Buffer.concat([body, path]))), {
    thing: { id: "abc", i32: 7, nested: { name: "n", count: "3" }, tags: ["a", "b"] },
  });
});

test("merge-fields: the later scalar wins, as on the wire", (t) => {
  const merged = merge("e2e.v1.UpdateThingRequest", Buffer.concat([encode({ thing: { id: "body" } }), encode({ thing: { id: "path" } })]));
  t.deepEqual(decode(merged), { thing: { id: "path" } });
});

test("merge-fields: bytes without repeated sub-messages come back unchanged", (t) => {
  const bytes = encode({ thing: { id: "x", nested: { name: "y" } }, update_mask: { paths: ["a"] } });
  t.is(merge("e2e.v1.UpdateThingRequest", bytes), bytes);
});

test("merge-fields: truncated input is a CodecError, not a crash", (t) => {
  const bytes = encode({ thing: { id: "abcdef" } });
  t.throws(() => merge("e2e.v1.UpdateThingRequest", Buffer.concat([bytes, bytes.subarray(0, 4)])), { name: "CodecError" });
});
