import test from "ava";
import type { ExecutionContext } from "ava";
import { parseMetrics, sampleValue } from "../helpers/parse-metrics.js";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import type { OpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

interface Setup {
  readonly backend: OpsBackend;
  readonly gateway: GatewayProcess;
  stop(): Promise<void>;
}

/** An ops backend and a real `protogate serve` whose only backend ("*") is it, with `extra` YAML under the entry. */
async function setup(backendExtra = "", backendOptions: Parameters<typeof startOpsBackend>[0] = {}, topExtra = ""): Promise<Setup> {
  const backend = await startOpsBackend(backendOptions);
  const files = writeTempFiles({
    "config.yaml": `backends:\n  - selector: "*"\n    address: ${backend.address}\n${backendExtra}${topExtra}`,
  });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`]);
  return {
    backend,
    gateway,
    stop: async () => {
      await gateway.stop();
      await backend.stop();
      files.cleanup();
    },
  };
}

async function metrics(url: string): Promise<ReturnType<typeof parseMetrics>> {
  const response = await fetch(`${url}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

/** Polls `probe` until it returns true; fails the test after `limitMs`. */
async function eventually(t: ExecutionContext, what: string, probe: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.fail(`${what} did not happen within ${limitMs} ms`);
}

test.serial("ops: /metrics parses and counts what the test sent, by rpc, HTTP code and gRPC code", async (t) => {
  const s = await setup();
  try {
    for (let i = 0; i < 3; i++) t.is((await fetch(`${s.gateway.url}/v1/items/a${i}`)).status, 200);
    t.is((await fetch(`${s.gateway.url}/v1/items/x`, { headers: { "grpc-metadata-fail-code": "5" } })).status, 404);
    t.is((await fetch(`${s.gateway.url}/no/such/path`)).status, 404);
    t.is((await fetch(`${s.gateway.url}/healthz`)).status, 200);
    const samples = await metrics(s.gateway.url);
    t.is(sampleValue(samples, "protogate_http_requests_total", { rpc: "ops", code: "200" }), 1, "the probe, under ops");
    const requests = "protogate_http_requests_total";
    t.is(sampleValue(samples, requests, { rpc: "ops.v1.OpsService.GetItem", code: "200", grpc_code: "OK" }), 3);
    t.is(sampleValue(samples, requests, { rpc: "ops.v1.OpsService.GetItem", code: "404", grpc_code: "NOT_FOUND" }), 1);
    t.is(sampleValue(samples, requests, { rpc: "unmatched", code: "404", grpc_code: "NOT_FOUND" }), 1);
    t.is(sampleValue(samples, "protogate_http_request_duration_seconds_count", { rpc: "ops.v1.OpsService.GetItem" }), 4);
    t.is(sampleValue(samples, "protogate_backend_request_duration_seconds_count", { rpc: "ops.v1.OpsService.GetItem", grpc_code: "OK" }), 3);
    // NOT_FOUND is the API's answer, not a backend fault.
    t.is(sampleValue(samples, "protogate_backend_errors_total", { rpc: "ops.v1.OpsService.GetItem" }), undefined);
    t.is(sampleValue(samples, "protogate_http_requests_in_flight"), 1, "only the scrape itself");
    t.true((sampleValue(samples, "process_cpu_user_seconds_total") ?? -1) >= 0, "Node default metrics are there");
    t.false(samples.some((sample) => Object.values(sample.labels).some((v) => v.includes("/no/such"))), "no raw path as a label");
  } finally {
    await s.stop();
  }
});

test.serial("ops: one access-log line per request with id, route, rpc, status, gRPC code, durations and client ip — never the token", async (t) => {
  const s = await setup("", {}, "trustedProxies: [127.0.0.1]\n");
  try {
    const token = "Bearer secret-token-never-logged";
    const response = await fetch(`${s.gateway.url}/v1/items/logged`, { headers: { "x-request-id": "log-test-1", authorization: token, "x-forwarded-for": "203.0.113.7" } });
    t.is(response.status, 200);
    await fetch(`${s.gateway.url}/v1/items/logged`, { headers: { "x-request-id": "log-test-2", "grpc-metadata-fail-code": "14" } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // let pino's line reach the pipe
    const entries = s.gateway
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // Every line has pino's shape, the ready line included: one level format for log shippers.
    t.true(entries.length > 2 && entries.every((entry) => entry.level === 30 && typeof entry.time === "number"), JSON.stringify(entries[0]));
    const lines = entries.filter((entry) => entry.msg === "request");
    const first = lines.filter((entry) => entry.requestId === "log-test-1");
    t.is(first.length, 1, "exactly one line for the request");
    t.like(first[0], { method: "GET", route: "/v1/items/{id}", rpc: "ops.v1.OpsService.GetItem", status: 200, grpcCode: 0, clientIp: "203.0.113.7" });
    t.is(typeof first[0]!.durationMs, "number");
    t.is(typeof first[0]!.backendMs, "number");
    t.like(lines.find((entry) => entry.requestId === "log-test-2"), { status: 503, grpcCode: 14, clientIp: "127.0.0.1" });
    t.false(s.gateway.output().includes("secret-token-never-logged"));
  } finally {
    await s.stop();
  }
});

test.serial("ops: traceparent and tracestate arrive at the backend as gRPC metadata", async (t) => {
  const s = await setup();
  try {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await fetch(`${s.gateway.url}/v1/items/traced`, { headers: { traceparent, tracestate: "vendor=opaque" } });
    const call = s.backend.calls.at(-1)!;
    t.deepEqual(call.metadata.get("traceparent"), [traceparent]);
    t.deepEqual(call.metadata.get("tracestate"), ["vendor=opaque"]);
  } finally {
    await s.stop();
  }
});

test.serial("ops: /readyz flips to 503 when the backend stops and back to 200 when it recovers", async (t) => {
  const s = await setup();
  let restarted: OpsBackend | undefined;
  try {
    const ready = await fetch(`${s.gateway.url}/readyz`);
    t.is(ready.status, 200);
    t.deepEqual(await ready.json(), { status: "ready", backends: { [s.backend.address]: "up" } });
    await s.backend.stop();
    await eventually(t, "/readyz failing", async () => (await fetch(`${s.gateway.url}/readyz`)).status === 503);
    const down = (await (await fetch(`${s.gateway.url}/readyz`)).json()) as { status: string; backends: Record<string, string> };
    t.is(down.status, "backends unavailable");
    t.regex(down.backends[s.backend.address] ?? "", /^unreachable/);
    t.is(sampleValue(await metrics(s.gateway.url), "protogate_backend_up", { backend: s.backend.address }), 0);
    t.is((await fetch(`${s.gateway.url}/healthz`)).status, 200, "the process is still alive");
    restarted = await startOpsBackend({ port: s.backend.port });
    await eventually(t, "/readyz recovering", async () => (await fetch(`${s.gateway.url}/readyz`)).status === 200);
    t.is(sampleValue(await metrics(s.gateway.url), "protogate_backend_up", { backend: s.backend.address }), 1);
  } finally {
    await s.gateway.stop();
    await restarted?.stop();
  }
});

test.serial("ops: /readyz falls back to reachability for a backend without grpc.health.v1", async (t) => {
  const s = await setup("", { health: false });
  try {
    t.is((await fetch(`${s.gateway.url}/readyz`)).status, 200);
  } finally {
    await s.stop();
  }
});

test.serial("ops: /readyz is 503 while the backend reports NOT_SERVING", async (t) => {
  const s = await setup();
  try {
    s.backend.health!.setStatus("", "NOT_SERVING");
    await eventually(t, "/readyz failing", async () => (await fetch(`${s.gateway.url}/readyz`)).status === 503);
    const body = (await (await fetch(`${s.gateway.url}/readyz`)).json()) as { backends: Record<string, string> };
    t.is(body.backends[s.backend.address], "health check answered NOT_SERVING");
  } finally {
    await s.stop();
  }
});

test.serial("ops: an idempotent method is retried on UNAVAILABLE and succeeds; a non-idempotent one is not", async (t) => {
  const s = await setup("    retry: { maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms }\n", { failFirst: 1 });
  try {
    const response = await fetch(`${s.gateway.url}/v1/items/again`);
    t.is(response.status, 200, await response.text());
    t.is(s.backend.calls.length, 2, "failed once, then served");
    t.deepEqual(
      s.backend.calls.map((c) => c.path),
      ["/ops.v1.OpsService/GetItem", "/ops.v1.OpsService/GetItem"],
    );
  } finally {
    await s.stop();
  }
  const once = await setup("    retry: { maxAttempts: 3, initialBackoff: 10ms, maxBackoff: 50ms }\n", { failFirst: 1 });
  try {
    const response = await fetch(`${once.gateway.url}/v1/items`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"id":"n"}' });
    t.is(response.status, 503);
    t.is(once.backend.calls.length, 1, "CreateItem has no idempotency_level: never sent twice");
  } finally {
    await once.stop();
  }
});

test.serial("ops: the circuit breaker opens after consecutive UNAVAILABLE answers, fails fast with 503, and closes after a good trial call", async (t) => {
  const s = await setup("    circuitBreaker: { failures: 2, halfOpenAfter: 300ms }\n");
  const post = (fail: boolean): Promise<Response> =>
    fetch(`${s.gateway.url}/v1/items`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(fail ? { "grpc-metadata-fail-code": "14" } : {}) },
      body: '{"id":"b"}',
    });
  try {
    t.is((await post(true)).status, 503);
    t.is((await post(true)).status, 503);
    t.is(s.backend.calls.length, 2);
    const open = await post(false);
    t.is(open.status, 503);
    t.deepEqual(await open.json(), { code: 14, message: `backend ${s.backend.address} is failing; its circuit breaker is open`, details: [] });
    t.is(s.backend.calls.length, 2, "while open, calls never reach the backend");
    t.is(sampleValue(await metrics(s.gateway.url), "protogate_backend_circuit_state", { backend: s.backend.address }), 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    t.is((await post(false)).status, 200, "the half-open trial call passes");
    t.is((await post(false)).status, 200);
    t.is(s.backend.calls.length, 4);
    t.is(sampleValue(await metrics(s.gateway.url), "protogate_backend_circuit_state", { backend: s.backend.address }), 0);
    t.is(sampleValue(await metrics(s.gateway.url), "protogate_backend_errors_total", { rpc: "ops.v1.OpsService.CreateItem", grpc_code: "UNAVAILABLE" }), 3);
  } finally {
    await s.stop();
  }
});
