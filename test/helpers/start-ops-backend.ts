import * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { fileURLToPath } from "node:url";

export const OPS_PROTOS = fileURLToPath(new URL("../../../test/fixtures/ops/", import.meta.url));
export const OPS_METHODS = ["/ops.v1.OpsService/GetItem", "/ops.v1.OpsService/CreateItem"] as const;

export interface OpsBackendOptions {
  /** Bind this port (to restart a stopped backend at the same address); default a free one. */
  readonly port?: number;
  /** Serve grpc.health.v1 with "" SERVING (grpc-health-check). Default true. */
  readonly health?: boolean;
  /** The first `failFirst` calls end with UNAVAILABLE. Default 0. */
  readonly failFirst?: number;
  /** TLS: server cert/key, and a CA when client certificates are required. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca?: string };
}

export interface OpsBackend {
  readonly address: string;
  readonly port: number;
  /** Every call received (failed ones too), in order. */
  readonly calls: Array<{ readonly path: string; readonly metadata: grpc.Metadata }>;
  readonly health: HealthImplementation | undefined;
  stop(): Promise<void>;
}

const identity = (value: Buffer): Buffer => value;

/**
 * A real gRPC server for test/fixtures/ops/: echoes the request bytes, sends the header
 * `x-ops-version: 1`, and obeys request metadata `fail-code` (end with that status) and
 * `delay-ms` (answer later).
 */
export async function startOpsBackend(options: OpsBackendOptions = {}): Promise<OpsBackend> {
  const calls: Array<{ path: string; metadata: grpc.Metadata }> = [];
  let failures = options.failFirst ?? 0;
  const server = new grpc.Server();
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const path of OPS_METHODS) {
    definition[path] = {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    implementation[path] = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      calls.push({ path, metadata: call.metadata });
      if (failures > 0) {
        failures--;
        callback({ code: grpc.status.UNAVAILABLE, details: "failing on purpose" });
        return;
      }
      const header = new grpc.Metadata();
      header.set("x-ops-version", "1");
      call.sendMetadata(header);
      const failCode = call.metadata.get("fail-code")[0];
      const delay = Number(call.metadata.get("delay-ms")[0] ?? 0);
      setTimeout(() => {
        if (call.cancelled) return;
        if (typeof failCode === "string") callback({ code: Number(failCode), details: "failing as asked" });
        else callback(null, call.request);
      }, delay);
    };
  }
  server.addService(definition, implementation);
  let health: HealthImplementation | undefined;
  if (options.health !== false) {
    health = new HealthImplementation({ "": "SERVING" });
    health.addToServer(server);
  }
  const credentials =
    options.tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(
          options.tls.ca === undefined ? null : Buffer.from(options.tls.ca),
          [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
          options.tls.ca !== undefined,
        );
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, credentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    address: `127.0.0.1:${port}`,
    port,
    calls,
    health,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
