import Router from "@koa/router";

export interface OpsOptions {
  /** The OpenAPI document served at /openapi.json. */
  readonly openapi: unknown;
  /** False once shutdown began: /readyz fails first so load balancers drain us. */
  readonly isReady: () => boolean;
}

const JSON_TYPE = "application/json";

/** The fixed operational routes; @koa/router is fine here (no template captures). */
export function opsRoutes(options: OpsOptions): ReturnType<Router["routes"]> {
  const ops = new Router();
  ops.get("/healthz", (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = '{"status":"ok"}';
  });
  ops.get("/readyz", (ctx) => {
    const ready = options.isReady();
    ctx.status = ready ? 200 : 503;
    ctx.type = JSON_TYPE;
    ctx.body = ready ? '{"status":"ready"}' : '{"status":"shutting down"}';
  });
  const openapiText = JSON.stringify(options.openapi);
  ops.get("/openapi.json", (ctx) => {
    ctx.type = JSON_TYPE;
    ctx.body = openapiText;
  });
  return ops.routes();
}
