import type { RouteEntry, RouteTable } from "../model/route-table.js";

/**
 * autoMapping (SPEC §3): every RPC without an HTTP rule becomes
 * `POST /<package>.<Service>/<Method>` with the whole request as the body. Built once at
 * start-up; the table itself (and generated/) does not change.
 */
export function withAutoMapping(table: RouteTable): RouteTable {
  const bound = new Set(table.routes.map((route) => route.rpc));
  const added: RouteEntry[] = [];
  for (const method of table.methods) {
    if (bound.has(method.name)) continue;
    const [service = "", rpc = ""] = method.grpcPath.slice(1).split("/");
    added.push({
      httpMethod: "POST",
      pattern: method.grpcPath,
      template: { segments: [{ kind: "literal", value: service }, { kind: "literal", value: rpc }], variables: [] },
      rpc: method.name,
      body: "*",
    });
  }
  return added.length === 0 ? table : { ...table, routes: [...table.routes, ...added] };
}
