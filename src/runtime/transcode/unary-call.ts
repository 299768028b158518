import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Middleware } from "koa";
import type { CodecRegistry, MessageCodec } from "../../codec/index.js";
import type { FieldPath } from "../../model/field-path.js";
import { metadataFromHeaders, parseGrpcTimeout, responseHeadersFromMetadata } from "../backend/metadata.js";
import type { CancelSignal, MetadataPairs } from "../backend/transport.js";
import { BackendStatusError } from "../backend/transport.js";
import { ClientAddressResolver } from "../client-address.js";
import { withClaims } from "../policy/claims-metadata.js";
import type { CompiledRoute } from "../compiled-route.js";
import { gatewayErrorFromBackend } from "../errors/backend-error.js";
import { Code } from "../errors/gateway-error.js";
import type { GatewayError } from "../errors/gateway-error.js";
import { headerOf } from "../request-header.js";
import { requestState } from "../request-state.js";
import type { RequestState } from "../request-state.js";
import { bodyTextOf, jsonBodyOf } from "./read-body.js";
import { buildRequest } from "./request.js";
import { renderResponse } from "./response.js";

/** What every call middleware needs from the gateway's options. */
export interface CallOptions {
  readonly codecs: CodecRegistry;
  readonly maxBodySize: number;
  readonly trustedProxies: readonly string[];
}

/**
 * Unary RPCs with JSON in and out, as a Koa middleware: the body read once (bodyTextOf),
 * then exchangeUnary, whose answer or error it hands to the chain.
 */
export function unaryCall(options: CallOptions): Middleware {
  const addresses = new ClientAddressResolver(options.trustedProxies);
  return async (ctx) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const bodyText = route.request.body === undefined ? undefined : await bodyTextOf(ctx, options.maxBodySize);
    // Text: the response cache keeps and hashes the JSON as a string.
    const outcome = await exchangeUnary(route, ctx.req, ctx.res, { requestId: state.requestId, pathValues: state.pathValues, rawQuery: state.rawQuery, claims: state.claims, subject: state.subject, bodyText }, addresses, options.codecs, renderResponse);
    state.backendMs = outcome.backendMs;
    for (const [name, value] of outcome.headers) ctx.append(name, value);
    if (outcome.error !== undefined) throw outcome.error;
    state.grpcCode = Code.OK;
    ctx.status = 200;
    ctx.type = "application/json";
    ctx.body = outcome.json;
  };
}

/** What exchangeUnary needs to know about the request besides its headers. */
export interface UnaryInput extends Pick<RequestState, "requestId" | "pathValues" | "rawQuery" | "claims" | "subject"> {
  /** The JSON body text when the binding has a body ("" for an empty one). */
  readonly bodyText: string | undefined;
}

/** The backend's answer as JSON (text or bytes), or the error the client gets; headers (metadata) either way. */
export type UnaryOutcome<Json> = OutcomeCommon & (
  | { readonly json: Json; readonly error: undefined }
  | { readonly json: undefined; readonly error: GatewayError }
);

interface OutcomeCommon {
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Time spent waiting on the backend (retries included). */
  readonly backendMs: number;
}

/**
 * One unary JSON exchange, free of Koa so the Koa chain and the direct lane (direct-lane.ts)
 * share it: path values + query + JSON body → request bytes → backend → JSON answer, with
 * metadata both ways and the call's deadline. A client that goes away cancels the backend
 * call. A request that cannot be built throws (a FieldError or GatewayError). `render` makes
 * the answer text (renderResponse) or bytes (renderResponseBytes), as the lane needs.
 */
export function exchangeUnary<Json>(
  route: CompiledRoute,
  req: IncomingMessage,
  res: ServerResponse,
  input: UnaryInput,
  addresses: ClientAddressResolver,
  codecs: CodecRegistry,
  render: (codec: MessageCodec, responseBody: FieldPath | undefined, bytes: Uint8Array) => Json,
): Promise<UnaryOutcome<Json>> {
  const body = jsonBodyOf(input.bodyText);
  const message = buildRequest(route.request, input.pathValues ?? [], input.rawQuery ?? "", body);
  // Verified claims are added after the client's headers, which can never carry x-jwt-*.
  const metadata = withClaims(metadataForRequest(req, addresses, input.requestId), input);
  const deadline = deadlineFor(route, headerOf(req, "grpc-timeout"));

  const cancel = cancelOnClientClose(res);
  const called = process.hrtime.bigint();
  // One promise chain rather than an async function: this runs on every unary request.
  return route.transport.unary({ path: route.method.grpcPath, message, metadata, deadline, signal: cancel.signal }).then(
    (response) => {
      cancel.release();
      const backendMs = millisecondsSince(called);
      try {
        return {
          json: render(route.responseCodec, route.responseBody, response.message),
          error: undefined,
          headers: responseHeadersFromMetadata(response.headers, response.trailers),
          backendMs,
        };
      } catch (reason: unknown) {
        // Bytes the codec cannot render: the same error outcome as a failed call.
        return failedOutcome(reason, codecs, backendMs);
      }
    },
    (reason: unknown) => {
      cancel.release();
      return failedOutcome(reason, codecs, millisecondsSince(called));
    },
  );
}

function failedOutcome(reason: unknown, codecs: CodecRegistry, backendMs: number): UnaryOutcome<never> {
  return {
    json: undefined,
    error: gatewayErrorFromBackend(reason, codecs),
    headers: reason instanceof BackendStatusError ? responseHeadersFromMetadata(reason.headers, reason.trailers) : [],
    backendMs,
  };
}

function millisecondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Request headers → gRPC metadata (SPEC §5), with this hop added to X-Forwarded-For. */
export function outgoingMetadata(ctx: Context, addresses: ClientAddressResolver, requestId: string): MetadataPairs {
  return metadataForRequest(ctx.req, addresses, requestId);
}

function metadataForRequest(req: IncomingMessage, addresses: ClientAddressResolver, requestId: string): MetadataPairs {
  const peer = req.socket.remoteAddress ?? "";
  const forwarded = addresses.resolve(peer, headerOf(req, "x-forwarded-for"));
  return metadataFromHeaders(req.headers, { requestId, peer, forwardedFor: forwarded.forwardedFor });
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

/** What a call needs to stop its backend call when the client leaves: see cancelOnClientClose. */
export interface ClientCancel {
  readonly signal: CancelSignal;
  abort(): void;
  /** The answer is done: a later "close" is no longer the client leaving. */
  release(): void;
}

/**
 * A CancelSignal without EventTarget, and its response's close listener: one object and
 * one closure per request. Usually one listener (the transport's), never many.
 */
class ClientGone implements CancelSignal, ClientCancel {
  aborted = false;
  private released = false;
  private listener: (() => void) | undefined;
  private others: Array<() => void> | undefined;
  private readonly onClose = (): void => {
    if (!this.released && !this.res.writableFinished) this.abort();
  };

  constructor(private readonly res: ServerResponse) {
    // Left on: a response emits "close" once, finished or not, and is dropped after it, so a
    // flag does what removing the listener would, without an emitter update per request.
    res.on("close", this.onClose);
  }

  get signal(): CancelSignal {
    return this;
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (this.aborted) return;
    if (this.listener === undefined) this.listener = listener;
    else (this.others ??= []).push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    if (this.listener === listener) {
      this.listener = this.others?.shift();
      return;
    }
    const at = this.others?.indexOf(listener) ?? -1;
    if (at >= 0) this.others?.splice(at, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const first = this.listener;
    const others = this.others;
    this.listener = undefined;
    this.others = undefined;
    first?.();
    if (others !== undefined) for (const listener of others) listener();
  }

  release(): void {
    this.released = true;
  }
}

/** Aborts `signal` when the client goes away before the answer is finished: the backend call is cancelled. */
export function cancelOnClientClose(res: ServerResponse): ClientCancel {
  return new ClientGone(res);
}
