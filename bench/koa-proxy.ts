/**
 * The baseline protogate is measured against: a REST-to-gRPC proxy for three library.v1
 * methods written the way a tutorial writes it — Koa + @koa/router, one @grpc/grpc-js
 * client built by @grpc/proto-loader at start-up, and the loader's objects sent as JSON
 * as they are (no proto3 JSON mapping of Timestamp, Int32Value, Struct…).
 *
 * Run it alone: `node dist/bench/koa-proxy.js --backend 127.0.0.1:50051 [--listen 127.0.0.1:0]`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import Router from "@koa/router";
import Koa from "koa";
import type { Context } from "koa";

const PROTOS_DIR = fileURLToPath(new URL("../../protos/", import.meta.url));
const BUNDLED_DIR = fileURLToPath(new URL("../../bundled/", import.meta.url));

// A tutorial caps the body by hand; 1 MiB is plenty for a book.
const MAX_BODY_BYTES = 1024 * 1024;

export interface KoaProxyOptions {
  /** gRPC backend, `host:port`. */
  readonly backend: string;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface RunningKoaProxy {
  /** `http://host:port`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Thrown when the command line of the runnable proxy is wrong. */
export class KoaProxyUsageError extends Error {
  override readonly name = "KoaProxyUsageError";
}

export type UnaryCallback = (error: grpc.ServiceError | null, response?: unknown) => void;
export type UnaryMethod = (request: unknown, callback: UnaryCallback) => grpc.ClientUnaryCall;

/** The three methods the proxy calls, on the proto-loader dynamic client. */
export interface LibraryClient extends grpc.Client {
  GetBook: UnaryMethod;
  ListBooks: UnaryMethod;
  CreateBook: UnaryMethod;
}

// The usual gRPC-status-to-HTTP table from the tutorials; anything else is a 500.
const HTTP_STATUS: Partial<Record<grpc.status, number>> = {
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.UNAUTHENTICATED]: 401,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.UNAVAILABLE]: 503,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
};

export function createLibraryClient(backend: string): LibraryClient {
  const definition = protoLoader.loadSync("library/v1/library.proto", {
    includeDirs: [PROTOS_DIR, BUNDLED_DIR],
    longs: String,
    enums: String,
    defaults: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    library: { v1: { LibraryService: new (address: string, credentials: grpc.ChannelCredentials) => LibraryClient } };
  };
  return new loaded.library.v1.LibraryService(backend, grpc.credentials.createInsecure());
}

function call(method: UnaryMethod, client: LibraryClient, request: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    method.call(client, request, (error, response) => (error === null ? resolve(response) : reject(error)));
  });
}

function isServiceError(error: unknown): error is grpc.ServiceError {
  return error instanceof Error && typeof (error as Partial<grpc.ServiceError>).code === "number";
}

class BadBodyError extends Error {
  override readonly name = "BadBodyError";
}

async function readJsonBody(ctx: Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadBodyError("request body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch (error: unknown) {
    throw new BadBodyError(`request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function queryString(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === "string" ? value : undefined;
}

/** The Koa app: one route per RPC, errors mapped from the gRPC status. */
export function createKoaProxyApp(client: LibraryClient): Koa {
  const app = new Koa();
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error: unknown) {
      if (isServiceError(error)) {
        ctx.status = HTTP_STATUS[error.code] ?? 500;
        ctx.body = { code: error.code, message: error.details };
      } else if (error instanceof BadBodyError) {
        ctx.status = 400;
        ctx.body = { code: grpc.status.INVALID_ARGUMENT, message: error.message };
      } else {
        ctx.status = 500;
        ctx.body = { code: grpc.status.INTERNAL, message: "internal error" };
      }
    }
  });

  router.get("/v1/shelves/:shelf/books/:book", async (ctx) => {
    ctx.body = await call(client.GetBook, client, { name: `shelves/${ctx.params.shelf}/books/${ctx.params.book}` });
  });

  router.get("/v1/shelves/:shelf/books", async (ctx) => {
    const pageSize = queryString(ctx, "page_size") ?? queryString(ctx, "pageSize");
    ctx.body = await call(client.ListBooks, client, {
      parent: `shelves/${ctx.params.shelf}`,
      pageSize: pageSize === undefined ? 0 : Number(pageSize),
      pageToken: queryString(ctx, "page_token") ?? queryString(ctx, "pageToken") ?? "",
      filter: queryString(ctx, "filter") ?? "",
      orderBy: queryString(ctx, "order_by") ?? queryString(ctx, "orderBy") ?? "",
    });
  });

  router.post("/v1/shelves/:shelf/books", async (ctx) => {
    const book = await readJsonBody(ctx);
    ctx.body = await call(client.CreateBook, client, {
      parent: `shelves/${ctx.params.shelf}`,
      book,
      bookId: queryString(ctx, "book_id") ?? queryString(ctx, "bookId") ?? "",
    });
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Starts the proxy; resolves once it listens. */
export async function startKoaProxy(options: KoaProxyOptions): Promise<RunningKoaProxy> {
  const client = createLibraryClient(options.backend);
  const server = createServer(createKoaProxyApp(client).callback());
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error: unknown) {
    client.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          client.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** `host:port` (port may be 0) as given to `--listen`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65535) throw new KoaProxyUsageError(`--listen: expected HOST:PORT, got "${value}"`);
  return { host: (match[1] as string).replace(/^\[(.*)\]$/, "$1"), port };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backend: { type: "string" }, listen: { type: "string", default: "127.0.0.1:0" } },
    strict: true,
  });
  if (values.backend === undefined) throw new KoaProxyUsageError("--backend HOST:PORT is required");
  const proxy = await startKoaProxy({ backend: values.backend, ...parseListen(values.listen) });
  process.stdout.write(`koa-proxy listening on ${proxy.url}\n`);
  const stop = (): void => {
    void proxy.stop().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`koa-proxy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof KoaProxyUsageError ? 2 : 1);
  });
}
