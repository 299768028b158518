import { fstatSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { pino } from "pino";
import { createCodecRegistry } from "../codec/index.js";
import type { BackendConfig, GatewayConfig } from "../config/gateway-config.js";
import { resolveBackend } from "../config/resolve-backends.js";
import type { MethodEntry } from "../model/route-table.js";
import { BackendPool } from "../runtime/backend/backend-pool.js";
import type { BackendTarget } from "../runtime/backend/backend-pool.js";
import { createTransport } from "../runtime/backend/native-transport/create-transport.js";
import { guardTransport } from "../runtime/backend/guarded-transport.js";
import type { Transport } from "../runtime/backend/transport.js";
import { GatewayMetrics } from "../runtime/ops/metrics.js";
import { FileLineSink, PipeLineSink, bufferDestination } from "../runtime/ops/log-destination.js";
import { announceListening, isClusterWorker } from "../runtime/ops/cluster-ipc.js";
import { BackendReadiness } from "../runtime/ops/readiness.js";
import { createTracing } from "../runtime/ops/tracing.js";
import type { ReadinessTarget } from "../runtime/ops/readiness.js";
import { createGateway } from "../runtime/gateway.js";
import { drainingResponses } from "../runtime/draining-response.js";
import { Code, GatewayError } from "../runtime/errors/gateway-error.js";
import { freshRequestId } from "../runtime/request-id.js";
import { lingerOnClose } from "../runtime/lingering-close.js";
import { loadGenerated } from "../runtime/load-generated.js";
import { buildPolicyLayer } from "../runtime/policy/build-policy-layer.js";
import { ExitCode } from "./exit-codes.js";
import type { CommandFlags } from "./main.js";
import { buildApi } from "./build-table.js";
import { configFromFlags } from "./config-from-flags.js";

// Slow-header (slowloris) clients are cut off; a whole request may take longer (large bodies).
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
// How often Node looks for connections past those timeouts (its default, 30s, lets a slowloris linger).
const TIMEOUT_CHECK_MS = 1_000;
const LOG_BUFFER_BYTES = 8 * 1024; // below sonic-boom's 16 KiB maxWrite, which it requires
// Fewer, larger writes to a file: a line cost 1.86 µs with 8 KiB writes, 1.28 µs with
// 64 KiB (AccessLog + FileLineSink in isolation; bench/README.md).
const FILE_LOG_BUFFER_BYTES = 64 * 1024;
/** The scheme and authority of an absolute-form request target. */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;
const LOG_FLUSH_MS = 200;

/**
 * `protogate serve`: the composition root. Resolves to the exit code once a SIGTERM or
 * SIGINT has drained the server (SPEC §8).
 */
export async function runServe(flags: CommandFlags): Promise<number> {
  const config = configFromFlags(flags);
  // Same data either way: the committed generated/ or the generator run in memory.
  const { table, openapi } = flags.generated === undefined ? buildApi(config) : loadGenerated(flags.generated);
  // Under `--workers N` each line names the worker (its pid) that wrote it.
  // Access-log lines: never a write(2) per line (that cost ~35 µs of the ~108 µs of a GetBook).
  // To a regular file they are encoded into a slab written once FILE_LOG_BUFFER_BYTES have
  // gathered (FileLineSink): such a write never waits on a reader. To a pipe or terminal (a
  // container's stdout) they are encoded the same way and each turn's bytes go to sonic-boom
  // as one buffer (PipeLineSink), written asynchronously once LOG_BUFFER_BYTES have gathered,
  // so a slow reader cannot stall the event loop. Either way LOG_FLUSH_MS bounds how long a line waits.
  const logDestination = stdoutIsFile()
    ? new FileLineSink(1, FILE_LOG_BUFFER_BYTES)
    : new PipeLineSink(bufferDestination(1, LOG_BUFFER_BYTES), LOG_BUFFER_BYTES);
  const logFlush = setInterval(() => logDestination.flush(), LOG_FLUSH_MS);
  logFlush.unref();
  const logger = pino({ level: config.logging.level, base: isClusterWorker() ? { pid: process.pid } : undefined }, logDestination);
  const codecs = createCodecRegistry(table.types, config.json);

  const metrics = new GatewayMetrics();
  // Every RPC's auth / rate limit / cache / timeout, resolved once (proto options, then config rules).
  const policy = buildPolicyLayer(table, config, logger, metrics);
  // Loaded only when configured: without `tracing` the OpenTelemetry SDK is never imported.
  const tracing = config.tracing === undefined ? undefined : await createTracing(config.tracing);
  // The raw channel of each backend: readiness asks it directly, past the breaker and retries.
  const readinessTargets: ReadinessTarget[] = [];
  const readiness = new BackendReadiness(() => readinessTargets, {
    onResult: (name, up) => metrics.recordBackendUp(name, up),
  });
  const targets = new Map<BackendConfig, BackendTarget>();
  const pool = new BackendPool((method: MethodEntry) => {
    const backend = resolveBackend(config, method.name);
    if (backend === undefined) return undefined;
    let target = targets.get(backend);
    if (target === undefined) {
      const tls = backend.tls;
      target = {
        address: backend.address,
        timeoutMs: backend.timeoutMs,
        connect: (): Transport => {
          const raw = createTransport(backend.transport, {
            address: backend.address,
            ...(backend.retry === undefined ? {} : { retry: { ...backend.retry, methods: idempotentMethods(table.methods, config, backend) } }),
            ...(tls === undefined
              ? {}
              : {
                  tls: {
                    ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }),
                    ...(tls.cert === undefined ? {} : { cert: readFileSync(tls.cert) }),
                    ...(tls.key === undefined ? {} : { key: readFileSync(tls.key) }),
                    ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
                  },
                }),
          });
          readinessTargets.push({ name: backend.address, transport: raw });
          return guardTransport(raw, {
            backend: backend.address,
            circuitBreaker: backend.circuitBreaker,
            onCall: (rpc, code, seconds) => metrics.recordBackendCall(backend.address, rpc, code, seconds),
            onCircuitState: (state) => metrics.recordCircuitState(backend.address, state),
          });
        },
      };
      targets.set(backend, target);
    }
    return target;
  });

  let ready = true;
  const handle = createGateway({
    table,
    codecs,
    openapi,
    logger,
    maxBodySize: config.limits.maxBodyBytes,
    trustedProxies: config.trustedProxies,
    autoMapping: config.autoMapping,
    isReady: () => ready,
    backendReadiness: () => readiness.check(),
    metrics,
    cors: config.cors,
    tracing: tracing?.middleware,
    transportFor: (method) => pool.transportFor(method),
    timeoutFor: (method) => minDefined(pool.timeoutFor(method), policy.layer.policies.get(method.name)?.timeoutMs),
    policy: policy.layer,
  });

  // Answers whose head is written once shutdown began say Connection: close, so keep-alive
  // sockets end with their last answer instead of idling.
  const responses = drainingResponses();
  let stopping = false;
  const listenerTls = config.server.tls;
  // HTTP/1.1 without Host is a 400 (RFC 9112 §3.2), answered here as a Status with an id
  // rather than by node:http, whose own 400 has an empty body.
  const serveRequest = (req: IncomingMessage, res: ServerResponse): void => {
    // Absolute-form (`GET http://host/v1/x`), which a server must accept (RFC 9112 §3.2.2):
    // routed by its path and query.
    const url = req.url;
    if (url !== undefined && url.charCodeAt(0) !== 0x2f && ABSOLUTE_FORM.test(url)) {
      const rest = url.replace(ABSOLUTE_FORM, "");
      req.url = rest.startsWith("/") ? rest : `/${rest}`;
    }
    if (req.headers.host === undefined && req.httpVersion === "1.1") {
      answerPlainError(res, 400, Code.INVALID_ARGUMENT, "HTTP/1.1 request without a Host header");
      return;
    }
    handle(req, res);
  };
  const serverOptions = { connectionsCheckingInterval: TIMEOUT_CHECK_MS, ServerResponse: responses.ServerResponse, requireHostHeader: false };
  const server =
    listenerTls === undefined
      ? createServer(serverOptions, serveRequest)
      : createTlsServer(
          {
            ...serverOptions,
            cert: readFileSync(listenerTls.cert),
            key: readFileSync(listenerTls.key),
            // With a CA, clients must present a certificate it signed (mTLS at the listener).
            ...(listenerTls.ca === undefined ? {} : { ca: readFileSync(listenerTls.ca), requestCert: true, rejectUnauthorized: true }),
          },
          serveRequest,
        );
  // A TLS listener hands HTTP its sockets on secureConnection, a plain one on connection.
  server.on(listenerTls === undefined ? "connection" : "secureConnection", (socket: Socket) => lingerOnClose(socket));
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP never reaches Koa: answer it here rather than let Node reset silently.
    if (socket.writable && error.code !== "ECONNRESET") {
      const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
      // headersTimeout / requestTimeout ran out (a slowloris client, or a stalled body).
      const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
      const status = tooLarge ? "431 Request Header Fields Too Large" : timedOut ? "408 Request Timeout" : "400 Bad Request";
      const body = tooLarge
        ? '{"code":8,"message":"request headers are too large","details":[]}'
        : timedOut
          ? '{"code":4,"message":"the request took too long to arrive","details":[]}'
          : '{"code":3,"message":"malformed HTTP request","details":[]}';
      socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\nx-request-id: ${freshRequestId()}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  });
  // An Expect other than 100-continue: node:http would answer an empty 417.
  server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
    answerPlainError(res, 417, Code.FAILED_PRECONDITION, "unsupported Expect header (only 100-continue is)");
  });

  // A Redis rate-limit store gets a moment to connect before we take traffic.
  await policy.ready();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  // The ready line goes out whatever the log level: scripts and tests wait for it (SPEC §1).
  const readyLine = `${JSON.stringify({ level: pino.levels.values["info"], time: Date.now(), msg: `protogate listening on ${listenerTls === undefined ? "http" : "https"}://${host}:${address.port}`, routes: table.routes.length })}\n`;
  // A `--workers N` worker tells the primary instead, which prints one line once all listen.
  if (isClusterWorker()) announceListening(readyLine);
  else process.stdout.write(readyLine);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      ready = false;
      responses.drain();
      logger.info({ msg: "shutting down", signal, gracePeriodMs: config.shutdown.gracePeriodMs });
      const force = setTimeout(() => server.closeAllConnections(), config.shutdown.gracePeriodMs);
      force.unref();
      // Stops accepting at once; resolves when in-flight requests have finished.
      server.close(() => {
        clearTimeout(force);
        pool.close();
        void policy.close();
        // Spans still buffered go out before the exit (bounded by the exporter's own timeout).
        void (tracing?.shutdown() ?? Promise.resolve())
          .catch(() => undefined)
          .finally(() => {
            logger.info({ msg: "stopped" });
            clearInterval(logFlush);
            // Every buffered line is written before the exit.
            logger.flush(() => resolve(ExitCode.OK));
          });
      });
      server.closeIdleConnections();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}

/** The backend's methods that are safe to retry: those with an idempotency_level. */
function idempotentMethods(methods: readonly MethodEntry[], config: GatewayConfig, backend: BackendConfig): { service: string; method: string }[] {
  return methods
    .filter((m) => m.idempotency !== undefined && !m.clientStreaming && resolveBackend(config, m.name) === backend)
    .map((m) => ({ service: m.service, method: m.name.slice(m.service.length + 1) }));
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function stdoutIsFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}

/** A Status answer from before any route or lane: a fresh request id, and the connection closed. */
function answerPlainError(res: ServerResponse, status: number, code: Code, message: string): void {
  const body = new GatewayError(code, message).toJson();
  res.writeHead(status, { "Content-Type": "application/json", "X-Request-Id": freshRequestId(), "Content-Length": Buffer.byteLength(body), Connection: "close" });
  res.end(body);
}
