import test from "ava";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { loadProtos } from "../../../src/descriptors/load-protos.js";
import { IN_FIXTURE, MessageArbitraries, codecs, decoded, desc, oracle, sortKeys } from "./in-support.js";
import { topLevelFields } from "../../helpers/wire-fields.js";

const THING = "intest.Thing";
const root = loadProtos([IN_FIXTURE]).root;

/** protobufjs's decoder, which REPLACES a sub-message that occurs twice (unlike conformant parsers). */
function protobufjsView(bytes: Uint8Array): unknown {
  const type = root.lookupType(THING);
  return type.toObject(type.decode(bytes), { longs: String, defaults: false });
}

test("mergeParts: body, query and path parts become one message protobufjs reads whole", (t) => {
  const codec = codecs().message(THING);
  const body = codec.fromJson({ leaf: { name: "from-body", count: 1 }, tags: ["a"], tree: { left: { label: "l" } } });
  const query = codec.queryToBytes("tags=b&tree.left.right.label=r&choice.p_leaf.name=n", new Set(["leaf.name"]));
  const path = codec.fieldFromText(["leaf", "name"], ["from-path"], "path", "leaf.name");
  const merged = codec.mergeParts([body, query, path]);
  const expected = {
    leaf: { name: "from-path", count: "1" },
    tags: ["a", "b"],
    tree: { left: { label: "l", right: { label: "r" } } },
    choice: { p_leaf: { name: "n" } },
  };
  t.deepEqual(protobufjsView(merged), expected);
  // A conformant parser reads the same from the plain concatenation and from the merge.
  t.deepEqual(decoded(THING, merged), decoded(THING, Buffer.concat([body, query, path])));
  t.deepEqual(topLevelFields(merged).sort((a, b) => a - b), [8, 9, 10, 13, 13]); // one record per sub-message
});

test("mergeParts: later scalars stay after earlier ones, so they still win", (t) => {
  const codec = codecs().message(THING);
  const merged = codec.mergeParts([codec.fromJson({ id: "a", page_size: 1 }), codec.fieldFromText(["id"], ["b"], "path", "id")]);
  t.deepEqual(protobufjsView(merged), { id: "b", page_size: 1 });
});

test("mergeParts: one part is returned as it is, none is the empty message", (t) => {
  const codec = codecs().message(THING);
  const part = codec.fromJson({ leaf: { name: "x" } });
  t.is(codec.mergeParts([part]), part);
  t.is(codec.mergeParts([]).length, 0);
});

test("queryToBytes: nested parameters of one sub-message are sent as one record", (t) => {
  const bytes = codecs().message(THING).queryToBytes("leaf.name=x&page_size=2&leaf.count=3", new Set());
  t.deepEqual(protobufjsView(bytes), { leaf: { name: "x", count: "3" }, page_size: 2 });
  t.deepEqual(topLevelFields(bytes).sort((a, b) => a - b), [2, 8]);
  t.deepEqual(decoded(THING, bytes), sortKeys({ leaf: { name: "x", count: "3" }, pageSize: 2 }));
});

test("mergeParts: random parts read the same merged as concatenated (oracle)", (t) => {
  const schema = desc(THING);
  const codec = codecs().message(THING);
  fc.assert(
    fc.property(fc.array(new MessageArbitraries(oracle()).message(schema, 3), { minLength: 2, maxLength: 3 }), (messages) => {
      const parts = messages.map((message) => toBinary(schema, message));
      // Compared as the oracle's re-encoding: JSON would choke on Anys merged into nonsense
      // (a type URL from one part, a value from another), which both forms share.
      const reencode = (bytes: Uint8Array): Uint8Array => toBinary(schema, fromBinary(schema, bytes));
      t.deepEqual(reencode(codec.mergeParts(parts)), reencode(Buffer.concat(parts)));
    }),
    { numRuns: 60 },
  );
});
