import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { join } from "node:path";
import { BUNDLED_DIR } from "./demo-paths.js";

/** One entry of google.rpc.BadRequest.field_violations. */
export interface FieldViolation {
  /** Proto field path, e.g. `book.title`. */
  readonly field: string;
  readonly description: string;
}

/** A google.rpc error detail message: its full name and its fields (proto names). */
export interface StatusDetail {
  readonly typeName: "google.rpc.BadRequest" | "google.rpc.ResourceInfo" | "google.rpc.PreconditionFailure";
  readonly value: Readonly<Record<string, unknown>>;
}

/** Name of the binary trailer that carries the full google.rpc.Status. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

let errorRoot: protobuf.Root | undefined;

// Loaded on first use from the same bundled protos the gateway decodes them with.
function rpcTypes(): protobuf.Root {
  if (errorRoot === undefined) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => join(BUNDLED_DIR, target);
    root.loadSync(["google/rpc/status.proto", "google/rpc/error_details.proto"], { keepCase: true });
    errorRoot = root;
  }
  return errorRoot;
}

/** Encodes a google.rpc.Status whose details are packed as Any. */
export function encodeStatus(code: grpc.status, message: string, details: readonly StatusDetail[]): Buffer {
  const root = rpcTypes();
  const anys = details.map((detail) => {
    const type = root.lookupType(detail.typeName);
    return {
      type_url: `type.googleapis.com/${detail.typeName}`,
      value: type.encode(type.fromObject(detail.value)).finish(),
    };
  });
  const status = root.lookupType("google.rpc.Status");
  return Buffer.from(status.encode(status.create({ code, message, details: anys })).finish());
}

/** Decodes a `grpc-status-details-bin` value back into its code, message and details. */
export function decodeStatus(bytes: Uint8Array): {
  code: number;
  message: string;
  details: Array<{ typeName: string; value: Record<string, unknown> }>;
} {
  const root = rpcTypes();
  const status = root.lookupType("google.rpc.Status").decode(bytes);
  const plain = root.lookupType("google.rpc.Status").toObject(status, { longs: String }) as {
    code?: number;
    message?: string;
    details?: Array<{ type_url: string; value: Uint8Array }>;
  };
  return {
    code: plain.code ?? 0,
    message: plain.message ?? "",
    details: (plain.details ?? []).map((any) => {
      const typeName = any.type_url.slice(any.type_url.lastIndexOf("/") + 1);
      const type = root.lookupType(typeName);
      return { typeName, value: type.toObject(type.decode(any.value), { longs: String, enums: String }) };
    }),
  };
}

/**
 * A gRPC error that grpc-js sends as the call's status (it reads `code`, `details`,
 * `metadata`). With details, the trailers also carry the google.rpc.Status.
 */
export class RpcError extends Error {
  override readonly name = "RpcError";
  readonly code: grpc.status;
  readonly details: string;
  readonly metadata: grpc.Metadata;

  constructor(code: grpc.status, message: string, statusDetails: readonly StatusDetail[] = []) {
    super(message);
    this.code = code;
    this.details = message;
    this.metadata = new grpc.Metadata();
    if (statusDetails.length > 0) this.metadata.set(STATUS_DETAILS_KEY, encodeStatus(code, message, statusDetails));
  }
}

/** INVALID_ARGUMENT with a google.rpc.BadRequest listing every violation. */
export function badRequest(message: string, violations: readonly FieldViolation[]): RpcError {
  return new RpcError(grpc.status.INVALID_ARGUMENT, message, [
    { typeName: "google.rpc.BadRequest", value: { field_violations: violations.map((v) => ({ ...v })) } },
  ]);
}

/** NOT_FOUND with a google.rpc.ResourceInfo naming the missing resource. */
export function notFound(resourceType: "Shelf" | "Book" | "BookAsset", resourceName: string): RpcError {
  const noun = resourceType === "BookAsset" ? "asset" : resourceType.toLowerCase();
  const message = `${noun} "${resourceName}" not found`;
  return new RpcError(grpc.status.NOT_FOUND, message, [
    {
      typeName: "google.rpc.ResourceInfo",
      value: { resource_type: `library.v1.${resourceType}`, resource_name: resourceName, description: message },
    },
  ]);
}

/** FAILED_PRECONDITION with a google.rpc.PreconditionFailure. */
export function failedPrecondition(message: string, type: string, subject: string): RpcError {
  return new RpcError(grpc.status.FAILED_PRECONDITION, message, [
    { typeName: "google.rpc.PreconditionFailure", value: { violations: [{ type, subject, description: message }] } },
  ]);
}
