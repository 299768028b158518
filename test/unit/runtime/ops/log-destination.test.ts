import test from "ava";
import { pino } from "pino";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileLineSink, PipeLineSink, StringLineWriter, linePiece } from "../../../../src/runtime/ops/log-destination.js";
import type { LineWriter } from "../../../../src/runtime/ops/log-destination.js";

/** Records what reaches the sink as sonic-boom in buffer mode keeps it: the Buffers themselves, not copies. */
function recordingSink(): { writes: Buffer[]; flushes: number; write(bytes: Buffer): boolean; flush(callback?: () => unknown): void } {
  return {
    writes: [],
    flushes: 0,
    write(bytes: Buffer) {
      this.writes.push(bytes);
      return true;
    },
    flush(callback?: () => unknown) {
      this.flushes++;
      callback?.();
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const text = (writes: readonly Buffer[]): string[] => writes.map((bytes) => bytes.toString("utf8"));

test("PipeLineSink: the lines of one turn reach sonic-boom as one buffer, in order; the next turn's as another", async (t) => {
  const sink = recordingSink();
  const logger = pino({ base: undefined, timestamp: false }, new PipeLineSink(sink, 8192));
  logger.info("a");
  logger.info("b");
  logger.info("c");
  t.deepEqual(sink.writes, [], "nothing before the end of the turn");
  await nextTurn();
  t.deepEqual(text(sink.writes), ['{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n{"level":30,"msg":"c"}\n']);
  logger.info("d");
  await nextTurn();
  t.deepEqual(text(sink.writes.slice(1)), ['{"level":30,"msg":"d"}\n']);
});

test("PipeLineSink: flush hands over the pending lines before the sink flushes (shutdown)", (t) => {
  const sink = recordingSink();
  const logger = pino({ base: undefined, timestamp: false }, new PipeLineSink(sink, 8192));
  logger.info("last words");
  let flushed = false;
  logger.flush(() => (flushed = true));
  t.deepEqual(text(sink.writes), ['{"level":30,"msg":"last words"}\n']);
  t.is(sink.flushes, 1);
  t.true(flushed);
});

test("PipeLineSink: a long turn goes out every handOffAt bytes; buffers handed over are never written into again", async (t) => {
  const sink = recordingSink();
  const pipe = new PipeLineSink(sink, 1024);
  const lines = Array.from({ length: 3000 }, (_, i) => `{"msg":"request","path":"/v1/caf\u00e9/${i}"}\n`);
  for (const line of lines.slice(0, 1500)) pipe.write(line);
  const early = text(sink.writes);
  t.true(sink.writes.length > 10 && sink.writes.every((bytes) => bytes.length >= 1024 && bytes.length < 1024 + 64), "handed over as they pass the threshold");
  // More than a slab's worth after them: later lines go after the views or into new slabs.
  for (const line of lines.slice(1500)) pipe.write(line);
  await nextTurn();
  t.deepEqual(text(sink.writes.slice(0, early.length)), early, "the first views still hold what they held");
  t.is(Buffer.concat(sink.writes).toString("utf8"), lines.join(""));
});

test("FileLineSink: lines reach the file whole and in order once minLength gathers, the rest on flush; a dead fd throws nothing", (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "protogate-log-")), "out.log");
  const fd = openSync(file, "w");
  const sink = new FileLineSink(fd, 1024);
  const lines = Array.from({ length: 300 }, (_, i) => `{"msg":"request","path":"/v1/caf\u00e9/${i}"}\n`);
  for (const line of lines) sink.write(line);
  const beforeFlush = readFileSync(file, "utf8");
  t.true(beforeFlush.length > 0 && lines.join("").startsWith(beforeFlush), "full slabs went out as they filled");
  t.true(beforeFlush.length < lines.join("").length, "the tail waits for flush");
  // A line longer than the slab goes out on its own, after what was gathered.
  const long = `{"msg":"${"x".repeat(70_000)}"}\n`;
  sink.write(long);
  sink.write('{"msg":"stopped"}\n');
  let flushed = false;
  sink.flush(() => (flushed = true));
  t.true(flushed);
  t.is(readFileSync(file, "utf8"), lines.join("") + long + '{"msg":"stopped"}\n');
  closeSync(fd);
  sink.write("after close\n");
  t.notThrows(() => sink.flush(), "EBADF is dropped, not thrown");
});

/** Digit counts at every boundary, epoch milliseconds, and what integer() hands to JSON.stringify. */
const INTEGERS = [0, 7, 10, 99, 100, 999, 1000, 200, 1_733_270_400_123, Number.MAX_SAFE_INTEGER, -1, 1.5, Number.NaN, 2 ** 53];

const I = linePiece(',"i":');
// A constant part larger than the slab, non-ASCII in it: written on its own, the line stays whole.
const BIG = "\u00fc".repeat(40_000);
const BIG_I = linePiece(`,"big":"${BIG}","i":`);
const bigAt = (n: number): boolean => n % 97 === 5;

/** A line's pieces through a LineWriter: JSON text, a value to quote, a constant, an integer, the newline. */
function writeLine(writer: LineWriter, value: string, n: number): void {
  writer.text(`{"n":${n},"caf\u00e9":`);
  writer.string(value);
  writer.piece(bigAt(n) ? BIG_I : I);
  writer.integer(INTEGERS[n % INTEGERS.length] as number);
  writer.text("}");
  writer.end();
}

test("FileLineSink and PipeLineSink as LineWriters: pieces give JSON.stringify's line, escapes, non-ASCII, integers and pieces larger than the slab included", (t) => {
  const file = join(mkdtempSync(join(tmpdir(), "protogate-log-")), "out.log");
  const fd = openSync(file, "w");
  const sink = new FileLineSink(fd, 1024);
  const joined: string[] = [];
  const strings = new StringLineWriter({ write: (line: string) => joined.push(line) });
  const piped = recordingSink();
  const pipe = new PipeLineSink(piped, 1024);
  const values = ["/v1/shelves/fiction/books/42", 'a "quoted" \\ path', 'only "quotes"', 'only \\ backslash', "caf\u00e9 \u{1f4da}", "tab\there\u0000", "\ud800 lone", "\u007f", "x".repeat(70_000)];
  // Interleaved with plain writes (pino's own lines): each stays whole, in order.
  const expected: string[] = [];
  for (let n = 0; n < 400; n++) {
    const value = values[n % values.length] as string;
    writeLine(sink, value, n);
    writeLine(strings, value, n);
    writeLine(pipe, value, n);
    expected.push(`${JSON.stringify({ n, "caf\u00e9": value, ...(bigAt(n) ? { big: BIG } : {}), i: INTEGERS[n % INTEGERS.length] })}\n`);
    if (n % 50 === 0) {
      sink.write(`{"plain":${n}}\n`);
      expected.push(`{"plain":${n}}\n`);
    }
  }
  sink.flush();
  closeSync(fd);
  t.is(readFileSync(file, "utf8"), expected.join(""));
  t.deepEqual(joined, expected.filter((line) => !line.startsWith('{"plain"')), "StringLineWriter writes the same lines");
  pipe.flush();
  t.is(Buffer.concat(piped.writes).toString("utf8"), expected.filter((line) => !line.startsWith('{"plain"')).join(""), "PipeLineSink writes the same bytes");
});
