import type { FieldPath } from "../model/field-path.js";

/** proto3 JSON options (config `json:`). Defaults: emitUnpopulated true, the rest false. */
export interface JsonOptions {
  /** Emit fields at their default value (protojson EmitUnpopulated semantics). */
  readonly emitUnpopulated: boolean;
  /** Output proto field names instead of json names. */
  readonly useProtoNames: boolean;
  /** Output enum numbers instead of names. */
  readonly enumsAsInts: boolean;
  /** Ignore unknown fields (and unknown enum names) in request bodies instead of a 400. */
  readonly discardUnknown: boolean;
}

export const DEFAULT_JSON_OPTIONS: JsonOptions = {
  emitUnpopulated: true,
  useProtoNames: false,
  enumsAsInts: false,
  discardUnknown: false,
};

/** Where a text value came from, for the error message. */
export type TextSource = "path" | "query";

/**
 * JSON ⇄ protobuf bytes for one message type, built once at start-up. Every method
 * throws FieldError for bad client input (→ 400 naming the field) and CodecError for
 * bytes it cannot render.
 */
export interface MessageCodec {
  readonly typeName: string;
  /** Parsed JSON body → the whole message's bytes. */
  fromJson(json: unknown): Uint8Array;
  /** Parsed JSON value of the field at `path` → bytes of a message with only that field set. */
  fieldFromJson(path: FieldPath, json: unknown): Uint8Array;
  /**
   * Field-mask paths (proto names, relative to the field at `path`) for the keys present
   * in `json`, recursing into sub-message objects; a map or WKT field is one leaf.
   */
  fieldMaskPaths(path: FieldPath, json: unknown): string[];
  /**
   * Path variable or query text values → bytes of a message with the field at `path`
   * set (several values only for repeated fields). `name` is what the client wrote,
   * for errors.
   */
  fieldFromText(path: FieldPath, values: readonly string[], source: TextSource, name: string): Uint8Array;
  /**
   * A binding's path variables, compiled once: the returned function writes `values[i]` to
   * `variables[i]` (one value each, errors as fieldFromText's) into one canonical message,
   * so a request resolves no field and allocates one buffer however many variables it has.
   */
  pathWriter(variables: ReadonlyArray<{ readonly path: FieldPath; readonly name: string }>): (values: readonly string[]) => Uint8Array;
  /**
   * A raw query string (`a=1&b.c=x&labels[k]=v`, still percent-encoded) → bytes. Names
   * may be proto or json names. A parameter that names (or is inside) a field in
   * `bound` (dotted proto paths) is ignored; an unknown one is a FieldError. When
   * `named` is given, the proto name of each top-level field a parameter sets is added
   * to it (PATCH asks whether the client sent the update mask), so no second parse is needed.
   */
  queryToBytes(query: string, bound: ReadonlySet<string>, named?: Set<string>): Uint8Array;
  /**
   * Request parts (body, query and path bytes, in that order) → one message with protobuf
   * merge semantics — later scalars win, repeated fields append, sub-messages merge — in
   * which each singular message field occurs once: protobufjs-based servers
   * (@grpc/proto-loader) replace a repeated sub-message instead of merging it.
   */
  mergeParts(parts: readonly Uint8Array[]): Uint8Array;
  /** Message bytes → JSON text. */
  toJson(bytes: Uint8Array): string;
  /** Message bytes → the same JSON text as UTF-8 bytes (what goes on the wire), without building the string. */
  toJsonBytes(bytes: Uint8Array): Buffer;
  /** Message bytes → JSON text of the field at `path` (response_body). */
  fieldToJson(path: FieldPath, bytes: Uint8Array): string;
}

export interface CodecRegistry {
  /** The codec for a message type; throws CodecError for an unknown type name. */
  message(typeName: string): MessageCodec;
}
