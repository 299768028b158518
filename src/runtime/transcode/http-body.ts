import type { IncomingMessage } from "node:http";
import type { Middleware } from "koa";
import type { CodecRegistry } from "../../codec/index.js";
import type { FieldPath } from "../../model/field-path.js";
import type { TypeSet } from "../../model/descriptor.js";
import { HTTP_BODY_TYPE } from "../../model/descriptor.js";
import type { MethodEntry, RouteEntry } from "../../model/route-table.js";
import { BackendStatusError } from "../backend/transport.js";
import { ClientAddressResolver } from "../client-address.js";
import type { CompiledRoute } from "../compiled-route.js";
import { gatewayErrorFromBackend } from "../errors/backend-error.js";
import { Code, GatewayError } from "../errors/gateway-error.js";
import { withClaims } from "../policy/claims-metadata.js";
import { requestState } from "../request-state.js";
import { jsonBodyOf, readBodyText, readRawBody } from "./read-body.js";
import { buildRequest } from "./request.js";
import { cancelOnClientClose, deadlineFor, outgoingMetadata, setMetadataHeaders } from "./unary-call.js";
import type { CallOptions } from "./unary-call.js";

/**
 * Where a binding carries google.api.HttpBody, as protobuf field numbers from the message
 * root to the HttpBody (`[]`: the message is one). Decided once at start-up.
 */
export interface HttpBodyPlan {
  /** The raw request body (and its Content-Type) fills this HttpBody; undefined: JSON body. */
  readonly request: readonly number[] | undefined;
  /** The answer is this HttpBody's raw `data`; undefined: JSON answer. */
  readonly response: readonly number[] | undefined;
}

// google.api.HttpBody field numbers (google/api/httpbody.proto).
const CONTENT_TYPE = 1;
const DATA = 2;
const LEN = 2;
const FALLBACK_TYPE = "application/octet-stream";

export function compileHttpBodyPlan(entry: RouteEntry, method: MethodEntry, types: TypeSet): HttpBodyPlan {
  let request: readonly number[] | undefined;
  if (entry.body === "*") request = method.requestType === HTTP_BODY_TYPE ? [] : undefined;
  else if (entry.body !== undefined) request = numbersTo(method.requestType, entry.body, types);
  const response =
    entry.responseBody === undefined
      ? method.responseType === HTTP_BODY_TYPE
        ? []
        : undefined
      : numbersTo(method.responseType, entry.responseBody, types);
  return { request, response };
}

/** Field numbers along `path` when it ends at a singular HttpBody field, else undefined. */
function numbersTo(root: string, path: FieldPath, types: TypeSet): number[] | undefined {
  const numbers: number[] = [];
  let typeName = root;
  for (const name of path) {
    const field = types.messages[typeName]?.fields.find((candidate) => candidate.name === name);
    if (field === undefined || field.type.kind !== "message" || field.label === "repeated" || field.label === "map") return undefined;
    numbers.push(field.number);
    typeName = field.type.typeName;
  }
  return typeName === HTTP_BODY_TYPE ? numbers : undefined;
}


/** Bytes of a message whose HttpBody at `numbers` holds `contentType` and `data`. */
export function encodeHttpBody(numbers: readonly number[], contentType: string, data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  if (contentType !== "") parts.push(lengthDelimited(CONTENT_TYPE, Buffer.from(contentType, "utf8")));
  if (data.length > 0) parts.push(lengthDelimited(DATA, data));
  let message: Uint8Array = Buffer.concat(parts);
  for (let i = numbers.length - 1; i >= 0; i--) message = lengthDelimited(numbers[i] as number, message);
  return message;
}

function lengthDelimited(fieldNumber: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(fieldNumber * 8 + LEN), varint(payload.length), payload]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** The `content_type` and `data` of the HttpBody at `numbers` in `bytes` (protobuf merge rules). */
export function decodeHttpBody(numbers: readonly number[], bytes: Uint8Array): { contentType: string; data: Uint8Array } {
  let message: Uint8Array = bytes;
  for (const fieldNumber of numbers) {
    // Several occurrences of a singular sub-message merge: their payloads concatenate.
    const found: Uint8Array[] = [];
    forEachField(message, (number, payload) => {
      if (number === fieldNumber && payload !== undefined) found.push(payload);
    });
    message = found.length === 1 ? (found[0] as Uint8Array) : Buffer.concat(found);
  }
  let contentType = "";
  let data: Uint8Array = new Uint8Array(0);
  forEachField(message, (number, payload) => {
    if (payload === undefined) return;
    if (number === CONTENT_TYPE) contentType = Buffer.from(payload).toString("utf8");
    else if (number === DATA) data = payload;
  });
  return { contentType, data };
}

/** Walks top-level fields; `payload` is set for length-delimited ones. */
function forEachField(bytes: Uint8Array, visit: (number: number, payload: Uint8Array | undefined) => void): void {
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new WireError();
      const byte = bytes[at++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 63) throw new WireError();
    }
  };
  while (at < bytes.length) {
    const tag = readVarint();
    const number = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        readVarint();
        visit(number, undefined);
        break;
      case 1:
        at += 8;
        visit(number, undefined);
        break;
      case 2: {
        const length = readVarint();
        if (at + length > bytes.length) throw new WireError();
        visit(number, bytes.subarray(at, at + length));
        at += length;
        break;
      }
      case 5:
        at += 4;
        visit(number, undefined);
        break;
      default:
        throw new WireError();
    }
    if (at > bytes.length) throw new WireError();
  }
}

class WireError extends GatewayError {
  constructor() {
    super(Code.INTERNAL, "backend sent a malformed google.api.HttpBody");
  }
}

/**
 * The request bytes for a binding: the raw body into its HttpBody when the binding has
 * one (no JSON check, no 415), else the JSON body; then query and path parts on top.
 */
export async function readRequestMessage(
  req: IncomingMessage,
  route: CompiledRoute,
  pathValues: readonly string[],
  rawQuery: string,
  maxBodySize: number,
): Promise<Uint8Array> {
  const raw = route.httpBody.request;
  if (raw === undefined) {
    let body: unknown;
    if (route.request.body !== undefined) {
      const text = await readBodyText(req, maxBodySize);
      body = jsonBodyOf(text);
    }
    return buildRequest(route.request, pathValues, rawQuery, body);
  }
  const data = await readRawBody(req, maxBodySize);
  const rawPart = encodeHttpBody(raw, req.headers["content-type"] ?? "", data);
  const rest = buildRequest(route.request, pathValues, rawQuery, undefined);
  return rest.length === 0 ? rawPart : route.request.codec.mergeParts([rawPart, rest]);
}


/** Unary RPCs with an HttpBody request or response: raw bytes in and/or out. */
export function httpBodyCall(options: CallOptions): Middleware {
  const addresses = new ClientAddressResolver(options.trustedProxies);
  return async (ctx) => {
    const state = requestState(ctx);
    const route = state.route as CompiledRoute;
    const message = await readRequestMessage(ctx.req, route, state.pathValues ?? [], state.rawQuery ?? "", options.maxBodySize);
    const metadata = withClaims(outgoingMetadata(ctx, addresses, state.requestId), state);
    const deadline = deadlineFor(route, ctx.get("grpc-timeout") || undefined);
    const cancel = cancelOnClientClose(ctx.res);
    try {
      const response = await route.transport.unary({ path: route.method.grpcPath, message, metadata, deadline, signal: cancel.signal });
      setMetadataHeaders(ctx, response.headers, response.trailers);
      state.grpcCode = Code.OK;
      ctx.status = 200;
      const numbers = route.httpBody.response;
      if (numbers === undefined) {
        ctx.type = "application/json";
        ctx.body = route.responseBody === undefined
          ? route.responseCodec.toJson(response.message)
          : route.responseCodec.fieldToJson(route.responseBody, response.message);
        return;
      }
      const { contentType, data } = decodeHttpBody(numbers, response.message);
      // The header first: Koa would otherwise label a Buffer body application/octet-stream.
      ctx.set("Content-Type", httpBodyContentType(contentType));
      ctx.body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    } catch (reason: unknown) {
      if (reason instanceof BackendStatusError) setMetadataHeaders(ctx, reason.headers, reason.trailers);
      throw gatewayErrorFromBackend(reason, options.codecs);
    } finally {
      cancel.release();
    }
  };
}

/** The backend's content type when HTTP can carry it, else application/octet-stream. */
export function httpBodyContentType(contentType: string): string {
  return /^[\x21-\x7e][\x20-\x7e]*$/.test(contentType) ? contentType : FALLBACK_TYPE;
}
