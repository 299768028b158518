import type { RequestSink } from "../transport.js";
import type { Http2Connection } from "./connection.js";

const PREFIX = 5;

/**
 * The request side of a client- or bidi-streaming call: messages framed onto the open
 * stream as the peer's flow-control windows allow. A write resolves once what is queued
 * went out, so the caller keeps at most one message waiting for window. Until the call
 * has a connection, messages wait here (the caller's awaits bound that to one as well).
 */
export class RequestWriter implements RequestSink {
  private connection: Http2Connection | undefined;
  private streamId = 0;
  private unsent: Buffer[] = [];
  private endRequested = false;
  private over = false;
  /** Some DATA went out: the server may have seen it, so the call cannot be retried. */
  sent = false;
  private waiters: Array<(open: boolean) => void> = [];

  write(message: Uint8Array): Promise<boolean> {
    if (this.over || this.endRequested) return Promise.resolve(false);
    const framed = Buffer.allocUnsafe(PREFIX + message.length);
    framed[0] = 0;
    framed.writeUInt32BE(message.length, 1);
    framed.set(message, PREFIX);
    if (this.connection === undefined) {
      this.unsent.push(framed);
      return this.waitForRoom();
    }
    this.sent = true;
    const queued = this.connection.sendData(this.streamId, framed, false);
    if (queued < 0) return Promise.resolve(false);
    return queued === 0 ? Promise.resolve(true) : this.waitForRoom();
  }

  end(): void {
    if (this.over || this.endRequested) return;
    this.endRequested = true;
    if (this.connection !== undefined) this.connection.sendData(this.streamId, Buffer.alloc(0), true);
  }

  /** The call's stream is open on `connection`: what waited goes out. */
  attached(connection: Http2Connection, streamId: number): void {
    this.connection = connection;
    this.streamId = streamId;
    const unsent = this.unsent;
    this.unsent = [];
    let queued = 0;
    for (const [i, framed] of unsent.entries()) {
      this.sent = true;
      queued = connection.sendData(streamId, framed, this.endRequested && i === unsent.length - 1);
    }
    if (this.endRequested && unsent.length === 0) queued = connection.sendData(streamId, Buffer.alloc(0), true);
    if (queued <= 0) this.drained();
  }

  /** The stream was lost before the server processed it; a new one may be attached. */
  detached(): void {
    this.connection = undefined;
  }

  /** Everything queued went out. */
  drained(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(!this.over);
  }

  /** The call is over: writes resolve false from now on. */
  close(): void {
    this.over = true;
    this.unsent = [];
    this.drained();
  }

  private waitForRoom(): Promise<boolean> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
