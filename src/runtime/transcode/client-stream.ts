import type { IncomingMessage } from "node:http";
import type { Readable, Transform } from "node:stream";
import type { Context, Middleware } from "koa";
import { parseJsonText } from "../../codec/index.js";
import type { CodecRegistry } from "../../codec/index.js";
import type { RequestSink, StreamRequest } from "../backend/transport.js";
import { BackendStatusError } from "../backend/transport.js";
import { ClientAddressResolver } from "../client-address.js";
import type { CompiledRoute } from "../compiled-route.js";
import { gatewayErrorFromBackend } from "../errors/backend-error.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { toGatewayError } from "../errors/to-gateway-error.js";
import { withClaims } from "../policy/claims-metadata.js";
import { requestState } from "../request-state.js";
import { decodeHttpBody, httpBodyContentType } from "./http-body.js";
import { decoderFor, isJsonContentType } from "./read-body.js";
import { buildRequest } from "./request.js";
import { renderResponse } from "./response.js";
import { answerWithStream } from "./server-stream.js";
import { cancelOnClientClose, deadlineFor, outgoingMetadata, setMetadataHeaders } from "./unary-call.js";
import type { CallOptions } from "./unary-call.js";

const NEWLINE = 0x0a;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** NDJSON request bodies: `application/x-ndjson`, `application/jsonl`, or any JSON type. */
export function isNdjsonContentType(header: string): boolean {
  const type = (header.split(";")[0] ?? "").trim().toLowerCase();
  return type === "application/x-ndjson" || type === "application/jsonl" || type === "application/ndjson" || isJsonContentType(header);
}

/** One non-blank line of an NDJSON body, parsed, with its 1-based line number. */
export interface NdjsonLine {
  readonly line: number;
  readonly value: unknown;
}

function lineError(line: number, message: string, init: { httpStatus?: number; details?: readonly unknown[] } = {}): GatewayError {
  return new GatewayError(init.httpStatus === 413 ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT, `line ${line}: ${message}`, init);
}

/**
 * Splits a byte stream into NDJSON values as the bytes arrive; only the current line is
 * held, at most `maxLineBytes` of it (413 naming the line). Blank lines are skipped; `\r\n`
 * is accepted. Malformed JSON or UTF-8 is a 400 naming the line.
 */
export async function* ndjsonLines(source: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<NdjsonLine> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  let line = 0;
  const parse = (bytes: Buffer): NdjsonLine | undefined => {
    line++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    let text: string;
    try {
      text = utf8.decode(bytes.subarray(0, end));
    } catch {
      throw lineError(line, "not valid UTF-8");
    }
    if (text.trim() === "") return undefined;
    try {
      return { line, value: parseJsonText(text) };
    } catch (error: unknown) {
      throw lineError(line, `malformed JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  for await (const chunk of source) {
    let buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let at = buffer.indexOf(NEWLINE); at >= 0; at = buffer.indexOf(NEWLINE)) {
      const head = buffer.subarray(0, at);
      if (pendingSize + head.length > maxLineBytes) throw lineTooLong(line + 1, maxLineBytes);
      const whole = pending.length === 0 ? head : Buffer.concat([...pending, head]);
      pending = [];
      pendingSize = 0;
      const parsed = parse(whole);
      if (parsed !== undefined) yield parsed;
      buffer = buffer.subarray(at + 1);
    }
    if (buffer.length > 0) {
      pendingSize += buffer.length;
      if (pendingSize > maxLineBytes) throw lineTooLong(line + 1, maxLineBytes);
      pending.push(buffer);
    }
  }
  if (pendingSize > 0) {
    const parsed = parse(Buffer.concat(pending));
    if (parsed !== undefined) yield parsed;
  }
}

function lineTooLong(line: number, limit: number): GatewayError {
  return lineError(line, `longer than the limit of ${limit} bytes`, { httpStatus: 413 });
}

/** The request body, decompressed, as chunks; leaving early does not destroy the socket. */
function bodyChunks(req: IncomingMessage): AsyncIterable<Uint8Array> {
  const contentType = req.headers["content-type"];
  if (contentType !== undefined && !isNdjsonContentType(contentType)) {
    req.resume();
    throw new GatewayError(
      Code.INVALID_ARGUMENT,
      `unsupported Content-Type ${JSON.stringify(contentType)}: streaming request bodies must be application/x-ndjson`,
      { httpStatus: 415 },
    );
  }
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const source: Readable = encoding === "identity" || encoding === "" ? req : req.pipe(decoderFor(encoding) as Transform);
  return untilComplete(req, source.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>);
}

/**
 * A request whose client went away ends like a finished one; it must not: the backend
 * would take a truncated stream (or its cut-off last line) for the whole.
 */
async function* untilComplete(req: IncomingMessage, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
  if (!req.complete) throw new GatewayError(Code.CANCELLED, "the client closed the request before its body ended");
}

/**
 * Request messages from the NDJSON body: each line through the codec (and the binding's
 * path and query parameters), errors naming the line.
 */
async function* requestMessages(req: IncomingMessage, route: CompiledRoute, values: readonly string[], query: string, maxLineBytes: number): AsyncGenerator<Uint8Array> {
  try {
    for await (const { line, value } of ndjsonLines(bodyChunks(req), maxLineBytes)) {
      try {
        yield buildRequest(route.request, values, query, value);
      } catch (reason: unknown) {
        const error = toGatewayError(reason);
        if (error.code === Code.INTERNAL) throw error;
        throw lineError(line, error.rawMessage, { details: error.details });
      }
    }
  } catch (reason: unknown) {
    req.resume(); // the rest of the body is not ours to read any more
    if (reason instanceof GatewayError) throw reason;
    throw new GatewayError(Code.INVALID_ARGUMENT, "cannot read the request body", { cause: reason });
  }
}

/** Writes every request message into `sink`, then half-closes; stops when the call is over. */
async function pump(messages: AsyncGenerator<Uint8Array>, sink: RequestSink): Promise<void> {
  for await (const message of messages) {
    if (!(await sink.write(message))) break;
  }
  sink.end();
}


/**
 * Client- and bidi-streaming RPCs: the request body is NDJSON, one message per line,
 * read as it arrives and written to the backend with back-pressure both ways. A bad line
 * cancels the call and is the answer (400 naming the line). Client streaming answers like
 * a unary call; bidi answers like a server stream, on the same HTTP/1.1 exchange.
 */
export function clientStreamCall(options: CallOptions): Middleware {
  const addresses = new ClientAddressResolver(options.trustedProxies);
  return async (ctx) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const messages = requestMessages(ctx.req, route, state.pathValues ?? [], state.rawQuery ?? "", options.maxBodySize);
    const cancel = cancelOnClientClose(ctx.res);
    const request: StreamRequest = {
      path: route.method.grpcPath,
      metadata: withClaims(outgoingMetadata(ctx, addresses, state.requestId), state),
      deadline: deadlineFor(route, ctx.get("grpc-timeout") || undefined),
      signal: cancel.signal,
    };
    try {
      if (route.method.serverStreaming) await bidi(ctx, route, request, messages, cancel, options.codecs);
      else await clientStream(ctx, route, request, messages, cancel, options.codecs);
    } finally {
      cancel.release();
    }
  };
}

async function clientStream(
  ctx: Context,
  route: CompiledRoute,
  request: StreamRequest,
  messages: AsyncGenerator<Uint8Array>,
  cancel: { abort(): void },
  codecs: CodecRegistry,
): Promise<void> {
  // The first line is read before the call starts: a body that is bad from the start
  // never reaches the backend.
  const first = await messages.next();
  const call = route.transport.clientStream(request);
  call.response.catch(() => {}); // awaited below; a bad line may abandon it first
  try {
    if (!first.done && (await call.requests.write(first.value))) await pump(messages, call.requests);
    else call.requests.end();
  } catch (reason: unknown) {
    cancel.abort(); // a bad line: the backend must not act on a partial stream
    throw reason;
  }
  try {
    const response = await call.response;
    setMetadataHeaders(ctx, response.headers, response.trailers);
    requestState(ctx).grpcCode = Code.OK;
    ctx.status = 200;
    const numbers = route.httpBody.response;
    if (numbers === undefined) {
      ctx.type = "application/json";
      ctx.body = renderResponse(route.responseCodec, route.responseBody, response.message);
    } else {
      const { contentType, data } = decodeHttpBody(numbers, response.message);
      ctx.set("Content-Type", httpBodyContentType(contentType));
      ctx.body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (reason: unknown) {
    if (reason instanceof BackendStatusError) setMetadataHeaders(ctx, reason.headers, reason.trailers);
    throw gatewayErrorFromBackend(reason, codecs);
  }
}

async function bidi(
  ctx: Context,
  route: CompiledRoute,
  request: StreamRequest,
  messages: AsyncGenerator<Uint8Array>,
  cancel: { abort(): void },
  codecs: CodecRegistry,
): Promise<void> {
  const call = route.transport.bidiStream(request);
  let requestError: GatewayError | undefined;
  // Requests flow while answers are written: a bidi backend may answer before the body ends.
  const pumping = pump(messages, call.requests).catch((reason: unknown) => {
    requestError = toGatewayError(reason);
    cancel.abort();
  });
  await answerWithStream(ctx, route, call.responses, { codecs, failure: () => requestError });
  // Not awaited when the answer ended first: the pump stops at the next line it cannot
  // send, and Node discards what is left of the body.
  void pumping;
}
