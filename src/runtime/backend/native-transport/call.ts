import type { MetadataPairs, UnaryRequest, UnaryResponse } from "../transport.js";
import { BackendStatusError } from "../transport.js";
import type { Http2Connection, StreamAbort, StreamHandler } from "./connection.js";
import { H2Code } from "./errors.js";
import { Status, encodeTimeout, percentDecode, statusFromHttp, statusFromReset } from "./grpc-status.js";
import type { HeaderField } from "./hpack.js";
import { HpackWriter } from "./hpack.js";

const GRPC_PREFIX = 5;
// Response keys that are the protocol's, not the application's metadata.
const RESERVED = new Set(["grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-encoding", "grpc-accept-encoding"]);
const MAX_ATTEMPTS = 3;
export const USER_AGENT = "protogate-native/1";

/** Where a call goes to run: the transport picks a connection or queues it. */
export interface CallDispatcher {
  dispatch(call: UnaryCall): void;
  /** The call finished (or gave up) before a connection took it. */
  withdraw(call: UnaryCall): void;
  readonly maxReceiveMessageBytes: number;
}

/**
 * The header block parts that are the same for every call of one method on one
 * backend, pre-encoded once: `:method POST`, `:scheme`, `:path`, `:authority`,
 * `content-type`, `te`, `user-agent` (which tells backends' logs which transport called).
 */
export function encodeMethodPrelude(path: string, scheme: "http" | "https", authority: string): Buffer {
  return new HpackWriter(128)
    .indexed(3)
    .indexed(scheme === "https" ? 7 : 6)
    .literal(":path", path)
    .literal(":authority", authority)
    .literal("content-type", "application/grpc")
    .literal("te", "trailers")
    .literal("user-agent", USER_AGENT)
    .finish();
}

/** One unary call: a StreamHandler on whatever connection runs it, retried when unprocessed. */
export class UnaryCall implements StreamHandler {
  private connection: Http2Connection | undefined;
  private streamId = 0;
  private attempts = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private headers: MetadataPairs | undefined;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private expectedLength = -1;
  private message: Buffer | undefined;
  private readonly onAbortSignal = (): void => this.cancel(Status.CANCELLED, "Cancelled on client");

  constructor(
    private readonly request: UnaryRequest,
    private readonly prelude: Buffer,
    private readonly dispatcher: CallDispatcher,
    private readonly resolve: (response: UnaryResponse) => void,
    private readonly reject: (error: BackendStatusError) => void,
  ) {}

  start(): void {
    const { deadline, signal } = this.request;
    if (signal?.aborted) {
      this.fail(Status.CANCELLED, "Cancelled on client");
      return;
    }
    if (deadline !== undefined) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        this.fail(Status.DEADLINE_EXCEEDED, "Deadline exceeded");
        return;
      }
      this.timer = setTimeout(() => this.cancel(Status.DEADLINE_EXCEEDED, "Deadline exceeded"), remaining);
    }
    signal?.addEventListener("abort", this.onAbortSignal, { once: true });
    this.attempts = 1;
    this.dispatcher.dispatch(this);
  }

  get isDone(): boolean {
    return this.done;
  }

  /** The transport hands the call a connection with room for one more stream. */
  attach(connection: Http2Connection): void {
    this.connection = connection;
    this.streamId = connection.startStream(this, this.headerBlock(), this.body());
  }

  /** No connection could be had (refused, backoff, closed transport). */
  failUnavailable(message: string): void {
    this.fail(Status.UNAVAILABLE, message);
  }

  onHeaders(fields: HeaderField[], endStream: boolean): void {
    if (this.done) return;
    if (this.headers === undefined) {
      let httpStatus = "";
      let contentType = "";
      for (const [name, value] of fields) {
        if (name === ":status") httpStatus = value;
        else if (name === "content-type") contentType = value;
      }
      const grpcStatus = fields.find(([name]) => name === "grpc-status");
      if (httpStatus !== "200" && grpcStatus === undefined) {
        this.abortStream(statusFromHttp(Number(httpStatus)), `Received HTTP status code ${httpStatus}`, endStream);
        return;
      }
      if (!endStream && !contentType.startsWith("application/grpc")) {
        this.abortStream(Status.UNKNOWN, `Received invalid content-type ${JSON.stringify(contentType)}`, false);
        return;
      }
      if (endStream) {
        // Trailers-only: one HEADERS frame carries the status; no response headers.
        this.headers = [];
        this.onTrailers(fields);
        return;
      }
      this.headers = toMetadata(fields);
      return;
    }
    if (!endStream) {
      this.abortStream(Status.INTERNAL, "Received a second HEADERS frame before the trailers", false);
      return;
    }
    this.onTrailers(fields);
  }

  onData(data: Buffer, endStream: boolean): void {
    if (this.done) return;
    if (this.headers === undefined) {
      this.abortStream(Status.INTERNAL, "Received DATA before response headers", endStream);
      return;
    }
    if (data.length > 0) {
      if (this.message !== undefined) {
        this.abortStream(Status.INTERNAL, "Received more than one response message", endStream);
        return;
      }
      this.chunks.push(data);
      this.bufferedBytes += data.length;
      if (!this.readMessage(endStream)) return;
    }
    if (endStream) this.finish(Status.UNKNOWN, "Stream ended without trailers", undefined, []);
  }

  onAbort(abort: StreamAbort): void {
    if (this.done) return;
    this.connection = undefined;
    if (abort.retryable && this.attempts < MAX_ATTEMPTS && this.headers === undefined) {
      // Never processed by the server (GOAWAY, REFUSED_STREAM): run it on another connection.
      this.attempts++;
      this.dispatcher.dispatch(this);
      return;
    }
    const code = abort.resetCode === undefined ? Status.UNAVAILABLE : statusFromReset(abort.resetCode);
    this.fail(code, abort.message);
  }

  /** Parses the length-prefixed message; false when the call ended on a bad one. */
  private readMessage(endStream: boolean): boolean {
    if (this.expectedLength < 0) {
      if (this.bufferedBytes < GRPC_PREFIX) return true;
      const head = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [head];
      if (head[0] !== 0) {
        this.abortStream(Status.INTERNAL, "Received a compressed message, but no compression was negotiated", endStream);
        return false;
      }
      this.expectedLength = head.readUInt32BE(1);
      if (this.expectedLength > this.dispatcher.maxReceiveMessageBytes) {
        this.abortStream(
          Status.RESOURCE_EXHAUSTED,
          `Received message larger than max (${this.expectedLength} vs. ${this.dispatcher.maxReceiveMessageBytes})`,
          endStream,
        );
        return false;
      }
    }
    const total = GRPC_PREFIX + this.expectedLength;
    if (this.bufferedBytes < total) return true;
    if (this.bufferedBytes > total) {
      this.abortStream(Status.INTERNAL, "Received more than one response message", endStream);
      return false;
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, total);
    this.message = all.subarray(GRPC_PREFIX, total);
    this.chunks = [];
    return true;
  }

  private onTrailers(fields: HeaderField[]): void {
    let code: number = Status.UNKNOWN;
    let message = "";
    let statusDetails: Uint8Array | undefined;
    let sawStatus = false;
    for (const [name, value] of fields) {
      if (name === "grpc-status") {
        const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
        code = Number.isInteger(parsed) ? parsed : Status.UNKNOWN;
        sawStatus = true;
      } else if (name === "grpc-message") {
        message = percentDecode(value);
      } else if (name === "grpc-status-details-bin") {
        statusDetails = Buffer.from(value, "base64");
      }
    }
    if (!sawStatus) message = "Received trailers without grpc-status";
    if (code === Status.OK && this.expectedLength >= 0 && this.message === undefined) {
      code = Status.INTERNAL;
      message = "Stream ended in the middle of a message";
    }
    this.finish(code, message, statusDetails, toMetadata(fields));
  }

  private finish(code: number, details: string, statusDetails: Uint8Array | undefined, trailers: MetadataPairs): void {
    const headers = this.headers ?? [];
    if (code === Status.OK) {
      if (this.message === undefined) {
        this.settle(new BackendStatusError(Status.INTERNAL, "backend sent no response message", undefined, headers, trailers));
        return;
      }
      this.settle(undefined, { message: this.message, headers, trailers });
      return;
    }
    this.settle(new BackendStatusError(code, details, statusDetails, headers, trailers));
  }

  /** Ends the call with `code` and resets its stream (unless the peer already ended it). */
  private abortStream(code: number, details: string, remoteEnded: boolean): void {
    if (!remoteEnded) this.connection?.resetStream(this.streamId, H2Code.CANCEL);
    this.fail(code, details);
  }

  private cancel(code: number, details: string): void {
    if (this.done) return;
    this.connection?.resetStream(this.streamId, H2Code.CANCEL);
    this.fail(code, details);
  }

  private fail(code: number, details: string): void {
    this.settle(new BackendStatusError(code, details, undefined, this.headers ?? [], []));
  }

  private settle(error: BackendStatusError | undefined, response?: UnaryResponse): void {
    if (this.done) return;
    this.done = true;
    this.connection = undefined;
    clearTimeout(this.timer);
    this.request.signal?.removeEventListener("abort", this.onAbortSignal);
    this.dispatcher.withdraw(this);
    if (error === undefined && response !== undefined) this.resolve(response);
    else if (error !== undefined) this.reject(error);
  }

  private headerBlock(): Buffer {
    // Per-call literals go without Huffman: it saves a few bytes and costs CPU on every call.
    const writer = new HpackWriter(this.prelude.length + 64 + 64 * this.request.metadata.length, false);
    writer.raw(this.prelude);
    if (this.request.deadline !== undefined) {
      writer.literal("grpc-timeout", encodeTimeout(this.request.deadline - Date.now()));
    }
    for (const [key, value] of this.request.metadata) {
      if (key.endsWith("-bin")) {
        // Binary metadata travels as unpadded base64 (gRPC over HTTP/2).
        const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        writer.literal(key, bytes.toString("base64").replace(/=+$/, ""));
      } else if (typeof value === "string") {
        writer.literal(key, value);
      }
    }
    return writer.view();
  }

  private body(): Buffer {
    const message = this.request.message;
    const body = Buffer.allocUnsafe(GRPC_PREFIX + message.length);
    body[0] = 0;
    body.writeUInt32BE(message.length, 1);
    body.set(message, GRPC_PREFIX);
    return body;
  }
}

/** Response headers or trailers as metadata: no pseudo-headers, no gRPC protocol keys. */
function toMetadata(fields: HeaderField[]): MetadataPairs {
  const pairs: Array<readonly [string, string | Uint8Array]> = [];
  for (const [name, value] of fields) {
    if (name.startsWith(":") || RESERVED.has(name)) continue;
    pairs.push([name, name.endsWith("-bin") ? Buffer.from(value, "base64") : value]);
  }
  return pairs;
}
