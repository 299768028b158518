import { createHash } from "node:crypto";
import type { Book } from "./library-messages.js";
import { badRequest } from "./rpc-error.js";
import { msFromTimestamp } from "./proto-time.js";

/** A parsed ListBooksRequest.filter: every term must match. */
export type BookPredicate = (book: Book) => boolean;

const FILTER_TERM = /^(title|author|isbn|genre)\s*([=:])\s*(.+)$/;

function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

function genreMatches(genre: string, wanted: string): boolean {
  const upper = wanted.toUpperCase().replace(/-/g, "_");
  return genre === upper || genre === `GENRE_${upper}`;
}

/**
 * Parses `field=value AND field:value`: `=` is an exact match, `:` a case-insensitive
 * substring. An empty filter matches everything.
 */
export function parseFilter(filter: string, fieldName = "filter"): BookPredicate {
  if (filter.trim() === "") return () => true;
  const terms = ` ${filter} `.split(/\s+AND\s+/).map((term) => term.trim());
  if (terms.some((term) => term === "")) {
    throw badRequest(`invalid filter "${filter}"`, [{ field: fieldName, description: "AND needs a term on each side" }]);
  }
  const predicates = terms.map((term): BookPredicate => {
    const match = FILTER_TERM.exec(term.trim());
    if (match === null) {
      throw badRequest(`invalid filter term "${term.trim()}"`, [
        {
          field: fieldName,
          description: `term "${term.trim()}" is not field=value or field:value with field title, author, isbn or genre`,
        },
      ]);
    }
    const [, field, operator, rawValue] = match as unknown as [string, string, string, string];
    const value = unquote(rawValue);
    const exact = operator === "=";
    const test = (candidate: string): boolean =>
      exact ? candidate === value : candidate.toLowerCase().includes(value.toLowerCase());
    switch (field) {
      case "title":
        return (book) => test(book.title);
      case "author":
        return (book) => book.authors.some(test);
      case "isbn":
        return (book) => test(book.isbn);
      default:
        return (book) => genreMatches(book.genre, value);
    }
  });
  return (book) => predicates.every((predicate) => predicate(book));
}

/** A parsed order_by: a comparator over books (name order when empty). */
export function parseOrderBy(orderBy: string): (a: Book, b: Book) => number {
  const match = /^\s*(title|create_time|word_count|name)?\s*(desc|asc)?\s*$/.exec(orderBy);
  if (match === null || (match[1] === undefined && match[2] !== undefined)) {
    throw badRequest(`invalid order_by "${orderBy}"`, [
      { field: "order_by", description: 'use "title", "create_time", "word_count" or "name", optionally then " desc"' },
    ]);
  }
  const key = match[1] ?? "name";
  const sign = match[2] === "desc" ? -1 : 1;
  const compareKey = (a: Book, b: Book): number => {
    switch (key) {
      case "title":
        return a.title.localeCompare(b.title);
      case "create_time":
        return (a.create_time ? msFromTimestamp(a.create_time) : 0) - (b.create_time ? msFromTimestamp(b.create_time) : 0);
      case "word_count": {
        const difference = BigInt(a.word_count) - BigInt(b.word_count);
        return difference === 0n ? 0 : difference < 0n ? -1 : 1;
      }
      default:
        return 0;
    }
  };
  // Ties break on name so pages never overlap.
  return (a, b) => sign * compareKey(a, b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Default and maximum page sizes (AIP-158). */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

/**
 * Page tokens are opaque to clients: an offset plus a fingerprint of the query, so a
 * token from a different query is rejected instead of silently skipping results.
 */
export function fingerprint(query: unknown): string {
  return createHash("sha256").update(JSON.stringify(query)).digest("base64url").slice(0, 12);
}

export function encodePageToken(offset: number, queryFingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: queryFingerprint })).toString("base64url");
}

/** The offset a page token stands for; 0 for the empty token. */
export function decodePageToken(token: string, queryFingerprint: string): number {
  if (token === "") return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    decoded = undefined;
  }
  const parsed = decoded as { o?: unknown; q?: unknown } | undefined;
  if (typeof parsed !== "object" || parsed === null || typeof parsed.o !== "number" || !Number.isInteger(parsed.o) || parsed.o < 0) {
    throw badRequest(`invalid page_token "${token}"`, [
      { field: "page_token", description: "not a token returned as next_page_token" },
    ]);
  }
  if (parsed.q !== queryFingerprint) {
    throw badRequest("page_token does not belong to this query", [
      { field: "page_token", description: "the token came from a call with other parameters; repeat them unchanged" },
    ]);
  }
  return parsed.o;
}

/** Checks page_size and applies the default and the cap. */
export function pageSize(requested: number): number {
  if (requested < 0) {
    throw badRequest(`invalid page_size ${requested}`, [{ field: "page_size", description: "must not be negative" }]);
  }
  return requested === 0 ? DEFAULT_PAGE_SIZE : Math.min(requested, MAX_PAGE_SIZE);
}

/** One page of `items` starting at the token's offset, with the next token. */
export function paginate<T>(
  items: readonly T[],
  request: { page_size: number; page_token: string },
  queryFingerprint: string,
): { page: T[]; nextPageToken: string } {
  const size = pageSize(request.page_size);
  const offset = decodePageToken(request.page_token, queryFingerprint);
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? encodePageToken(offset + size, queryFingerprint) : "";
  return { page, nextPageToken: next };
}
