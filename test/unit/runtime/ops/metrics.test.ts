import test from "ava";
import { GatewayMetrics, codeName } from "../../../../src/runtime/ops/metrics.js";
import { parseMetrics, sampleValue } from "../../../helpers/parse-metrics.js";

test("codeName: every gRPC code by name; anything else is UNKNOWN", (t) => {
  t.is(codeName(0), "OK");
  t.is(codeName(5), "NOT_FOUND");
  t.is(codeName(14), "UNAVAILABLE");
  t.is(codeName(16), "UNAUTHENTICATED");
  t.is(codeName(17), "UNKNOWN");
  t.is(codeName(-1), "UNKNOWN");
});

test("GatewayMetrics: the policy hooks count under their documented names and labels", async (t) => {
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  metrics.recordAuthSuccess("a.B.C");
  metrics.recordAuthFailure("a.B.C", "expired");
  metrics.recordAuthFailure("a.B.C", "expired");
  metrics.recordAuthFailure("a.B.C", "insufficient_scope");
  metrics.recordRateLimitRejection("a.B.C");
  metrics.recordRateLimitStoreError("allow");
  metrics.recordCacheHit("a.B.C");
  metrics.recordCacheHit("a.B.C");
  metrics.recordCacheMiss("a.B.C");
  const samples = parseMetrics((await metrics.render()).text);
  t.is(sampleValue(samples, "protogate_auth_successes_total", { rpc: "a.B.C" }), 1);
  t.is(sampleValue(samples, "protogate_auth_failures_total", { rpc: "a.B.C", reason: "expired" }), 2);
  t.is(sampleValue(samples, "protogate_auth_failures_total", { rpc: "a.B.C", reason: "insufficient_scope" }), 1);
  t.is(sampleValue(samples, "protogate_rate_limit_rejections_total", { rpc: "a.B.C" }), 1);
  t.is(sampleValue(samples, "protogate_rate_limit_store_errors_total", { outcome: "allow" }), 1);
  t.is(sampleValue(samples, "protogate_cache_hits_total", { rpc: "a.B.C" }), 2);
  t.is(sampleValue(samples, "protogate_cache_misses_total", { rpc: "a.B.C" }), 1);
});

test("GatewayMetrics: backend calls are timed by rpc and code; only backend faults count as errors", async (t) => {
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  metrics.recordBackendCall("b:1", "a.B.C", 0, 0.002);
  metrics.recordBackendCall("b:1", "a.B.C", 5, 0.001);
  metrics.recordBackendCall("b:1", "a.B.C", 14, 0.003);
  metrics.recordBackendCall("b:1", "a.B.C", 4, 1.5);
  const samples = parseMetrics((await metrics.render()).text);
  t.is(sampleValue(samples, "protogate_backend_request_duration_seconds_count", { rpc: "a.B.C", grpc_code: "OK" }), 1);
  t.is(sampleValue(samples, "protogate_backend_request_duration_seconds_count", { rpc: "a.B.C", grpc_code: "NOT_FOUND" }), 1);
  t.is(sampleValue(samples, "protogate_backend_errors_total", { grpc_code: "UNAVAILABLE" }), 1);
  t.is(sampleValue(samples, "protogate_backend_errors_total", { grpc_code: "DEADLINE_EXCEEDED" }), 1);
  t.is(sampleValue(samples, "protogate_backend_errors_total", { grpc_code: "NOT_FOUND" }), undefined);
});

test("GatewayMetrics: two gateways in one process keep separate registries", async (t) => {
  const a = new GatewayMetrics({ defaultMetrics: false });
  const b = new GatewayMetrics({ defaultMetrics: false });
  a.recordCacheHit("x.Y.Z");
  t.is(sampleValue(parseMetrics((await b.render()).text), "protogate_cache_hits_total", { rpc: "x.Y.Z" }), undefined);
});

test("GatewayMetrics: startRequest counts, times and tracks in-flight", async (t) => {
  const metrics = new GatewayMetrics({ defaultMetrics: false });
  const done = metrics.startRequest();
  t.is(sampleValue(parseMetrics((await metrics.render()).text), "protogate_http_requests_in_flight"), 1);
  done("a.B.C", 200, 0);
  const samples = parseMetrics((await metrics.render()).text);
  t.is(sampleValue(samples, "protogate_http_requests_in_flight"), 0);
  t.is(sampleValue(samples, "protogate_http_requests_total", { rpc: "a.B.C", code: "200", grpc_code: "OK" }), 1);
  t.is(sampleValue(samples, "protogate_http_request_duration_seconds_count", { rpc: "a.B.C" }), 1);
});
