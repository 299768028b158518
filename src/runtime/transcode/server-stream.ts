import type { ServerResponse } from "node:http";
import type { Context, Middleware } from "koa";
import type { CodecRegistry } from "../../codec/index.js";
import { responseHeadersFromMetadata } from "../backend/metadata.js";
import type { MetadataPairs, ResponseStream } from "../backend/transport.js";
import { BackendStatusError } from "../backend/transport.js";
import { ClientAddressResolver } from "../client-address.js";
import type { CompiledRoute } from "../compiled-route.js";
import { gatewayErrorFromBackend } from "../errors/backend-error.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { toGatewayError } from "../errors/to-gateway-error.js";
import { withClaims } from "../policy/claims-metadata.js";
import { requestState } from "../request-state.js";
import { decodeHttpBody, httpBodyContentType, readRequestMessage } from "./http-body.js";
import { renderResponse } from "./response.js";
import { cancelOnClientClose, deadlineFor, outgoingMetadata, setMetadataHeaders } from "./unary-call.js";
import type { CallOptions } from "./unary-call.js";

/**
 * How a stream of messages goes on the wire (SPEC §4): NDJSON `{"result": …}` lines by
 * default, Server-Sent Events for `Accept: text/event-stream`, one JSON array for
 * `Accept: application/json`; `raw` for google.api.HttpBody chunks.
 */
export type StreamFormat = "ndjson" | "sse" | "json-array" | "raw";

/** SSE when the client lists it, else NDJSON when listed, else an array for application/json. */
export function streamFormat(accept: string | undefined): Exclude<StreamFormat, "raw"> {
  if (accept === undefined) return "ndjson";
  const types = accept.split(",").map((part) => (part.split(";")[0] ?? "").trim().toLowerCase());
  if (types.includes("text/event-stream")) return "sse";
  if (types.includes("application/x-ndjson") || types.includes("application/jsonl")) return "ndjson";
  if (types.includes("application/json")) return "json-array";
  return "ndjson";
}

const CONTENT_TYPES: Readonly<Record<Exclude<StreamFormat, "raw">, string>> = {
  ndjson: "application/x-ndjson",
  sse: "text/event-stream",
  "json-array": "application/json",
};

/** Frames one message (`index` counts from 0) in a JSON format. */
export function frameMessage(format: Exclude<StreamFormat, "raw">, json: string, index: number): string {
  switch (format) {
    case "ndjson":
      return `{"result":${json}}\n`;
    case "sse":
      return `data: ${json}\n\n`;
    case "json-array":
      return `${index === 0 ? "[" : ","}${json}`;
  }
}

/** The end of a stream that finished OK after `count` messages. */
export function frameEnd(format: Exclude<StreamFormat, "raw">, count: number): string {
  if (format !== "json-array") return "";
  return count === 0 ? "[]" : "]";
}

/** The in-band error of an NDJSON or SSE stream; undefined where a format has none. */
export function frameError(format: StreamFormat, statusJson: string): string | undefined {
  if (format === "ndjson") return `{"error":${statusJson}}\n`;
  if (format === "sse") return `event: error\ndata: ${statusJson}\n\n`;
  return undefined;
}

/** The client went away while we waited to write. */
class ClientGone extends Error {
  override name = "ClientGone";
}

/** Writes with back-pressure: waits for 'drain' when the socket buffer is full. */
function writeChunk(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.reject(new ClientGone());
  if (res.write(chunk)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      res.off("close", onClose);
      resolve();
    };
    const onClose = (): void => {
      res.off("drain", onDrain);
      reject(new ClientGone());
    };
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

export interface StreamAnswerOptions {
  readonly codecs: CodecRegistry;
  /** An error that explains a failure better than the backend's status (e.g. a bad request line). */
  readonly failure?: () => GatewayError | undefined;
}

/**
 * Sends a backend stream as the HTTP answer. Nothing is committed until the first message
 * (or the end) arrived, so an early failure gets its real HTTP status and Status body
 * (thrown to the error middleware). After that: one write per message, awaited for
 * back-pressure; a failure becomes the format's error frame (NDJSON, SSE) or a cut-off
 * response (array, raw bytes: no in-band error exists), and backend trailers go out as
 * HTTP/1.1 chunked trailers (`Grpc-Trailer-*`).
 */
export async function answerWithStream(ctx: Context, route: CompiledRoute, stream: ResponseStream, options: StreamAnswerOptions): Promise<void> {
  const state = requestState(ctx);
  const failure = (reason: unknown): GatewayError => {
    const preferred = options.failure?.();
    if (preferred !== undefined) return preferred;
    return reason instanceof BackendStatusError ? gatewayErrorFromBackend(reason, options.codecs) : toGatewayError(reason);
  };
  const raw = route.httpBody.response;
  const format: StreamFormat = raw === undefined ? streamFormat(ctx.get("accept") || undefined) : "raw";
  const render = (bytes: Uint8Array, index: number): string | Uint8Array => {
    if (format === "raw") return decodeHttpBody(raw ?? [], bytes).data;
    return frameMessage(format, renderResponse(route.responseCodec, route.responseBody, bytes), index);
  };
  const iterator = stream[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  let firstChunk: string | Uint8Array | undefined;
  try {
    first = await iterator.next();
    // Rendered before committing: a bad first message is still a plain error answer.
    firstChunk = first.done ? undefined : render(first.value, 0);
  } catch (reason: unknown) {
    await iterator.return?.(undefined);
    if (reason instanceof BackendStatusError) setMetadataHeaders(ctx, reason.headers, reason.trailers);
    throw failure(reason);
  }
  setMetadataHeaders(ctx, stream.headers, []);
  ctx.status = 200;
  if (format === "raw") {
    const firstType = first.done ? "" : decodeHttpBody(raw ?? [], first.value).contentType;
    ctx.set("Content-Type", httpBodyContentType(firstType));
  } else {
    ctx.set("Content-Type", CONTENT_TYPES[format]);
    if (format === "sse") ctx.set("Cache-Control", "no-cache");
  }
  ctx.respond = false; // from here on we write the response ourselves
  const res = ctx.res;
  let count = 0;
  try {
    if (firstChunk !== undefined) {
      await writeChunk(res, firstChunk);
      count = 1;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        await writeChunk(res, render(next.value, count));
        count++;
      }
    }
    if (format !== "raw") {
      const end = frameEnd(format, count);
      if (end !== "") await writeChunk(res, end);
    }
    state.grpcCode = Code.OK;
    finish(res, stream.trailers);
  } catch (reason: unknown) {
    await iterator.return?.(undefined);
    if (reason instanceof ClientGone || res.destroyed) {
      state.grpcCode = Code.CANCELLED;
      return;
    }
    const error = failure(reason);
    state.grpcCode = error.code;
    const frame = frameError(format, error.toJson());
    if (frame === undefined) {
      // A truncated body is the only failure signal an array or raw bytes can carry. Not in
      // this tick: the headers and chunks written are still corked, and would be lost.
      setImmediate(() => res.destroy());
      return;
    }
    try {
      await writeChunk(res, frame);
      finish(res, reason instanceof BackendStatusError ? reason.trailers : []);
    } catch {
      res.destroy();
    }
  }
}

/** Backend trailers as HTTP/1.1 chunked trailers, then the end of the response. */
function finish(res: ServerResponse, trailers: MetadataPairs): void {
  const fields = responseHeadersFromMetadata([], trailers);
  if (fields.length > 0 && res.chunkedEncoding) {
    const record: Record<string, string> = {};
    for (const [name, value] of fields) record[name] = record[name] === undefined ? value : `${record[name]}, ${value}`;
    res.addTrailers(record);
  }
  res.end();
}


/** Server-streaming RPCs: one request (JSON or HttpBody), a stream of answers. */
export function serverStreamCall(options: CallOptions): Middleware {
  const addresses = new ClientAddressResolver(options.trustedProxies);
  return async (ctx) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const message = await readRequestMessage(ctx.req, route, state.pathValues ?? [], state.rawQuery ?? "", options.maxBodySize);
    const cancel = cancelOnClientClose(ctx.res);
    try {
      const stream = route.transport.serverStream({
        path: route.method.grpcPath,
        message,
        metadata: withClaims(outgoingMetadata(ctx, addresses, state.requestId), state),
        deadline: deadlineFor(route, ctx.get("grpc-timeout") || undefined),
        signal: cancel.signal,
      });
      await answerWithStream(ctx, route, stream, { codecs: options.codecs });
    } finally {
      cancel.release();
    }
  };
}
