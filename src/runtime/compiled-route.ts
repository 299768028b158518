import type { CodecRegistry, MessageCodec } from "../codec/index.js";
import type { FieldPath } from "../model/field-path.js";
import type { MethodEntry, RouteEntry, RouteTable } from "../model/route-table.js";
import { ROUTE_TABLE_FORMAT } from "../model/route-table.js";
import type { Transport } from "./backend/transport.js";
import type { HttpBodyPlan } from "./transcode/http-body.js";
import { compileHttpBodyPlan } from "./transcode/http-body.js";
import type { RequestPlan } from "./transcode/request.js";
import { compileRequestPlan } from "./transcode/request.js";

/**
 * Which handler serves a binding: plain unary JSON, unary with a google.api.HttpBody
 * request or response, server streaming, or client/bidi streaming (NDJSON request body).
 */
export type RouteKind = "unary" | "http-body" | "server-stream" | "client-stream";

/** Everything one binding needs per request, resolved once at start-up. */
export interface CompiledRoute {
  readonly kind: RouteKind;
  readonly httpBody: HttpBodyPlan;
  readonly entry: RouteEntry;
  readonly method: MethodEntry;
  readonly request: RequestPlan;
  readonly responseCodec: MessageCodec;
  readonly responseBody: FieldPath | undefined;
  readonly transport: Transport;
  /** Upper bound for the call deadline (rule or backend timeout), if any. */
  readonly timeoutMs: number | undefined;
}

export interface RouteResolvers {
  readonly transportFor: (method: MethodEntry) => Transport;
  readonly timeoutFor: (method: MethodEntry) => number | undefined;
}

export class RouteTableError extends Error {
  override name = "RouteTableError";
}

/** Checks the generated table's contract version: a stale `generated/` fails here, loudly. */
export function checkRouteTable(table: RouteTable): void {
  if (table.format !== ROUTE_TABLE_FORMAT) {
    throw new RouteTableError(
      `route table format ${String(table.format)} is not supported (this protogate reads format ${ROUTE_TABLE_FORMAT}); run "protogate generate" again`,
    );
  }
}

export function compileRoutes(table: RouteTable, codecs: CodecRegistry, resolvers: RouteResolvers): CompiledRoute[] {
  checkRouteTable(table);
  const methods = new Map(table.methods.map((method) => [method.name, method]));
  return table.routes.map((entry) => {
    const method = methods.get(entry.rpc);
    if (method === undefined) throw new RouteTableError(`route ${entry.httpMethod} ${entry.pattern} names unknown rpc ${entry.rpc}`);
    const httpBody = compileHttpBodyPlan(entry, method, table.types);
    return {
      kind: routeKind(method, httpBody),
      httpBody,
      entry,
      method,
      request: compileRequestPlan(entry, codecs.message(method.requestType), table.types),
      responseCodec: codecs.message(method.responseType),
      responseBody: entry.responseBody,
      transport: resolvers.transportFor(method),
      timeoutMs: resolvers.timeoutFor(method),
    };
  });
}

function routeKind(method: MethodEntry, httpBody: HttpBodyPlan): RouteKind {
  if (method.clientStreaming) return "client-stream";
  if (method.serverStreaming) return "server-stream";
  return httpBody.request === undefined && httpBody.response === undefined ? "unary" : "http-body";
}
