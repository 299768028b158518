import anyTest from "ava";
import type { TestFn } from "ava";
import { startLibraryBackend } from "../../demo/library-backend.js";
import type { LibraryBackend } from "../../demo/library-backend.js";
import { EXAMPLE_PROTOS } from "../helpers/paths.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";

interface Context {
  readonly backend: LibraryBackend;
  readonly gateway: GatewayProcess;
}
// Serial: the calls change the demo store in order (create, then update, then delete).
const test = (anyTest as TestFn<Context>).serial;

anyTest.before(async (t) => {
  const backend = await startLibraryBackend("127.0.0.1:0");
  const gateway = await startGateway(["--proto-path", EXAMPLE_PROTOS, "--backend", backend.address]);
  (t.context as Context) = { backend, gateway };
});
anyTest.after.always(async (t) => {
  const context = t.context as Context;
  await context.gateway.stop();
  await context.backend.stop();
});

async function call(t: { context: Context }, method: string, path: string, body?: unknown) {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const response = await fetch(t.context.gateway.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text === "" ? undefined : JSON.parse(text)) as Record<string, unknown> };
}

test("library: GET /v1/shelves lists shelves with paging", async (t) => {
  const response = await call(t, "GET", "/v1/shelves?pageSize=1");
  t.is(response.status, 200);
  t.is((response.json.shelves as unknown[]).length, 1);
  t.truthy(response.json.nextPageToken);
  t.is(response.headers.get("grpc-metadata-x-library-version"), "1.0.0");
  t.truthy(response.headers.get("grpc-trailer-x-library-store-revision"));
});

test("library: GET /v1/{name=shelves/*}", async (t) => {
  const response = await call(t, "GET", "/v1/shelves/science");
  t.like(response.json, { name: "shelves/science", displayName: "Science", bookCount: "2" });
});

test("library: POST /v1/shelves with body field and query, then DELETE it", async (t) => {
  const created = await call(t, "POST", "/v1/shelves?shelfId=poetry", { displayName: "Poetry" });
  t.is(created.status, 200);
  t.like(created.json, { name: "shelves/poetry", displayName: "Poetry", bookCount: "0" });
  const deleted = await call(t, "DELETE", "/v1/shelves/poetry");
  t.deepEqual([deleted.status, deleted.json], [200, {}]);
});

test("library: GET books with repeated enum, order and Timestamp query parameters", async (t) => {
  const response = await call(t, "GET", "/v1/shelves/fiction/books?genres=GENRE_FANTASY&genres=GENRE_SCIENCE_FICTION&orderBy=title%20desc&pageSize=2&publishedAfter=1950-01-01T00:00:00Z");
  t.is(response.status, 200, JSON.stringify(response.json));
  const books = response.json.books as Array<{ title: string }>;
  t.deepEqual(books.map((book) => book.title), ["Foundation", "Dune"]);
});

test("library: GET /v1/{name=shelves/*/books/*} renders every JSON form", async (t) => {
  const response = await call(t, "GET", "/v1/shelves/fiction/books/dune");
  t.like(response.json, {
    name: "shelves/fiction/books/dune",
    genre: "GENRE_SCIENCE_FICTION",
    pageCount: 412,
    wordCount: "188000",
    readingTime: "43200s",
    publishTime: "1965-08-01T00:00:00Z",
    labels: { condition: "good", language: "en" },
    metadata: { series: "Dune Chronicles", volume: 1, awards: ["Hugo", "Nebula"] },
    print: { hardcover: false, copiesAvailable: 2 },
  });
  t.regex(response.json.coverThumbnail as string, /^[A-Za-z0-9+/]+=*$/);
});

test("library: POST a book with a oneof member and int64 as string", async (t) => {
  const response = await call(t, "POST", "/v1/shelves/fiction/books?bookId=neuromancer", {
    title: "Neuromancer", authors: ["William Gibson"], genre: "GENRE_SCIENCE_FICTION", isbn: "9780441569595",
    ebook: { format: "epub", fileSizeBytes: "734003" },
  });
  t.is(response.status, 200, JSON.stringify(response.json));
  t.like(response.json, { name: "shelves/fiction/books/neuromancer", ebook: { format: "epub", fileSizeBytes: "734003" } });
});

test("library: PATCH fills the update mask from the body and keeps the other fields", async (t) => {
  const response = await call(t, "PATCH", "/v1/shelves/fiction/books/dune", { title: "Dune (anniversary edition)" });
  t.is(response.status, 200, JSON.stringify(response.json));
  t.like(response.json, { name: "shelves/fiction/books/dune", title: "Dune (anniversary edition)", authors: ["Frank Herbert"] });
});

test("library: PUT (an additional binding) replaces the book", async (t) => {
  const response = await call(t, "PUT", "/v1/shelves/fiction/books/earthsea", { title: "A Wizard of Earthsea", authors: ["Ursula K. Le Guin"], genre: "GENRE_FANTASY" });
  t.is(response.status, 200, JSON.stringify(response.json));
  t.like(response.json, { name: "shelves/fiction/books/earthsea", title: "A Wizard of Earthsea", isbn: "" });
});

test("library: DELETE with a bool query parameter", async (t) => {
  const response = await call(t, "DELETE", "/v1/shelves/fiction/books/never-there?allowMissing=true");
  t.deepEqual([response.status, response.json], [200, {}]);
});

test("library: POST :move (custom verb, body *)", async (t) => {
  const response = await call(t, "POST", "/v1/shelves/fiction/books/foundation:move", { otherShelf: "shelves/science" });
  t.is(response.status, 200, JSON.stringify(response.json));
  t.like(response.json, { name: "shelves/science/books/foundation" });
});

test("library: POST :publish answers the response_body field", async (t) => {
  const response = await call(t, "POST", "/v1/shelves/science/books/brief-history:publish", { publishTime: "1988-04-01T00:00:00Z" });
  t.is(response.status, 200, JSON.stringify(response.json));
  t.like(response.json, { name: "shelves/science/books/brief-history", publishTime: "1988-04-01T00:00:00Z" });
});

test("library: SEARCH (custom kind) and its POST :search additional binding", async (t) => {
  const search = await call(t, "SEARCH", "/v1/books", { query: "wizard", readMask: "name,title" });
  t.is(search.status, 200, JSON.stringify(search.json));
  t.deepEqual((search.json.books as Array<{ name: string }>).map((book) => book.name), ["shelves/fiction/books/earthsea"]);
  const post = await call(t, "POST", "/v1/books:search", { query: "a", shelves: ["shelves/science"], maxResults: 1 });
  t.is((post.json.books as unknown[]).length, 1);
});

test("library: GET with a ** variable takes the rest of the path", async (t) => {
  const response = await call(t, "GET", "/v1/shelves/fiction/books/dune/assets/images/cover.png");
  t.like(response.json, { name: "shelves/fiction/books/dune/assets/images/cover.png", contentType: "image/png" });
});

test("library: backend errors come back with their details", async (t) => {
  const missing = await call(t, "GET", "/v1/shelves/fiction/books/missing");
  t.is(missing.status, 404);
  t.like(missing.json, { code: 5, details: [{ "@type": "type.googleapis.com/google.rpc.ResourceInfo", resourceName: "shelves/fiction/books/missing" }] });
  const invalid = await call(t, "POST", "/v1/shelves/fiction/books", { title: "", isbn: "12" });
  t.is(invalid.status, 400);
  t.like(invalid.json, { code: 3, details: [{ "@type": "type.googleapis.com/google.rpc.BadRequest" }] });
  const exists = await call(t, "POST", "/v1/shelves/fiction/books?bookId=dune", { title: "Dune", isbn: "9780441172719" });
  t.is(exists.status, 409);
  const busy = await call(t, "DELETE", "/v1/shelves/fiction");
  t.is(busy.status, 400);
  t.is(busy.json.code, 9);
});

test("library: gateway errors name the parameter or field at fault", async (t) => {
  const unknown = await call(t, "GET", "/v1/shelves/fiction/books?pge_size=2");
  t.deepEqual([unknown.status, unknown.json.message], [400, 'unknown query parameter "pge_size"']);
  const badEnum = await call(t, "GET", "/v1/shelves/fiction/books?genres=GENRE_NOPE");
  t.is(badEnum.status, 400);
  t.regex(badEnum.json.message as string, /genres/);
  const badField = await call(t, "POST", "/v1/shelves/fiction/books", { title: "x", pageCount: "many" });
  t.is(badField.status, 400);
  t.regex(badField.json.message as string, /pageCount|page_count/);
  const wrongMethod = await call(t, "PUT", "/v1/shelves");
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.headers.get("allow"), "GET, POST");
});
