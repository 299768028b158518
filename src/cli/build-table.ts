import type { OpenApiSecurity } from "../compile/compile-openapi.js";
import { compileOpenapi } from "../compile/compile-openapi.js";
import type { SecuritySchemeObject } from "../compile/openapi-document.js";
import { compileRoutes } from "../compile/compile-routes.js";
import { buildModel } from "../descriptors/build-model.js";
import { loadProtos } from "../descriptors/load-protos.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import { ConfigError } from "../config/config-error.js";
import type { RouteTable } from "../model/route-table.js";
import { withAutoMapping } from "../runtime/auto-mapping.js";
import type { MethodPolicy } from "../runtime/policy/resolve-policy.js";
import { resolvePolicy } from "../runtime/policy/resolve-policy.js";
import { UsageError } from "./exit-codes.js";
import { VERSION } from "./version.js";

export interface BuiltApi {
  readonly table: RouteTable;
  readonly openapi: unknown;
}

/** protos → model → route table + OpenAPI: the generator, shared by generate, openapi and serve. */
export function buildApi(config: GatewayConfig): BuiltApi {
  if (config.protoPaths.length === 0) throw new UsageError("no proto paths: pass --proto-path DIR (or set protoPaths in the config)");
  const table = compileRoutes(buildModel(loadProtos(config.protoPaths)), `protogate ${VERSION}`);
  return { table, openapi: openapiFor(table, config) };
}

export function openapiFor(table: RouteTable, config: GatewayConfig): unknown {
  // The routes serve answers: with autoMapping, also `POST /pkg.Service/Method` for unbound RPCs.
  return compileOpenapi(config.autoMapping ? withAutoMapping(table) : table, {
    title: "protogate API",
    version: VERSION,
    useProtoNames: config.json.useProtoNames,
    security: openapiSecurity(table, config),
  });
}

/** The config's auth providers and each RPC's policy (proto options, then config rules, as serve resolves them) as plain data for compile/. */
function openapiSecurity(table: RouteTable, config: GatewayConfig): OpenApiSecurity {
  const methods = new Map(table.methods.map((m) => [m.name, m]));
  const schemes: Record<string, SecuritySchemeObject> = {};
  for (const p of config.auth.providers) {
    const checks = [p.issuer === undefined ? [] : [`issuer ${p.issuer}`], p.audiences === undefined ? [] : [`audience ${p.audiences.join(" or ")}`]].flat();
    schemes[p.id] = {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: `A JWT from provider \`${p.id}\` in \`Authorization: Bearer\`${checks.length === 0 ? "" : ` (${checks.join(", ")})`}; scopes from its \`scope\` or \`scp\` claim.`,
    };
  }
  return {
    schemes,
    byMethod: (rpc) => {
      const method = methods.get(rpc);
      if (method === undefined) return undefined;
      let policy: MethodPolicy;
      try {
        policy = resolvePolicy(method, config);
      } catch (error: unknown) {
        // A proto auth option no configured provider can serve (`generate` runs without a
        // config; serve refuses to start so): the document leaves that auth out.
        if (!(error instanceof ConfigError) || method.policy === undefined) throw error;
        policy = resolvePolicy({ ...method, policy: { ...method.policy, auth: undefined } }, config);
      }
      const { auth, rateLimit } = policy;
      if (auth === undefined && rateLimit === undefined) return undefined;
      return {
        ...(auth === undefined ? {} : { auth: { scheme: auth.provider, scopes: auth.scopes, required: auth.required } }),
        ...(rateLimit === undefined ? {} : { rateLimit: { requests: rateLimit.requests, perMs: rateLimit.perMs } }),
      };
    },
  };
}
