import type { Book, Shelf } from "./library-messages.js";
import { durationFromMs, timestampFromMs } from "./proto-time.js";

// A real 1×1 PNG, so GET …/assets/images/cover.png returns an image.
const COVER_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

const HOUR_MS = 60 * 60 * 1000;

// Fixed times keep responses, orderings and tests deterministic.
const SEEDED_AT = Date.UTC(2024, 0, 15, 9, 30, 0);

function at(offsetMinutes: number): Shelf["create_time"] {
  return timestampFromMs(SEEDED_AT + offsetMinutes * 60_000);
}

/** The shelves a fresh backend starts with. */
export function seedShelves(): Shelf[] {
  return [
    {
      name: "shelves/fiction",
      display_name: "Fiction",
      description: "Novels and stories.",
      create_time: at(0),
      update_time: at(0),
      book_count: "0",
    },
    {
      name: "shelves/science",
      display_name: "Science",
      description: "Popular science.",
      create_time: at(1),
      update_time: at(1),
      book_count: "0",
    },
  ];
}

function book(fields: Partial<Book> & Pick<Book, "name" | "title">, minute: number): Book {
  return {
    authors: [],
    genre: "GENRE_UNSPECIFIED",
    isbn: "",
    page_count: null,
    word_count: "0",
    reading_time: null,
    publish_time: null,
    create_time: at(minute),
    update_time: at(minute),
    labels: {},
    metadata: null,
    cover_thumbnail: Buffer.alloc(0),
    etag: "",
    ...fields,
  };
}

/** The books a fresh backend starts with: four fiction, two science. */
export function seedBooks(): Book[] {
  return [
    book(
      {
        name: "shelves/fiction/books/dune",
        title: "Dune",
        authors: ["Frank Herbert"],
        genre: "GENRE_SCIENCE_FICTION",
        isbn: "9780441172719",
        page_count: { value: 412 },
        word_count: "188000",
        reading_time: durationFromMs(12 * HOUR_MS),
        publish_time: timestampFromMs(Date.UTC(1965, 7, 1)),
        labels: { condition: "good", language: "en" },
        metadata: {
          fields: {
            series: { stringValue: "Dune Chronicles" },
            volume: { numberValue: 1 },
            awards: { listValue: { values: [{ stringValue: "Hugo" }, { stringValue: "Nebula" }] } },
          },
        },
        cover_thumbnail: COVER_PNG,
        print: { hardcover: false, copies_available: 2 },
        edition: "print",
        rating: 4.3,
      },
      10,
    ),
    book(
      {
        name: "shelves/fiction/books/earthsea",
        title: "A Wizard of Earthsea",
        authors: ["Ursula K. Le Guin"],
        genre: "GENRE_FANTASY",
        isbn: "9780547773742",
        page_count: { value: 183 },
        word_count: "57000",
        reading_time: durationFromMs(4 * HOUR_MS + 30 * 60_000),
        publish_time: timestampFromMs(Date.UTC(1968, 10, 1)),
        labels: { language: "en" },
        ebook: { format: "epub", file_size_bytes: "1048576" },
        edition: "ebook",
        rating: 4.1,
      },
      11,
    ),
    book(
      {
        name: "shelves/fiction/books/foundation",
        title: "Foundation",
        authors: ["Isaac Asimov"],
        genre: "GENRE_SCIENCE_FICTION",
        isbn: "9780553293357",
        page_count: { value: 255 },
        word_count: "68000",
        publish_time: timestampFromMs(Date.UTC(1951, 5, 1)),
        print: { hardcover: true, copies_available: 0 },
        edition: "print",
      },
      12,
    ),
    book(
      {
        name: "shelves/fiction/books/hobbit",
        title: "The Hobbit",
        authors: ["J. R. R. Tolkien"],
        genre: "GENRE_FANTASY",
        isbn: "9780547928227",
        page_count: { value: 310 },
        word_count: "95356",
        reading_time: durationFromMs(6 * HOUR_MS),
        publish_time: timestampFromMs(Date.UTC(1937, 8, 21)),
        cover_thumbnail: COVER_PNG,
        print: { hardcover: true, copies_available: 1 },
        edition: "print",
        rating: 4.6,
      },
      13,
    ),
    book(
      {
        name: "shelves/science/books/cosmos",
        title: "Cosmos",
        authors: ["Carl Sagan"],
        genre: "GENRE_NON_FICTION",
        isbn: "9780345539434",
        word_count: "120000",
        publish_time: timestampFromMs(Date.UTC(1980, 9, 1)),
        labels: { condition: "worn" },
        print: { hardcover: false, copies_available: 3 },
        edition: "print",
      },
      14,
    ),
    // Not yet published: PublishBook has something to do.
    book(
      {
        name: "shelves/science/books/brief-history",
        title: "A Brief History of Time",
        authors: ["Stephen Hawking"],
        genre: "GENRE_NON_FICTION",
        page_count: { value: 256 },
        word_count: "61000",
        ebook: { format: "pdf", file_size_bytes: "5242880" },
        edition: "ebook",
        rating: 4.2,
      },
      15,
    ),
  ];
}
