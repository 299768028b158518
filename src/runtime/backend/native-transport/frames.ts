import { H2Code, Http2ProtocolError } from "./errors.js";

/** Frame types (RFC 9113 §6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const CONNECTION_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");
export const FRAME_HEADER_SIZE = 9;
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
export const MAX_WINDOW = 2 ** 31 - 1;

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  /** A view into the received bytes: valid until the next push(). */
  readonly payload: Buffer;
}

/** One frame: the 9-byte header followed by `payload`. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Uint8Array = EMPTY): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  writeFrameHeader(frame, 0, payload.length, type, flags, streamId);
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}

export function writeFrameHeader(target: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): void {
  target[offset] = (length >>> 16) & 0xff;
  target[offset + 1] = (length >>> 8) & 0xff;
  target[offset + 2] = length & 0xff;
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId & MAX_WINDOW, offset + 5);
}

/** A zero-length payload (SETTINGS ACK, an END_STREAM-only DATA frame). */
export const EMPTY = Buffer.alloc(0);

export function encodeSettings(settings: ReadonlyArray<readonly [id: number, value: number]>): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return encodeFrame(FrameType.SETTINGS, 0, 0, payload);
}

export function encodeWindowUpdate(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return encodeFrame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

export function encodeRstStream(streamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(code, 0);
  return encodeFrame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function encodeGoaway(lastStreamId: number, code: number, debug = ""): Buffer {
  const text = Buffer.from(debug, "utf8");
  const payload = Buffer.allocUnsafe(8 + text.length);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  text.copy(payload, 8);
  return encodeFrame(FrameType.GOAWAY, 0, 0, payload);
}

export function decodeSettings(frame: Frame): Array<readonly [number, number]> {
  if (frame.streamId !== 0) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "SETTINGS on a stream");
  if (frame.flags & Flag.ACK) {
    if (frame.payload.length !== 0) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "SETTINGS ack with a payload");
    return [];
  }
  if (frame.payload.length % 6 !== 0) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
  const settings: Array<readonly [number, number]> = [];
  for (let i = 0; i < frame.payload.length; i += 6) {
    const id = frame.payload.readUInt16BE(i);
    const value = frame.payload.readUInt32BE(i + 2);
    if (id === Setting.ENABLE_PUSH && value > 1) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "bad ENABLE_PUSH");
    if (id === Setting.INITIAL_WINDOW_SIZE && value > MAX_WINDOW) throw new Http2ProtocolError(H2Code.FLOW_CONTROL_ERROR, "bad INITIAL_WINDOW_SIZE");
    if (id === Setting.MAX_FRAME_SIZE && (value < DEFAULT_MAX_FRAME_SIZE || value > 2 ** 24 - 1)) {
      throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "bad MAX_FRAME_SIZE");
    }
    settings.push([id, value]);
  }
  return settings;
}

/** The content of a DATA or HEADERS frame without padding (and priority fields). */
export function unpaddedPayload(frame: Frame): Buffer {
  let payload = frame.payload;
  if (frame.flags & Flag.PADDED) {
    if (payload.length < 1) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "padded frame without a pad length");
    const pad = payload[0]!;
    if (pad >= payload.length) throw new Http2ProtocolError(H2Code.PROTOCOL_ERROR, "padding longer than the frame");
    payload = payload.subarray(1, payload.length - pad);
  }
  if (frame.type === FrameType.HEADERS && frame.flags & Flag.PRIORITY) {
    if (payload.length < 5) throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, "HEADERS priority fields truncated");
    payload = payload.subarray(5);
  }
  return payload;
}

/**
 * Splits a byte stream into frames. Frames larger than our SETTINGS_MAX_FRAME_SIZE are
 * a FRAME_SIZE_ERROR, so at most one frame plus one read is ever buffered.
 */
export class FrameParser {
  private pending: Buffer = EMPTY;

  constructor(private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {}

  /** Calls `onFrame` for each complete frame in `chunk` (plus what was buffered). */
  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    let data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let pos = 0;
    while (data.length - pos >= FRAME_HEADER_SIZE) {
      const length = (data[pos]! << 16) | (data[pos + 1]! << 8) | data[pos + 2]!;
      if (length > this.maxFrameSize) {
        this.pending = EMPTY;
        throw new Http2ProtocolError(H2Code.FRAME_SIZE_ERROR, `frame of ${length} bytes exceeds ${this.maxFrameSize}`);
      }
      if (data.length - pos < FRAME_HEADER_SIZE + length) break;
      const frame: Frame = {
        type: data[pos + 3]!,
        flags: data[pos + 4]!,
        streamId: data.readUInt32BE(pos + 5) & MAX_WINDOW,
        payload: data.subarray(pos + FRAME_HEADER_SIZE, pos + FRAME_HEADER_SIZE + length),
      };
      pos += FRAME_HEADER_SIZE + length;
      onFrame(frame);
    }
    // Copy the tail: the caller's chunk must not be retained beyond this call.
    data = data.subarray(pos);
    this.pending = data.length === 0 ? EMPTY : Buffer.from(data);
  }

  get bufferedBytes(): number {
    return this.pending.length;
  }
}
