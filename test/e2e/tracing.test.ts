import test from "ava";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface OtlpExport {
  readonly resourceSpans: Array<{
    readonly resource: { readonly attributes: Array<{ key: string; value: Record<string, unknown> }> };
    readonly scopeSpans: Array<{ readonly spans: OtlpSpan[] }>;
  }>;
}

/** A local OTLP/HTTP (JSON) traces endpoint that keeps what it receives. */
async function startCollector(): Promise<{ url: string; exports: OtlpExport[]; stop: () => Promise<void> }> {
  const exports: OtlpExport[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/v1/traces" && req.headers["content-type"]?.startsWith("application/json")) exports.push(JSON.parse(body) as OtlpExport);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, exports, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("tracing: a span per request reaches the OTLP endpoint, child of the client's traceparent and parent of the backend's", async (t) => {
  const collector = await startCollector();
  const backend = await startOpsBackend();
  const files = writeTempFiles({
    "config.yaml": `backends: [{ selector: "*", address: "${backend.address}" }]\ntracing: { endpoint: "${collector.url}", serviceName: gw-test }\n`,
  });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`]);
  try {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const response = await fetch(`${gateway.url}/v1/items/traced`, { headers: { traceparent: `00-${traceId}-${clientSpan}-01` } });
    t.is(response.status, 200);
    // The backend's parent is the gateway's span: same trace, a new span id.
    const forwarded = String(backend.calls.at(-1)!.metadata.get("traceparent")[0]);
    const [, forwardedTrace, gatewaySpan, flags] = forwarded.split("-");
    t.is(forwardedTrace, traceId);
    t.not(gatewaySpan, clientSpan);
    t.is(flags, "01");
    t.is(await gateway.stop("SIGTERM"), 0, "the buffered spans are flushed at shutdown");
    const spans = collector.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    const span = spans.find((s) => s.spanId === gatewaySpan);
    t.truthy(span, `the gateway's span among ${spans.length} exported`);
    t.is(span?.traceId, traceId);
    t.is(span?.parentSpanId, clientSpan);
    t.is(span?.name, "GET /v1/items/{id}");
    t.is(span?.kind, 2, "SPAN_KIND_SERVER");
    const attributes = Object.fromEntries((span?.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
    t.like(attributes, { "http.route": "/v1/items/{id}", "rpc.method": "ops.v1.OpsService.GetItem", "http.response.status_code": 200 });
    const resource = collector.exports[0]?.resourceSpans[0]?.resource.attributes.find((a) => a.key === "service.name");
    t.deepEqual(resource?.value, { stringValue: "gw-test" });
  } finally {
    await gateway.stop();
    await backend.stop();
    await collector.stop();
    files.cleanup();
  }
});
