import test from "ava";
import { decodePageToken, encodePageToken, paginate, parseFilter, parseOrderBy } from "../../../demo/book-query.js";
import { seedBooks } from "../../../demo/library-seed.js";
import { RpcError } from "../../../demo/rpc-error.js";

const books = seedBooks();

const filterSelects = test.macro({
  exec(t, filter: string, expected: readonly string[]) {
    const matches = parseFilter(filter);
    t.deepEqual(
      books.filter((book) => matches(book)).map((book) => book.name.slice(book.name.lastIndexOf("/") + 1)),
      expected,
    );
  },
  title: (_provided, filter: string) => `parseFilter: ${JSON.stringify(filter)} selects`,
});

test(filterSelects, "", ["dune", "earthsea", "foundation", "hobbit", "cosmos", "brief-history"]);
test(filterSelects, "genre=FANTASY", ["earthsea", "hobbit"]);
test(filterSelects, "genre=GENRE_NON_FICTION", ["cosmos", "brief-history"]);
test(filterSelects, "title:the", ["hobbit"]);
test(filterSelects, 'author="Frank Herbert"', ["dune"]);
test(filterSelects, "author=Frank", []);
test(filterSelects, "genre=science-fiction AND title:found", ["foundation"]);
test(filterSelects, "isbn=9780441172719", ["dune"]);

const filterRejects = test.macro({
  exec(t, filter: string, message: string) {
    const error = t.throws(() => parseFilter(filter), { instanceOf: RpcError });
    t.is(error?.message, message);
  },
  title: (_provided, filter: string) => `parseFilter: rejects ${JSON.stringify(filter)}`,
});

test(filterRejects, "price<10", 'invalid filter term "price<10"');
test(filterRejects, "title:dune AND", 'invalid filter "title:dune AND"');
test(filterRejects, "AND genre=FANTASY", 'invalid filter "AND genre=FANTASY"');

const orderSorts = test.macro({
  exec(t, orderBy: string, expected: readonly string[]) {
    t.deepEqual(
      [...books].sort(parseOrderBy(orderBy)).map((book) => book.title),
      expected,
    );
  },
  title: (_provided, orderBy: string) => `parseOrderBy: ${JSON.stringify(orderBy)} sorts`,
});

test(orderSorts, "title", ["A Brief History of Time", "A Wizard of Earthsea", "Cosmos", "Dune", "Foundation", "The Hobbit"]);
test(orderSorts, "word_count desc", ["Dune", "Cosmos", "The Hobbit", "Foundation", "A Brief History of Time", "A Wizard of Earthsea"]);
test(orderSorts, "create_time", ["Dune", "A Wizard of Earthsea", "Foundation", "The Hobbit", "Cosmos", "A Brief History of Time"]);

test("parseOrderBy: rejects an unknown key", (t) => {
  const error = t.throws(() => parseOrderBy("price"), { instanceOf: RpcError });
  t.is(error?.message, 'invalid order_by "price"');
});

test("page tokens: round-trip the offset for the same query only", (t) => {
  const token = encodePageToken(20, "query-a");
  t.is(decodePageToken(token, "query-a"), 20);
  t.is(decodePageToken("", "query-a"), 0);
  t.is(t.throws(() => decodePageToken(token, "query-b"))?.message, "page_token does not belong to this query");
  t.is(t.throws(() => decodePageToken("garbage", "query-a"))?.message, 'invalid page_token "garbage"');
});

test("paginate: default page size is 10 and the last page has no token", (t) => {
  const items = Array.from({ length: 12 }, (_, index) => index);
  const first = paginate(items, { page_size: 0, page_token: "" }, "q");
  t.deepEqual(first.page, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const second = paginate(items, { page_size: 0, page_token: first.nextPageToken }, "q");
  t.deepEqual(second, { page: [10, 11], nextPageToken: "" });
  t.is(t.throws(() => paginate(items, { page_size: -1, page_token: "" }, "q"))?.message, "invalid page_size -1");
});
