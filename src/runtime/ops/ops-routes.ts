import Router from "@koa/router";
import type { GatewayMetrics } from "./metrics.js";
import type { ReadinessReport } from "./readiness.js";

export interface OpsOptions {
  /** The OpenAPI document served at /openapi.json. */
  readonly openapi: unknown;
  /** False once shutdown began: /readyz fails first so load balancers drain us. */
  readonly isReady: () => boolean;
  /** Backend reachability for /readyz (readiness.ts); without it only shutdown matters. */
  readonly backendReadiness?: (() => Promise<ReadinessReport>) | undefined;
  /** Serves /metrics when set. */
  readonly metrics?: GatewayMetrics | undefined;
}

const JSON_TYPE = "application/json";

/** The paths opsRoutes answers (GET), ahead of any route of the protos. */
export const OPS_PATHS: readonly string[] = ["/healthz", "/readyz", "/metrics", "/openapi.json"];

/** The fixed operational routes; @koa/router is fine here (no template captures). */
export function opsRoutes(options: OpsOptions): ReturnType<Router["routes"]> {
  const ops = new Router();
  ops.get("/healthz", (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = '{"status":"ok"}';
  });
  ops.get("/readyz", async (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.set("Cache-Control", "no-store");
    // Shutdown is checked first and alone, so draining never waits on a backend check.
    if (!options.isReady()) {
      ctx.status = 503;
      ctx.body = '{"status":"shutting down"}';
      return;
    }
    const report = options.backendReadiness === undefined ? undefined : await options.backendReadiness();
    ctx.status = report === undefined || report.ready ? 200 : 503;
    ctx.body = JSON.stringify({ status: ctx.status === 200 ? "ready" : "backends unavailable", ...(report === undefined ? {} : { backends: report.backends }) });
  });
  const metrics = options.metrics;
  if (metrics !== undefined) {
    ops.get("/metrics", async (ctx) => {
      const { contentType, text } = await metrics.render();
      ctx.type = contentType;
      ctx.body = text;
    });
  }
  const openapiText = JSON.stringify(options.openapi);
  ops.get("/openapi.json", (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = openapiText;
  });
  return ops.routes();
}
