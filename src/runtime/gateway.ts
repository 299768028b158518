import { randomUUID } from "node:crypto";
import Koa from "koa";
import Router from "@koa/router";
import type { Logger } from "pino";
import type { CodecRegistry } from "../codec/index.js";
import type { RouteTable } from "../model/route-table.js";
import type { MetadataPairs } from "./backend/transport.js";
import { BackendStatusError } from "./backend/transport.js";
import { metadataFromHeaders, parseGrpcTimeout, responseHeadersFromMetadata } from "./backend/metadata.js";
import { ClientAddressResolver } from "./client-address.js";
import type { CompiledRoute, RouteResolvers } from "./compiled-route.js";
import { compileRoutes } from "./compiled-route.js";
import { gatewayErrorFromBackend } from "./errors/backend-error.js";
import { Code, GatewayError } from "./errors/gateway-error.js";
import { toGatewayError } from "./errors/to-gateway-error.js";
import { RouteMatcherBuilder } from "./router/route-matcher.js";
import { buildRequest } from "./transcode/request.js";
import { parseJsonBody, readBodyText } from "./transcode/read-body.js";
import { renderResponse } from "./transcode/response.js";

export interface GatewayOptions extends RouteResolvers {
  readonly table: RouteTable;
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
  readonly logger: Logger;
  /** The OpenAPI document served at /openapi.json. */
  readonly openapi: unknown;
  /** False once shutdown began: /readyz fails first so load balancers drain us. */
  readonly isReady: () => boolean;
}

const JSON_TYPE = "application/json";
// Echo a client's request id only when it is a sane token; otherwise mint one.
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The Koa app. Middleware, outermost first:
 *
 *   access-log + request id   every response carries X-Request-Id; one log line each
 *   error boundary            any throw → google.rpc.Status JSON; stack traces never leave
 *   operational routes        /healthz, /readyz, /openapi.json (fixed paths: @koa/router)
 *   transcoding               protogate's matcher → request bytes → backend → JSON
 */
export function createGateway(options: GatewayOptions): Koa {
  const routes = compileRoutes(options.table, options.codecs, options);
  const builder = new RouteMatcherBuilder<CompiledRoute>();
  for (const route of routes) builder.add(route.entry.httpMethod, route.entry.template, route);
  const matcher = builder.build();
  const addresses = new ClientAddressResolver(options.trustedProxies);
  const { logger } = options;

  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are answered and logged by the boundary below, not by Koa

  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get("x-request-id");
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set("X-Request-Id", requestId);
    try {
      await next();
    } finally {
      if (logger.isLevelEnabled("info")) {
        const route = ctx.state.route as CompiledRoute | undefined;
        logger.info({
          msg: "request",
          requestId,
          method: ctx.method,
          path: ctx.path,
          route: route?.entry.pattern,
          rpc: route?.method.name,
          status: ctx.status,
          grpcCode: ctx.state.grpcCode as number | undefined,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          clientIp: ctx.socket.remoteAddress,
        });
      }
    }
  });

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (reason: unknown) {
      const error = toGatewayError(reason);
      if (error.code === Code.INTERNAL && error.rawMessage === "internal error") {
        logger.error({ err: error.cause, requestId: ctx.state.requestId as string }, "unexpected error");
      }
      ctx.state.grpcCode = error.code;
      ctx.status = error.httpStatus;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.type = JSON_TYPE;
      ctx.body = error.toJson();
    }
  });

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
  app.use(ops.routes());

  app.use(async (ctx) => {
    const url = ctx.req.url ?? "/";
    const queryAt = url.indexOf("?");
    const rawPath = queryAt < 0 ? url : url.slice(0, queryAt);
    const query = queryAt < 0 ? "" : url.slice(queryAt + 1);
    const found = matcher.lookup(ctx.method, rawPath);
    switch (found.kind) {
      case "not-found":
        throw new GatewayError(Code.NOT_FOUND, `no route for ${ctx.method} ${rawPath}`);
      case "method-not-allowed":
        throw new GatewayError(Code.UNIMPLEMENTED, `method ${ctx.method} not allowed for ${rawPath}`, {
          httpStatus: 405,
          headers: { Allow: found.allowed.join(", ") },
        });
      case "bad-path":
        throw new GatewayError(Code.INVALID_ARGUMENT, found.reason);
      case "match":
        break;
    }
    const route = found.target;
    ctx.state.route = route;
    if (route.method.clientStreaming || route.method.serverStreaming) {
      throw new GatewayError(Code.UNIMPLEMENTED, `rpc ${route.method.name} is streaming; streaming RPCs are not served yet`);
    }

    let body: unknown;
    if (route.request.body !== undefined) {
      const text = await readBodyText(ctx.req, options.maxBodySize);
      body = text === "" ? undefined : parseJsonBody(text);
    }
    const message = buildRequest(route.request, found.values, query, body);

    const peer = ctx.socket.remoteAddress ?? "";
    const forwarded = addresses.resolve(peer, ctx.get("x-forwarded-for") || undefined);
    const metadata = metadataFromHeaders(ctx.headers, {
      requestId: ctx.state.requestId as string,
      peer,
      forwardedFor: forwarded.forwardedFor,
    });
    const deadline = deadlineFor(route, ctx.get("grpc-timeout") || undefined);

    // A client that goes away cancels the backend call.
    const abort = new AbortController();
    const onClose = (): void => {
      if (!ctx.res.writableFinished) abort.abort();
    };
    ctx.res.once("close", onClose);
    try {
      const response = await route.transport.unary({
        path: route.method.grpcPath,
        message,
        metadata,
        deadline,
        signal: abort.signal,
      });
      setMetadataHeaders(ctx, response.headers, response.trailers);
      ctx.state.grpcCode = Code.OK;
      ctx.status = 200;
      ctx.type = JSON_TYPE;
      ctx.body = renderResponse(route.responseCodec, route.responseBody, response.message);
    } catch (reason: unknown) {
      if (reason instanceof BackendStatusError) setMetadataHeaders(ctx, reason.headers, reason.trailers);
      throw gatewayErrorFromBackend(reason, options.codecs);
    } finally {
      ctx.res.off("close", onClose);
    }
  });

  return app;
}

/** The smaller of the client's Grpc-Timeout and the configured timeout. SPEC §5. */
function deadlineFor(route: CompiledRoute, grpcTimeout: string | undefined): number | undefined {
  const requested = parseGrpcTimeout(grpcTimeout);
  const limit =
    requested === undefined ? route.timeoutMs : route.timeoutMs === undefined ? requested : Math.min(requested, route.timeoutMs);
  return limit === undefined ? undefined : Date.now() + limit;
}

function setMetadataHeaders(ctx: Koa.Context, headers: MetadataPairs, trailers: MetadataPairs): void {
  for (const [name, value] of responseHeadersFromMetadata(headers, trailers)) ctx.append(name, value);
}
