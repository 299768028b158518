import type { MessageCodec } from "../../codec/index.js";
import type { FieldPath } from "../../model/field-path.js";

/** Response bytes → JSON text: the whole message, or its `response_body` field. */
export function renderResponse(codec: MessageCodec, responseBody: FieldPath | undefined, bytes: Uint8Array): string {
  return responseBody === undefined ? codec.toJson(bytes) : codec.fieldToJson(responseBody, bytes);
}
