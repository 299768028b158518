/**
 * The seam between the gateway and a gRPC implementation. Everything above this file
 * deals in wire bytes and plain metadata pairs, so a leaner HTTP/2 client can replace
 * @grpc/grpc-js without touching routing, codecs or policies.
 */

/** Metadata as ordered pairs; keys lower-case; values of `-bin` keys are bytes. */
export type MetadataPairs = Array<readonly [key: string, value: string | Uint8Array]>;

export interface UnaryRequest {
  /** gRPC path, `/library.v1.LibraryService/GetBook`. */
  readonly path: string;
  /** The serialised request message. */
  readonly message: Uint8Array;
  readonly metadata: MetadataPairs;
  /** Absolute deadline (epoch ms), or undefined for none. */
  readonly deadline: number | undefined;
  /** Aborting cancels the call (a client that went away). */
  readonly signal: AbortSignal | undefined;
}

export interface UnaryResponse {
  readonly message: Uint8Array;
  readonly headers: MetadataPairs;
  readonly trailers: MetadataPairs;
}

/** A call that ended with a non-OK status. */
export class BackendStatusError extends Error {
  override name = "BackendStatusError";
  constructor(
    readonly code: number,
    readonly details: string,
    /** `grpc-status-details-bin`: a serialised google.rpc.Status, when the backend sent one. */
    readonly statusDetails: Uint8Array | undefined,
    readonly headers: MetadataPairs,
    readonly trailers: MetadataPairs,
  ) {
    super(details);
  }
}

export interface Transport {
  /** Resolves with the response, or rejects with BackendStatusError. */
  unary(request: UnaryRequest): Promise<UnaryResponse>;
  close(): void;
}
