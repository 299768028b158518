import type { BackendTransportKind } from "../../../config/gateway-config.js";
import { GrpcJsTransport } from "../grpc-js-transport.js";
import type { GrpcJsTransportOptions } from "../grpc-js-transport.js";
import type { Transport } from "../transport.js";
import { NativeTransport } from "./native-transport.js";
import { withRetries } from "../retrying-transport.js";

/**
 * The transport of one backend, per its config `transport` key. `native` serves every
 * kind of call itself; its unary calls get the retry policy from withRetries (grpc-js
 * applies it itself).
 */
export function createTransport(kind: BackendTransportKind, options: GrpcJsTransportOptions): Transport {
  if (kind !== "native") return new GrpcJsTransport(options);
  const native = new NativeTransport({
    address: options.address,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  return withRetries(native, options.retry);
}
