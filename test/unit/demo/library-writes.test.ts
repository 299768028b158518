import test from "ava";
import * as grpc from "@grpc/grpc-js";
import { LibraryHarness, names, statusDetails } from "./library-client.js";

// Writes change the shared store, so these run in order on their own backend.
let library: LibraryHarness;

test.before(async () => {
  library = await LibraryHarness.start();
});

test.after.always(async () => {
  await library?.stop();
});

const DUNE = "shelves/fiction/books/dune";

test.serial("UpdateBook: changes only the update_mask fields", async (t) => {
  const reply = await library.call("UpdateBook", {
    book: { name: DUNE, title: "Dune (anniversary edition)", isbn: "", labels: { condition: "new" } },
    update_mask: { paths: ["title", "labels.condition"] },
  });
  t.is(reply.error, null);
  t.like(reply.response, {
    title: "Dune (anniversary edition)",
    isbn: "9780441172719",
    labels: { condition: "new", language: "en" },
    authors: ["Frank Herbert"],
    rating: 4.3,
  });
});

test.serial("UpdateBook: a nested oneof path switches the edition", async (t) => {
  const print = await library.call("UpdateBook", {
    book: { name: DUNE, print: { copies_available: 5, hardcover: true } },
    update_mask: { paths: ["print.copies_available"] },
  });
  t.like(print.response, { edition: "print", print: { copies_available: 5, hardcover: false } });
  const ebook = await library.call("UpdateBook", {
    book: { name: DUNE, ebook: { format: "epub", file_size_bytes: "9007199254740993" } },
    update_mask: { paths: ["ebook"] },
  });
  t.like(ebook.response, { edition: "ebook", ebook: { format: "epub", file_size_bytes: "9007199254740993" } });
  t.is(ebook.response?.["print"] ?? null, null);
});

test.serial("UpdateBook: an empty mask replaces every writable field", async (t) => {
  const reply = await library.call("UpdateBook", { book: { name: DUNE, title: "Dune", genre: "GENRE_SCIENCE_FICTION" } });
  t.like(reply.response, { name: DUNE, title: "Dune", authors: [], isbn: "", page_count: null, labels: {}, word_count: "0" });
  t.is(reply.response?.["rating"], undefined);
  t.not(reply.response?.["create_time"], null);
});

test.serial("UpdateBook: an unknown mask path and a stale etag are rejected", async (t) => {
  const bad = await library.call("UpdateBook", { book: { name: DUNE }, update_mask: { paths: ["create_time"] } });
  t.is(bad.error?.code, grpc.status.INVALID_ARGUMENT);
  t.deepEqual(statusDetails(bad.error?.metadata)?.details[0]?.value, {
    field_violations: [{ field: "update_mask", description: '"create_time" is not a writable field of Book' }],
  });
  const stale = await library.call("UpdateBook", { book: { name: DUNE, etag: "stale", title: "X" } });
  t.is(stale.error?.code, grpc.status.ABORTED);
  t.is(stale.error?.details, 'book "shelves/fiction/books/dune" changed since etag "stale"; get it again and retry');
});

test.serial("UpdateBook: the current etag is accepted and then changes", async (t) => {
  const current = await library.call("GetBook", { name: DUNE });
  const etag = current.response?.["etag"];
  const reply = await library.call("UpdateBook", { book: { name: DUNE, etag, title: "Dune" }, update_mask: { paths: ["title"] } });
  t.is(reply.error, null);
  t.not(reply.response?.["etag"], etag);
});

test.serial("MoveBook: renames the book onto the other shelf", async (t) => {
  const reply = await library.call("MoveBook", { name: "shelves/fiction/books/foundation", other_shelf: "shelves/science" });
  t.is(reply.response?.["name"], "shelves/science/books/foundation");
  const gone = await library.call("GetBook", { name: "shelves/fiction/books/foundation" });
  t.is(gone.error?.code, grpc.status.NOT_FOUND);
  const again = await library.call("MoveBook", { name: "shelves/science/books/foundation", other_shelf: "shelves/science" });
  t.is(again.error?.details, 'book "shelves/science/books/foundation" is already on shelf "shelves/science"');
});

test.serial("PublishBook: sets publish_time once, with a receipt", async (t) => {
  const name = "shelves/science/books/brief-history";
  const reply = await library.call("PublishBook", { name, publish_time: { seconds: "575856000", nanos: 0 } });
  t.like(reply.response, { book: { name, publish_time: { seconds: "575856000", nanos: 0 } }, receipt_number: "1001" });
  const twice = await library.call("PublishBook", { name });
  t.is(twice.error?.code, grpc.status.FAILED_PRECONDITION);
  t.is(twice.error?.details, 'book "shelves/science/books/brief-history" is already published');
});

test.serial("BorrowBook: lends a printed copy until none are left", async (t) => {
  const hobbit = "shelves/fiction/books/hobbit";
  const loan = await library.call("BorrowBook", { name: hobbit, borrower: "ann", loan_period: { seconds: "604800", nanos: 0 } });
  t.like(loan.response, { book: hobbit, borrower: "ann", loan_period: { seconds: "604800", nanos: 0 } });
  const none = await library.call("BorrowBook", { name: hobbit, borrower: "bob" });
  t.is(none.error?.code, grpc.status.FAILED_PRECONDITION);
  t.is(none.error?.details, 'no copies of book "shelves/fiction/books/hobbit" are available');
  const bad = await library.call("BorrowBook", { name: hobbit, borrower: "", loan_period: { seconds: "-1", nanos: 0 } });
  t.is(bad.error?.code, grpc.status.INVALID_ARGUMENT);
});

test.serial("DeleteShelf: refuses a shelf with books unless force", async (t) => {
  const refused = await library.call("DeleteShelf", { name: "shelves/science" });
  t.is(refused.error?.code, grpc.status.FAILED_PRECONDITION);
  t.is(refused.error?.details, 'shelf "shelves/science" still holds 3 books; move them or set force');
  t.deepEqual(statusDetails(refused.error?.metadata)?.details[0]?.typeName, "google.rpc.PreconditionFailure");
  const forced = await library.call("DeleteShelf", { name: "shelves/science", force: true });
  t.deepEqual(forced.response, {});
  const list = await library.call("ListShelves", {});
  t.deepEqual(names(list.response, "shelves"), ["shelves/fiction"]);
});

test.serial("CreateShelf and DeleteBook: create, then delete with and without allow_missing", async (t) => {
  const shelf = await library.call("CreateShelf", { shelf_id: "poetry", shelf: { display_name: "Poetry" } });
  t.like(shelf.response, { name: "shelves/poetry", display_name: "Poetry", book_count: "0" });
  const missing = await library.call("CreateShelf", { shelf: { display_name: "" } });
  t.deepEqual(statusDetails(missing.error?.metadata)?.details[0]?.value, {
    field_violations: [{ field: "shelf.display_name", description: "display_name is required" }],
  });
  const generated = await library.call("CreateShelf", { shelf: { display_name: "Misc" } });
  t.regex(String(generated.response?.["name"]), /^shelves\/shelf-\d+$/);
  const absent = await library.call("DeleteBook", { name: "shelves/poetry/books/odyssey" });
  t.is(absent.error?.code, grpc.status.NOT_FOUND);
  const allowed = await library.call("DeleteBook", { name: "shelves/poetry/books/odyssey", allow_missing: true });
  t.is(allowed.error, null);
});

test.serial("trailers: the store revision grows with each write", async (t) => {
  const before = Number((await library.call("GetShelf", { name: "shelves/fiction" })).trailers.get("x-library-store-revision")[0]);
  await library.call("CreateShelf", { shelf_id: "essays", shelf: { display_name: "Essays" } });
  const after = Number((await library.call("GetShelf", { name: "shelves/fiction" })).trailers.get("x-library-store-revision")[0]);
  t.is(after, before + 1);
});
