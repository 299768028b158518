/**
 * The subset of OpenAPI 3.1 that `compileOpenapi` writes: plain JSON-serialisable data,
 * committed as `generated/openapi.json`. Schemas are JSON Schema 2020-12 (OpenAPI 3.1
 * dialect), so `$ref` may carry a sibling `description` and nullability is `type: [x, "null"]`.
 */

export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean" | "null";

export interface SchemaObject {
  $ref?: string;
  type?: SchemaType | SchemaType[];
  format?: string;
  description?: string;
  pattern?: string;
  contentEncoding?: string;
  enum?: string[];
  items?: SchemaObject;
  properties?: Record<string, SchemaObject>;
  additionalProperties?: SchemaObject | boolean;
  required?: string[];
  oneOf?: SchemaObject[];
}

export interface ParameterObject {
  name: string;
  in: "path" | "query";
  required?: boolean;
  description?: string;
  style?: "simple" | "form" | "deepObject";
  explode?: boolean;
  schema: SchemaObject;
}

export interface MediaTypeObject {
  schema: SchemaObject;
}

export interface RequestBodyObject {
  description?: string;
  content: Record<string, MediaTypeObject>;
}

export interface HeaderObject {
  description: string;
  schema: SchemaObject;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, MediaTypeObject>;
}

/** `{ provider: [scopes] }`; an empty object means "no token needed". */
export type SecurityRequirementObject = Record<string, string[]>;

/** Every auth provider is a JWT bearer scheme (SPEC §7). */
export interface SecuritySchemeObject {
  type: "http";
  scheme: "bearer";
  bearerFormat: "JWT";
  description: string;
}

/** `client`, `server` or `bidi` on streaming RPCs; absent on unary ones. */
export type StreamingKind = "client" | "server" | "bidi";

export interface OperationObject {
  operationId: string;
  tags: string[];
  summary?: string;
  description?: string;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
  security?: SecurityRequirementObject[];
  "x-protogate-rpc": string;
  /** The binding's `google.api.http` path template as written, e.g. `/v1/{name=shelves/*}`. */
  "x-protogate-pattern": string;
  "x-protogate-streaming"?: StreamingKind;
}

/** The HTTP methods OpenAPI 3.1 can name, in the order they are written. */
export const OPENAPI_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type OpenApiMethod = (typeof OPENAPI_METHODS)[number];

export type PathItemObject = { [M in OpenApiMethod]?: OperationObject } & {
  /** Bindings with a `custom` kind OpenAPI has no key for (e.g. `LOCK`), by upper-case method. */
  "x-protogate-custom-methods"?: Record<string, OperationObject>;
};

export interface TagObject {
  name: string;
  description?: string;
}

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  tags: TagObject[];
  paths: Record<string, PathItemObject>;
  components: { schemas: Record<string, SchemaObject>; securitySchemes?: Record<string, SecuritySchemeObject> };
}
