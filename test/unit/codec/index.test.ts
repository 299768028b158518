import test from "ava";
import * as codec from "../../../src/codec/index.js";

test("codec index: exports exactly the public surface", (t) => {
  t.deepEqual(Object.keys(codec).sort(), ["CodecError", "DEFAULT_JSON_OPTIONS", "FieldError", "createCodecRegistry", "parseJsonText"]);
});

test("codec index: FieldError and CodecError are distinct typed errors", (t) => {
  const field = new codec.FieldError('unknown field "x"', ["x"]);
  t.is(field.name, "FieldError");
  t.deepEqual(field.path, ["x"]);
  t.false(new codec.CodecError("bad bytes") instanceof codec.FieldError);
});
