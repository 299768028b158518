import { Code } from "./grpc-code.js";

/** SPEC §6: the HTTP status for a gRPC code (the mapping grpc-gateway and Envoy use). */
export function httpStatusFromCode(code: Code): number {
  switch (code) {
    case Code.OK: return 200;
    case Code.CANCELLED: return 499; // Client Closed Request (nginx's code; no standard one exists)
    case Code.UNKNOWN: return 500;
    case Code.INVALID_ARGUMENT: return 400;
    case Code.DEADLINE_EXCEEDED: return 504;
    case Code.NOT_FOUND: return 404;
    case Code.ALREADY_EXISTS: return 409;
    case Code.PERMISSION_DENIED: return 403;
    case Code.RESOURCE_EXHAUSTED: return 429;
    // Deliberately not 412 Precondition Failed: that one is about HTTP conditional headers.
    case Code.FAILED_PRECONDITION: return 400;
    case Code.ABORTED: return 409;
    case Code.OUT_OF_RANGE: return 400;
    case Code.UNIMPLEMENTED: return 501;
    case Code.INTERNAL: return 500;
    case Code.UNAVAILABLE: return 503;
    case Code.DATA_LOSS: return 500;
    case Code.UNAUTHENTICATED: return 401;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}
