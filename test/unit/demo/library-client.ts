import * as grpc from "@grpc/grpc-js";
import { loadLibraryService, startLibraryBackend } from "../../../demo/library-backend.js";
import type { LibraryBackend, LibraryBackendOptions } from "../../../demo/library-backend.js";
import { decodeStatus, STATUS_DETAILS_KEY } from "../../../demo/rpc-error.js";

export type Message = Record<string, unknown>;

export interface Reply {
  readonly error: grpc.ServiceError | null;
  readonly response: Message | undefined;
  readonly headers: grpc.Metadata | undefined;
  readonly trailers: grpc.Metadata;
}

export interface StreamReply {
  readonly messages: Message[];
  readonly status: grpc.StatusObject;
}

type UnaryMethod = (
  request: Message,
  callback: (error: grpc.ServiceError | null, response?: Message) => void,
) => grpc.ClientUnaryCall;
type StreamMethod = (request: Message) => grpc.ClientReadableStream<Message>;

const LibraryClient = grpc.makeGenericClientConstructor(loadLibraryService(), "LibraryService");

/** A fresh demo backend on port 0 and a plain grpc-js client for it. */
export class LibraryHarness {
  private constructor(
    readonly backend: LibraryBackend,
    private readonly client: grpc.Client,
  ) {}

  static async start(options: LibraryBackendOptions = {}): Promise<LibraryHarness> {
    const backend = await startLibraryBackend("127.0.0.1:0", options);
    return new LibraryHarness(backend, new LibraryClient(backend.address, grpc.credentials.createInsecure()));
  }

  /** One unary call; resolves once both the reply and the trailers are in. */
  call(method: string, request: Message): Promise<Reply> {
    const unary = (this.client as unknown as Record<string, UnaryMethod | undefined>)[method];
    if (unary === undefined) throw new Error(`no method ${method}`);
    return new Promise((resolve) => {
      let headers: grpc.Metadata | undefined;
      let reply: Pick<Reply, "error" | "response"> | undefined;
      let trailers: grpc.Metadata | undefined;
      const finish = (): void => {
        if (reply !== undefined && trailers !== undefined) resolve({ ...reply, headers, trailers });
      };
      const pending = unary.call(this.client, request, (error, response) => {
        reply = { error, response };
        finish();
      });
      pending.on("metadata", (metadata: grpc.Metadata) => (headers = metadata));
      pending.on("status", (status: grpc.StatusObject) => {
        trailers = status.metadata;
        finish();
      });
    });
  }

  /** A whole server stream: every message, then the final status. */
  stream(method: string, request: Message): Promise<StreamReply> {
    const open = (this.client as unknown as Record<string, StreamMethod | undefined>)[method];
    if (open === undefined) throw new Error(`no method ${method}`);
    const stream = open.call(this.client, request);
    const messages: Message[] = [];
    stream.on("data", (message: Message) => messages.push(message));
    // Errors also arrive as a status; the listener only keeps them from being thrown.
    stream.on("error", () => {});
    return new Promise((resolve) => stream.on("status", (status: grpc.StatusObject) => resolve({ messages, status })));
  }

  /** Opens a server stream and hands back the live call, to cancel it midway. */
  open(method: string, request: Message): grpc.ClientReadableStream<Message> {
    const open = (this.client as unknown as Record<string, StreamMethod | undefined>)[method];
    if (open === undefined) throw new Error(`no method ${method}`);
    return open.call(this.client, request);
  }

  async stop(): Promise<void> {
    this.client.close();
    await this.backend.stop();
  }
}

/** The google.rpc.Status in an error's `grpc-status-details-bin`, or undefined. */
export function statusDetails(metadata: grpc.Metadata | undefined): ReturnType<typeof decodeStatus> | undefined {
  const [bytes] = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  return bytes instanceof Buffer ? decodeStatus(bytes) : undefined;
}

/** The `name` of each message in a list field of a reply. */
export function names(response: Message | undefined, field = "books"): unknown[] {
  return ((response?.[field] as Message[] | undefined) ?? []).map((message) => message["name"]);
}
