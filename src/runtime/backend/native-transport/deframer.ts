import { Status } from "./grpc-status.js";

const PREFIX = 5;

/** Why a response body cannot be split into messages. */
export interface DeframeError {
  readonly code: number;
  readonly message: string;
}

/**
 * Splits a gRPC response body (DATA payloads, cut anywhere) into length-prefixed messages.
 * It holds at most one incomplete message, which the max message size bounds.
 */
export class MessageDeframer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(private readonly maxMessageBytes: number) {}

  /** True while part of a message has arrived and the rest has not. */
  get inMessage(): boolean {
    return this.buffered > 0;
  }

  /**
   * Calls `onMessage` for each message `data` completes, with how many of `data`'s bytes
   * belonged to it; `onMessage` returns false to stop. The bytes `data` leaves in an
   * incomplete message are `data.length` minus those.
   */
  push(data: Buffer, onMessage: (message: Buffer, bytesOfData: number) => boolean): DeframeError | undefined {
    let offset = 0;
    let messageStart = 0;
    while (offset < data.length) {
      if (this.buffered === 0 && data.length - offset >= PREFIX) {
        // Fast path: a message that starts here; no copy when it is whole in `data`.
        const error = this.readPrefix(data, offset);
        if (error !== undefined) return error;
        const total = PREFIX + this.expected;
        if (data.length - offset < total) {
          this.chunks.push(data.subarray(offset));
          this.buffered = data.length - offset;
          return undefined;
        }
        const message = data.subarray(offset + PREFIX, offset + total);
        offset += total;
        this.expected = -1;
        const used = offset - messageStart;
        messageStart = offset;
        if (!onMessage(message, used)) return undefined;
        continue;
      }
      const need = (this.expected < 0 ? PREFIX : PREFIX + this.expected) - this.buffered;
      const take = Math.min(need, data.length - offset);
      this.chunks.push(data.subarray(offset, offset + take));
      this.buffered += take;
      offset += take;
      if (take < need) return undefined;
      if (this.expected < 0) {
        const head = Buffer.concat(this.chunks, this.buffered);
        this.chunks = [head];
        const error = this.readPrefix(head, 0);
        if (error !== undefined) return error;
        if (this.expected > 0) continue;
      }
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const message = all.subarray(PREFIX, PREFIX + this.expected);
      this.chunks = [];
      this.buffered = 0;
      this.expected = -1;
      const used = offset - messageStart;
      messageStart = offset;
      if (!onMessage(message, used)) return undefined;
    }
    return undefined;
  }

  private readPrefix(bytes: Buffer, offset: number): DeframeError | undefined {
    if (bytes[offset] !== 0) {
      return { code: Status.INTERNAL, message: "Received a compressed message, but no compression was negotiated" };
    }
    const length = bytes.readUInt32BE(offset + 1);
    if (length > this.maxMessageBytes) {
      return { code: Status.RESOURCE_EXHAUSTED, message: `Received message larger than max (${length} vs. ${this.maxMessageBytes})` };
    }
    this.expected = length;
    return undefined;
  }
}
