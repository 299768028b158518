/**
 * The codec module's only public surface: JSON/text ⇄ protobuf bytes per message type,
 * compiled once from a TypeSet. Everything else in src/codec is internal.
 */
export { createCodecRegistry } from "./message-codec.js";
export type { CodecRegistry, JsonOptions, MessageCodec, TextSource } from "./contract.js";
export { DEFAULT_JSON_OPTIONS } from "./contract.js";
export { CodecError, FieldError } from "./field-error.js";
export { parseJsonText } from "./lossless-json.js";
