import type { IncomingMessage } from "node:http";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Readable, Transform } from "node:stream";
import type { Context } from "koa";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { requestState } from "../request-state.js";
import { parseJsonText } from "../../codec/index.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `application/json`, `application/*+json`, with no charset or `charset=utf-8`. SPEC §3. */
export function isJsonContentType(header: string): boolean {
  if (header === "application/json") return true;
  const [mediaType = "", ...params] = header.split(";");
  const type = mediaType.trim().toLowerCase();
  if (type !== "application/json" && !(type.startsWith("application/") && type.endsWith("+json"))) return false;
  for (const param of params) {
    const [name = "", value = ""] = param.split("=");
    if (name.trim().toLowerCase() !== "charset") continue;
    const charset = value.trim().replace(/^"|"$/g, "").toLowerCase();
    if (charset !== "utf-8" && charset !== "utf8") return false;
  }
  return true;
}

export function decoderFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      throw new GatewayError(Code.INVALID_ARGUMENT, `unsupported Content-Encoding "${encoding}" (use gzip, deflate or br)`, {
        httpStatus: 415,
      });
  }
}

function acceptable(contentType: string | undefined): boolean {
  return contentType !== undefined && isJsonContentType(contentType);
}

function unsupportedType(contentType: string | undefined): GatewayError {
  return new GatewayError(
    Code.INVALID_ARGUMENT,
    `unsupported Content-Type ${JSON.stringify(contentType ?? "")}: request bodies must be application/json`,
    { httpStatus: 415 },
  );
}

/**
 * The rest of a body over the limit is not read: the connection closes with the answer (a
 * lingering close, so the client still reads it) rather than Node draining it for keep-alive.
 */
export function tooLarge(limit: number): GatewayError {
  return new GatewayError(Code.RESOURCE_EXHAUSTED, `request body exceeds the limit of ${limit} bytes`, {
    httpStatus: 413,
    headers: { connection: "close" },
  });
}

/**
 * Reads the request body as text: checks the media type (415), decompresses, enforces
 * `limit` on the decompressed size (413) and requires valid UTF-8 (400). Returns "" for
 * an empty body, which callers treat as the empty message.
 */
export async function readBodyText(req: IncomingMessage, limit: number): Promise<string> {
  const declared = req.headers["content-length"];
  const contentType = req.headers["content-type"];
  const identity = isIdentity(req);
  // A declared body of the wrong type is refused before it is read (but 413 comes first).
  if (declared !== undefined && declared !== "0" && !(identity && Number(declared) > limit) && !acceptable(contentType)) {
    req.resume();
    throw unsupportedType(contentType);
  }
  const bytes = await readRawBody(req, limit);
  if (bytes.length === 0) return "";
  // The media type is checked only for a body that is really there: an empty body is fine.
  if (!acceptable(contentType)) throw unsupportedType(contentType);
  try {
    return utf8.decode(bytes);
  } catch {
    const at = invalidUtf8Path(bytes);
    throw new GatewayError(Code.INVALID_ARGUMENT, at === undefined ? "request body is not valid UTF-8" : `request body is not valid UTF-8 (in ${JSON.stringify(at)})`);
  }
}

/**
 * Where in a body that is not UTF-8 the bad bytes sit, as a JSON path (`book.title`,
 * `tags[2]`; a key names itself): read with U+FFFD in their place, the first string that
 * holds one. Undefined when the body is no JSON even so. Only ever run on a body being refused.
 */
const MAX_SEARCH_DEPTH = 200;

function invalidUtf8Path(bytes: Uint8Array): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8").decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
  // Deeper than the codec would ever read is not searched: a body nested 100,000 levels must
  // still get its 400, not a stack overflow (a 500).
  const search = (value: unknown, path: string, depth = 0): string | undefined => {
    if (typeof value === "string") return value.includes("\ufffd") ? path : undefined;
    if (depth > MAX_SEARCH_DEPTH) return undefined;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = search(value[i], `${path}[${i}]`, depth + 1);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (typeof value !== "object" || value === null) return undefined;
    for (const [key, item] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (key.includes("\ufffd")) return at;
      const found = search(item, at, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const found = search(json, "");
  return found === "" ? undefined : found;
}

function isIdentity(req: IncomingMessage): boolean {
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  return encoding === "identity" || encoding === "";
}

/**
 * The request's body text, read once per request and kept in the request state: the
 * response cache (to key a NO_SIDE_EFFECTS POST) and the unary call both ask for it.
 */
export async function bodyTextOf(ctx: Context, limit: number): Promise<string> {
  const state = requestState(ctx);
  return (state.bodyText ??= await readBodyText(ctx.req, limit));
}

/**
 * Reads the raw request body: decompressed, at most `limit` bytes after decompression
 * (413). Any media type: an HttpBody binding takes what the client sends.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  const encoding = (req.headers["content-encoding"] ?? "identity").trim().toLowerCase();
  const identity = encoding === "identity" || encoding === "";
  if (declared === "0" || (declared === undefined && req.headers["transfer-encoding"] === undefined)) return Buffer.alloc(0);
  if (identity && declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  return collect(req, identity ? undefined : (decoderFor(encoding) as Transform), limit, encoding);
}

/**
 * The bytes of the request, through `decoder` when it is compressed. Listeners rather than
 * for-await, which costs an async iterator, a promise per chunk and end-of-stream bookkeeping
 * per request. Over `limit` is a 413 (a decoder is stopped at once: no inflating a zip bomb to
 * its end); a stream that fails is a 400; a client gone before the body's end is CANCELLED,
 * never a truncated body passed on as whole.
 */
function collect(req: IncomingMessage, decoder: Transform | undefined, limit: number, encoding: string): Promise<Buffer> {
  // Already read (it emits no more events): nothing is left.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  const source: Readable = decoder === undefined ? req : req.pipe(decoder);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: GatewayError | undefined): void => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      req.off("close", onClose);
      if (error === undefined) {
        resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        return;
      }
      if (decoder !== undefined) {
        req.unpipe(decoder);
        // Whatever it still reports is moot now, and must not be an unhandled 'error'.
        decoder.on("error", () => undefined);
        decoder.destroy();
      }
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) settle(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle(req.complete ? undefined : clientGone());
    // A decoder's error is the body's fault (400); the request's own, before its end, is the client leaving.
    const onError = (error: Error): void =>
      settle(
        decoder === undefined && !req.complete
          ? clientGone()
          : new GatewayError(Code.INVALID_ARGUMENT, `cannot decode request body (Content-Encoding ${encoding})`, { cause: error }),
      );
    // The request closed before its end: the client went away (a decoder may end later).
    const onClose = (): void => {
      if (!req.complete) settle(clientGone());
    };
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    req.on("close", onClose);
  });
}

function clientGone(): GatewayError {
  return new GatewayError(Code.CANCELLED, "the client closed the request before its body ended");
}

/**
 * A request body's JSON value; undefined for an empty or all-whitespace body, which is the
 * empty message (as grpc-gateway reads it: EOF before any value).
 */
export function jsonBodyOf(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  const first = text.charCodeAt(0);
  // Only a body that starts with whitespace can be all whitespace: trimmed only then.
  if ((first === 0x20 || first === 0x0a || first === 0x0d || first === 0x09) && text.trim() === "") return undefined;
  return parseJsonBody(text);
}

/**
 * Parses JSON text; a syntax error is a 400 naming the problem. Text that may hold an
 * integer past 2^53 is parsed so that it stays exact (lossless-json.ts).
 */
export function parseJsonBody(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GatewayError(Code.INVALID_ARGUMENT, `malformed JSON in request body: ${reason}`);
  }
}
