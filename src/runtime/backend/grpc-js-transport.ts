import * as grpc from "@grpc/grpc-js";
import type {
  BidiStreamCall,
  ClientStreamCall,
  MetadataPairs,
  RequestSink,
  ResponseStream,
  CancelSignal,
  ServerStreamRequest,
  StreamRequest,
  Transport,
  UnaryRequest,
  UnaryResponse,
} from "./transport.js";
import { BackendStatusError } from "./transport.js";
import { isTransportHeader } from "./transport-headers.js";

export interface GrpcJsTransportOptions {
  /** `host:port` or `dns:///name:port` (several instances: round robin). */
  readonly address: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly serverName?: string };
  /** gRPC retryPolicy on UNAVAILABLE for these methods only (the idempotent ones). */
  readonly retry?: GrpcRetryPolicy;
}

export interface GrpcRetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** `{ service: "pkg.Service", method: "Get" }` per method that may be retried. */
  readonly methods: readonly { readonly service: string; readonly method: string }[];
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
      "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }], ...retryServiceConfig(options.retry) }),
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
        reject(statusError(status, headers, trailers));
      });
    });
  }

  serverStream(request: ServerStreamRequest): ResponseStream {
    const call = this.client.makeServerStreamRequest<Buffer, Buffer>(
      request.path,
      passThrough,
      passThrough,
      toBuffer(request.message),
      toGrpcMetadata(request.metadata),
      callOptions(request),
    );
    return responseStream(call, request.signal);
  }

  clientStream(request: StreamRequest): ClientStreamCall {
    let headers: MetadataPairs = [];
    let message: Buffer | undefined;
    let call: grpc.ClientWritableStream<Buffer> | undefined;
    const response = new Promise<UnaryResponse>((resolve, reject) => {
      call = this.client.makeClientStreamRequest<Buffer, Buffer>(
        request.path,
        passThrough,
        passThrough,
        toGrpcMetadata(request.metadata),
        callOptions(request),
        (error, value) => {
          if (!error) message = value;
        },
      );
      call.on("metadata", (received: grpc.Metadata) => {
        headers = fromGrpcMetadata(received);
      });
      call.on("status", (status: grpc.StatusObject) => {
        const trailers = fromGrpcMetadata(status.metadata);
        if (status.code === grpc.status.OK && message !== undefined) resolve({ message, headers, trailers });
        else reject(statusError(status, headers, trailers));
      });
    });
    const started = call as unknown as grpc.ClientWritableStream<Buffer>;
    cancelOnAbort(started, request.signal);
    return { requests: requestSink(started), response };
  }

  bidiStream(request: StreamRequest): BidiStreamCall {
    const call = this.client.makeBidiStreamRequest<Buffer, Buffer>(
      request.path,
      passThrough,
      passThrough,
      toGrpcMetadata(request.metadata),
      callOptions(request),
    );
    return { requests: requestSink(call), responses: responseStream(call, request.signal) };
  }

  close(): void {
    this.client.close();
  }
}

function callOptions(request: { readonly deadline: number | undefined }): grpc.CallOptions {
  return request.deadline === undefined ? {} : { deadline: request.deadline };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function statusError(status: grpc.StatusObject, headers: MetadataPairs, trailers: MetadataPairs): BackendStatusError {
  const detailsBin = status.metadata.get(STATUS_DETAILS_KEY)[0];
  return new BackendStatusError(
    status.code === grpc.status.OK ? grpc.status.INTERNAL : status.code,
    status.code === grpc.status.OK ? "backend sent no response message" : status.details,
    detailsBin instanceof Buffer ? detailsBin : undefined,
    headers,
    trailers,
  );
}

type CancellableCall = { cancel(): void; once(event: "status", listener: () => void): unknown };

function cancelOnAbort(call: CancellableCall, signal: CancelSignal | undefined): void {
  if (signal === undefined) return;
  const onAbort = (): void => call.cancel();
  if (signal.aborted) {
    call.cancel();
    return;
  }
  signal.addEventListener("abort", onAbort, { once: true });
  call.once("status", () => signal.removeEventListener("abort", onAbort));
}

/**
 * A grpc-js readable call as a pulled stream. grpc-js asks HTTP/2 for the next message only
 * when its Readable is below its (16-message) high-water mark, so an iterator that is not
 * pulled stops the backend through HTTP/2 flow control.
 */
function responseStream(
  call: grpc.ClientReadableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>,
  signal: CancelSignal | undefined,
): ResponseStream {
  let headers: MetadataPairs = [];
  let trailers: MetadataPairs = [];
  let finalStatus: grpc.StatusObject | undefined;
  const status = new Promise<grpc.StatusObject>((resolve) => {
    call.once("status", (received: grpc.StatusObject) => {
      finalStatus = received;
      trailers = fromGrpcMetadata(received.metadata);
      resolve(received);
    });
  });
  call.on("metadata", (received: grpc.Metadata) => {
    headers = fromGrpcMetadata(received);
  });
  // The status carries the error; an 'error' nobody listens to would crash the process.
  call.on("error", () => {});
  cancelOnAbort(call, signal);
  async function* messages(): AsyncGenerator<Uint8Array> {
    try {
      try {
        for await (const chunk of call as AsyncIterable<Buffer>) yield chunk;
      } catch {
        // Reported by the status below.
      }
    } finally {
      // The consumer left early (client gone, write failed): stop the backend too.
      if (finalStatus === undefined) call.cancel();
    }
    const ended = await status;
    if (ended.code !== grpc.status.OK) throw statusError(ended, headers, trailers);
  }
  return {
    get headers() {
      return headers;
    },
    get trailers() {
      return trailers;
    },
    [Symbol.asyncIterator]: () => messages(),
  };
}

/** A grpc-js writable call as a sink that resolves when grpc-js can take more. */
function requestSink(call: grpc.ClientWritableStream<Buffer> | grpc.ClientDuplexStream<Buffer, Buffer>): RequestSink {
  let over = false;
  call.on("error", () => {}); // the outcome is the response side's; never an unhandled 'error'
  call.once("status", () => {
    over = true;
    call.emit("protogate-over");
  });
  return {
    write(message: Uint8Array): Promise<boolean> {
      if (over || call.writableEnded || call.destroyed) return Promise.resolve(false);
      if (call.write(toBuffer(message))) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const onDrain = (): void => settle(true);
        const onOver = (): void => settle(false);
        const settle = (value: boolean): void => {
          call.off("drain", onDrain);
          call.off("protogate-over", onOver);
          resolve(value);
        };
        call.once("drain", onDrain);
        call.once("protogate-over", onOver);
      });
    },
    end(): void {
      if (!over && !call.writableEnded) call.end();
    },
  };
}

function toGrpcMetadata(pairs: MetadataPairs): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of pairs) {
    metadata.add(key, typeof value === "string" ? value : Buffer.from(value));
  }
  return metadata;
}

/** The application's metadata: grpc-js leaves HTTP/2 and gRPC protocol headers in. */
function fromGrpcMetadata(metadata: grpc.Metadata): MetadataPairs {
  const pairs: Array<readonly [string, string | Uint8Array]> = [];
  const map = metadata.getMap();
  for (const key of Object.keys(map)) {
    if (isTransportHeader(key)) continue;
    for (const value of metadata.get(key)) pairs.push([key, value]);
  }
  return pairs;
}

/** The service config's methodConfig for a retry policy (gRFC A6); grpc-js applies it per call. */
function retryServiceConfig(retry: GrpcRetryPolicy | undefined): object {
  if (retry === undefined || retry.methods.length === 0) return {};
  return {
    methodConfig: [
      {
        name: retry.methods.map(({ service, method }) => ({ service, method })),
        retryPolicy: {
          maxAttempts: retry.maxAttempts,
          initialBackoff: `${retry.initialBackoffMs / 1000}s`,
          maxBackoff: `${retry.maxBackoffMs / 1000}s`,
          backoffMultiplier: 2,
          retryableStatusCodes: ["UNAVAILABLE"],
        },
      },
    ],
  };
}
