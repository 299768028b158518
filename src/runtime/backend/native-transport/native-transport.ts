import { lookup } from "node:dns/promises";
import { connect as netConnect, isIP } from "node:net";
import type { Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { TLSSocket } from "node:tls";
import type {
  BidiStreamCall,
  ClientStreamCall,
  ResponseStream,
  ServerStreamRequest,
  StreamRequest,
  Transport,
  UnaryRequest,
  UnaryResponse,
} from "../transport.js";
import type { CallDispatcher, GrpcCall } from "./call.js";
import { CallQueue } from "./call-queue.js";
import { UnaryCall, encodeMethodPrelude } from "./call.js";
import { Http2Connection } from "./connection.js";
import { ServerStreamCall } from "./server-stream-call.js";

export interface NativeTransportOptions {
  /** `host:port`, `[v6]:port` or `dns:///name:port` (every address of the name, round robin). */
  readonly address: string;
  readonly tls?: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly serverName?: string };
  /** Connections per address; calls are spread round robin over all of them. Default 1. */
  readonly connectionsPerAddress?: number;
  /** Bound on a response message, and so on what one call buffers. Default 64 MiB. */
  readonly maxReceiveMessageBytes?: number;
  readonly connectTimeoutMs?: number;
  readonly keepaliveMs?: number;
  readonly keepaliveTimeoutMs?: number;
}

const INITIAL_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;
const BACKOFF_MULTIPLIER = 1.6;

interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** One connection slot: (re)connects on demand, spacing failed attempts by backoff. */
class Subchannel {
  connection: Http2Connection | undefined;
  connecting = false;
  lastError = "";
  private backoffMs = INITIAL_BACKOFF_MS;
  private nextAttemptAt = 0;

  constructor(
    readonly endpoint: Endpoint,
    private readonly owner: NativeTransport,
  ) {}

  get canConnect(): boolean {
    return this.connection === undefined && !this.connecting && Date.now() >= this.nextAttemptAt;
  }

  connect(): void {
    this.connecting = true;
    const socket = this.owner.openSocket(this.endpoint);
    const timeout = setTimeout(() => socket.destroy(new Error(`connect timeout to ${this.label}`)), this.owner.connectTimeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timeout);
      this.connecting = false;
      this.lastError = error.message;
      this.nextAttemptAt = Date.now() + this.backoffMs * (0.8 + 0.4 * Math.random());
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * BACKOFF_MULTIPLIER);
      this.owner.onConnectFailed(this);
    };
    socket.once("error", onError);
    socket.once(this.owner.isTls ? "secureConnect" : "connect", () => {
      clearTimeout(timeout);
      if (this.owner.isTls && (socket as TLSSocket).alpnProtocol !== "h2") {
        socket.destroy(new Error(`${this.label} did not negotiate h2 (ALPN)`));
        return;
      }
      socket.off("error", onError);
      this.connecting = false;
      this.backoffMs = INITIAL_BACKOFF_MS;
      this.nextAttemptAt = 0;
      this.connection = new Http2Connection(socket, {
        keepaliveMs: this.owner.keepaliveMs,
        keepaliveTimeoutMs: this.owner.keepaliveTimeoutMs,
        onUnusable: (connection) => {
          if (this.connection === connection) this.connection = undefined;
          this.owner.drainQueue();
        },
        onStreamClosed: () => this.owner.drainQueue(),
      });
      this.owner.drainQueue();
    });
  }

  private get label(): string {
    return `${this.endpoint.host}:${this.endpoint.port}`;
  }
}

/**
 * gRPC calls (unary and all three streaming kinds) over HTTP/2 spoken directly on `net.Socket` / `tls.connect` (ALPN h2),
 * without node:http2 or @grpc/grpc-js: a per-call cost of a few header bytes and
 * one write. Calls wait in a queue while every connection is at its stream limit or
 * still connecting; with no connection to be had they fail UNAVAILABLE at once.
 */
export class NativeTransport implements Transport, CallDispatcher {
  readonly maxReceiveMessageBytes: number;
  readonly connectTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly isTls: boolean;
  private subchannels: Subchannel[] = [];
  private resolving: Promise<void> | undefined;
  private resolveError: string | undefined;
  private readonly queue = new CallQueue<GrpcCall>();
  private readonly preludes = new Map<string, Buffer>();
  private next = 0;
  private closed = false;
  private authority = "";

  constructor(private readonly options: NativeTransportOptions) {
    this.maxReceiveMessageBytes = options.maxReceiveMessageBytes ?? 64 * 1024 * 1024;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 20_000;
    this.keepaliveMs = options.keepaliveMs ?? 30_000;
    this.keepaliveTimeoutMs = options.keepaliveTimeoutMs ?? 10_000;
    this.isTls = options.tls !== undefined;
    const { dns, host, port } = parseAddress(options.address);
    this.authority = options.tls?.serverName ?? (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
    if (dns && isIP(host) === 0) {
      this.resolving = lookup(host, { all: true }).then(
        (addresses) => {
          this.resolving = undefined;
          this.setEndpoints(addresses.map((a) => ({ host: a.address, port })));
        },
        (error: unknown) => {
          this.resolving = undefined;
          this.resolveError = `cannot resolve ${host}: ${error instanceof Error ? error.message : String(error)}`;
          this.drainQueue();
        },
      );
    } else {
      this.setEndpoints([{ host, port }]);
    }
  }

  unary(request: UnaryRequest): Promise<UnaryResponse> {
    return new Promise((resolve, reject) => {
      new UnaryCall(request, this.preludeFor(request.path), this, resolve, reject).start();
    });
  }

  serverStream(request: ServerStreamRequest): ResponseStream {
    const call = new ServerStreamCall(request, this.preludeFor(request.path), this);
    call.start();
    return call;
  }

  clientStream(request: StreamRequest): ClientStreamCall {
    let call: UnaryCall | undefined;
    const response = new Promise<UnaryResponse>((resolve, reject) => {
      call = new UnaryCall(streamOnly(request), this.preludeFor(request.path), this, resolve, reject);
    });
    const started = call!;
    started.start();
    return { requests: started.requests!, response };
  }

  bidiStream(request: StreamRequest): BidiStreamCall {
    const call = new ServerStreamCall(streamOnly(request), this.preludeFor(request.path), this);
    call.start();
    return { requests: call.requests!, responses: call };
  }

  close(): void {
    this.closed = true;
    for (const subchannel of this.subchannels) subchannel.connection?.close();
    for (const call of this.queue.takeAll()) call.failUnavailable("transport closed");
  }

  dispatch(call: GrpcCall): void {
    if (this.closed) {
      call.failUnavailable("transport closed");
      return;
    }
    this.queue.push(call);
    this.drainQueue();
  }

  /** Starts queued calls where there is room; connects where needed; fails them when nothing can. */
  drainQueue(): void {
    if (this.closed) return;
    for (let call = this.queue.peek(); call !== undefined; call = this.queue.peek()) {
      const subchannel = this.pick();
      if (subchannel === undefined) break;
      this.queue.shift();
      call.attach(subchannel.connection!);
    }
    if (this.queue.peek() === undefined || this.resolving !== undefined) return;
    let pending = false;
    for (const subchannel of this.subchannels) {
      if (subchannel.canConnect) subchannel.connect();
      if (subchannel.connecting || subchannel.connection !== undefined) pending = true;
    }
    if (!pending) {
      const reason = this.resolveError ?? this.subchannels.find((s) => s.lastError !== "")?.lastError ?? "no connection";
      for (const call of this.queue.takeAll()) call.failUnavailable(`backend unavailable: ${reason}`);
    }
  }

  onConnectFailed(_subchannel: Subchannel): void {
    this.drainQueue();
  }

  openSocket(endpoint: Endpoint): Socket {
    const tls = this.options.tls;
    if (tls === undefined) return netConnect({ host: endpoint.host, port: endpoint.port });
    const servername = tls.serverName ?? (isIP(endpoint.host) === 0 ? endpoint.host : undefined);
    return tlsConnect({
      host: endpoint.host,
      port: endpoint.port,
      ALPNProtocols: ["h2"],
      ...(servername === undefined ? {} : { servername }),
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
    });
  }

  private setEndpoints(endpoints: Endpoint[]): void {
    const perAddress = Math.max(1, this.options.connectionsPerAddress ?? 1);
    this.subchannels = [];
    for (let i = 0; i < perAddress; i++) {
      for (const endpoint of endpoints) this.subchannels.push(new Subchannel(endpoint, this));
    }
    this.drainQueue();
  }

  /** Round robin over connections with room for a stream. */
  private pick(): Subchannel | undefined {
    const count = this.subchannels.length;
    for (let i = 0; i < count; i++) {
      const subchannel = this.subchannels[(this.next + i) % count]!;
      if (subchannel.connection?.canOpenStream) {
        this.next = (this.next + i + 1) % count;
        return subchannel;
      }
    }
    return undefined;
  }

  private preludeFor(path: string): Buffer {
    let prelude = this.preludes.get(path);
    if (prelude === undefined) {
      prelude = encodeMethodPrelude(path, this.isTls ? "https" : "http", this.authority);
      // Paths come from the route table, so the map stays small.
      this.preludes.set(path, prelude);
    }
    return prelude;
  }
}

/** The request without any `message` a caller's object may carry: the call streams its requests. */
function streamOnly(request: StreamRequest): StreamRequest {
  return { path: request.path, metadata: request.metadata, deadline: request.deadline, signal: request.signal };
}

function parseAddress(address: string): { dns: boolean; host: string; port: number } {
  let rest = address;
  let dns = false;
  if (rest.startsWith("dns:///")) {
    rest = rest.slice("dns:///".length);
    dns = true;
  } else if (rest.startsWith("dns:")) {
    rest = rest.slice("dns:".length);
    dns = true;
  }
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(rest);
  if (v6) return { dns, host: v6[1]!, port: Number(v6[2]) };
  const colon = rest.lastIndexOf(":");
  if (colon < 0) return { dns, host: rest, port: 443 };
  return { dns, host: rest.slice(0, colon), port: Number(rest.slice(colon + 1)) };
}
