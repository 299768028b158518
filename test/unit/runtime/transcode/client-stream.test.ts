import test from "ava";
import { GatewayError } from "../../../../src/runtime/errors/gateway-error.js";
import { isNdjsonContentType, ndjsonLines } from "../../../../src/runtime/transcode/client-stream.js";

async function* chunks(...parts: ReadonlyArray<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? Buffer.from(part) : part;
}

async function collect(source: AsyncIterable<Uint8Array>, limit = 1024): Promise<Array<[number, unknown]>> {
  const out: Array<[number, unknown]> = [];
  for await (const { line, value } of ndjsonLines(source, limit)) out.push([line, value]);
  return out;
}

async function failure(source: AsyncIterable<Uint8Array>, limit = 1024): Promise<GatewayError> {
  try {
    await collect(source, limit);
  } catch (error: unknown) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("no error");
}

test("ndjsonLines: values with their line numbers; blank lines skipped, CRLF and no final newline accepted", async (t) => {
  t.deepEqual(await collect(chunks('{"a":1}\n\n  \r\n[2]\r\n"x"')), [[1, { a: 1 }], [4, [2]], [5, "x"]]);
});

test("ndjsonLines: a line split across chunks, a multi-byte character split across chunks", async (t) => {
  const euro = Buffer.from('"€"\n');
  t.deepEqual(await collect(chunks('{"a"', ':1}\n{"b":2}\n', euro.subarray(0, 2), euro.subarray(2))), [[1, { a: 1 }], [2, { b: 2 }], [3, "€"]]);
});

test("ndjsonLines: malformed JSON is a 400 naming the line", async (t) => {
  const error = await failure(chunks('{"a":1}\n\n{"b":\n'));
  t.is(error.httpStatus, 400);
  t.regex(error.message, /^line 3: malformed JSON: /);
});

test("ndjsonLines: invalid UTF-8 is a 400 naming the line", async (t) => {
  const error = await failure(chunks("1\n", new Uint8Array([0x22, 0xff, 0x22, 0x0a])));
  t.is(error.message, "line 2: not valid UTF-8");
});

test("ndjsonLines: a line longer than the limit is a 413 naming it, even before its newline arrives", async (t) => {
  const complete = await failure(chunks("1\n", `"${"x".repeat(20)}"\n`), 10);
  t.deepEqual([complete.httpStatus, complete.message], [413, "line 2: longer than the limit of 10 bytes"]);
  let pulled = 0;
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) {
      pulled++;
      yield Buffer.from("xxxx");
    }
  }
  const unterminated = await failure(endless(), 10);
  t.is(unterminated.httpStatus, 413);
  t.is(pulled, 3); // stops at the first chunk past the limit: memory stays bounded
});

test("ndjsonLines: values are yielded as lines complete, before the source ends", async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield Buffer.from("1\n");
    await gate;
    yield Buffer.from("2\n");
  }
  const lines = ndjsonLines(slow(), 100);
  t.deepEqual(await lines.next(), { done: false, value: { line: 1, value: 1 } });
  release();
  t.deepEqual(await lines.next(), { done: false, value: { line: 2, value: 2 } });
  t.true((await lines.next()).done);
});

const types: ReadonlyArray<readonly [string, boolean]> = [
  ["application/x-ndjson", true],
  ["application/jsonl", true],
  ["application/json", true],
  ["application/json; charset=utf-8", true],
  ["Application/X-NDJSON; charset=utf-8", true],
  ["text/plain", false],
  ["application/octet-stream", false],
];
for (const [type, ok] of types) {
  test(`isNdjsonContentType: ${type} is ${ok ? "accepted" : "refused"}`, (t) => {
    t.is(isNdjsonContentType(type), ok);
  });
}
