import type { BackendTransportKind } from "../../../config/gateway-config.js";
import { GrpcJsTransport } from "../grpc-js-transport.js";
import type { GrpcJsTransportOptions } from "../grpc-js-transport.js";
import type { Transport } from "../transport.js";
import { NativeTransport } from "./native-transport.js";

/**
 * The transport of one backend, per its config `transport` key. `native` still opens a
 * (lazy) @grpc/grpc-js channel for the streaming calls it hands over; grpc-js-only
 * options such as its retry policy apply to those calls only.
 */
export function createTransport(kind: BackendTransportKind, options: GrpcJsTransportOptions): Transport {
  const grpcJs = new GrpcJsTransport(options);
  if (kind !== "native") return grpcJs;
  return new NativeTransport({
    address: options.address,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    fallback: grpcJs,
  });
}
