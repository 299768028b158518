import { compileOpenapi } from "../compile/compile-openapi.js";
import { compileRoutes } from "../compile/compile-routes.js";
import { buildModel } from "../descriptors/build-model.js";
import { loadProtos } from "../descriptors/load-protos.js";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { RouteTable } from "../model/route-table.js";
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
  return compileOpenapi(table, { title: "protogate API", version: VERSION, useProtoNames: config.json.useProtoNames });
}
