import test from "ava";
import type { ExecutionContext } from "ava";
import * as grpc from "@grpc/grpc-js";
import { LIBRARY_VERSION, loadLibraryService, startLibraryBackend } from "../../../demo/library-backend.js";
import type { LibraryBackend } from "../../../demo/library-backend.js";
import { decodeStatus, STATUS_DETAILS_KEY } from "../../../demo/rpc-error.js";

type Message = Record<string, unknown>;
type Reply = {
  error: grpc.ServiceError | null;
  response: Message | undefined;
  headers: grpc.Metadata | undefined;
  trailers: grpc.Metadata | undefined;
};
type UnaryMethod = (
  request: Message,
  callback: (error: grpc.ServiceError | null, response?: Message) => void,
) => grpc.ClientUnaryCall;

const LibraryClient = grpc.makeGenericClientConstructor(loadLibraryService(), "LibraryService");

let backend: LibraryBackend;
let client: grpc.Client;

test.before(async () => {
  backend = await startLibraryBackend("127.0.0.1:0");
  client = new LibraryClient(backend.address, grpc.credentials.createInsecure());
});

test.after.always(async () => {
  client?.close();
  await backend?.stop();
});

function call(method: string, request: Message): Promise<Reply> {
  const unary = (client as unknown as Record<string, UnaryMethod>)[method];
  if (unary === undefined) throw new Error(`no method ${method}`);
  return new Promise((resolve) => {
    let headers: grpc.Metadata | undefined;
    let reply: Pick<Reply, "error" | "response"> | undefined;
    let trailers: grpc.Metadata | undefined;
    const finish = (): void => {
      if (reply !== undefined && trailers !== undefined) resolve({ ...reply, headers, trailers });
    };
    const pending = unary.call(client, request, (error, response) => {
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

function details(t: ExecutionContext, error: grpc.ServiceError | null): ReturnType<typeof decodeStatus> {
  if (error === null) return t.fail("expected an error") as never;
  const [bytes] = error.metadata.get(STATUS_DETAILS_KEY);
  if (!(bytes instanceof Buffer)) return t.fail(`no ${STATUS_DETAILS_KEY} trailer`) as never;
  return decodeStatus(bytes);
}

test("GetBook: returns the seeded book with the version header and revision trailer", async (t) => {
  const reply = await call("GetBook", { name: "shelves/fiction/books/dune" });
  t.is(reply.error, null);
  t.like(reply.response, {
    name: "shelves/fiction/books/dune",
    title: "Dune",
    authors: ["Frank Herbert"],
    genre: "GENRE_SCIENCE_FICTION",
    page_count: { value: 412 },
    word_count: "188000",
    edition: "print",
    print: { hardcover: false, copies_available: 2 },
    rating: 4.3,
    labels: { condition: "good", language: "en" },
  });
  t.deepEqual(reply.headers?.get("x-library-version"), [LIBRARY_VERSION]);
  t.regex(String(reply.trailers?.get("x-library-store-revision")[0]), /^\d+$/);
});

test("GetBook: a missing book is NOT_FOUND naming it, with ResourceInfo", async (t) => {
  const reply = await call("GetBook", { name: "shelves/fiction/books/missing" });
  t.is(reply.error?.code, grpc.status.NOT_FOUND);
  t.is(reply.error?.details, 'book "shelves/fiction/books/missing" not found');
  t.deepEqual(details(t, reply.error), {
    code: grpc.status.NOT_FOUND,
    message: 'book "shelves/fiction/books/missing" not found',
    details: [
      {
        typeName: "google.rpc.ResourceInfo",
        value: {
          resource_type: "library.v1.Book",
          resource_name: "shelves/fiction/books/missing",
          description: 'book "shelves/fiction/books/missing" not found',
        },
      },
    ],
  });
});

test("GetBook: a book on a missing shelf is NOT_FOUND naming the shelf", async (t) => {
  const reply = await call("GetBook", { name: "shelves/poetry/books/odyssey" });
  t.is(reply.error?.code, grpc.status.NOT_FOUND);
  t.is(reply.error?.details, 'shelf "shelves/poetry" not found');
});

test("CreateBook: bad input is INVALID_ARGUMENT with a BadRequest per field", async (t) => {
  const reply = await call("CreateBook", {
    parent: "shelves/fiction",
    book_id: "Bad Id",
    book: { title: " ", isbn: "12-34", rating: 7, page_count: { value: 0 } },
  });
  t.is(reply.error?.code, grpc.status.INVALID_ARGUMENT);
  t.is(reply.error?.details, "invalid book");
  t.deepEqual(details(t, reply.error).details, [
    {
      typeName: "google.rpc.BadRequest",
      value: {
        field_violations: [
          { field: "book.title", description: "title is required" },
          { field: "book.isbn", description: 'isbn "12-34" is not 13 digits' },
          { field: "book.page_count", description: "page_count must be at least 1 when set" },
          { field: "book.rating", description: "rating 7 is not between 0 and 5" },
          { field: "book_id", description: 'book_id "Bad Id" is not lower-case letters, digits and hyphens' },
        ],
      },
    },
  ]);
});

test("CreateBook: creates once, then ALREADY_EXISTS", async (t) => {
  const request = { parent: "shelves/science", book_id: "origin", book: { title: "On the Origin of Species", authors: ["Charles Darwin"] } };
  const first = await call("CreateBook", request);
  t.is(first.error, null);
  t.like(first.response, { name: "shelves/science/books/origin", title: "On the Origin of Species", genre: "GENRE_UNSPECIFIED" });
  const second = await call("CreateBook", request);
  t.is(second.error?.code, grpc.status.ALREADY_EXISTS);
  t.is(second.error?.details, 'book "shelves/science/books/origin" already exists');
});

test("ListBooks: pages through a shelf with page_token", async (t) => {
  const first = await call("ListBooks", { parent: "shelves/fiction", page_size: 3 });
  t.is(first.error, null);
  const names = (reply: Reply): unknown[] => (reply.response?.["books"] as Message[]).map((book) => book["name"]);
  t.deepEqual(names(first), ["shelves/fiction/books/dune", "shelves/fiction/books/earthsea", "shelves/fiction/books/foundation"]);
  t.is(first.response?.["total_size"], 4);
  const token = first.response?.["next_page_token"];
  t.true(typeof token === "string" && token !== "");
  const second = await call("ListBooks", { parent: "shelves/fiction", page_size: 3, page_token: token });
  t.deepEqual(names(second), ["shelves/fiction/books/hobbit"]);
  t.is(second.response?.["next_page_token"], "");
});

test("ListBooks: a page_token from another query is INVALID_ARGUMENT", async (t) => {
  const first = await call("ListBooks", { parent: "shelves/fiction", page_size: 1 });
  const reply = await call("ListBooks", {
    parent: "shelves/fiction",
    page_size: 1,
    filter: "genre=FANTASY",
    page_token: first.response?.["next_page_token"],
  });
  t.is(reply.error?.code, grpc.status.INVALID_ARGUMENT);
  t.is(reply.error?.details, "page_token does not belong to this query");
});

test("ListBooks: filter, genres and order_by select and sort", async (t) => {
  const reply = await call("ListBooks", { parent: "shelves/fiction", genres: ["GENRE_FANTASY"], order_by: "title desc" });
  t.deepEqual((reply.response?.["books"] as Message[]).map((book) => book["title"]), ["The Hobbit", "A Wizard of Earthsea"]);
  const filtered = await call("ListBooks", { parent: "shelves/fiction", filter: 'author:asimov' });
  t.deepEqual((filtered.response?.["books"] as Message[]).map((book) => book["title"]), ["Foundation"]);
});

test("UpdateBook: changes only the update_mask fields", async (t) => {
  const reply = await call("UpdateBook", {
    book: { name: "shelves/fiction/books/hobbit", title: "The Hobbit, or There and Back Again", isbn: "" , labels: { condition: "new" } },
    update_mask: { paths: ["title", "labels"] },
  });
  t.is(reply.error, null);
  t.like(reply.response, {
    title: "The Hobbit, or There and Back Again",
    isbn: "9780547928227",
    labels: { condition: "new" },
    authors: ["J. R. R. Tolkien"],
  });
  const bad = await call("UpdateBook", { book: { name: "shelves/fiction/books/hobbit" }, update_mask: { paths: ["create_time"] } });
  t.is(bad.error?.code, grpc.status.INVALID_ARGUMENT);
  t.deepEqual(details(t, bad.error).details[0]?.value, {
    field_violations: [{ field: "update_mask", description: '"create_time" is not a writable field of Book' }],
  });
});

test("UpdateBook: a stale etag is ABORTED", async (t) => {
  const reply = await call("UpdateBook", { book: { name: "shelves/fiction/books/earthsea", etag: "stale", title: "X" } });
  t.is(reply.error?.code, grpc.status.ABORTED);
  t.is(reply.error?.details, 'book "shelves/fiction/books/earthsea" changed since etag "stale"; get it again and retry');
});

test("StreamBooks: streams the shelf's books, then OK with the trailer", async (t) => {
  const stream = (client as unknown as Record<string, (request: Message) => grpc.ClientReadableStream<Message>>)[
    "StreamBooks"
  ]?.call(client, { parent: "shelves/science" });
  if (stream === undefined) return t.fail("no StreamBooks");
  const names: unknown[] = [];
  stream.on("data", (book: Message) => names.push(book["name"]));
  const status = await new Promise<grpc.StatusObject>((resolve) => stream.on("status", resolve));
  t.is(status.code, grpc.status.OK);
  t.deepEqual(names.slice(0, 2), ["shelves/science/books/brief-history", "shelves/science/books/cosmos"]);
  t.regex(String(status.metadata.get("x-library-store-revision")[0]), /^\d+$/);
});

test("StreamBooks: a missing shelf fails before the first message", async (t) => {
  const stream = (client as unknown as Record<string, (request: Message) => grpc.ClientReadableStream<Message>>)[
    "StreamBooks"
  ]?.call(client, { parent: "shelves/none" });
  if (stream === undefined) return t.fail("no StreamBooks");
  let received = 0;
  stream.on("data", () => received++);
  const error = await new Promise<grpc.ServiceError>((resolve) => stream.on("error", resolve));
  t.is(error.code, grpc.status.NOT_FOUND);
  t.is(error.details, 'shelf "shelves/none" not found');
  t.is(received, 0);
});
