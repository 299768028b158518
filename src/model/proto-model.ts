import type { TypeSet } from "./descriptor.js";
import type { ProtoPolicy } from "./policy.js";

/** One `google.api.http` rule as written (before validation), with nested additional_bindings. */
export interface RawHttpRule {
  readonly get?: string;
  readonly put?: string;
  readonly post?: string;
  readonly delete?: string;
  readonly patch?: string;
  readonly custom?: { readonly kind?: string; readonly path?: string };
  readonly body?: string;
  readonly response_body?: string;
  readonly selector?: string;
  readonly additional_bindings?: RawHttpRule | readonly RawHttpRule[];
}

/** An RPC's own fields, declared once: the model reads them, the route table (MethodEntry) copies them. */
export interface MethodSignature {
  /** `library.v1.LibraryService` */
  readonly service: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  /** `NO_SIDE_EFFECTS` / `IDEMPOTENT` from `option idempotency_level`, when set. */
  readonly idempotency?: "NO_SIDE_EFFECTS" | "IDEMPOTENT";
  /** Leading comment of the RPC, for OpenAPI. */
  readonly comment?: string;
  /** Proto file declaring the service, relative to its root. */
  readonly file: string;
  /** protogate's own policy options (method over service), when set; config rules override them at start-up. */
  readonly policy?: ProtoPolicy;
}

/** One RPC as read from the protos; only the generator sees the fields beyond its signature. */
export interface MethodModel extends MethodSignature {
  /** `library.v1.LibraryService.GetBook` */
  readonly fullName: string;
  /** `GetBook` */
  readonly name: string;
  /** Line of `rpc Name` in `file`, for errors. */
  readonly line: number;
  readonly httpRule?: RawHttpRule;
}

export interface ServiceModel {
  readonly fullName: string;
  readonly file: string;
  /** Leading comment in the proto, for OpenAPI. */
  readonly comment?: string;
  readonly methods: readonly MethodModel[];
}

/** The protos as the generator sees them: every type, and the services of the user's files. */
export interface ProtoModel {
  readonly types: TypeSet;
  readonly services: readonly ServiceModel[];
}
