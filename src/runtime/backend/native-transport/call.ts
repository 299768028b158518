import type { MetadataPairs, StreamRequest, UnaryResponse } from "../transport.js";
import { BackendStatusError } from "../transport.js";
import { isTransportHeader } from "../transport-headers.js";
import type { Http2Connection, StreamAbort, StreamHandler } from "./connection.js";
import type { DeframeError } from "./deframer.js";
import { MessageDeframer } from "./deframer.js";
import { H2Code } from "./errors.js";
import { Status, encodeTimeout, percentDecode, statusFromHttp, statusFromReset } from "./grpc-status.js";
import type { HeaderField } from "./hpack.js";
import { HpackWriter } from "./hpack.js";
import { RequestWriter } from "./request-writer.js";

const GRPC_PREFIX = 5;
const MAX_ATTEMPTS = 3;
const MORE_THAN_ONE: DeframeError = { code: Status.INTERNAL, message: "Received more than one response message" };
export const USER_AGENT = "protogate-native/1";
/**
 * Every call's header block is written here: startStream copies the block into the
 * connection's frames before it returns, so one writer serves all calls (no buffer per call).
 */
const BLOCK_WRITER = new HpackWriter(1024, false);

/** A call's request: one message, or (without one) a request stream written through `requests`. */
export interface CallRequest extends StreamRequest {
  readonly message?: Uint8Array;
}

/** Where a call goes to run: the transport picks a connection or queues it. */
export interface CallDispatcher {
  dispatch(call: GrpcCall): void;
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

/**
 * What every call shares, whatever it does with the response: deadline and cancel signal,
 * dispatch and retry of unprocessed streams, the request's header block and message (or
 * request stream), response header checks, trailers parsing. A subclass says what a
 * response message and the end of the call mean.
 */
export abstract class GrpcCall implements StreamHandler {
  protected connection: Http2Connection | undefined;
  protected streamId = 0;
  protected responseHeaders: MetadataPairs | undefined;
  protected readonly deframer: MessageDeframer;
  /** The request stream, for a call opened without a message. */
  readonly requests: RequestWriter | undefined;
  private attempts = 0;
  private done = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbortSignal = (): void => this.cancel(Status.CANCELLED, "Cancelled on client");

  constructor(
    private readonly request: CallRequest,
    private readonly prelude: Buffer,
    private readonly dispatcher: CallDispatcher,
    /** The stream's receive window is returned as the call consumes (see Http2Connection.consumed). */
    private readonly pulled: boolean,
  ) {
    this.deframer = new MessageDeframer(dispatcher.maxReceiveMessageBytes);
    this.requests = request.message === undefined ? new RequestWriter() : undefined;
  }

  /** Ended (answered, failed or cancelled): a queue holding it skips it. */
  get isOver(): boolean {
    return this.done;
  }

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

  /** The transport hands the call a connection with room for one more stream. */
  attach(connection: Http2Connection): void {
    this.connection = connection;
    this.streamId = connection.startStream(this, this.headerBlock(), this.body(), this.pulled);
    this.requests?.attached(connection, this.streamId);
  }

  onDrained(): void {
    this.requests?.drained();
  }

  /** No connection could be had (refused, backoff, closed transport). */
  failUnavailable(message: string): void {
    this.fail(Status.UNAVAILABLE, message);
  }

  onHeaders(fields: HeaderField[], endStream: boolean): void {
    if (this.done) return;
    if (this.responseHeaders === undefined) {
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
        this.responseHeaders = [];
        this.onTrailers(fields);
        return;
      }
      this.responseHeaders = toMetadata(fields);
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
    if (this.responseHeaders === undefined) {
      this.abortStream(Status.INTERNAL, "Received DATA before response headers", endStream);
      return;
    }
    if (data.length > 0) {
      const error = this.receive(data);
      if (error !== undefined) {
        this.abortStream(error.code, error.message, endStream);
        return;
      }
      if (this.done) return;
    }
    if (endStream) this.end(Status.UNKNOWN, "Stream ended without trailers", undefined, []);
  }

  onAbort(abort: StreamAbort): void {
    if (this.done) return;
    this.connection = undefined;
    const resendable = this.requests === undefined || !this.requests.sent;
    if (abort.retryable && this.attempts < MAX_ATTEMPTS && this.responseHeaders === undefined && resendable) {
      // Never processed by the server (GOAWAY, REFUSED_STREAM): run it on another connection.
      this.attempts++;
      this.requests?.detached();
      this.dispatcher.dispatch(this);
      return;
    }
    const code = abort.resetCode === undefined ? Status.UNAVAILABLE : statusFromReset(abort.resetCode);
    this.fail(code, abort.message);
  }

  /** Feeds response bytes to the deframer; an error ends the call. */
  protected abstract receive(data: Buffer): DeframeError | undefined;

  /** The call's outcome: trailers, a local failure or a lost stream. Subclasses call release(). */
  protected abstract end(code: number, details: string, statusDetails: Uint8Array | undefined, trailers: MetadataPairs): void;

  /** Ends the call with `code` and resets its stream (unless the peer already ended it). */
  protected abortStream(code: number, details: string, remoteEnded: boolean): void {
    if (!remoteEnded) this.connection?.resetStream(this.streamId, H2Code.CANCEL);
    this.fail(code, details);
  }

  protected cancel(code: number, details: string): void {
    if (this.done) return;
    this.connection?.resetStream(this.streamId, H2Code.CANCEL);
    this.fail(code, details);
  }

  /** Marks the call over and lets go of its timer and signal listener (a queue skips it). */
  protected release(): boolean {
    if (this.done) return false;
    this.done = true;
    this.connection = undefined;
    clearTimeout(this.timer);
    this.request.signal?.removeEventListener("abort", this.onAbortSignal);
    this.requests?.close();
    return true;
  }

  private fail(code: number, details: string): void {
    this.end(code, details, undefined, []);
  }

  private onTrailers(fields: HeaderField[]): void {
    const status = statusFromTrailers(fields);
    if (status.code === Status.OK && this.deframer.inMessage) {
      this.end(Status.INTERNAL, "Stream ended in the middle of a message", undefined, toMetadata(fields));
      return;
    }
    this.end(status.code, status.details, status.statusDetails, toMetadata(fields));
  }

  private headerBlock(): Buffer {
    // Per-call literals go without Huffman: it saves a few bytes and costs CPU on every call.
    const writer = BLOCK_WRITER.reset();
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

  private body(): Buffer | undefined {
    const message = this.request.message;
    if (message === undefined) return undefined;
    const body = Buffer.allocUnsafe(GRPC_PREFIX + message.length);
    body[0] = 0;
    body.writeUInt32BE(message.length, 1);
    body.set(message, GRPC_PREFIX);
    return body;
  }
}

/**
 * A call with one response message (unary, or client streaming when opened without a
 * request message): a StreamHandler on whatever connection runs it, retried when unprocessed.
 */
export class UnaryCall extends GrpcCall {
  private message: Buffer | undefined;

  constructor(
    request: CallRequest,
    prelude: Buffer,
    dispatcher: CallDispatcher,
    private readonly resolve: (response: UnaryResponse) => void,
    private readonly reject: (error: BackendStatusError) => void,
  ) {
    super(request, prelude, dispatcher, false);
  }

  protected receive(data: Buffer): DeframeError | undefined {
    let extra = this.message !== undefined;
    const error = extra
      ? undefined
      : this.deframer.push(data, (message) => {
          extra = this.message !== undefined;
          if (!extra) this.message = message;
          return !extra;
        });
    // Bytes after the one message, whole or not, are a second message.
    if (error === undefined && (extra || (this.message !== undefined && this.deframer.inMessage))) return MORE_THAN_ONE;
    return error;
  }

  protected end(code: number, details: string, statusDetails: Uint8Array | undefined, trailers: MetadataPairs): void {
    const headers = this.responseHeaders ?? [];
    const message = this.message;
    if (!this.release()) return;
    if (code !== Status.OK) {
      this.reject(new BackendStatusError(code, details, statusDetails, headers, trailers));
    } else if (message === undefined) {
      this.reject(new BackendStatusError(Status.INTERNAL, "backend sent no response message", undefined, headers, trailers));
    } else {
      this.resolve({ message, headers, trailers });
    }
  }
}

/** The status a call's trailers (or trailers-only response) carry. */
export function statusFromTrailers(fields: HeaderField[]): { code: number; details: string; statusDetails: Uint8Array | undefined } {
  let code: number = Status.UNKNOWN;
  let details = "";
  let statusDetails: Uint8Array | undefined;
  let sawStatus = false;
  for (const [name, value] of fields) {
    if (name === "grpc-status") {
      const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
      code = Number.isInteger(parsed) ? parsed : Status.UNKNOWN;
      sawStatus = true;
    } else if (name === "grpc-message") {
      details = percentDecode(value);
    } else if (name === "grpc-status-details-bin") {
      statusDetails = Buffer.from(value, "base64");
    }
  }
  if (!sawStatus) details = "Received trailers without grpc-status";
  return { code, details, statusDetails };
}

/** Response headers or trailers as application metadata: no pseudo-headers, protocol or transport keys. */
function toMetadata(fields: HeaderField[]): MetadataPairs {
  const pairs: Array<readonly [string, string | Uint8Array]> = [];
  for (const [name, value] of fields) {
    if (isTransportHeader(name)) continue;
    pairs.push([name, name.endsWith("-bin") ? Buffer.from(value, "base64") : value]);
  }
  return pairs;
}
