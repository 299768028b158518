import type { MetadataPairs, ResponseStream } from "../transport.js";
import { BackendStatusError } from "../transport.js";
import type { CallDispatcher, CallRequest } from "./call.js";
import { GrpcCall } from "./call.js";
import type { DeframeError } from "./deframer.js";
import { Status } from "./grpc-status.js";

interface Queued {
  readonly message: Buffer;
  /** Receive window this message holds until the reader takes it. */
  readonly held: number;
}

interface Waiter {
  resolve(result: IteratorResult<Uint8Array>): void;
  reject(error: BackendStatusError): void;
}

const DONE: IteratorResult<Uint8Array> = { done: true, value: undefined };

/**
 * A server-streaming (or bidi) call whose messages the consumer pulls. Flow control paces the
 * backend: DATA bytes of messages waiting in the queue keep their share of the stream's
 * receive window until the reader takes them, so at most one window of messages waits.
 * Only while the queue is empty does an incomplete message get its window back as it
 * arrives (a message may exceed the window), which adds at most one max message size.
 */
export class ServerStreamCall extends GrpcCall implements ResponseStream, AsyncIterator<Uint8Array> {
  private queue: Queued[] = [];
  private head = 0;
  /** Window held by the incomplete message, received while the queue was not empty. */
  private partialHeld = 0;
  /** Reads waiting for a message, oldest first (for-await has one; a caller may queue more). */
  private waiters: Waiter[] = [];
  /** undefined while the call runs; null after OK. */
  private outcome: BackendStatusError | null | undefined;
  /** The reader left (return()) or saw the error: later reads are done. */
  private finished = false;
  private trailerPairs: MetadataPairs = [];

  /** Without a request message it is a bidi call: the request stream is `requests`. */
  constructor(request: CallRequest, prelude: Buffer, dispatcher: CallDispatcher) {
    super(request, prelude, dispatcher, true);
  }

  get headers(): MetadataPairs {
    return this.responseHeaders ?? [];
  }

  get trailers(): MetadataPairs {
    return this.trailerPairs;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.finished) return Promise.resolve(DONE);
    if (this.head < this.queue.length) return Promise.resolve({ done: false, value: this.take() });
    if (this.outcome !== undefined) return this.settled();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
  }

  /** The consumer left the loop: a call still running is cancelled (RST_STREAM CANCEL). */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.finished = true;
    this.cancel(Status.CANCELLED, "Cancelled on client");
    this.dropQueue();
    return Promise.resolve(DONE);
  }

  protected receive(data: Buffer): DeframeError | undefined {
    let used = 0;
    const error = this.deframer.push(data, (message, bytes) => {
      used += bytes;
      this.hold(bytes);
      this.enqueue(message);
      return true;
    });
    if (error === undefined) this.hold(data.length - used);
    return error;
  }

  protected override cancel(code: number, details: string): void {
    // A local end (cancel, deadline) fails the read at once: queued messages are dropped.
    this.dropQueue();
    super.cancel(code, details);
  }

  protected end(code: number, details: string, statusDetails: Uint8Array | undefined, trailers: MetadataPairs): void {
    if (!this.release()) return;
    this.trailerPairs = trailers;
    this.outcome = code === Status.OK ? null : new BackendStatusError(code, details, statusDetails, this.headers, trailers);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) this.settled().then(waiter.resolve, waiter.reject);
  }

  /** Window for `bytes` of the incomplete message: back now if nothing waits, else held. */
  private hold(bytes: number): void {
    if (bytes <= 0) return;
    if (this.head === this.queue.length) this.connection?.consumed(this.streamId, bytes);
    else this.partialHeld += bytes;
  }

  private enqueue(message: Buffer): void {
    const held = this.partialHeld;
    this.partialHeld = 0;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.connection?.consumed(this.streamId, held);
      waiter.resolve({ done: false, value: message });
      return;
    }
    this.queue.push({ message, held });
  }

  private take(): Buffer {
    const item = this.queue[this.head]!;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      // Nothing waits any more: the incomplete message may come in at full speed.
      this.connection?.consumed(this.streamId, item.held + this.partialHeld);
      this.partialHeld = 0;
    } else {
      if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.connection?.consumed(this.streamId, item.held);
    }
    return item.message;
  }

  private dropQueue(): void {
    this.queue = [];
    this.head = 0;
  }

  private settled(): Promise<IteratorResult<Uint8Array>> {
    const outcome = this.outcome;
    if (outcome === null || outcome === undefined) return Promise.resolve(DONE);
    this.finished = true;
    return Promise.reject(outcome);
  }
}
