import test from "ava";
import * as grpc from "@grpc/grpc-js";
import { LIBRARY_VERSION } from "../../../demo/library-backend.js";
import { LibraryHarness, names, statusDetails } from "./library-client.js";

// Read-mostly checks share one backend; writes here touch only their own resources.
let library: LibraryHarness;

test.before(async () => {
  library = await LibraryHarness.start();
});

test.after.always(async () => {
  await library?.stop();
});

test("GetBook: returns the seeded book with the version header and revision trailer", async (t) => {
  const reply = await library.call("GetBook", { name: "shelves/fiction/books/dune" });
  t.is(reply.error, null);
  t.like(reply.response, {
    name: "shelves/fiction/books/dune",
    title: "Dune",
    authors: ["Frank Herbert"],
    genre: "GENRE_SCIENCE_FICTION",
    page_count: { value: 412 },
    word_count: "188000",
    reading_time: { seconds: "43200", nanos: 0 },
    edition: "print",
    print: { hardcover: false, copies_available: 2 },
    rating: 4.3,
    labels: { condition: "good", language: "en" },
    metadata: { fields: { series: { stringValue: "Dune Chronicles", kind: "stringValue" } } },
  });
  t.deepEqual(reply.headers?.get("x-library-version"), [LIBRARY_VERSION]);
  t.regex(String(reply.trailers.get("x-library-store-revision")[0]), /^\d+$/);
});

test("GetBook: a missing book is NOT_FOUND naming it, with ResourceInfo", async (t) => {
  const reply = await library.call("GetBook", { name: "shelves/fiction/books/missing" });
  t.is(reply.error?.code, grpc.status.NOT_FOUND);
  t.is(reply.error?.details, 'book "shelves/fiction/books/missing" not found');
  t.deepEqual(statusDetails(reply.error?.metadata), {
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
  const reply = await library.call("GetBook", { name: "shelves/poetry/books/odyssey" });
  t.is(reply.error?.code, grpc.status.NOT_FOUND);
  t.is(reply.error?.details, 'shelf "shelves/poetry" not found');
});

test("GetBook: a malformed name is INVALID_ARGUMENT", async (t) => {
  const reply = await library.call("GetBook", { name: "books/dune" });
  t.is(reply.error?.code, grpc.status.INVALID_ARGUMENT);
  t.is(reply.error?.details, 'invalid book name "books/dune"');
  t.deepEqual(statusDetails(reply.error?.metadata)?.details[0]?.value, {
    field_violations: [{ field: "name", description: "want shelves/{shelf}/books/{book}" }],
  });
});

test("CreateBook: bad input is INVALID_ARGUMENT with a BadRequest per field", async (t) => {
  const reply = await library.call("CreateBook", {
    parent: "shelves/fiction",
    book_id: "Bad Id",
    book: { title: " ", isbn: "12-34", rating: 7, page_count: { value: 0 } },
  });
  t.is(reply.error?.code, grpc.status.INVALID_ARGUMENT);
  t.is(reply.error?.details, "invalid book");
  t.deepEqual(statusDetails(reply.error?.metadata)?.details, [
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
  const request = {
    parent: "shelves/science",
    book_id: "origin",
    book: { title: "On the Origin of Species", authors: ["Charles Darwin"], name: "ignored", etag: "ignored" },
  };
  const first = await library.call("CreateBook", request);
  t.is(first.error, null);
  t.like(first.response, { name: "shelves/science/books/origin", title: "On the Origin of Species", genre: "GENRE_UNSPECIFIED" });
  t.not(first.response?.["etag"], "ignored");
  const second = await library.call("CreateBook", request);
  t.is(second.error?.code, grpc.status.ALREADY_EXISTS);
  t.is(second.error?.details, 'book "shelves/science/books/origin" already exists');
});

test("ListBooks: pages through a shelf with page_token", async (t) => {
  const first = await library.call("ListBooks", { parent: "shelves/fiction", page_size: 3 });
  t.is(first.error, null);
  t.deepEqual(names(first.response), [
    "shelves/fiction/books/dune",
    "shelves/fiction/books/earthsea",
    "shelves/fiction/books/foundation",
  ]);
  t.is(first.response?.["total_size"], 4);
  const token = first.response?.["next_page_token"];
  t.true(typeof token === "string" && token !== "");
  const second = await library.call("ListBooks", { parent: "shelves/fiction", page_size: 3, page_token: token });
  t.deepEqual(names(second.response), ["shelves/fiction/books/hobbit"]);
  t.is(second.response?.["next_page_token"], "");
});

test("ListBooks: a page_token from another query is INVALID_ARGUMENT", async (t) => {
  const first = await library.call("ListBooks", { parent: "shelves/fiction", page_size: 1 });
  const reply = await library.call("ListBooks", {
    parent: "shelves/fiction",
    page_size: 1,
    filter: "genre=FANTASY",
    page_token: first.response?.["next_page_token"],
  });
  t.is(reply.error?.code, grpc.status.INVALID_ARGUMENT);
  t.is(reply.error?.details, "page_token does not belong to this query");
});

test("ListBooks: filter, genres, published_after and order_by select and sort", async (t) => {
  const titles = (reply: { response: Record<string, unknown> | undefined }): unknown[] =>
    ((reply.response?.["books"] as Array<Record<string, unknown>> | undefined) ?? []).map((book) => book["title"]);
  const byGenre = await library.call("ListBooks", { parent: "shelves/fiction", genres: ["GENRE_FANTASY"], order_by: "title desc" });
  t.deepEqual(titles(byGenre), ["The Hobbit", "A Wizard of Earthsea"]);
  const byAuthor = await library.call("ListBooks", { parent: "shelves/fiction", filter: "author:asimov" });
  t.deepEqual(titles(byAuthor), ["Foundation"]);
  const recent = await library.call("ListBooks", {
    parent: "shelves/fiction",
    published_after: { seconds: String(Date.UTC(1960, 0, 1) / 1000), nanos: 0 },
  });
  t.deepEqual(titles(recent), ["Dune", "A Wizard of Earthsea"]);
});

test("ListShelves: both seeded shelves with their book counts", async (t) => {
  const reply = await library.call("ListShelves", { page_size: 1 });
  t.like(reply.response, { shelves: [{ name: "shelves/fiction", display_name: "Fiction", book_count: "4" }] });
  const next = await library.call("ListShelves", { page_size: 1, page_token: reply.response?.["next_page_token"] });
  t.like(next.response, { shelves: [{ name: "shelves/science" }], next_page_token: "" });
});

test("GetBookAsset: the ** path names a file of the book", async (t) => {
  const cover = await library.call("GetBookAsset", { name: "shelves/fiction/books/dune/assets/images/cover.png" });
  t.is(cover.response?.["content_type"], "image/png");
  t.deepEqual((cover.response?.["data"] as Buffer).subarray(1, 4).toString(), "PNG");
  const summary = await library.call("GetBookAsset", { name: "shelves/fiction/books/dune/assets/text/summary.txt" });
  t.is((summary.response?.["data"] as Buffer).toString(), "Dune by Frank Herbert\n");
  const missing = await library.call("GetBookAsset", { name: "shelves/fiction/books/dune/assets/nope.txt" });
  t.is(missing.error?.details, 'asset "shelves/fiction/books/dune/assets/nope.txt" not found');
});

test("GetBookCover: the cover as a google.api.HttpBody; NOT_FOUND for a book without one", async (t) => {
  const cover = await library.call("GetBookCover", { name: "shelves/fiction/books/dune" });
  t.is(cover.response?.["content_type"], "image/png");
  t.is((cover.response?.["data"] as Buffer).subarray(1, 4).toString(), "PNG");
  const missing = await library.call("GetBookCover", { name: "shelves/fiction/books/nope" });
  t.is(missing.error?.code, 5);
});

test("SearchBooks: every word must match; read_mask keeps only the named fields", async (t) => {
  const reply = await library.call("SearchBooks", { query: "WIZARD earthsea", read_mask: { paths: ["name", "title"] } });
  t.is(reply.error, null);
  t.like(reply.response, { books: [{ name: "shelves/fiction/books/earthsea", title: "A Wizard of Earthsea", isbn: "" }] });
  const bad = await library.call("SearchBooks", { query: "", max_results: { value: 500 }, read_mask: { paths: ["price"] } });
  t.deepEqual(statusDetails(bad.error?.metadata)?.details[0]?.value, {
    field_violations: [
      { field: "query", description: "query is required" },
      { field: "max_results", description: "max_results 500 is not between 1 and 100" },
      { field: "read_mask", description: '"price" is not a field of Book' },
    ],
  });
});

test("StreamBooks: streams the shelf's books, then OK with the trailer", async (t) => {
  const { messages, status } = await library.stream("StreamBooks", { parent: "shelves/fiction", filter: "genre=FANTASY" });
  t.is(status.code, grpc.status.OK);
  t.deepEqual(names({ books: messages }), ["shelves/fiction/books/earthsea", "shelves/fiction/books/hobbit"]);
  t.regex(String(status.metadata.get("x-library-store-revision")[0]), /^\d+$/);
});

test("StreamBooks: a missing shelf fails before the first message", async (t) => {
  const { messages, status } = await library.stream("StreamBooks", { parent: "shelves/none" });
  t.is(status.code, grpc.status.NOT_FOUND);
  t.is(status.details, 'shelf "shelves/none" not found');
  t.deepEqual(messages, []);
});

test("StreamBooks: interval paces the messages and is capped at 1s", async (t) => {
  const started = Date.now();
  const paced = await library.stream("StreamBooks", { parent: "shelves/science", filter: "price<3", interval: { seconds: "0", nanos: 50_000_000 } });
  t.is(paced.status.code, grpc.status.INVALID_ARGUMENT);
  const slow = await library.stream("StreamBooks", { parent: "shelves/fiction", interval: { seconds: "0", nanos: 100_000_000 } });
  t.is(slow.messages.length, 4);
  t.true(Date.now() - started >= 300);
  const tooSlow = await library.stream("StreamBooks", { parent: "shelves/fiction", interval: { seconds: "2", nanos: 0 } });
  t.is(tooSlow.status.details, "invalid interval 2000ms");
});

test("StreamBooks: a client that cancels stops the stream on the server", async (t) => {
  const lines: string[] = [];
  const own = await LibraryHarness.start({ log: (line) => lines.push(line) });
  t.teardown(() => own.stop());
  const stream = own.open("StreamBooks", { parent: "shelves/fiction", interval: { seconds: "0", nanos: 200_000_000 } });
  stream.on("error", () => {});
  await new Promise<void>((resolve) => stream.once("data", () => resolve()));
  stream.cancel();
  const deadline = Date.now() + 2000;
  while (!lines.some((line) => line.startsWith("StreamBooks cancelled")) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Stopped before the fourth book; how many went out first depends on scheduling (a busy
  // machine may deliver the first 'data' after the next 200ms pause).
  const logged = lines.filter((line) => line.startsWith("StreamBooks"));
  t.is(logged.length, 1);
  t.regex(logged[0] ?? "", /^StreamBooks cancelled after [1-3] books$/);
});
