import type { Middleware } from "koa";
import type { CodecRegistry } from "../../codec/index.js";
import type { CompiledRoute, RouteKind } from "../compiled-route.js";
import { requestState } from "../request-state.js";
import { clientStreamCall } from "./client-stream.js";
import { httpBodyCall } from "./http-body.js";
import { serverStreamCall } from "./server-stream.js";
import { unaryCall } from "./unary-call.js";

export interface CallDispatchOptions {
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
}

/** The end of the chain: the handler for the matched binding's kind (decided at start-up). */
export function callDispatch(options: CallDispatchOptions): Middleware {
  const handlers: Readonly<Record<RouteKind, Middleware>> = {
    unary: unaryCall(options),
    "http-body": httpBodyCall(options),
    "server-stream": serverStreamCall(options),
    "client-stream": clientStreamCall(options),
  };
  return (ctx, next) => handlers[(requestState(ctx).route as CompiledRoute).kind](ctx, next);
}
