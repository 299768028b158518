import test from "ava";
import { Code, GatewayError } from "../../../../src/runtime/errors/gateway-error.js";

test("GatewayError.from: hides a foreign error's message and stack", (t) => {
  const error = GatewayError.from(new TypeError("secret detail at /srv/app.js:12"));
  t.is(error.code, Code.INTERNAL);
  t.is(error.toJson(), '{"code":13,"message":"internal error","details":[]}');
  t.true(error.cause instanceof TypeError);
});

test("GatewayError.from: keeps a GatewayError as it is", (t) => {
  const original = new GatewayError(Code.NOT_FOUND, "no such book");
  t.is(GatewayError.from(original), original);
});

test("GatewayError: an explicit HTTP status overrides the code's", (t) => {
  const error = new GatewayError(Code.UNIMPLEMENTED, "method not allowed", { httpStatus: 405 });
  t.is(error.httpStatus, 405);
  t.is(new GatewayError(Code.UNIMPLEMENTED, "x").httpStatus, 501);
});

test("GatewayError: details are always present in the JSON", (t) => {
  t.deepEqual(JSON.parse(new GatewayError(Code.ABORTED, "try again").toJson()), {
    code: 10,
    message: "try again",
    details: [],
  });
});
