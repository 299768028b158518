import { Code, toCode } from "./grpc-code.js";
import { httpStatusFromCode } from "./http-status.js";

export interface GatewayErrorInit {
  /** HTTP status when it is not the code's usual one (405 → UNIMPLEMENTED, 415 → INVALID_ARGUMENT). */
  readonly httpStatus?: number;
  /** `google.rpc.Status.details`, already in JSON form (`Any` objects with `@type`). */
  readonly details?: readonly unknown[];
  /** Extra response headers, e.g. `Allow` on a 405. */
  readonly headers?: Readonly<Record<string, string>>;
  /** For logs only: never sent to the client. */
  readonly cause?: unknown;
}

/**
 * The one error type of the runtime: everything a client may see. Its message is
 * exposed as the Status message; `cause` is for pino only.
 */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly code: Code;
  readonly rawMessage: string;
  readonly httpStatus: number;
  readonly details: readonly unknown[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: Code, message: string, init: GatewayErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.rawMessage = message;
    this.httpStatus = init.httpStatus ?? httpStatusFromCode(code);
    this.details = init.details ?? [];
    this.headers = init.headers ?? {};
  }

  /**
   * Normalises anything thrown into a GatewayError. Errors that are not ours are not
   * exposed: they become INTERNAL "internal error" and keep the original as `cause`.
   */
  static from(reason: unknown): GatewayError {
    if (reason instanceof GatewayError) return reason;
    return new GatewayError(Code.INTERNAL, "internal error", { cause: reason });
  }

  /** The JSON `google.rpc.Status` body. */
  toJson(): string {
    return JSON.stringify({ code: this.code, message: this.rawMessage, details: this.details });
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

export { Code, toCode };
