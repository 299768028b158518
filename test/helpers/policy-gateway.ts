import { fileURLToPath } from "node:url";
import { startEchoBackend } from "./start-echo-backend.js";
import type { EchoBackend } from "./start-echo-backend.js";
import { startGateway } from "./start-gateway.js";
import type { GatewayProcess } from "./start-gateway.js";
import { writeTempFiles } from "./temp-dir.js";

/** test/fixtures/policy: policy.v1.PolicyService, whose RPCs carry protogate policy options. */
export const POLICY_PROTOS = fileURLToPath(new URL("../../../test/fixtures/policy/", import.meta.url));
export const POLICY_METHODS = ["GetSecret", "GetOpen", "GetOptional", "GetLimited", "GetCached", "GetSlow", "SearchItems", "CreateItem"].map(
  (name) => `/policy.v1.PolicyService/${name}`,
);

export interface PolicyGateway {
  readonly backend: EchoBackend;
  readonly gateways: readonly GatewayProcess[];
  /** Files written beside the config (`config-<i>.yaml`, plus `files`). */
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * One echo backend and one real `protogate serve` per config (several configs: several
 * replicas of one deployment). `files` are written beside the configs (keys, JWKS).
 */
export async function startPolicyGateways(
  configs: readonly string[],
  files: Readonly<Record<string, string>> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<PolicyGateway> {
  const backend = await startEchoBackend(POLICY_METHODS);
  const written = writeTempFiles({ ...files, ...Object.fromEntries(configs.map((text, i) => [`config-${i}.yaml`, text])) });
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < configs.length; i++) {
      gateways.push(await startGateway(["--proto-path", POLICY_PROTOS, "--backend", backend.address, "--config", `${written.dir}/config-${i}.yaml`], env));
    }
  } catch (error: unknown) {
    await Promise.all(gateways.map((g) => g.stop()));
    await backend.stop();
    written.cleanup();
    throw error;
  }
  return {
    backend,
    gateways,
    dir: written.dir,
    stop: async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      await backend.stop();
      written.cleanup();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** GET with a bound (a hang fails the test instead of stalling it). */
export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}
