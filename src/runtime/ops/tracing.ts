import type { Middleware } from "koa";
import type { TracingConfig } from "../../config/gateway-config.js";
import { requestState } from "../request-state.js";

export interface Tracing {
  /** Starts a SERVER span per request and makes it the parent the backend sees. */
  readonly middleware: Middleware;
  /** Flushes buffered spans; call once at shutdown. */
  shutdown(): Promise<void>;
}

// Spans go out in batches at most this long after they end (the SDK's default is 5s).
const EXPORT_DELAY_MS = 1000;

/**
 * OpenTelemetry tracing (SPEC §8), exported over OTLP/HTTP. The SDK is imported here,
 * on demand, so a gateway without `tracing` never loads it and pays nothing.
 *
 * Each request gets a span `METHOD /route/{template}` (or `METHOD unmatched`), a child of the
 * client's W3C `traceparent` when it sent one. The request's `traceparent`/`tracestate`
 * are then replaced by the span's own, so the metadata forwarded to the backend (SPEC §5)
 * makes the gateway's span the backend's parent.
 */
export async function createTracing(config: TracingConfig): Promise<Tracing> {
  const [api, core, resources, sdk, otlp] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/exporter-trace-otlp-http"),
  ]);
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ "service.name": config.serviceName }),
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(config.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor(new otlp.OTLPTraceExporter({ url: config.endpoint }), { scheduledDelayMillis: EXPORT_DELAY_MS })],
  });
  const tracer = provider.getTracer("protogate");
  const propagator = new core.W3CTraceContextPropagator();
  type Headers = Record<string, string | string[] | undefined>;
  const getter = {
    keys: (carrier: Headers) => Object.keys(carrier),
    get: (carrier: Headers, key: string) => carrier[key],
  };
  const setter = { set: (carrier: Headers, key: string, value: string) => void (carrier[key] = value) };

  const middleware: Middleware = async (ctx, next) => {
    const parent = propagator.extract(api.ROOT_CONTEXT, ctx.req.headers, getter);
    const span = tracer.startSpan(
      ctx.method,
      { kind: api.SpanKind.SERVER, attributes: { "http.request.method": ctx.method, "url.path": ctx.path } },
      parent,
    );
    delete ctx.req.headers.tracestate;
    propagator.inject(api.trace.setSpan(parent, span), ctx.req.headers, setter);
    try {
      await next();
    } finally {
      const state = requestState(ctx);
      const route = state.route;
      span.updateName(`${ctx.method} ${route?.entry.pattern ?? "unmatched"}`);
      if (route !== undefined) {
        span.setAttributes({ "http.route": route.entry.pattern, "rpc.system": "grpc", "rpc.method": route.method.name });
      }
      span.setAttribute("http.response.status_code", ctx.status);
      if (state.grpcCode !== undefined) span.setAttribute("rpc.grpc.status_code", state.grpcCode);
      if (ctx.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    }
  };
  return { middleware, shutdown: () => provider.shutdown() };
}
