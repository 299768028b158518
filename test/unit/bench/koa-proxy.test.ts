import test from "ava";
import { startLibraryBackend } from "../../../demo/library-backend.js";
import type { LibraryBackend } from "../../../demo/library-backend.js";
import { KoaProxyUsageError, parseListen, startKoaProxy } from "../../../bench/koa-proxy.js";
import type { RunningKoaProxy } from "../../../bench/koa-proxy.js";

let backend: LibraryBackend;
let proxy: RunningKoaProxy;

test.before(async () => {
  backend = await startLibraryBackend("127.0.0.1:0");
  proxy = await startKoaProxy({ backend: backend.address });
});

test.after.always(async () => {
  await proxy?.stop();
  await backend?.stop();
});

async function send(method: string, path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${proxy.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

test("koa proxy: GET a book returns proto-loader's object as JSON (camelCase, longs as strings, WKTs as objects)", async (t) => {
  const { status, json } = await send("GET", "/v1/shelves/fiction/books/dune");
  t.is(status, 200);
  t.like(json, {
    name: "shelves/fiction/books/dune",
    title: "Dune",
    genre: "GENRE_SCIENCE_FICTION",
    wordCount: "188000",
    pageCount: { value: 412 },
    readingTime: { seconds: "43200", nanos: 0 },
  });
});

test("koa proxy: GET the books of a shelf passes page_size", async (t) => {
  const { status, json } = await send("GET", "/v1/shelves/fiction/books?page_size=2");
  t.is(status, 200);
  t.is((json.books as unknown[]).length, 2);
  t.is(json.totalSize, 4);
  t.not(json.nextPageToken, "");
});

test("koa proxy: POST a book creates it on the shelf from the path", async (t) => {
  const book = { title: "Solaris", authors: ["Stanisław Lem"], genre: "GENRE_SCIENCE_FICTION", isbn: "9780156027601", wordCount: "70000" };
  const { status, json } = await send("POST", "/v1/shelves/science/books?book_id=solaris", JSON.stringify(book));
  t.is(status, 200);
  t.like(json, { name: "shelves/science/books/solaris", title: "Solaris", wordCount: "70000" });
});

const errors = test.macro({
  exec: async (t, method: string, path: string, body: string | undefined, status: number, json: Record<string, unknown>) => {
    const reply = await send(method, path, body);
    t.is(reply.status, status);
    t.deepEqual(reply.json, json);
  },
  title: (_given, method: string, path: string, _body, status: number) => `koa proxy: ${method} ${path} → ${status}`,
});
test(errors, "GET", "/v1/shelves/fiction/books/missing", undefined, 404, {
  code: 5,
  message: 'book "shelves/fiction/books/missing" not found',
});
test(errors, "POST", "/v1/shelves/science/books", "{not json", 400, {
  code: 3,
  message: "request body is not JSON: Expected property name or '}' in JSON at position 1",
});

test("koa proxy: a method the router does not serve is 405", async (t) => {
  const response = await fetch(`${proxy.url}/v1/shelves/fiction/books/dune`, { method: "DELETE" });
  t.is(response.status, 405);
});

const listens = test.macro({
  exec(t, value: string, expected: { host: string; port: number }) {
    t.deepEqual(parseListen(value), expected);
  },
  title: (_given, value: string) => `parseListen: "${value}"`,
});
test(listens, "127.0.0.1:0", { host: "127.0.0.1", port: 0 });
test(listens, "[::1]:8080", { host: "::1", port: 8080 });

test('parseListen: rejects "8080"', (t) => {
  t.throws(() => parseListen("8080"), { instanceOf: KoaProxyUsageError, message: '--listen: expected HOST:PORT, got "8080"' });
});
