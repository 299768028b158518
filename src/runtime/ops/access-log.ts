import type { IncomingMessage } from "node:http";
import pino from "pino";
import type { Logger } from "pino";
import { ClientAddressResolver } from "../client-address.js";
import { headerOf } from "../request-header.js";
import { SlabLineWriter, StringLineWriter, linePiece } from "./log-destination.js";
import type { LinePiece, LineWriter } from "./log-destination.js";

/** What the line says of the binding (a CompiledRoute). */
export interface LoggedRoute {
  readonly entry: { readonly pattern: string };
  readonly method: { readonly name: string };
}

export interface AccessLogEntry {
  readonly requestId: string;
  readonly path: string;
  readonly route: LoggedRoute | undefined;
  readonly status: number;
  readonly grpcCode: number | undefined;
  /** From the request's arrival to its answer, in whole microseconds. */
  readonly durationUs: number;
  readonly backendMs: number | undefined;
  readonly sub: string | undefined;
}

/** What of a pino logger the line needs: its destination and the pieces of its line format. */
interface LineFormat {
  /** The destination's own LineWriter (a SlabLineWriter: file or pipe), else one that joins the pieces for it. */
  readonly line: LineWriter;
  /** Writes the line's start: `{"level":30,"time":…` (or the logger's labels), its bindings, `,"msg":"request","requestId":` */
  readonly head: (line: LineWriter) => void;
}

// The line's constant parts, encoded once. Parts that sit next to each other go as one
// piece (per method, per route, per gRPC code): each piece is a copy into the slab.
const NO_ROUTE_STATUS = linePiece(',"status":');
const DURATION = linePiece(',"durationMs":');
const BACKEND = linePiece(',"backendMs":');
const CLIENT_IP = linePiece(',"clientIp":');
const SUB = linePiece(',"sub":');
const CLOSE = linePiece("}");
/** `,"grpcCode":N,"durationMs":` for the codes gRPC defines (0–16). */
const GRPC_CODE_DURATION = Array.from({ length: 17 }, (_, code) => linePiece(`,"grpcCode":${code},"durationMs":`));
// node:http takes any HTTP token as a method: the ones past this many are written piece by piece.
const MAX_METHOD_PIECES = 64;

/**
 * The access log (SPEC §8: one line per request, both lanes): id, method, path, route
 * template, RPC, HTTP status, gRPC code, total and backend time, client address and the
 * verified `sub` when there is one. Never the token or any other header value.
 *
 * The line is pino's (same level, time, bindings, keys; same destination), but it is put
 * together here rather than by pino's generic serialiser: that walks the object's keys and
 * scans every string for escapes, which under load cost about a fifth of a small request.
 * Here a route's constant part is serialised once, numbers go in as they are, and only
 * values a client chose (path, request id, `sub`) are escaped. To the gateway's sinks (SlabLineWriter) the
 * pieces go straight into the sink's slab, so no line string is built at all. A logger with
 * formatters, a mixin, redaction or a nested key (the gateway's has none) gets its lines from pino itself.
 */
export class AccessLog {
  private readonly addresses: ClientAddressResolver;
  private readonly format: LineFormat | undefined;
  /** Built on first use (routePart, methodPart). */
  private readonly routeParts = new WeakMap<LoggedRoute, LinePiece>();
  private readonly methodParts = new Map<string, LinePiece>();

  constructor(private readonly logger: Logger, trustedProxies: readonly string[]) {
    // Behind a proxy (Istio's sidecar) the peer is the proxy: log the client it vouches for.
    this.addresses = new ClientAddressResolver(trustedProxies);
    this.format = lineFormatOf(logger);
  }

  write(req: IncomingMessage, entry: AccessLogEntry): void {
    if (!this.logger.isLevelEnabled("info")) return;
    const durationUs = entry.durationUs;
    const clientIp = this.addresses.resolve(req.socket.remoteAddress ?? "", headerOf(req, "x-forwarded-for")).clientIp;
    const format = this.format;
    if (format === undefined) {
      this.logger.info({
        msg: "request", requestId: entry.requestId, method: req.method, path: entry.path,
        route: entry.route?.entry.pattern, rpc: entry.route?.method.name, status: entry.status,
        grpcCode: entry.grpcCode, durationMs: durationUs / 1e3, backendMs: entry.backendMs === undefined ? undefined : Math.round(entry.backendMs * 1e3) / 1e3,
        clientIp, sub: entry.sub,
      });
      return;
    }
    // Numbers go in as integers (times in whole microseconds): formatting a float costs
    // several times more, under load more still (bench/README.md).
    const line = format.line;
    format.head(line);
    line.string(entry.requestId);
    line.piece(this.methodPart(req.method ?? ""));
    line.string(entry.path);
    line.piece(this.routePart(entry.route));
    line.integer(entry.status);
    const grpcCode = entry.grpcCode;
    if (grpcCode === undefined) {
      line.piece(DURATION);
    } else {
      const part = GRPC_CODE_DURATION[grpcCode];
      if (part === undefined) {
        line.text(`,"grpcCode":${JSON.stringify(grpcCode)}`);
        line.piece(DURATION);
      } else {
        line.piece(part);
      }
    }
    writeMillis(line, durationUs);
    if (entry.backendMs !== undefined) {
      line.piece(BACKEND);
      writeMillis(line, Math.round(entry.backendMs * 1e3));
    }
    line.piece(CLIENT_IP);
    line.string(clientIp);
    if (entry.sub !== undefined) {
      line.piece(SUB);
      line.string(entry.sub);
    }
    line.piece(CLOSE);
    line.end();
  }

  /** `,"method":"GET","path":` per method. */
  private methodPart(method: string): LinePiece {
    let part = this.methodParts.get(method);
    if (part === undefined) {
      // node:http only passes a method that is an HTTP token: no quote or backslash to escape.
      part = linePiece(`,"method":"${method}","path":`);
      if (this.methodParts.size < MAX_METHOD_PIECES) this.methodParts.set(method, part);
    }
    return part;
  }

  /** `,"route":"…","rpc":"…","status":` per route. */
  private routePart(route: LoggedRoute | undefined): LinePiece {
    if (route === undefined) return NO_ROUTE_STATUS;
    let part = this.routeParts.get(route);
    if (part === undefined) {
      part = linePiece(`,"route":${JSON.stringify(route.entry.pattern)},"rpc":${JSON.stringify(route.method.name)},"status":`);
      this.routeParts.set(route, part);
    }
    return part;
  }
}

/** The pieces of a plain pino logger's line, or undefined when pino has to write it itself. */
function lineFormatOf(logger: Logger): LineFormat | undefined {
  // pino.symbols is pino's documented door to a logger's internals (for integrations like this).
  const internals = logger as unknown as Record<symbol, unknown>;
  const { streamSym, lsCacheSym, timeSym, chindingsSym, formattersSym, mixinSym, redactFmtSym, nestedKeySym, messageKeySym } = pino.symbols;
  const stream = internals[streamSym] as { write?: unknown } | undefined;
  const levels = internals[lsCacheSym] as Record<number, unknown> | undefined;
  const time = internals[timeSym];
  const bindings = internals[chindingsSym];
  const formatters = internals[formattersSym] as { log?: unknown } | undefined;
  const levelPrefix = levels?.[pino.levels.values["info"] ?? 30];
  if (typeof stream?.write !== "function" || typeof levelPrefix !== "string" || typeof time !== "function" || typeof bindings !== "string") return undefined;
  if (formatters?.log !== undefined || internals[mixinSym] !== undefined || internals[redactFmtSym] !== undefined) return undefined;
  if (internals[nestedKeySym] != null || internals[messageKeySym] !== "msg") return undefined;
  const line = stream instanceof SlabLineWriter ? stream : new StringLineWriter(stream as { write(line: string): unknown });
  const afterTime = `${bindings},"msg":"request","requestId":`;
  if (time !== pino.stdTimeFunctions.epochTime) {
    const before = linePiece(levelPrefix);
    const after = linePiece(afterTime);
    const timeText = time as () => string;
    return {
      line,
      head: (to) => {
        to.piece(before);
        to.text(timeText());
        to.piece(after);
      },
    };
  }
  // pino's default time (epochTime) is `,"time":${Date.now()}`. The whole head is one piece,
  // rebuilt when the millisecond changes: under load many lines share one.
  let millisecond = -1;
  let head = linePiece("");
  return {
    line,
    head: (to) => {
      const now = Date.now();
      if (now !== millisecond) {
        millisecond = now;
        head = linePiece(`${levelPrefix},"time":${now}${afterTime}`);
      }
      to.piece(head);
    },
  };
}

/** Whole microseconds since `started` (a process.hrtime.bigint()). */
export function microsecondsSince(started: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - started) / 1e3);
}

/** Whole microseconds as milliseconds with three decimals (`12.034`), from integers only. */
function writeMillis(line: LineWriter, us: number): void {
  if (!(Number.isSafeInteger(us) && us >= 0)) {
    line.text(JSON.stringify(us / 1e3));
    return;
  }
  const fraction = us % 1000;
  line.integer((us - fraction) / 1000);
  line.text(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".");
  line.integer(fraction);
}
