import test from "ava";
import { createCodecRegistry } from "../../../../src/codec/index.js";
import type { MethodEntry, RouteEntry } from "../../../../src/model/route-table.js";
import { compileHttpBodyPlan, decodeHttpBody, encodeHttpBody, httpBodyContentType } from "../../../../src/runtime/transcode/http-body.js";
import { loadTypeSet } from "../../../helpers/load-types.js";
import { STREAM_PROTOS } from "../../../helpers/start-stream-backend.js";

const types = loadTypeSet([STREAM_PROTOS]);
const codecs = createCodecRegistry(types, { emitUnpopulated: false, useProtoNames: false, enumsAsInts: false, discardUnknown: false });

function method(requestType: string, responseType: string): MethodEntry {
  return { name: "stream.v1.StreamService.X", service: "stream.v1.StreamService", grpcPath: "/stream.v1.StreamService/X", requestType, responseType, clientStreaming: false, serverStreaming: false, file: "stream/v1/stream.proto" };
}
function route(body?: RouteEntry["body"], responseBody?: RouteEntry["responseBody"]): RouteEntry {
  return { httpMethod: "POST", pattern: "/x", template: { segments: [{ kind: "literal", value: "x" }], variables: [] }, rpc: "stream.v1.StreamService.X", ...(body === undefined ? {} : { body }), ...(responseBody === undefined ? {} : { responseBody }) };
}

const plans: ReadonlyArray<readonly [string, RouteEntry, MethodEntry, { request: number[] | undefined; response: number[] | undefined }]> = [
  ["HttpBody request with body *, HttpBody response", route("*"), method("google.api.HttpBody", "google.api.HttpBody"), { request: [], response: [] }],
  ["a body field of type HttpBody", route(["file"]), method("stream.v1.StoreRequest", "stream.v1.StoreResponse"), { request: [3], response: undefined }],
  ["a body field of another type", route(["name"]), method("stream.v1.StoreRequest", "stream.v1.StoreResponse"), { request: undefined, response: undefined }],
  ["body * on a message that only contains an HttpBody", route("*"), method("stream.v1.StoreRequest", "stream.v1.StoreResponse"), { request: undefined, response: undefined }],
  ["response_body naming an HttpBody field", route(undefined, ["file"]), method("stream.v1.FileRequest", "stream.v1.StoreRequest"), { request: undefined, response: [3] }],
  ["no body, plain JSON", route(), method("stream.v1.FileRequest", "stream.v1.Tick"), { request: undefined, response: undefined }],
];
for (const [title, entry, rpc, expected] of plans) {
  test(`compileHttpBodyPlan: ${title}`, (t) => {
    t.deepEqual(compileHttpBodyPlan(entry, rpc, types), expected);
  });
}

test("encodeHttpBody: the codec reads back content type and data, at the root and in a field", (t) => {
  const data = Buffer.from([0, 255, 10]);
  t.is(codecs.message("google.api.HttpBody").toJson(encodeHttpBody([], "image/png", data)), '{"contentType":"image/png","data":"AP8K"}');
  t.is(codecs.message("stream.v1.StoreRequest").toJson(encodeHttpBody([3], "text/plain", data)), '{"file":{"contentType":"text/plain","data":"AP8K"}}');
  t.is(codecs.message("google.api.HttpBody").toJson(encodeHttpBody([], "", new Uint8Array(0))), "{}");
});

test("encodeHttpBody: a payload over 127 bytes gets a multi-byte length", (t) => {
  const data = Buffer.alloc(300, 7);
  const json = JSON.parse(codecs.message("google.api.HttpBody").toJson(encodeHttpBody([], "a/b", data))) as { data: string };
  t.deepEqual(Buffer.from(json.data, "base64"), data);
});

test("decodeHttpBody: reads what the codec wrote, skipping other fields, in a nested field too", (t) => {
  const root = codecs.message("google.api.HttpBody").fromJson({ contentType: "text/csv", data: "AQID", extensions: [] });
  t.deepEqual(decodeHttpBody([], root), { contentType: "text/csv", data: new Uint8Array([1, 2, 3]) });
  const nested = codecs.message("stream.v1.StoreRequest").fromJson({ name: "n", note: "x", file: { contentType: "a/b", data: "BAU=" } });
  const decoded = decodeHttpBody([3], nested);
  t.is(decoded.contentType, "a/b");
  t.deepEqual([...decoded.data], [4, 5]);
});

test("decodeHttpBody: an absent HttpBody is empty; truncated bytes are an INTERNAL GatewayError", (t) => {
  t.deepEqual(decodeHttpBody([3], codecs.message("stream.v1.StoreRequest").fromJson({ name: "n" })), { contentType: "", data: new Uint8Array(0) });
  const error = t.throws(() => decodeHttpBody([], new Uint8Array([0x12, 0x05, 0x01])));
  t.is(error?.message, "backend sent a malformed google.api.HttpBody");
});

const types_: ReadonlyArray<readonly [string, string]> = [
  ["image/png", "image/png"],
  ["text/plain; charset=utf-8", "text/plain; charset=utf-8"],
  ["", "application/octet-stream"],
  ["bad\r\nheader: x", "application/octet-stream"],
  [" leading-space", "application/octet-stream"],
];
for (const [given, sent] of types_) {
  test(`httpBodyContentType: ${JSON.stringify(given)} is sent as ${JSON.stringify(sent)}`, (t) => {
    t.is(httpBodyContentType(given), sent);
  });
}
