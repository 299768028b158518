import type { MessageCodec } from "../../codec/index.js";
import type { FieldPath } from "../../model/field-path.js";

/** Response bytes → JSON text: the whole message, or its `response_body` field. */
export function renderResponse(codec: MessageCodec, responseBody: FieldPath | undefined, bytes: Uint8Array): string {
  return responseBody === undefined ? codec.toJson(bytes) : codec.fieldToJson(responseBody, bytes);
}

/** The same JSON as UTF-8 bytes, for an answer written straight to the socket (the whole message is never a string). */
export function renderResponseBytes(codec: MessageCodec, responseBody: FieldPath | undefined, bytes: Uint8Array): Buffer {
  return responseBody === undefined ? codec.toJsonBytes(bytes) : Buffer.from(codec.fieldToJson(responseBody, bytes));
}
