/**
 * The library.v1 messages as @grpc/proto-loader hands them to handlers and takes them
 * back (keepCase, longs and enums as strings, defaults on, oneof virtual fields):
 * int64 fields are decimal strings, unset message fields are null.
 */

export interface Timestamp {
  seconds: string;
  nanos: number;
}

export type Duration = Timestamp;

/**
 * google.protobuf.Value: exactly one kind is set. camelCase even with keepCase, because
 * protobufjs serves the well-known types from its own built-in (camelCase) copies.
 */
export interface StructValue {
  nullValue?: string;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: Struct;
  listValue?: { values: StructValue[] };
}

export interface Struct {
  fields: Record<string, StructValue>;
}

export interface Shelf {
  name: string;
  display_name: string;
  description: string;
  create_time: Timestamp | null;
  update_time: Timestamp | null;
  book_count: string;
}

export interface PrintEdition {
  hardcover: boolean;
  copies_available: number;
}

export interface EbookEdition {
  format: string;
  file_size_bytes: string;
}

export interface Book {
  name: string;
  title: string;
  authors: string[];
  genre: string;
  isbn: string;
  page_count: { value: number } | null;
  word_count: string;
  reading_time: Duration | null;
  publish_time: Timestamp | null;
  create_time: Timestamp | null;
  update_time: Timestamp | null;
  labels: Record<string, string>;
  metadata: Struct | null;
  cover_thumbnail: Uint8Array;
  print?: PrintEdition | null;
  ebook?: EbookEdition | null;
  /** Virtual oneof field: which member of `edition` is set. */
  edition?: "print" | "ebook";
  /** proto3 optional: absent (or null) when unset. */
  rating?: number | null;
  etag: string;
}

export interface BookAsset {
  name: string;
  content_type: string;
  data: Uint8Array;
}

export interface Loan {
  book: string;
  borrower: string;
  loan_period: Duration;
  due_time: Timestamp;
}

export interface ListShelvesRequest {
  page_size: number;
  page_token: string;
}

export interface ListShelvesResponse {
  shelves: Shelf[];
  next_page_token: string;
}

export interface GetShelfRequest {
  name: string;
}

export interface CreateShelfRequest {
  shelf: Shelf | null;
  shelf_id: string;
}

export interface DeleteShelfRequest {
  name: string;
  force: boolean;
}

export interface ListBooksRequest {
  parent: string;
  page_size: number;
  page_token: string;
  filter: string;
  order_by: string;
  genres: string[];
  published_after: Timestamp | null;
}

export interface ListBooksResponse {
  books: Book[];
  next_page_token: string;
  total_size: number;
}

export interface GetBookRequest {
  name: string;
}

export interface CreateBookRequest {
  parent: string;
  book: Book | null;
  book_id: string;
}

export interface UpdateBookRequest {
  book: Book | null;
  update_mask: { paths: string[] } | null;
}

export interface DeleteBookRequest {
  name: string;
  allow_missing: boolean;
}

export interface MoveBookRequest {
  name: string;
  other_shelf: string;
}

export interface PublishBookRequest {
  name: string;
  publish_time: Timestamp | null;
}

export interface PublishBookResponse {
  book: Book;
  receipt_number: string;
}

export interface SearchBooksRequest {
  query: string;
  shelves: string[];
  max_results: { value: number } | null;
  read_mask: { paths: string[] } | null;
}

export interface SearchBooksResponse {
  books: Array<Partial<Book>>;
}

export interface GetBookAssetRequest {
  name: string;
}

export interface GetBookCoverRequest {
  name: string;
}

/** google.api.HttpBody */
export interface HttpBody {
  content_type: string;
  data: Uint8Array;
}

export interface StreamBooksRequest {
  parent: string;
  filter: string;
  interval: Duration | null;
}

export interface BorrowBookRequest {
  name: string;
  borrower: string;
  loan_period: Duration | null;
}
