/** HTTP/2 error codes (RFC 9113 §7). */
export const H2Code = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/**
 * A peer broke HTTP/2 or HPACK: the only error the frame parser and the HPACK decoder
 * throw. `code` is the HTTP/2 error code to send in GOAWAY.
 */
export class Http2ProtocolError extends Error {
  override name = "Http2ProtocolError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
