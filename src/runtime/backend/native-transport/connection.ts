import type { Socket } from "node:net";
import { H2Code, Http2ProtocolError } from "./errors.js";
import type { Frame } from "./frames.js";
import {
  CONNECTION_PREFACE,
  DEFAULT_MAX_FRAME_SIZE,
  EMPTY,
  FRAME_HEADER_SIZE,
  Flag,
  FrameParser,
  FrameType,
  MAX_WINDOW,
  Setting,
  decodeSettings,
  encodeGoaway,
  encodeRstStream,
  encodeSettings,
  encodeWindowUpdate,
  unpaddedPayload,
  writeFrameHeader,
} from "./frames.js";
import type { HeaderField } from "./hpack.js";
import { HpackDecoder } from "./hpack.js";
import { StreamTable } from "./stream-table.js";

/** Why a stream ended without its END_STREAM. */
export interface StreamAbort {
  /** The peer's RST_STREAM code, or undefined when the connection went away. */
  readonly resetCode: number | undefined;
  /** The server never processed the stream (GOAWAY above it, REFUSED_STREAM): safe to retry. */
  readonly retryable: boolean;
  readonly message: string;
}

/** The receiving side of one stream; the connection calls exactly one of the end events. */
export interface StreamHandler {
  onHeaders(fields: HeaderField[], endStream: boolean): void;
  onData(data: Buffer, endStream: boolean): void;
  onAbort(abort: StreamAbort): void;
  /** Everything queued by sendData went out (the peer's window opened). */
  onDrained?(): void;
}

export interface ConnectionOptions {
  /** Sends PING after this much idle time while streams are open. */
  readonly keepaliveMs: number;
  /** Closes the connection when a PING is not answered in time. */
  readonly keepaliveTimeoutMs: number;
  /** The connection accepts no more streams (GOAWAY, closed, ids used up). */
  readonly onUnusable: (connection: Http2Connection) => void;
  /** A stream ended: a queued call may start. */
  readonly onStreamClosed: (connection: Http2Connection) => void;
}

// Our receive windows: generous, since a unary call bounds what it buffers by the max message
// size, and a pulled (streaming) call holds back the window of what its reader has not taken.
const STREAM_WINDOW = 4 * 1024 * 1024;
const CONNECTION_WINDOW = 16 * 1024 * 1024;
const MAX_HEADER_LIST_SIZE = 256 * 1024;
const DEFAULT_WINDOW = 65_535;
// About eight unary calls (HEADERS + DATA each) per socket write.
const WRITES_PER_FLUSH = 16;
// Frames are written into slabs of this size; a bigger frame gets a slab of its own.
const SLAB_SIZE = 64 * 1024;
const PING_PAYLOAD = Buffer.alloc(8);
// Stream ids are 31 bits; stop a little short and let a new connection take over.
const LAST_STREAM_ID = 2 ** 31 - 101;

class OutboundStream {
  sendWindow: number;
  recvWindow = STREAM_WINDOW;
  recvUnacked = 0;
  /** DATA waiting for window, in order. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** END_STREAM goes out with the last pending byte (or alone). */
  endQueued = false;
  localEnded = false;
  constructor(
    readonly id: number,
    readonly handler: StreamHandler,
    initialWindow: number,
    /** The window comes back only through consumed(): the reader paces the peer. */
    readonly pulled: boolean,
  ) {
    this.sendWindow = initialWindow;
  }
}

/**
 * One HTTP/2 client connection over a connected socket (RFC 9113): preface and SETTINGS,
 * flow control both ways, PING keep-alive, GOAWAY and RST_STREAM. It knows nothing of
 * gRPC; calls see it through StreamHandler.
 */
export class Http2Connection {
  private readonly streams = new StreamTable<OutboundStream>();
  private readonly parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
  private readonly decoder = new HpackDecoder(4096, MAX_HEADER_LIST_SIZE);
  private nextStreamId = 1;
  private peerMaxConcurrent = Number.POSITIVE_INFINITY;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  private sendWindow = DEFAULT_WINDOW;
  private recvWindow = CONNECTION_WINDOW;
  private recvUnacked = 0;
  /** Streams waiting for connection window, in arrival order. */
  private blocked: OutboundStream[] = [];
  private goawayReceived = false;
  private closed = false;
  /**
   * Outgoing frames are copied into a slab as they are made, and what accumulated goes to the
   * socket as one Buffer per flush: one socket.write per flush instead of one per frame, and
   * no Buffer per frame. Bytes handed to the socket are never written again (the socket may
   * still hold them): a full slab is replaced, not reused.
   */
  private slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
  /** The first slab byte not yet handed to the socket, and the end of what is written. */
  private slabFlushed = 0;
  private slabEnd = 0;
  private flushScheduled = false;
  /** Frames written since the last flush. */
  private unflushedFrames = 0;
  /** A header block spread over CONTINUATION frames. */
  private continuation: { streamId: number; endStream: boolean; fragments: Buffer[]; size: number } | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingTimeout: NodeJS.Timeout | undefined;
  private readSinceLastPing = false;

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    socket.setNoDelay(true);
    this.write(CONNECTION_PREFACE);
    this.write(
      encodeSettings([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_SIZE],
      ]),
    );
    this.write(encodeWindowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW));
    socket.on("data", (chunk: Buffer) => this.onSocketData(chunk));
    socket.on("error", () => this.destroy("connection error"));
    socket.on("close", () => this.destroy("connection closed"));
    this.keepaliveTimer = setInterval(() => this.keepalive(), options.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  /** True while a new stream can start right now. */
  get canOpenStream(): boolean {
    return this.isUsable && this.streams.size < this.peerMaxConcurrent;
  }

  /** False once the connection takes no new streams at all. */
  get isUsable(): boolean {
    return !this.closed && !this.goawayReceived && this.nextStreamId <= LAST_STREAM_ID;
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  /**
   * Opens a stream: HEADERS with `headerBlock`, then `body` as DATA with END_STREAM
   * (sent as the peer's windows allow); with no body the request side stays open for
   * sendData(). Returns the stream id. A `pulled` stream's receive window is returned
   * only as its handler reports bytes consumed(). `headerBlock` is copied into the frames
   * before this returns: callers may reuse its buffer (GrpcCall writes every block into one).
   */
  startStream(handler: StreamHandler, headerBlock: Buffer, body: Buffer | undefined, pulled = false): number {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new OutboundStream(id, handler, this.peerInitialWindow, pulled);
    this.streams.set(id, stream);
    this.writeHeaders(id, headerBlock, body?.length === 0);
    if (body?.length === 0) {
      stream.localEnded = true;
    } else if (body !== undefined) {
      stream.endQueued = true;
      this.queueData(stream, body);
    }
    if (this.nextStreamId > LAST_STREAM_ID) this.options.onUnusable(this);
    return id;
  }

  /**
   * Queues request DATA on an open stream, END_STREAM with `end`; sent as the peer's windows
   * allow. Returns the bytes still queued afterwards (the handler hears onDrained at 0),
   * or -1 when the stream is gone.
   */
  sendData(id: number, data: Buffer, end: boolean): number {
    const stream = this.streams.get(id);
    if (stream === undefined || stream.endQueued) return -1;
    if (end) stream.endQueued = true;
    this.queueData(stream, data);
    return stream.pendingBytes;
  }

  /** A pulled stream's reader is done with `bytes` of DATA: the peer may send that much more. */
  consumed(id: number, bytes: number): void {
    const stream = this.streams.get(id);
    if (stream === undefined || bytes <= 0) return;
    this.creditStream(stream, bytes);
  }

  /** Ends a stream of ours with RST_STREAM (cancel, deadline, a bad response). */
  resetStream(id: number, code: number): void {
    const stream = this.streams.get(id);
    if (stream === undefined) return;
    this.write(encodeRstStream(id, code));
    this.removeStream(stream);
  }

  /** Closes the connection now; open streams are aborted. */
  close(): void {
    if (this.closed) return;
    this.write(encodeGoaway(0, H2Code.NO_ERROR));
    this.flush();
    this.socket.end();
    this.destroy("transport closed", true);
  }

  private writeHeaders(id: number, block: Buffer, endStream: boolean): void {
    const max = this.peerMaxFrameSize;
    const first = block.subarray(0, max);
    const last = first.length === block.length;
    this.writeFrame(FrameType.HEADERS, (last ? Flag.END_HEADERS : 0) | (endStream ? Flag.END_STREAM : 0), id, first);
    for (let offset = max; offset < block.length; offset += max) {
      const fragment = block.subarray(offset, offset + max);
      this.writeFrame(FrameType.CONTINUATION, offset + max >= block.length ? Flag.END_HEADERS : 0, id, fragment);
    }
  }

  private queueData(stream: OutboundStream, data: Buffer): void {
    if (data.length > 0) {
      stream.pending.push(data);
      stream.pendingBytes += data.length;
    }
    this.flushStream(stream);
  }

  private flushStream(stream: OutboundStream): void {
    const pending = stream.pending;
    const hadPending = stream.pendingBytes > 0;
    while (pending.length > 0) {
      const head = pending[0]!;
      const size = Math.min(head.length, stream.sendWindow, this.sendWindow, this.peerMaxFrameSize);
      if (size <= 0) {
        // Waiting for a WINDOW_UPDATE: on the connection's list when that is the limit.
        if (this.sendWindow <= 0 && !this.blocked.includes(stream)) this.blocked.push(stream);
        break;
      }
      const whole = size === head.length;
      const end = whole && pending.length === 1 && stream.endQueued;
      this.writeFrame(FrameType.DATA, end ? Flag.END_STREAM : 0, stream.id, whole ? head : head.subarray(0, size));
      stream.sendWindow -= size;
      this.sendWindow -= size;
      stream.pendingBytes -= size;
      if (whole) pending.shift();
      else pending[0] = head.subarray(size);
      if (end) stream.localEnded = true;
    }
    if (pending.length === 0 && stream.endQueued && !stream.localEnded) {
      // A half-close with nothing left to send: an empty DATA frame needs no window.
      this.writeFrame(FrameType.DATA, Flag.END_STREAM, stream.id, EMPTY);
      stream.localEnded = true;
    }
    if (hadPending && stream.pendingBytes === 0) stream.handler.onDrained?.();
  }

  /** One frame, its header and payload copied straight into the slab. */
  private writeFrame(type: number, flags: number, streamId: number, payload: Uint8Array): void {
    if (this.closed) return;
    const at = this.reserve(FRAME_HEADER_SIZE + payload.length);
    writeFrameHeader(this.slab, at, payload.length, type, flags, streamId);
    this.slab.set(payload, at + FRAME_HEADER_SIZE);
    this.wrote();
  }

  /** Bytes already framed (the preface, SETTINGS, control frames). */
  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    this.slab.set(bytes, this.reserve(bytes.length));
    this.wrote();
  }

  /** Room for `length` more bytes in the slab; returns where they go. */
  private reserve(length: number): number {
    if (this.slabEnd + length > this.slab.length) {
      this.flush();
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, length));
      this.slabFlushed = 0;
      this.slabEnd = 0;
    }
    const at = this.slabEnd;
    this.slabEnd += length;
    return at;
  }

  private wrote(): void {
    // Coalesce the frames of one event-loop turn into few writes: under load the calls of
    // the HTTP requests read in this poll phase share syscalls. A long turn still flushes
    // every WRITES_PER_FLUSH frames, so the backend starts on the first calls while the
    // gateway parses the rest; holding a whole wave until the turn ended left both sides idle
    // in turn (bench/README.md, "flush in the turn").
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    if (++this.unflushedFrames >= WRITES_PER_FLUSH) this.flush();
  }

  private flush(): void {
    this.unflushedFrames = 0;
    if (this.slabEnd === this.slabFlushed || this.socket.destroyed) return;
    this.socket.write(this.slab.subarray(this.slabFlushed, this.slabEnd));
    this.slabFlushed = this.slabEnd;
  }

  private onSocketData(chunk: Buffer): void {
    this.readSinceLastPing = true;
    try {
      this.parser.push(chunk, (frame) => this.onFrame(frame));
    } catch (error: unknown) {
      // Whatever a peer sends must not crash the gateway: any failure ends this connection only.
      if (error instanceof Http2ProtocolError) this.connectionError(error.code, error.message);
      else this.connectionError(H2Code.INTERNAL_ERROR, error instanceof Error ? error.message : String(error));
    }
  }

  private connectionError(code: number, message: string): void {
    if (this.closed) return;
    this.write(encodeGoaway(0, code, message));
    this.flush();
    this.socket.end();
    this.destroy(`protocol error: ${message}`, true);
  }

  private onFrame(frame: Frame): void {
    if (this.closed) return;
    if (this.continuation !== undefined && frame.type !== FrameType.CONTINUATION) {
      throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "expected CONTINUATION");
    }
    switch (frame.type) {
      case FrameType.DATA:
        this.onDataFrame(frame);
        break;
      case FrameType.HEADERS:
        this.onHeadersFrame(frame);
        break;
      case FrameType.CONTINUATION:
        this.onContinuation(frame);
        break;
      case FrameType.RST_STREAM:
        this.onRstStream(frame);
        break;
      case FrameType.SETTINGS:
        this.onSettings(frame);
        break;
      case FrameType.PING:
        this.onPing(frame);
        break;
      case FrameType.GOAWAY:
        this.onGoaway(frame);
        break;
      case FrameType.WINDOW_UPDATE:
        this.onWindowUpdate(frame);
        break;
      case FrameType.PUSH_PROMISE:
        throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "PUSH_PROMISE with push disabled");
      default:
        // PRIORITY and unknown types are ignored (RFC 9113 §4.1, §5.5).
        break;
    }
  }

  /** A frame for a stream we do not know: one we already closed, or a protocol error. */
  private checkUnknownStream(streamId: number): void {
    if (streamId === 0 || streamId % 2 === 0 || streamId >= this.nextStreamId) {
      throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, `frame on idle or server stream ${streamId}`);
    }
  }

  private onDataFrame(frame: Frame): void {
    const length = frame.payload.length;
    this.recvWindow -= length;
    if (this.recvWindow < 0) throw new Http2ProtocolError(H2Code.FLOW_CONTROL_ERROR, "connection receive window exceeded");
    this.recvUnacked += length;
    if (this.recvUnacked >= CONNECTION_WINDOW / 2) {
      this.write(encodeWindowUpdate(0, this.recvUnacked));
      this.recvWindow += this.recvUnacked;
      this.recvUnacked = 0;
    }
    const stream = this.streams.get(frame.streamId);
    if (stream === undefined) {
      this.checkUnknownStream(frame.streamId);
      return;
    }
    const data = unpaddedPayload(frame);
    stream.recvWindow -= length;
    if (stream.recvWindow < 0) {
      this.write(encodeRstStream(stream.id, H2Code.FLOW_CONTROL_ERROR));
      this.abortStream(stream, { resetCode: H2Code.FLOW_CONTROL_ERROR, retryable: false, message: "stream receive window exceeded" });
      return;
    }
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    if (endStream) this.endRemote(stream);
    // A pulled stream gets back only the padding now; its reader returns the rest.
    else this.creditStream(stream, stream.pulled ? length - data.length : length);
    stream.handler.onData(data, endStream);
  }

  /** Returns receive window to the peer, in WINDOW_UPDATEs of at least half the window. */
  private creditStream(stream: OutboundStream, bytes: number): void {
    stream.recvUnacked += bytes;
    if (stream.recvUnacked >= STREAM_WINDOW / 2) {
      this.write(encodeWindowUpdate(stream.id, stream.recvUnacked));
      stream.recvWindow += stream.recvUnacked;
      stream.recvUnacked = 0;
    }
  }

  private onHeadersFrame(frame: Frame): void {
    if (frame.streamId === 0) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "HEADERS on stream 0");
    const fragment = unpaddedPayload(frame);
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    if (frame.flags & Flag.END_HEADERS) {
      this.onHeaderBlock(frame.streamId, fragment, endStream);
    } else {
      this.continuation = { streamId: frame.streamId, endStream, fragments: [Buffer.from(fragment)], size: fragment.length };
    }
  }

  private onContinuation(frame: Frame): void {
    const continuation = this.continuation;
    if (continuation === undefined || continuation.streamId !== frame.streamId) {
      throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "unexpected CONTINUATION");
    }
    continuation.size += frame.payload.length;
    if (continuation.size > MAX_HEADER_LIST_SIZE) throw new Http2ProtocolError(H2Code.ENHANCE_YOUR_CALM, "header block too large");
    continuation.fragments.push(Buffer.from(frame.payload));
    if (frame.flags & Flag.END_HEADERS) {
      this.continuation = undefined;
      this.onHeaderBlock(continuation.streamId, Buffer.concat(continuation.fragments), continuation.endStream);
    }
  }

  private onHeaderBlock(streamId: number, block: Buffer, endStream: boolean): void {
    // Decode even for a closed stream: the dynamic table must stay in step.
    const fields = this.decoder.decode(block);
    const stream = this.streams.get(streamId);
    if (stream === undefined) {
      this.checkUnknownStream(streamId);
      return;
    }
    if (endStream) this.endRemote(stream);
    stream.handler.onHeaders(fields, endStream);
  }

  private onRstStream(frame: Frame): void {
    if (frame.payload.length !== 4) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "RST_STREAM length");
    const stream = this.streams.get(frame.streamId);
    if (stream === undefined) {
      this.checkUnknownStream(frame.streamId);
      return;
    }
    const code = frame.payload.readUInt32BE(0);
    this.abortStream(stream, {
      resetCode: code,
      retryable: code === H2Code.REFUSED_STREAM,
      message: `stream reset by the server with code ${code}`,
    });
  }

  private onSettings(frame: Frame): void {
    const settings = decodeSettings(frame);
    if (frame.flags & Flag.ACK) return;
    for (const [id, value] of settings) {
      if (id === Setting.MAX_CONCURRENT_STREAMS) {
        this.peerMaxConcurrent = value;
      } else if (id === Setting.INITIAL_WINDOW_SIZE) {
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const stream of this.streams.values()) {
          stream.sendWindow += delta;
          if (stream.sendWindow > MAX_WINDOW) throw new Http2ProtocolError(H2Code.FLOW_CONTROL_ERROR, "stream window overflow");
        }
      } else if (id === Setting.MAX_FRAME_SIZE) {
        this.peerMaxFrameSize = value;
      }
      // HEADER_TABLE_SIZE: our encoder never indexes, so any size suits it.
    }
    this.writeFrame(FrameType.SETTINGS, Flag.ACK, 0, EMPTY);
    for (const stream of this.streams.values()) if (stream.pending.length > 0) this.flushStream(stream);
    // A larger MAX_CONCURRENT_STREAMS may let queued calls start.
    this.options.onStreamClosed(this);
  }

  private onPing(frame: Frame): void {
    if (frame.streamId !== 0) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "PING on a stream");
    if (frame.payload.length !== 8) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "PING length");
    if (frame.flags & Flag.ACK) {
      clearTimeout(this.pingTimeout);
      this.pingTimeout = undefined;
      return;
    }
    this.writeFrame(FrameType.PING, Flag.ACK, 0, frame.payload);
  }

  private onGoaway(frame: Frame): void {
    if (frame.streamId !== 0) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (frame.payload.length < 8) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "GOAWAY length");
    const lastStreamId = frame.payload.readUInt32BE(0) & MAX_WINDOW;
    const code = frame.payload.readUInt32BE(4);
    const wasUsable = this.isUsable;
    this.goawayReceived = true;
    if (wasUsable) this.options.onUnusable(this);
    // Streams above last-stream-id were never processed: their calls may go elsewhere.
    for (const stream of this.streams.values()) {
      if (stream.id > lastStreamId) {
        this.abortStream(stream, { resetCode: undefined, retryable: true, message: `server sent GOAWAY (code ${code})` });
      }
    }
    if (this.streams.size === 0) this.close();
  }

  private onWindowUpdate(frame: Frame): void {
    if (frame.payload.length !== 4) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "WINDOW_UPDATE length");
    const increment = frame.payload.readUInt32BE(0) & MAX_WINDOW;
    if (increment === 0) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    if (frame.streamId === 0) {
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW) throw new Http2ProtocolError(H2Code.FLOW_CONTROL_ERROR, "connection window overflow");
      const blocked = this.blocked;
      this.blocked = [];
      for (const stream of blocked) if (this.streams.has(stream.id)) this.flushStream(stream);
      return;
    }
    const stream = this.streams.get(frame.streamId);
    if (stream === undefined) return;
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) {
      this.write(encodeRstStream(stream.id, H2Code.FLOW_CONTROL_ERROR));
      this.abortStream(stream, { resetCode: H2Code.FLOW_CONTROL_ERROR, retryable: false, message: "stream window overflow" });
      return;
    }
    this.flushStream(stream);
  }

  /** The peer ended its side: the stream is done (a unary request is sent in full or dropped). */
  private endRemote(stream: OutboundStream): void {
    if (!stream.localEnded) {
      // The response came before our request was fully sent: stop sending it.
      this.write(encodeRstStream(stream.id, H2Code.NO_ERROR));
    }
    this.removeStream(stream);
  }

  private abortStream(stream: OutboundStream, abort: StreamAbort): void {
    this.removeStream(stream);
    stream.handler.onAbort(abort);
  }

  private removeStream(stream: OutboundStream): void {
    if (!this.streams.delete(stream.id)) return;
    stream.pending = [];
    stream.pendingBytes = 0;
    if (this.goawayReceived && this.streams.size === 0) {
      this.close();
      return;
    }
    this.options.onStreamClosed(this);
  }

  private keepalive(): void {
    if (this.streams.size === 0 || this.pingTimeout !== undefined) return;
    // Bytes read since the last check prove the peer alive without a PING.
    if (this.readSinceLastPing) {
      this.readSinceLastPing = false;
      return;
    }
    this.writeFrame(FrameType.PING, 0, 0, PING_PAYLOAD);
    this.pingTimeout = setTimeout(() => this.destroy("keepalive PING not answered"), this.options.keepaliveTimeoutMs);
    this.pingTimeout.unref();
  }

  /** `flush`: the socket was ended after a last GOAWAY; give that a moment to go out. */
  private destroy(reason: string, flush = false): void {
    if (this.closed) return;
    const wasUsable = this.isUsable;
    this.closed = true;
    clearInterval(this.keepaliveTimer);
    clearTimeout(this.pingTimeout);
    if (flush) setTimeout(() => this.socket.destroy(), 1000).unref();
    else this.socket.destroy();
    const streams = this.streams.values();
    this.streams.clear();
    this.blocked = [];
    if (wasUsable) this.options.onUnusable(this);
    for (const stream of streams) stream.handler.onAbort({ resetCode: undefined, retryable: false, message: reason });
  }
}
