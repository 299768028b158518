import protobuf from "protobufjs";
import type { CodecRegistry } from "../../codec/index.js";
import { BackendStatusError } from "../backend/transport.js";
import { Code, GatewayError, toCode } from "./gateway-error.js";

const STATUS_TYPE = "google.rpc.Status";

/**
 * Turns a failed backend call into the error the client sees: the backend's code and
 * message (exposed: they are the API's answer) and the details of
 * `grpc-status-details-bin` rendered as JSON `Any`s.
 */
export function gatewayErrorFromBackend(error: unknown, codecs: CodecRegistry): GatewayError {
  if (!(error instanceof BackendStatusError)) return GatewayError.from(error);
  const code = toCode(error.code);
  let details: readonly unknown[] = [];
  if (error.statusDetails !== undefined) {
    try {
      const status = JSON.parse(codecs.message(STATUS_TYPE).toJson(error.statusDetails)) as { details?: unknown };
      if (Array.isArray(status.details)) details = status.details;
    } catch {
      // One detail the gateway cannot render (an Any of a type it does not know) must not
      // take the others with it, nor hide the status itself: each is rendered on its own.
      details = renderableDetails(error.statusDetails, codecs);
    }
  }
  const message = code === Code.UNAVAILABLE && error.details === "" ? "backend unavailable" : error.details;
  return new GatewayError(code, message, { details, cause: error });
}

/** The details (google.rpc.Status field 3, each an Any) that render as JSON; the rest left out. */
function renderableDetails(statusBytes: Uint8Array, codecs: CodecRegistry): unknown[] {
  const out: unknown[] = [];
  try {
    const any = codecs.message("google.protobuf.Any");
    const reader = protobuf.Reader.create(statusBytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 !== 3 || (tag & 7) !== 2) {
        reader.skipType(tag & 7);
        continue;
      }
      const bytes = reader.bytes();
      try {
        out.push(JSON.parse(any.toJson(bytes)) as unknown);
      } catch {
        // Not renderable: left out.
      }
    }
  } catch {
    // Bytes that are not a Status at all: whatever rendered before them stays.
  }
  return out;
}
