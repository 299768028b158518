import type { ServerResponse } from "node:http";
import type { Context, Middleware } from "koa";
import type { CodecRegistry } from "../../codec/index.js";
import { metadataFromHeaders, parseGrpcTimeout, responseHeadersFromMetadata } from "../backend/metadata.js";
import type { CancelSignal, MetadataPairs } from "../backend/transport.js";
import { BackendStatusError } from "../backend/transport.js";
import { ClientAddressResolver } from "../client-address.js";
import { withClaims } from "../policy/claims-metadata.js";
import type { CompiledRoute } from "../compiled-route.js";
import { gatewayErrorFromBackend } from "../errors/backend-error.js";
import { Code } from "../errors/gateway-error.js";
import { requestState } from "../request-state.js";
import { bodyTextOf, parseJsonBody } from "./read-body.js";
import { buildRequest } from "./request.js";
import { renderResponse } from "./response.js";

/** What every call middleware needs from the gateway's options. */
export interface CallOptions {
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
}

/**
 * Unary RPCs with JSON in and out: path values + query + JSON body → request bytes
 * → backend → JSON answer, with metadata both ways and the call's deadline. A client
 * that goes away cancels the backend call.
 */
export function unaryCall(options: CallOptions): Middleware {
  const addresses = new ClientAddressResolver(options.trustedProxies);
  return async (ctx) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    let body: unknown;
    if (route.request.body !== undefined) {
      const text = await bodyTextOf(ctx, options.maxBodySize);
      body = text === "" ? undefined : parseJsonBody(text);
    }
    const message = buildRequest(route.request, state.pathValues ?? [], state.rawQuery ?? "", body);
    // Verified claims are added after the client's headers, which can never carry x-jwt-*.
    const metadata = withClaims(outgoingMetadata(ctx, addresses, state.requestId), state);
    const deadline = deadlineFor(route, ctx.get("grpc-timeout") || undefined);

    const cancel = cancelOnClientClose(ctx.res);
    const called = process.hrtime.bigint();
    try {
      const response = await route.transport.unary({ path: route.method.grpcPath, message, metadata, deadline, signal: cancel.signal });
      state.backendMs = Number(process.hrtime.bigint() - called) / 1e6;
      setMetadataHeaders(ctx, response.headers, response.trailers);
      state.grpcCode = Code.OK;
      ctx.status = 200;
      ctx.type = "application/json";
      ctx.body = renderResponse(route.responseCodec, route.responseBody, response.message);
    } catch (reason: unknown) {
      state.backendMs = Number(process.hrtime.bigint() - called) / 1e6;
      if (reason instanceof BackendStatusError) setMetadataHeaders(ctx, reason.headers, reason.trailers);
      throw gatewayErrorFromBackend(reason, options.codecs);
    } finally {
      cancel.release();
    }
  };
}

/** Request headers → gRPC metadata (SPEC §5), with this hop added to X-Forwarded-For. */
export function outgoingMetadata(ctx: Context, addresses: ClientAddressResolver, requestId: string): MetadataPairs {
  const peer = ctx.socket.remoteAddress ?? "";
  const forwarded = addresses.resolve(peer, ctx.get("x-forwarded-for") || undefined);
  return metadataFromHeaders(ctx.headers, { requestId, peer, forwardedFor: forwarded.forwardedFor });
}

/** The smaller of the client's Grpc-Timeout and the configured timeout, as a deadline. SPEC §5. */
export function deadlineFor(route: CompiledRoute, grpcTimeout: string | undefined): number | undefined {
  const requested = parseGrpcTimeout(grpcTimeout);
  const limit =
    requested === undefined ? route.timeoutMs : route.timeoutMs === undefined ? requested : Math.min(requested, route.timeoutMs);
  return limit === undefined ? undefined : Date.now() + limit;
}

export function setMetadataHeaders(ctx: Context, headers: MetadataPairs, trailers: MetadataPairs): void {
  for (const [name, value] of responseHeadersFromMetadata(headers, trailers)) ctx.append(name, value);
}

/** A CancelSignal without EventTarget: usually one listener (the transport's), never many. */
class ClientGone implements CancelSignal {
  aborted = false;
  private listeners: Array<() => void> = [];

  addEventListener(_type: "abort", listener: () => void): void {
    if (this.aborted) return;
    this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const at = this.listeners.indexOf(listener);
    if (at >= 0) this.listeners.splice(at, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

/** Aborts `signal` when the client goes away before the answer is finished: the backend call is cancelled. */
export function cancelOnClientClose(res: ServerResponse): { readonly signal: CancelSignal; abort(): void; release(): void } {
  const gone = new ClientGone();
  const onClose = (): void => {
    if (!res.writableFinished) gone.abort();
  };
  res.once("close", onClose);
  return {
    signal: gone,
    abort: () => gone.abort(),
    release: () => res.off("close", onClose),
  };
}
