import test from "ava";
import { GrpcJsTransport } from "../../../../src/runtime/backend/grpc-js-transport.js";
import { BackendReadiness, servingStatus } from "../../../../src/runtime/ops/readiness.js";
import { startOpsBackend } from "../../../helpers/start-ops-backend.js";

test("servingStatus: reads HealthCheckResponse.status, skipping unknown fields", (t) => {
  t.is(servingStatus(Uint8Array.of(0x08, 0x01)), 1);
  t.is(servingStatus(Uint8Array.of(0x08, 0x02)), 2);
  t.is(servingStatus(Uint8Array.of()), 0);
  t.is(servingStatus(Uint8Array.of(0x12, 0x02, 0x61, 0x62, 0x08, 0x01)), 1, "a length-delimited field first");
  t.is(servingStatus(Uint8Array.of(0x10, 0x96, 0x01, 0x08, 0x01)), 1, "a multi-byte varint field first");
});

test("BackendReadiness: up via grpc.health.v1, cached, and shared by concurrent callers", async (t) => {
  const backend = await startOpsBackend();
  const transport = new GrpcJsTransport({ address: backend.address });
  const results: Array<[string, boolean]> = [];
  const readiness = new BackendReadiness(() => [{ name: backend.address, transport }], { cacheMs: 60_000, onResult: (n, up) => results.push([n, up]) });
  try {
    const [a, b] = await Promise.all([readiness.check(), readiness.check()]);
    t.deepEqual(a, { ready: true, backends: { [backend.address]: "up" } });
    t.is(a, b, "one round of checks for both callers");
    backend.health!.setStatus("", "NOT_SERVING");
    t.is(await readiness.check(), a, "cached within cacheMs");
    t.deepEqual(results, [[backend.address, true]]);
  } finally {
    transport.close();
    await backend.stop();
  }
});

test("BackendReadiness: NOT_SERVING and a stopped backend are not ready", async (t) => {
  const backend = await startOpsBackend();
  const transport = new GrpcJsTransport({ address: backend.address });
  const readiness = new BackendReadiness(() => [{ name: "b", transport }], { cacheMs: 0 });
  try {
    backend.health!.setStatus("", "NOT_SERVING");
    t.deepEqual(await readiness.check(), { ready: false, backends: { b: "health check answered NOT_SERVING" } });
    await backend.stop();
    const report = await readiness.check();
    t.false(report.ready);
    t.regex(report.backends.b ?? "", /^unreachable \(UNAVAILABLE: /);
  } finally {
    transport.close();
  }
});

test("BackendReadiness: a backend without the health service is up when it answers", async (t) => {
  const backend = await startOpsBackend({ health: false });
  const transport = new GrpcJsTransport({ address: backend.address });
  try {
    t.deepEqual(await new BackendReadiness(() => [{ name: "b", transport }]).check(), { ready: true, backends: { b: "up" } });
  } finally {
    transport.close();
    await backend.stop();
  }
});
