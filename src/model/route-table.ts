import type { FieldPath } from "./field-path.js";
import type { PathTemplate } from "./path-template.js";
import type { TypeSet } from "./descriptor.js";
import type { ProtoPolicy } from "./policy.js";

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

/** One RPC as the runtime needs it. */
export interface MethodEntry {
  /** `library.v1.LibraryService.GetBook` */
  readonly name: string;
  /** `library.v1.LibraryService` */
  readonly service: string;
  /** gRPC path, `/library.v1.LibraryService/GetBook`. */
  readonly grpcPath: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  /** `NO_SIDE_EFFECTS` / `IDEMPOTENT` from `option idempotency_level`, when set. */
  readonly idempotency?: "NO_SIDE_EFFECTS" | "IDEMPOTENT";
  /** Leading comment of the RPC, for OpenAPI. */
  readonly comment?: string;
  /** Proto file declaring the service. */
  readonly file: string;
  /** Leading comment of the service, for OpenAPI (its tag's description). */
  readonly serviceComment?: string;
  /** protogate policy options from the proto; config rules override them at start-up. */
  readonly policy?: ProtoPolicy;
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
