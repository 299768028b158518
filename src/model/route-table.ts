import type { FieldPath } from "./field-path.js";
import type { PathTemplate } from "./path-template.js";
import type { TypeSet } from "./descriptor.js";
import type { MethodSignature } from "./proto-model.js";

/**
 * Version of the generated ↔ runtime contract. The runtime refuses any other value, so
 * a stale `generated/` fails at start-up with a message instead of misbehaving.
 */
export const ROUTE_TABLE_FORMAT = 1;

/** One HTTP binding of one RPC. */
export interface RouteEntry {
  /** Upper-case HTTP method (`GET`, `POST`, …, or a custom kind such as `HEAD`). */
  readonly httpMethod: string;
  /** The template as written in the proto, for logs, errors and OpenAPI. */
  readonly pattern: string;
  readonly template: PathTemplate;
  /** Full RPC name, `library.v1.LibraryService.GetBook`. */
  readonly rpc: string;
  /** `"*"`, a field path of the request, or absent for no body. */
  readonly body?: FieldPath | "*";
  /** Field of the response sent as the HTTP body, or absent for the whole message. */
  readonly responseBody?: FieldPath;
}

/** One RPC as the runtime needs it: its signature, copied from the model, and the table's own keys. */
export interface MethodEntry extends MethodSignature {
  /** Full RPC name, `library.v1.LibraryService.GetBook` (the model's `fullName`). */
  readonly name: string;
  /** gRPC path, `/library.v1.LibraryService/GetBook`. */
  readonly grpcPath: string;
  /** Leading comment of the service, for OpenAPI (its tag's description). */
  readonly serviceComment?: string;
}

/** Everything the runtime needs from the protos: the generated artefact. */
export interface RouteTable {
  readonly format: typeof ROUTE_TABLE_FORMAT;
  /** `protogate <version>` that wrote it. */
  readonly generator: string;
  readonly methods: readonly MethodEntry[];
  /** In match-independent declaration order; the matcher orders by specificity. */
  readonly routes: readonly RouteEntry[];
  readonly types: TypeSet;
}
