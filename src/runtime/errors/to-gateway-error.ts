import { FieldError } from "../../codec/index.js";
import { Code, GatewayError } from "./gateway-error.js";

/**
 * Decides exposure once, at the edge: our own errors and field errors are the client's
 * business; anything else is an "internal error" whose cause goes only to the log.
 */
export function toGatewayError(reason: unknown): GatewayError {
  if (reason instanceof GatewayError) return reason;
  if (reason instanceof FieldError) return new GatewayError(Code.INVALID_ARGUMENT, reason.message, { cause: reason });
  return GatewayError.from(reason);
}
