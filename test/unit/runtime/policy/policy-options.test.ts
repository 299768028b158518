import test from "ava";
import { fileURLToPath } from "node:url";
import { buildModel } from "../../../../src/descriptors/build-model.js";
import { loadProtos } from "../../../../src/descriptors/load-protos.js";
import type { MethodModel } from "../../../../src/model/proto-model.js";
import { writeTempFiles } from "../../../helpers/temp-dir.js";

const POLICY_PROTOS = fileURLToPath(new URL("../../../../../test/fixtures/policy/", import.meta.url));

function methods(roots: readonly string[]): Map<string, MethodModel> {
  const model = buildModel(loadProtos(roots));
  return new Map(model.services.flatMap((s) => s.methods).map((m) => [m.name, m]));
}

test("policy options: method options over the service option, durations in ms", (t) => {
  const byName = methods([POLICY_PROTOS]);
  t.deepEqual(byName.get("GetSecret")?.policy, { auth: { required: true, scopes: ["items.read"] }, timeoutMs: 5000 });
  t.deepEqual(byName.get("GetOptional")?.policy, { auth: { required: false }, timeoutMs: 5000 });
  t.deepEqual(byName.get("GetLimited")?.policy, { rateLimit: { requests: 3, perMs: 60_000 }, timeoutMs: 5000 });
  t.deepEqual(byName.get("GetCached")?.policy, { cache: { ttlMs: 60_000 }, timeoutMs: 5000 });
  t.deepEqual(byName.get("GetOpen")?.policy, { timeoutMs: 5000 });
});

function protoError(body: string): string | undefined {
  const dir = writeTempFiles({
    "p/p.proto": `syntax = "proto3";\npackage p;\nimport "protogate/options.proto";\nmessage M {}\nservice S {\n  rpc Get(M) returns (M) {\n    option (protogate.policy) = ${body};\n  }\n}\n`,
  });
  try {
    buildModel(loadProtos([dir.dir]));
    return undefined;
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    dir.cleanup();
  }
}

test("policy options: bad values are a ProtoError at generate time", (t) => {
  const cases: ReadonlyArray<readonly [string, string | undefined]> = [
    ['{timeout: "soon"}', 'p/p.proto:6: rpc Get: timeout: "soon" is not a duration (use e.g. 1m, 30s, 500ms)'],
    ['{rate_limit: {requests: 0 per: "1m"}}', "p/p.proto:6: rpc Get: rate_limit.requests must be an integer >= 1"],
    ['{rate_limit: {requests: 5 per: "0s"}}', "p/p.proto:6: rpc Get: rate_limit.per must be longer than 0s"],
    ['{rate_limit: {requests: 5 per: "1m" key: "cookie"}}', 'p/p.proto:6: rpc Get: rate_limit.key "cookie" is not a rate-limit key (use ip, sub or header:<name>)'],
    ['{rate_limit: {requests: 5 per: "1m" key: "header:x-api-key" burst: 10}}', undefined],
    ['{cache: {ttl: "0s"}}', undefined],
  ];
  for (const [body, expected] of cases) t.is(protoError(body), expected, body);
});
