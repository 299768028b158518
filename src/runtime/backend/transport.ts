/**
 * The seam between the gateway and a gRPC implementation. Everything above this file
 * deals in wire bytes and plain metadata pairs, so a leaner HTTP/2 client can replace
 * @grpc/grpc-js without touching routing, codecs or policies.
 */

/** Metadata as ordered pairs; keys lower-case; values of `-bin` keys are bytes. */
export type MetadataPairs = Array<readonly [key: string, value: string | Uint8Array]>;

/**
 * How a call learns that its client went away: the part of AbortSignal the transports use,
 * so the gateway can pass a plain object instead of an AbortController per request
 * (EventTarget costs microseconds on the hot path). An AbortSignal fits too.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface UnaryRequest {
  /** gRPC path, `/library.v1.LibraryService/GetBook`. */
  readonly path: string;
  /** The serialised request message. */
  readonly message: Uint8Array;
  readonly metadata: MetadataPairs;
  /** Absolute deadline (epoch ms), or undefined for none. */
  readonly deadline: number | undefined;
  /** Aborting cancels the call (a client that went away). */
  readonly signal: CancelSignal | undefined;
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

/** What opens a streaming call: as UnaryRequest, without the message. */
export interface StreamRequest {
  readonly path: string;
  readonly metadata: MetadataPairs;
  readonly deadline: number | undefined;
  /** Aborting cancels the call; a pending read then throws BackendStatusError(CANCELLED). */
  readonly signal: CancelSignal | undefined;
}

export interface ServerStreamRequest extends StreamRequest {
  readonly message: Uint8Array;
}

/**
 * The backend's messages, pulled one at a time: the transport reads (and lets the backend
 * send) only as fast as the consumer iterates, so a slow HTTP client slows the backend
 * instead of filling memory. Iteration ends after an OK status and throws
 * BackendStatusError for any other; leaving the loop early cancels the call.
 */
export interface ResponseStream extends AsyncIterable<Uint8Array> {
  /** Response headers; complete once the first message arrived or iteration ended. */
  readonly headers: MetadataPairs;
  /** Trailers; complete once iteration ended. */
  readonly trailers: MetadataPairs;
}

/** The request side of a client- or bidi-streaming call. */
export interface RequestSink {
  /**
   * Sends one message; resolves when the transport can take the next one (back-pressure).
   * Resolves false once the call is over (its outcome comes from the response side).
   */
  write(message: Uint8Array): Promise<boolean>;
  /** Half-closes: no more messages. */
  end(): void;
}

export interface ClientStreamCall {
  readonly requests: RequestSink;
  /** The one response, or a rejection with BackendStatusError. */
  readonly response: Promise<UnaryResponse>;
}

export interface BidiStreamCall {
  readonly requests: RequestSink;
  readonly responses: ResponseStream;
}

export interface Transport {
  /** Resolves with the response, or rejects with BackendStatusError. */
  unary(request: UnaryRequest): Promise<UnaryResponse>;
  serverStream(request: ServerStreamRequest): ResponseStream;
  clientStream(request: StreamRequest): ClientStreamCall;
  bidiStream(request: StreamRequest): BidiStreamCall;
  close(): void;
}
