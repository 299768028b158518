import test from "ava";
import type { MethodEntry, RouteTable } from "../../../src/model/route-table.js";
import { ROUTE_TABLE_FORMAT } from "../../../src/model/route-table.js";
import { withAutoMapping } from "../../../src/runtime/auto-mapping.js";

function method(name: string): MethodEntry {
  const at = name.lastIndexOf(".");
  const service = name.slice(0, at);
  return { name, service, grpcPath: `/${service}/${name.slice(at + 1)}`, requestType: "p.R", responseType: "p.R", clientStreaming: false, serverStreaming: false, file: "p.proto" };
}

const table: RouteTable = {
  format: ROUTE_TABLE_FORMAT,
  generator: "test",
  methods: [method("a.v1.Svc.Bound"), method("a.v1.Svc.Free"), method("a.v1.Other.Also")],
  routes: [{ httpMethod: "GET", pattern: "/v1/bound", template: { segments: [{ kind: "literal", value: "v1" }, { kind: "literal", value: "bound" }], variables: [] }, rpc: "a.v1.Svc.Bound" }],
  types: { messages: {}, enums: {} },
};

test("withAutoMapping: adds POST /<package>.<Service>/<Method> with body * for each RPC without a rule", (t) => {
  const mapped = withAutoMapping(table);
  t.deepEqual(mapped.routes.slice(1), [
    { httpMethod: "POST", pattern: "/a.v1.Svc/Free", template: { segments: [{ kind: "literal", value: "a.v1.Svc" }, { kind: "literal", value: "Free" }], variables: [] }, rpc: "a.v1.Svc.Free", body: "*" },
    { httpMethod: "POST", pattern: "/a.v1.Other/Also", template: { segments: [{ kind: "literal", value: "a.v1.Other" }, { kind: "literal", value: "Also" }], variables: [] }, rpc: "a.v1.Other.Also", body: "*" },
  ]);
  t.is(mapped.routes[0], table.routes[0]);
  t.is(table.routes.length, 1, "the input table is not changed");
});

test("withAutoMapping: a table where every RPC has a rule comes back as is", (t) => {
  const bound: RouteTable = { ...table, methods: [method("a.v1.Svc.Bound")] };
  t.is(withAutoMapping(bound), bound);
});
