import { createHash } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import type * as m from "./library-messages.js";
import { fingerprint, paginate, parseFilter, parseOrderBy } from "./book-query.js";
import { badRequest, failedPrecondition, notFound, RpcError } from "./rpc-error.js";
import type { FieldViolation } from "./rpc-error.js";
import { seedBooks, seedShelves } from "./library-seed.js";
import { DAY_MS, durationFromMs, msFromDuration, msFromTimestamp, timestampFromMs } from "./proto-time.js";

const ID = "[a-z0-9][a-z0-9-]{0,62}";
const ID_PATTERN = new RegExp(`^${ID}$`);
const SHELF_NAME = new RegExp(`^shelves/(${ID})$`);
const BOOK_NAME = new RegExp(`^shelves/(${ID})/books/(${ID})$`);
const ASSET_NAME = new RegExp(`^(shelves/${ID}/books/${ID})/assets/(.+)$`);
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;

/** Book fields a client may set; the rest are output only. */
const WRITABLE_BOOK_FIELDS = [
  "title", "authors", "genre", "isbn", "page_count", "word_count", "reading_time",
  "labels", "metadata", "cover_thumbnail", "print", "ebook", "rating",
] as const;
type WritableBookField = (typeof WRITABLE_BOOK_FIELDS)[number];

const BOOK_FIELDS: ReadonlySet<string> = new Set([
  "name", ...WRITABLE_BOOK_FIELDS, "publish_time", "create_time", "update_time", "etag",
]);

const MAX_LOAN_MS = 90 * DAY_MS;

function isWritable(field: string): field is WritableBookField {
  return (WRITABLE_BOOK_FIELDS as readonly string[]).includes(field);
}

function required(field: string): FieldViolation {
  return { field, description: `${field.slice(field.lastIndexOf(".") + 1)} is required` };
}

/** Problems with the client-settable fields of `book`, paths prefixed with `prefix`. */
function validateBook(book: m.Book, prefix: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (book.title.trim() === "") violations.push(required(`${prefix}title`));
  if (book.isbn !== "" && !/^\d{13}$/.test(book.isbn)) {
    violations.push({ field: `${prefix}isbn`, description: `isbn "${book.isbn}" is not 13 digits` });
  }
  if (book.page_count !== null && book.page_count.value < 1) {
    violations.push({ field: `${prefix}page_count`, description: "page_count must be at least 1 when set" });
  }
  if (BigInt(book.word_count) < 0n) {
    violations.push({ field: `${prefix}word_count`, description: "word_count must not be negative" });
  }
  if (book.reading_time !== null && msFromDuration(book.reading_time) < 0) {
    violations.push({ field: `${prefix}reading_time`, description: "reading_time must not be negative" });
  }
  if (book.rating !== undefined && book.rating !== null && !(book.rating >= 0 && book.rating <= 5)) {
    violations.push({ field: `${prefix}rating`, description: `rating ${book.rating} is not between 0 and 5` });
  }
  for (const key of Object.keys(book.labels)) {
    if (!LABEL_KEY.test(key)) {
      violations.push({ field: `${prefix}labels`, description: `label key "${key}" is not lower-case letters, digits, _ or -` });
    }
  }
  return violations;
}

function copyField(target: m.Book, source: m.Book, field: WritableBookField): void {
  switch (field) {
    case "print":
    case "ebook": {
      const other = field === "print" ? "ebook" : "print";
      const value = source[field];
      if (value !== undefined && value !== null) {
        (target as unknown as Record<string, unknown>)[field] = structuredClone(value);
        delete target[other];
        target.edition = field;
      } else {
        delete target[field];
        if (target.edition === field) delete target.edition;
      }
      return;
    }
    case "rating":
      if (source.rating === undefined || source.rating === null) delete target.rating;
      else target.rating = source.rating;
      return;
    default:
      (target as unknown as Record<string, unknown>)[field] = structuredClone(source[field]);
  }
}

/** Applies one update_mask path; returns a violation when the path is not updatable. */
function applyMaskPath(target: m.Book, source: m.Book, path: string): FieldViolation | undefined {
  const [head = "", ...rest] = path.split(".");
  const invalid = { field: "update_mask", description: `"${path}" is not a writable field of Book` };
  if (!isWritable(head)) return invalid;
  if (rest.length === 0) {
    copyField(target, source, head);
    return undefined;
  }
  const key = rest.join(".");
  if (head === "labels") {
    const value = source.labels[key];
    if (value === undefined) delete target.labels[key];
    else target.labels[key] = value;
    return undefined;
  }
  if (head === "metadata") {
    const fields = (target.metadata ??= { fields: {} }).fields;
    const value = source.metadata?.fields[key];
    if (value === undefined) delete fields[key];
    else fields[key] = structuredClone(value);
    return undefined;
  }
  if (head === "print" || head === "ebook") {
    const blank = head === "print" ? { hardcover: false, copies_available: 0 } : { format: "", file_size_bytes: "0" };
    if (rest.length !== 1 || !(key in blank)) return invalid;
    const from = (source[head] ?? blank) as unknown as Record<string, unknown>;
    const into = (target[head] ?? structuredClone(blank)) as unknown as Record<string, unknown>;
    into[key] = from[key];
    copyField(target, { ...source, [head]: into } as m.Book, head);
    return undefined;
  }
  return invalid;
}

/**
 * The library's state and its RPCs, one method per RPC, in proto-loader object form.
 * Methods throw RpcError for every failure a client can cause.
 */
export class LibraryStore {
  private readonly shelves = new Map<string, m.Shelf>();
  private readonly books = new Map<string, m.Book>();
  private receipts = 1000n;
  private generatedIds = 0;
  /** Bumped by every write; sent as the `x-library-store-revision` trailer. */
  revision = 0;

  constructor(private readonly now: () => number = Date.now) {
    for (const shelf of seedShelves()) this.shelves.set(shelf.name, shelf);
    for (const book of seedBooks()) this.putBook(book);
  }

  // --- shelves

  listShelves(request: m.ListShelvesRequest): m.ListShelvesResponse {
    const all = [...this.shelves.keys()].sort().map((name) => this.outputShelf(name));
    const { page, nextPageToken } = paginate(all, request, fingerprint("shelves"));
    return { shelves: page, next_page_token: nextPageToken };
  }

  getShelf(request: m.GetShelfRequest): m.Shelf {
    return this.outputShelf(this.requireShelf(request.name, "name").name);
  }

  createShelf(request: m.CreateShelfRequest): m.Shelf {
    const violations: FieldViolation[] = [];
    if (request.shelf === null) violations.push(required("shelf"));
    else if (request.shelf.display_name.trim() === "") violations.push(required("shelf.display_name"));
    if (request.shelf_id !== "" && !ID_PATTERN.test(request.shelf_id)) {
      violations.push({ field: "shelf_id", description: `shelf_id "${request.shelf_id}" is not lower-case letters, digits and hyphens` });
    }
    if (request.shelf === null || violations.length > 0) throw badRequest("invalid shelf", violations);
    const name = `shelves/${request.shelf_id || this.newId("shelf")}`;
    if (this.shelves.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `shelf "${name}" already exists`);
    const time = timestampFromMs(this.now());
    this.shelves.set(name, {
      name,
      display_name: request.shelf.display_name,
      description: request.shelf.description,
      create_time: time,
      update_time: time,
      book_count: "0",
    });
    this.revision++;
    return this.outputShelf(name);
  }

  deleteShelf(request: m.DeleteShelfRequest): Record<string, never> {
    const shelf = this.requireShelf(request.name, "name");
    const books = this.booksOn(shelf.name);
    if (books.length > 0 && !request.force) {
      throw failedPrecondition(
        `shelf "${shelf.name}" still holds ${books.length} books; move them or set force`,
        "NOT_EMPTY",
        shelf.name,
      );
    }
    for (const book of books) this.books.delete(book.name);
    this.shelves.delete(shelf.name);
    this.revision++;
    return {};
  }

  // --- books

  listBooks(request: m.ListBooksRequest): m.ListBooksResponse {
    const shelf = this.requireShelf(request.parent, "parent");
    const matches = parseFilter(request.filter);
    const order = parseOrderBy(request.order_by);
    const after = request.published_after === null ? undefined : msFromTimestamp(request.published_after);
    const selected = this.booksOn(shelf.name)
      .filter((book) => matches(book))
      .filter((book) => request.genres.length === 0 || request.genres.includes(book.genre))
      .filter((book) => after === undefined || (book.publish_time !== null && msFromTimestamp(book.publish_time) >= after))
      .sort(order);
    const query = fingerprint([shelf.name, request.filter, request.order_by, request.genres, request.published_after]);
    const { page, nextPageToken } = paginate(selected, request, query);
    return { books: page.map((book) => structuredClone(book)), next_page_token: nextPageToken, total_size: selected.length };
  }

  getBook(request: m.GetBookRequest): m.Book {
    return structuredClone(this.requireBook(request.name, "name"));
  }

  createBook(request: m.CreateBookRequest): m.Book {
    const shelf = this.requireShelf(request.parent, "parent");
    if (request.book === null) throw badRequest("invalid book", [required("book")]);
    const violations = validateBook(request.book, "book.");
    if (request.book_id !== "" && !ID_PATTERN.test(request.book_id)) {
      violations.push({ field: "book_id", description: `book_id "${request.book_id}" is not lower-case letters, digits and hyphens` });
    }
    if (violations.length > 0) throw badRequest("invalid book", violations);
    const name = `${shelf.name}/books/${request.book_id || this.newId("book")}`;
    if (this.books.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, `book "${name}" already exists`);
    const time = timestampFromMs(this.now());
    const book: m.Book = {
      name,
      title: "",
      authors: [],
      genre: "GENRE_UNSPECIFIED",
      isbn: "",
      page_count: null,
      word_count: "0",
      reading_time: null,
      publish_time: null,
      create_time: time,
      update_time: time,
      labels: {},
      metadata: null,
      cover_thumbnail: Buffer.alloc(0),
      etag: "",
    };
    for (const field of WRITABLE_BOOK_FIELDS) copyField(book, request.book, field);
    return structuredClone(this.putBook(book));
  }

  updateBook(request: m.UpdateBookRequest): m.Book {
    if (request.book === null) throw badRequest("invalid book", [required("book")]);
    const existing = this.requireBook(request.book.name, "book.name");
    if (request.book.etag !== "" && request.book.etag !== existing.etag) {
      throw new RpcError(
        grpc.status.ABORTED,
        `book "${existing.name}" changed since etag "${request.book.etag}"; get it again and retry`,
      );
    }
    const updated = structuredClone(existing);
    const paths = request.update_mask?.paths ?? [];
    const violations: FieldViolation[] = [];
    if (paths.length === 0 || paths.includes("*")) {
      for (const field of WRITABLE_BOOK_FIELDS) copyField(updated, request.book, field);
    } else {
      for (const path of paths) {
        const violation = applyMaskPath(updated, request.book, path);
        if (violation !== undefined) violations.push(violation);
      }
    }
    violations.push(...validateBook(updated, "book."));
    if (violations.length > 0) throw badRequest("invalid book update", violations);
    updated.update_time = timestampFromMs(this.now());
    return structuredClone(this.putBook(updated));
  }

  deleteBook(request: m.DeleteBookRequest): Record<string, never> {
    if (request.allow_missing && BOOK_NAME.test(request.name) && !this.books.has(request.name)) return {};
    const book = this.requireBook(request.name, "name");
    this.books.delete(book.name);
    this.revision++;
    return {};
  }

  moveBook(request: m.MoveBookRequest): m.Book {
    const book = this.requireBook(request.name, "name");
    const target = this.requireShelf(request.other_shelf, "other_shelf");
    if (book.name.startsWith(`${target.name}/`)) {
      throw badRequest(`book "${book.name}" is already on shelf "${target.name}"`, [
        { field: "other_shelf", description: "must differ from the book's current shelf" },
      ]);
    }
    const newName = `${target.name}/books/${book.name.slice(book.name.lastIndexOf("/") + 1)}`;
    if (this.books.has(newName)) throw new RpcError(grpc.status.ALREADY_EXISTS, `book "${newName}" already exists`);
    this.books.delete(book.name);
    const moved = { ...structuredClone(book), name: newName, update_time: timestampFromMs(this.now()) };
    return structuredClone(this.putBook(moved));
  }

  publishBook(request: m.PublishBookRequest): m.PublishBookResponse {
    const book = this.requireBook(request.name, "name");
    if (book.publish_time !== null) {
      throw failedPrecondition(`book "${book.name}" is already published`, "PUBLISHED", book.name);
    }
    const published = {
      ...structuredClone(book),
      publish_time: request.publish_time ?? timestampFromMs(this.now()),
      update_time: timestampFromMs(this.now()),
    };
    this.receipts++;
    return { book: structuredClone(this.putBook(published)), receipt_number: String(this.receipts) };
  }

  searchBooks(request: m.SearchBooksRequest): m.SearchBooksResponse {
    const words = request.query.toLowerCase().split(/\s+/).filter((word) => word !== "");
    const violations: FieldViolation[] = [];
    if (words.length === 0) violations.push(required("query"));
    const limit = request.max_results?.value ?? 10;
    if (limit < 1 || limit > 100) {
      violations.push({ field: "max_results", description: `max_results ${limit} is not between 1 and 100` });
    }
    const readMask = request.read_mask?.paths ?? [];
    for (const path of readMask) {
      if (!BOOK_FIELDS.has(path)) violations.push({ field: "read_mask", description: `"${path}" is not a field of Book` });
    }
    if (violations.length > 0) throw badRequest("invalid search", violations);
    const shelves = request.shelves.map((name) => this.requireShelf(name, "shelves").name);
    const haystack = (book: m.Book): string => `${book.title} ${book.authors.join(" ")}`.toLowerCase();
    const inTitle = (book: m.Book): number => words.filter((word) => book.title.toLowerCase().includes(word)).length;
    const found = [...this.books.values()]
      .filter((book) => shelves.length === 0 || shelves.some((shelf) => book.name.startsWith(`${shelf}/`)))
      .filter((book) => words.every((word) => haystack(book).includes(word)))
      .sort((a, b) => inTitle(b) - inTitle(a) || (a.name < b.name ? -1 : 1))
      .slice(0, limit);
    return {
      books: found.map((book) => {
        if (readMask.length === 0) return structuredClone(book);
        const source = book as unknown as Record<string, unknown>;
        return Object.fromEntries(readMask.map((path) => [path, structuredClone(source[path])])) as Partial<m.Book>;
      }),
    };
  }

  /** The cover as raw bytes (google.api.HttpBody); NOT_FOUND for a book without one. */
  getBookCover(request: m.GetBookCoverRequest): m.HttpBody {
    const book = this.requireBook(request.name, "name");
    if (book.cover_thumbnail.length === 0) throw notFound("BookAsset", `${request.name}/cover`);
    return { content_type: "image/png", data: book.cover_thumbnail };
  }

  getBookAsset(request: m.GetBookAssetRequest): m.BookAsset {
    const match = ASSET_NAME.exec(request.name);
    if (match === null) {
      throw badRequest(`invalid asset name "${request.name}"`, [
        { field: "name", description: "want shelves/{shelf}/books/{book}/assets/{path}" },
      ]);
    }
    const book = this.requireBook(match[1] ?? "", "name");
    const path = match[2];
    if (path === "images/cover.png" && book.cover_thumbnail.length > 0) {
      return { name: request.name, content_type: "image/png", data: book.cover_thumbnail };
    }
    if (path === "text/summary.txt") {
      const summary = `${book.title} by ${book.authors.join(", ") || "unknown"}\n`;
      return { name: request.name, content_type: "text/plain; charset=utf-8", data: Buffer.from(summary) };
    }
    throw notFound("BookAsset", request.name);
  }

  /** The books StreamBooks sends, in name order, and the pause between them. */
  streamBooks(request: m.StreamBooksRequest): { books: m.Book[]; intervalMs: number } {
    const shelf = this.requireShelf(request.parent, "parent");
    const matches = parseFilter(request.filter);
    const intervalMs = request.interval === null ? 0 : msFromDuration(request.interval);
    if (intervalMs < 0 || intervalMs > 1000) {
      throw badRequest(`invalid interval ${intervalMs}ms`, [{ field: "interval", description: "must be between 0s and 1s" }]);
    }
    return { books: this.booksOn(shelf.name).filter((book) => matches(book)).map((book) => structuredClone(book)), intervalMs };
  }

  borrowBook(request: m.BorrowBookRequest): m.Loan {
    const book = this.requireBook(request.name, "name");
    const periodMs = request.loan_period === null ? 14 * DAY_MS : msFromDuration(request.loan_period);
    const violations: FieldViolation[] = [];
    if (request.borrower.trim() === "") violations.push(required("borrower"));
    if (periodMs <= 0 || periodMs > MAX_LOAN_MS) {
      violations.push({ field: "loan_period", description: "must be more than 0s and at most 90 days" });
    }
    if (violations.length > 0) throw badRequest("invalid loan", violations);
    if (book.print !== undefined && book.print !== null) {
      if (book.print.copies_available < 1) {
        throw failedPrecondition(`no copies of book "${book.name}" are available`, "AVAILABILITY", book.name);
      }
      this.putBook({ ...book, print: { ...book.print, copies_available: book.print.copies_available - 1 } });
    }
    return {
      book: book.name,
      borrower: request.borrower,
      loan_period: durationFromMs(periodMs),
      due_time: timestampFromMs(this.now() + periodMs),
    };
  }

  // --- helpers

  private requireShelf(name: string, field: string): m.Shelf {
    if (!SHELF_NAME.test(name)) {
      throw badRequest(`invalid shelf name "${name}"`, [{ field, description: "want shelves/{shelf}" }]);
    }
    const shelf = this.shelves.get(name);
    if (shelf === undefined) throw notFound("Shelf", name);
    return shelf;
  }

  private requireBook(name: string, field: string): m.Book {
    if (!BOOK_NAME.test(name)) {
      throw badRequest(`invalid book name "${name}"`, [{ field, description: "want shelves/{shelf}/books/{book}" }]);
    }
    const book = this.books.get(name);
    if (book === undefined) {
      const shelf = name.slice(0, name.indexOf("/books/"));
      if (!this.shelves.has(shelf)) throw notFound("Shelf", shelf);
      throw notFound("Book", name);
    }
    return book;
  }

  private booksOn(shelfName: string): m.Book[] {
    return [...this.books.values()].filter((book) => book.name.startsWith(`${shelfName}/`)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private outputShelf(name: string): m.Shelf {
    const shelf = this.shelves.get(name);
    if (shelf === undefined) throw notFound("Shelf", name);
    return { ...structuredClone(shelf), book_count: String(this.booksOn(name).length) };
  }

  /** Stores `book` with a fresh etag; every write goes through here. */
  private putBook(book: m.Book): m.Book {
    this.revision++;
    book.etag = createHash("sha256").update(`${book.name}@${this.revision}`).digest("base64url").slice(0, 16);
    this.books.set(book.name, book);
    return book;
  }

  private newId(kind: "shelf" | "book"): string {
    this.generatedIds++;
    return `${kind}-${this.generatedIds}`;
  }
}
