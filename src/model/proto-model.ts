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

export interface MethodModel {
  /** `library.v1.LibraryService.GetBook` */
  readonly fullName: string;
  readonly name: string;
  readonly service: string;
  readonly requestType: string;
  readonly responseType: string;
  readonly clientStreaming: boolean;
  readonly serverStreaming: boolean;
  readonly idempotency?: "NO_SIDE_EFFECTS" | "IDEMPOTENT";
  readonly comment?: string;
  /** Proto file relative to its root, and the line of `rpc Name`. */
  readonly file: string;
  readonly line: number;
  readonly httpRule?: RawHttpRule;
  /** protogate's own policy options (method over service), when set. */
  readonly policy?: ProtoPolicy;
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
