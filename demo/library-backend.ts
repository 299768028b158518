import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { setTimeout as sleep } from "node:timers/promises";
import type * as m from "./library-messages.js";
import { BUNDLED_DIR, PROTOS_DIR } from "./demo-paths.js";
import { LibraryStore } from "./library-store.js";
import { RpcError } from "./rpc-error.js";

/** Value of the `x-library-version` response header every call sends. */
export const LIBRARY_VERSION = "1.0.0";
export const VERSION_HEADER = "x-library-version";
/** Trailer with the store's write counter after the call. */
export const REVISION_TRAILER = "x-library-store-revision";

export interface LibraryBackend {
  /** `host:port` actually bound (the real port when asked for port 0). */
  readonly address: string;
  stop(): Promise<void>;
}

export interface LibraryBackendOptions {
  /** Called with one line per finished call; silent when absent. */
  readonly log?: (line: string) => void;
}

/** Loads library.v1 the way a typical Node backend would, from protos/ and bundled/. */
export function loadLibraryService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync("library/v1/library.proto", {
    includeDirs: [PROTOS_DIR, BUNDLED_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return definition["library.v1.LibraryService"] as grpc.ServiceDefinition;
}

function headers(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set(VERSION_HEADER, LIBRARY_VERSION);
  return metadata;
}

function trailers(store: LibraryStore, base = new grpc.Metadata()): grpc.Metadata {
  base.set(REVISION_TRAILER, String(store.revision));
  return base;
}

// Anything that is not an RpcError is a bug in this file: INTERNAL, no stack to clients.
function toRpcError(error: unknown): RpcError {
  return error instanceof RpcError ? error : new RpcError(grpc.status.INTERNAL, "internal error in the library backend");
}

function codeName(code: grpc.status): string {
  return grpc.status[code] ?? String(code);
}

type Log = (line: string) => void;

function unary<Req, Res>(
  store: LibraryStore,
  log: Log,
  method: string,
  handle: (request: Req) => Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    call.sendMetadata(headers());
    try {
      const response = handle(call.request);
      log(`${method} OK`);
      callback(null, response, trailers(store));
    } catch (thrown: unknown) {
      const error = toRpcError(thrown);
      if (!(thrown instanceof RpcError)) log(`${method} failed: ${String(thrown)}`);
      log(`${method} ${codeName(error.code)}: ${error.details}`);
      trailers(store, error.metadata);
      callback(error);
    }
  };
}

function drainedOrCancelled(call: grpc.ServerWritableStream<m.StreamBooksRequest, m.Book>): Promise<void> {
  return new Promise((resolve) => {
    // 'cancelled' may have fired already; it is not emitted twice.
    if (call.cancelled) return resolve();
    const done = (): void => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.once("drain", done);
    call.once("cancelled", done);
  });
}

function streamBooks(store: LibraryStore, log: Log): grpc.handleServerStreamingCall<m.StreamBooksRequest, m.Book> {
  return (call) => {
    call.sendMetadata(headers());
    const run = async (): Promise<void> => {
      // Checked before the first message, so the client gets a plain status.
      const { books, intervalMs } = store.streamBooks(call.request);
      for (const [index, book] of books.entries()) {
        if (index > 0 && intervalMs > 0) await sleep(intervalMs);
        if (call.cancelled) {
          log(`StreamBooks cancelled after ${index} books`);
          return;
        }
        // Respect back-pressure: wait for the buffer to drain (or the client to go away).
        if (!call.write(book)) await drainedOrCancelled(call);
      }
      log(`StreamBooks OK (${books.length} books)`);
      call.end(trailers(store));
    };
    run().catch((thrown: unknown) => {
      const error = toRpcError(thrown);
      log(`StreamBooks ${codeName(error.code)}: ${error.details}`);
      trailers(store, error.metadata);
      call.emit("error", error);
    });
  };
}

/** Every LibraryService method, backed by `store`. */
export function libraryImplementation(store: LibraryStore, log: Log = () => {}): grpc.UntypedServiceImplementation {
  return {
    ListShelves: unary(store, log, "ListShelves", (r: m.ListShelvesRequest) => store.listShelves(r)),
    GetShelf: unary(store, log, "GetShelf", (r: m.GetShelfRequest) => store.getShelf(r)),
    CreateShelf: unary(store, log, "CreateShelf", (r: m.CreateShelfRequest) => store.createShelf(r)),
    DeleteShelf: unary(store, log, "DeleteShelf", (r: m.DeleteShelfRequest) => store.deleteShelf(r)),
    ListBooks: unary(store, log, "ListBooks", (r: m.ListBooksRequest) => store.listBooks(r)),
    GetBook: unary(store, log, "GetBook", (r: m.GetBookRequest) => store.getBook(r)),
    CreateBook: unary(store, log, "CreateBook", (r: m.CreateBookRequest) => store.createBook(r)),
    UpdateBook: unary(store, log, "UpdateBook", (r: m.UpdateBookRequest) => store.updateBook(r)),
    DeleteBook: unary(store, log, "DeleteBook", (r: m.DeleteBookRequest) => store.deleteBook(r)),
    MoveBook: unary(store, log, "MoveBook", (r: m.MoveBookRequest) => store.moveBook(r)),
    PublishBook: unary(store, log, "PublishBook", (r: m.PublishBookRequest) => store.publishBook(r)),
    SearchBooks: unary(store, log, "SearchBooks", (r: m.SearchBooksRequest) => store.searchBooks(r)),
    GetBookAsset: unary(store, log, "GetBookAsset", (r: m.GetBookAssetRequest) => store.getBookAsset(r)),
    GetBookCover: unary(store, log, "GetBookCover", (r: m.GetBookCoverRequest) => store.getBookCover(r)),
    StreamBooks: streamBooks(store, log),
    BorrowBook: unary(store, log, "BorrowBook", (r: m.BorrowBookRequest) => store.borrowBook(r)),
  };
}

/**
 * Starts a real grpc-js LibraryService on `address` (`host:port`, port 0 for any),
 * seeded with two shelves and six books. Each call gets a fresh store.
 */
export async function startLibraryBackend(address: string, options: LibraryBackendOptions = {}): Promise<LibraryBackend> {
  const store = new LibraryStore();
  const server = new grpc.Server();
  server.addService(loadLibraryService(), libraryImplementation(store, options.log));
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const host = address.slice(0, address.lastIndexOf(":"));
  return {
    address: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        // Give in-flight calls a moment, then cut them off so stop() always settles.
        const force = setTimeout(() => server.forceShutdown(), 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
