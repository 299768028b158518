import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { BUNDLED_DIR } from "./paths.js";

export type UnaryHandler = (
  request: Record<string, unknown>,
  call: grpc.ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface Backend {
  readonly address: string;
  readonly server: grpc.Server;
  /** Metadata of every call received, in order. */
  readonly received: Array<{ method: string; metadata: grpc.Metadata; request: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * A real @grpc/grpc-js server on 127.0.0.1:0 serving `service` from `protoFile` (found
 * under `includeDirs` or the bundled googleapis). Handlers get proto-loader objects
 * (proto field names, int64 and enums as strings); a thrown `{ code, details }` becomes
 * the call's status.
 */
export async function startBackend(
  protoFile: string,
  includeDirs: readonly string[],
  service: string,
  handlers: Readonly<Record<string, UnaryHandler>>,
): Promise<Backend> {
  const definition = protoLoader.loadSync(protoFile, {
    includeDirs: [...includeDirs, BUNDLED_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: false,
  });
  const serviceDefinition = definition[service] as grpc.ServiceDefinition | undefined;
  if (serviceDefinition === undefined) throw new Error(`no service ${service} in ${protoFile}`);
  const received: Backend["received"] = [];
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    implementation[name] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>,
      callback: grpc.sendUnaryData<Record<string, unknown>>,
    ) => {
      received.push({ method: name, metadata: call.metadata, request: call.request });
      Promise.resolve()
        .then(() => handler(call.request, call))
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(error as grpc.ServiceError),
        );
    };
  }
  const server = new grpc.Server();
  server.addService(serviceDefinition, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    address: `127.0.0.1:${port}`,
    server,
    received,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
