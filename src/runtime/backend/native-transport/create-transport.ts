import type { BackendTransportKind } from "../../../config/gateway-config.js";
import { GrpcJsTransport } from "../grpc-js-transport.js";
import type { GrpcJsTransportOptions } from "../grpc-js-transport.js";
import type { Transport } from "../transport.js";
import { NativeTransport } from "./native-transport.js";
import { withRetries } from "../retrying-transport.js";

/**
 * The transport of one backend, per its config `transport` key. `native` still opens a
 * (lazy) @grpc/grpc-js channel for the streaming calls it hands over; its unary calls
 * get the retry policy from withRetries (grpc-js applies it itself).
 */
export function createTransport(kind: BackendTransportKind, options: GrpcJsTransportOptions): Transport {
  const grpcJs = new GrpcJsTransport(options);
  if (kind !== "native") return grpcJs;
  const native = new NativeTransport({
    address: options.address,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    fallback: grpcJs,
  });
  return withRetries(native, options.retry);
}
