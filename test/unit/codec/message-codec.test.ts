import test from "ava";
import { CodecError, DEFAULT_JSON_OPTIONS, FieldError, createCodecRegistry } from "../../../src/codec/index.js";
import { resolveJsonOptions } from "../../../src/codec/message-codec.js";
import { codecs, fixtureTypes } from "./in-support.js";

test("createCodecRegistry: one cached codec per message type", (t) => {
  const registry = codecs();
  const codec = registry.message("intest.Thing");
  t.is(codec.typeName, "intest.Thing");
  t.is(registry.message("intest.Thing"), codec);
});

test("createCodecRegistry: an unknown type is a CodecError", (t) => {
  const error = t.throws(() => codecs().message("intest.Nope"), { instanceOf: CodecError });
  t.is(error?.message, "unknown message type intest.Nope");
});

test("createCodecRegistry: toJson/fieldToJson use the output writers on the bytes we produce", (t) => {
  const codec = createCodecRegistry(fixtureTypes(), { emitUnpopulated: false }).message("intest.Thing");
  const bytes = codec.fromJson({ page_size: 3, leaf: { name: "x" }, tags: ["a"] });
  t.is(codec.toJson(bytes), '{"pageSize":3,"leaf":{"name":"x"},"tags":["a"]}');
  t.is(codec.fieldToJson(["leaf"], bytes), '{"name":"x"}');
});

test("createCodecRegistry: discardUnknown reaches the input side", (t) => {
  t.throws(() => codecs().message("intest.Leaf").fromJson({ bogus: 1 }), { instanceOf: FieldError });
  const codec = codecs({ discardUnknown: true }).message("intest.Leaf");
  t.deepEqual([...codec.fromJson({ bogus: 1, name: "x" })], [0x0a, 1, 0x78]);
});

test("createCodecRegistry: request parts concatenate with protobuf merge (path values win)", (t) => {
  const codec = createCodecRegistry(fixtureTypes(), { emitUnpopulated: false }).message("intest.Thing");
  const body = codec.fromJson({ id: "from-body", leaf: { name: "b", count: 1 } });
  const query = codec.queryToBytes("leaf.count=2", new Set(["id"]));
  const path = codec.fieldFromText(["id"], ["from-path"], "path", "id");
  t.is(codec.toJson(Buffer.concat([body, query, path])), '{"id":"from-path","leaf":{"name":"b","count":"2"}}');
});

test("resolveJsonOptions: fills unset and undefined options from the defaults", (t) => {
  t.deepEqual(resolveJsonOptions(), DEFAULT_JSON_OPTIONS);
  t.deepEqual(resolveJsonOptions({ useProtoNames: true, emitUnpopulated: undefined }), { ...DEFAULT_JSON_OPTIONS, useProtoNames: true });
});
