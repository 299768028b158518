import anyTest from "ava";
import type { TestFn } from "ava";
import { startLibraryBackend } from "../../demo/library-backend.js";
import type { LibraryBackend } from "../../demo/library-backend.js";
import { EXAMPLE_PROTOS } from "../helpers/paths.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

interface Context {
  readonly backend: LibraryBackend;
  readonly gateway: GatewayProcess;
  readonly cleanup: () => void;
}
// The README's streaming, cover and autoMapping examples against the demo backend.
const test = (anyTest as TestFn<Context>).serial;

anyTest.before(async (t) => {
  const backend = await startLibraryBackend("127.0.0.1:0");
  const files = writeTempFiles({ "config.yaml": "autoMapping: true\n" });
  const gateway = await startGateway(["--proto-path", EXAMPLE_PROTOS, "--backend", backend.address, "--config", `${files.dir}/config.yaml`]);
  (t.context as Context) = { backend, gateway, cleanup: files.cleanup };
});
anyTest.after.always(async (t) => {
  const context = t.context as Context;
  await context.gateway?.stop();
  await context.backend?.stop();
  context.cleanup?.();
});

test("library: StreamBooks answers one NDJSON result line per book, in name order", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/shelves/fiction/books:stream?interval=0.01s`);
  t.is(response.status, 200);
  t.is(response.headers.get("content-type"), "application/x-ndjson");
  t.is(response.headers.get("grpc-metadata-x-library-version"), "1.0.0");
  const lines = (await response.text()).trimEnd().split("\n").map((line) => JSON.parse(line) as { result: { name: string } });
  t.deepEqual(lines.map((line) => line.result.name), [
    "shelves/fiction/books/dune",
    "shelves/fiction/books/earthsea",
    "shelves/fiction/books/foundation",
    "shelves/fiction/books/hobbit",
  ]);
});

test("library: StreamBooks as SSE, and a bad interval is a 400 before the stream starts", async (t) => {
  const sse = await fetch(`${t.context.gateway.url}/v1/shelves/science/books:stream`, { headers: { accept: "text/event-stream" } });
  const frames = (await sse.text()).split("\n\n").filter((frame) => frame !== "");
  t.is(frames.length, 2);
  t.true(frames.every((frame) => frame.startsWith('data: {"name":"shelves/science/books/')));
  const bad = await fetch(`${t.context.gateway.url}/v1/shelves/science/books:stream?interval=5s`);
  t.is(bad.status, 400);
  t.is(((await bad.json()) as { code: number }).code, 3);
});

test("library: GetBookCover downloads the cover as image/png bytes", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/v1/shelves/fiction/books/dune/cover`);
  t.is(response.status, 200);
  t.is(response.headers.get("content-type"), "image/png");
  const bytes = Buffer.from(await response.arrayBuffer());
  t.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test("library: BorrowBook has no rule and is served by autoMapping", async (t) => {
  const response = await fetch(`${t.context.gateway.url}/library.v1.LibraryService/BorrowBook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "shelves/fiction/books/dune", borrower: "ann", loanPeriod: "604800s" }),
  });
  t.is(response.status, 200);
  t.like(await response.json(), { book: "shelves/fiction/books/dune", borrower: "ann", loanPeriod: "604800s" });
});
