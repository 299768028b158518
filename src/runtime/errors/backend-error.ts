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
      // Undecodable details (e.g. an Any of a type we do not know) must not hide the status itself.
      details = [];
    }
  }
  const message = code === Code.UNAVAILABLE && error.details === "" ? "backend unavailable" : error.details;
  return new GatewayError(code, message, { details, cause: error });
}
