import { fileURLToPath } from "node:url";
import { startEchoBackend } from "./start-echo-backend.js";
import type { EchoBackend } from "./start-echo-backend.js";
import { startGateway } from "./start-gateway.js";
import type { GatewayProcess } from "./start-gateway.js";
import { writeTempFiles } from "./temp-dir.js";

export const ECHO_PROTOS = fileURLToPath(new URL("../../../test/fixtures/e2e/", import.meta.url));
const SERVICE = "/e2e.v1.EchoService/";
export const ECHO_METHODS = [
  "GetThing", "CreateThing", "PutNested", "UpdateThing", "GetFile", "GetBook", "ArchiveThing",
  "GetNested", "DeleteThing", "GetLiteral", "HeadThing", "NoRule",
].map((name) => SERVICE + name);

export interface EchoGateway {
  readonly backend: EchoBackend;
  readonly gateway: GatewayProcess;
  readonly url: string;
  stop(): Promise<void>;
}

/** The echo backend plus a real `protogate serve` in front of it, with `config` (YAML). */
export async function startEchoGateway(config = "json: { emitUnpopulated: false }\n", extraArgs: readonly string[] = []): Promise<EchoGateway> {
  const backend = await startEchoBackend(ECHO_METHODS);
  const files = writeTempFiles({ "config.yaml": config });
  const gateway = await startGateway([
    "--proto-path", ECHO_PROTOS,
    "--backend", backend.address,
    "--config", `${files.dir}/config.yaml`,
    ...extraArgs,
  ]);
  return {
    backend,
    gateway,
    url: gateway.url,
    stop: async () => {
      await gateway.stop();
      await backend.stop();
      files.cleanup();
    },
  };
}
