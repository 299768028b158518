import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import { BUNDLED_DIR } from "./paths.js";
import { rawMethod } from "./raw-grpc.js";

export interface EchoCall {
  readonly path: string;
  readonly metadata: grpc.Metadata;
  readonly request: Buffer;
}

export interface EchoBackend {
  readonly address: string;
  readonly calls: EchoCall[];
  /** Calls that ended because the client cancelled them. */
  readonly cancelled: string[];
  stop(): Promise<void>;
}


/**
 * A real gRPC server on 127.0.0.1:0 that answers every method in `paths` with the
 * request bytes unchanged. Request metadata steers it, so one backend serves every test:
 *   fail-code, fail-message   end the call with that status
 *   fail-details              "bad-request": attach a google.rpc.BadRequest in grpc-status-details-bin;
 *                             "bad-request+unknown": and after it an Any of a type nobody knows
 *   delay-ms                  answer after a delay (deadlines, cancellation)
 *   reply-header, reply-trailer   "k=v" sent back as response header / trailer metadata
 *   reply-hex                 answer these bytes (hex) instead of the request's
 */
export async function startEchoBackend(paths: readonly string[]): Promise<EchoBackend> {
  const calls: EchoCall[] = [];
  const cancelled: string[] = [];
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const path of paths) {
    definition[path] = rawMethod(path, false, false);
    implementation[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      calls.push({ path, metadata: call.metadata, request: call.request });
      const header = first(call.metadata, "reply-header");
      if (header !== undefined) {
        const [key = "", value = ""] = header.split("=");
        const metadata = new grpc.Metadata();
        metadata.set(key, value);
        call.sendMetadata(metadata);
      }
      const delay = Number(first(call.metadata, "delay-ms") ?? 0);
      let done = false;
      call.on("cancelled", () => {
        if (!done) cancelled.push(path);
      });
      setTimeout(() => {
        done = true;
        if (call.cancelled) return;
        const trailer = first(call.metadata, "reply-trailer");
        const trailers = new grpc.Metadata();
        if (trailer !== undefined) {
          const [key = "", value = ""] = trailer.split("=");
          trailers.set(key, value);
        }
        const failCode = first(call.metadata, "fail-code");
        if (failCode !== undefined) {
          const failDetails = first(call.metadata, "fail-details");
          if (failDetails === "bad-request" || failDetails === "bad-request+unknown") {
            trailers.set("grpc-status-details-bin", badRequestStatus(Number(failCode), first(call.metadata, "fail-message") ?? "", failDetails !== "bad-request"));
          }
          callback({ code: Number(failCode), details: first(call.metadata, "fail-message") ?? "", metadata: trailers });
          return;
        }
        const replyHex = first(call.metadata, "reply-hex");
        callback(null, replyHex === undefined ? call.request : Buffer.from(replyHex, "hex"), trailers);
      }, delay);
    };
  }
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    calls,
    cancelled,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

function first(metadata: grpc.Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === "string" ? value : undefined;
}

let statusTypes: protobuf.Root | undefined;

/** A google.rpc.Status with one google.rpc.BadRequest detail (and one of an unknown type), serialised. */
function badRequestStatus(code: number, message: string, withUnknown = false): Buffer {
  statusTypes ??= protobuf.loadSync([`${BUNDLED_DIR}google/rpc/status.proto`, `${BUNDLED_DIR}google/rpc/error_details.proto`]);
  const Status = statusTypes.lookupType("google.rpc.Status");
  const BadRequest = statusTypes.lookupType("google.rpc.BadRequest");
  const detail = BadRequest.encode(
    BadRequest.create({ fieldViolations: [{ field: "id", description: "must not be empty" }] }),
  ).finish();
  const status = Status.create({
    code,
    message,
    // protobufjs serves google/protobuf/any.proto from its own copy, which keeps the proto name type_url.
    details: [
      { type_url: "type.googleapis.com/google.rpc.BadRequest", value: detail },
      ...(withUnknown ? [{ type_url: "type.googleapis.com/custom.v1.Unknown", value: Buffer.from([8, 1]) }] : []),
    ],
  });
  return Buffer.from(Status.encode(status).finish());
}
