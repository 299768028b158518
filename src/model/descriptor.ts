/**
 * The shared vocabulary between the generator and the runtime: what a proto API looks
 * like once loaded. Plain, JSON-serialisable, readonly data — the generator writes it
 * into `generated/` and the runtime compiles codecs from it once at start-up.
 */

/** Proto scalar types, spelled as in .proto files. */
export type ScalarType =
  | "double" | "float"
  | "int32" | "uint32" | "sint32" | "fixed32" | "sfixed32"
  | "int64" | "uint64" | "sint64" | "fixed64" | "sfixed64"
  | "bool" | "string" | "bytes";

/** The element type of a field (for maps: the value type). */
export type FieldType =
  | { readonly kind: "scalar"; readonly scalar: ScalarType }
  | { readonly kind: "enum"; readonly typeName: string }
  | { readonly kind: "message"; readonly typeName: string };

/**
 * - `singular`: proto3 implicit presence (or proto2 optional/required: treated alike)
 * - `optional`: proto3 `optional` — explicit presence
 * - `repeated`, `map` (then `mapKey` is set and `type` is the value type)
 */
export type FieldLabel = "singular" | "optional" | "repeated" | "map";

export interface FieldModel {
  /** Proto field name, e.g. `page_size`. */
  readonly name: string;
  /** JSON name, e.g. `pageSize` (or the explicit `json_name`). */
  readonly jsonName: string;
  readonly number: number;
  readonly label: FieldLabel;
  readonly type: FieldType;
  /** Key type when `label === "map"`. */
  readonly mapKey?: ScalarType;
  /** Name of the real (non-synthetic) oneof this field belongs to. */
  readonly oneof?: string;
  /** Repeated scalars: whether the encoder writes them packed. */
  readonly packed?: boolean;
  /** Leading comment in the proto, for OpenAPI. */
  readonly comment?: string;
}

export interface MessageModel {
  /** Fully qualified, no leading dot: `library.v1.Book`. */
  readonly fullName: string;
  readonly fields: readonly FieldModel[];
  /** Proto file that declares it, relative to its proto root. */
  readonly file: string;
  /** Leading comment in the proto, for OpenAPI. */
  readonly comment?: string;
}

export interface EnumValueModel {
  readonly name: string;
  readonly number: number;
}

export interface EnumModel {
  readonly fullName: string;
  readonly values: readonly EnumValueModel[];
  readonly file: string;
  /** Leading comment in the proto, for OpenAPI. */
  readonly comment?: string;
  /** Leading comments of values, by value name (only the commented ones), for OpenAPI. */
  readonly comments?: Readonly<Record<string, string>>;
}

/** Messages and enums by full name: everything a codec needs. */
export interface TypeSet {
  readonly messages: Readonly<Record<string, MessageModel>>;
  readonly enums: Readonly<Record<string, EnumModel>>;
}

/** Well-known types whose JSON form is special (proto3 JSON mapping). */
export const WELL_KNOWN_TYPES = [
  "google.protobuf.Any",
  "google.protobuf.Timestamp",
  "google.protobuf.Duration",
  "google.protobuf.FieldMask",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.NullValue",
  "google.protobuf.Empty",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
  "google.protobuf.Int64Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.UInt32Value",
  "google.protobuf.BoolValue",
  "google.protobuf.StringValue",
  "google.protobuf.BytesValue",
] as const;
export type WellKnownTypeName = (typeof WELL_KNOWN_TYPES)[number];

export const HTTP_BODY_TYPE = "google.api.HttpBody";

/** Wrapper well-known types and the scalar each one wraps (JSON: the bare scalar). */
export const WRAPPER_SCALARS: Readonly<Record<string, ScalarType>> = {
  "google.protobuf.DoubleValue": "double",
  "google.protobuf.FloatValue": "float",
  "google.protobuf.Int64Value": "int64",
  "google.protobuf.UInt64Value": "uint64",
  "google.protobuf.Int32Value": "int32",
  "google.protobuf.UInt32Value": "uint32",
  "google.protobuf.BoolValue": "bool",
  "google.protobuf.StringValue": "string",
  "google.protobuf.BytesValue": "bytes",
};
