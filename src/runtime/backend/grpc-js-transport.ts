import * as grpc from "@grpc/grpc-js";
import type { MetadataPairs, Transport, UnaryRequest, UnaryResponse } from "./transport.js";
import { BackendStatusError } from "./transport.js";

export interface GrpcJsTransportOptions {
  /** `host:port` or `dns:///name:port` (several instances: round robin). */
  readonly address: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly serverName?: string };
}

// Pass-through (de)serialisers: the gateway's codecs already produced wire bytes.
const passThrough = (value: Buffer): Buffer => value;
const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** One @grpc/grpc-js channel per backend, reused by every call. */
export class GrpcJsTransport implements Transport {
  private readonly client: grpc.Client;

  constructor(options: GrpcJsTransportOptions) {
    const credentials = options.tls
      ? grpc.credentials.createSsl(options.tls.ca ?? null, options.tls.key ?? null, options.tls.cert ?? null)
      : grpc.credentials.createInsecure();
    const channelOptions: grpc.ChannelOptions = {
      "grpc.max_receive_message_length": -1,
      "grpc.max_send_message_length": -1,
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      // A dns:/// target with several addresses spreads calls over all of them.
      "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
      ...(options.tls?.serverName ? { "grpc.ssl_target_name_override": options.tls.serverName } : {}),
    };
    this.client = new grpc.Client(options.address, credentials, channelOptions);
  }

  unary(request: UnaryRequest): Promise<UnaryResponse> {
    return new Promise((resolve, reject) => {
      const metadata = toGrpcMetadata(request.metadata);
      let headers: MetadataPairs = [];
      let message: Buffer | undefined;
      const callOptions: grpc.CallOptions = request.deadline === undefined ? {} : { deadline: request.deadline };
      const call = this.client.makeUnaryRequest<Buffer, Buffer>(
        request.path,
        passThrough,
        passThrough,
        Buffer.from(request.message.buffer, request.message.byteOffset, request.message.byteLength),
        metadata,
        callOptions,
        (error, value) => {
          // The status event below carries everything; the callback only delivers the value.
          if (!error) message = value;
        },
      );
      const onAbort = (): void => call.cancel();
      request.signal?.addEventListener("abort", onAbort, { once: true });
      call.on("metadata", (received: grpc.Metadata) => {
        headers = fromGrpcMetadata(received);
      });
      call.on("status", (status: grpc.StatusObject) => {
        request.signal?.removeEventListener("abort", onAbort);
        const trailers = fromGrpcMetadata(status.metadata);
        if (status.code === grpc.status.OK && message !== undefined) {
          resolve({ message, headers, trailers });
          return;
        }
        const detailsBin = status.metadata.get(STATUS_DETAILS_KEY)[0];
        reject(
          new BackendStatusError(
            status.code === grpc.status.OK ? grpc.status.INTERNAL : status.code,
            status.code === grpc.status.OK ? "backend sent no response message" : status.details,
            detailsBin instanceof Buffer ? detailsBin : undefined,
            headers,
            trailers.filter(([key]) => key !== STATUS_DETAILS_KEY),
          ),
        );
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

function toGrpcMetadata(pairs: MetadataPairs): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of pairs) {
    metadata.add(key, typeof value === "string" ? value : Buffer.from(value));
  }
  return metadata;
}

function fromGrpcMetadata(metadata: grpc.Metadata): MetadataPairs {
  const pairs: Array<readonly [string, string | Uint8Array]> = [];
  const map = metadata.getMap();
  for (const key of Object.keys(map)) {
    for (const value of metadata.get(key)) pairs.push([key, value]);
  }
  return pairs;
}
