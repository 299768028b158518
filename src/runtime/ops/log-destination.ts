import { writeSync } from "node:fs";
import type { DestinationStream } from "pino";
import { PLAIN } from "../../codec/json-out.js";

/** What the batcher needs of sonic-boom (pino.destination): a write, and a flush for the exit. */
export interface LineSink {
  write(text: string): boolean;
  flush(callback?: (error?: Error) => unknown): void;
}

/** A constant part of a line, already JSON, with its bytes encoded once (linePiece). */
export interface LinePiece {
  readonly text: string;
  readonly bytes: Uint8Array;
}

export function linePiece(json: string): LinePiece {
  return { text: json, bytes: Buffer.from(json, "utf8") };
}

/**
 * A log line put together piece by piece (the access log's): `piece` is a constant part,
 * `text` is other JSON, `string` is a value to write as a JSON string, `integer` a number
 * written as JSON (a non-negative safe integer: a status, epoch milliseconds), `end` finishes
 * the line with its newline. FileLineSink writes the pieces straight into its slab, so a line
 * leaves no strings behind.
 */
export interface LineWriter {
  piece(constant: LinePiece): void;
  text(json: string): void;
  string(value: string): void;
  integer(value: number): void;
  end(): void;
}

/** A LineWriter for any other destination: the pieces joined into one string per line. */
export class StringLineWriter implements LineWriter {
  private line = "";

  constructor(private readonly stream: { write(line: string): unknown }) {}

  piece(constant: LinePiece): void {
    this.line += constant.text;
  }

  text(json: string): void {
    this.line += json;
  }

  string(value: string): void {
    this.line += JSON.stringify(value);
  }

  integer(value: number): void {
    this.line += JSON.stringify(value);
  }

  end(): void {
    const line = this.line;
    this.line = "";
    this.stream.write(`${line}\n`);
  }
}

/**
 * pino's destination for `serve`: the lines written during one event-loop turn (one per
 * request answered in it, under load dozens) go to sonic-boom as one string at the end of
 * the turn. sonic-boom appends every write to its pending text and measures that text's
 * byte length each time, which costs more per line than pino's own serialisation; once
 * per turn it is cheap. sonic-boom still does the writing: asynchronous, EAGAIN and
 * partial writes handled. A line waits at most until the end of its turn.
 */
export class TurnBatchedDestination implements DestinationStream {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: LineSink) {}

  write(line: string): boolean {
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
    return true;
  }

  /** Everything written so far is handed to the sink, then the sink flushes (before exit). */
  flush(callback?: (error?: Error) => unknown): void {
    this.drain();
    this.sink.flush(callback);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join("");
    this.pending = [];
    this.sink.write(text);
  };
}

const SLAB_SIZE = 64 * 1024;

/**
 * pino's destination when stdout is a regular file. Each line is encoded straight into a
 * slab, and the slab goes out in one write(2) once `minLength` bytes have gathered (or on
 * flush(): the 200 ms timer, the exit). A write to a regular file never waits on a reader,
 * so it is done at once, and the slab is reused right after. Against the turn batch +
 * sonic-boom this skips the join, sonic-boom's byte-length scan per write and its slicing
 * on release. A failing write (disk full, file gone) drops what was gathered: a log line
 * is not worth failing requests over.
 *
 * It is also a LineWriter: the access log's pieces go into the slab as they come, plain
 * ASCII a character at a time. Under load that was cheaper than building the line as a
 * string and encoding it (bench/README.md), mostly the garbage the string left per request.
 */
export class FileLineSink implements DestinationStream, LineWriter {
  private readonly slab: Buffer;
  private used = 0;

  constructor(
    private readonly fd: number,
    private readonly minLength: number,
  ) {
    // Room past minLength, so a flush comes from the threshold and not from a full slab.
    this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, 2 * minLength));
  }

  write(line: string): boolean {
    this.text(line);
    if (this.used >= this.minLength) this.flushNow();
    return true;
  }

  piece(constant: LinePiece): void {
    const bytes = constant.bytes;
    // One copy of bytes encoded once: under a third of the charCodeAt loop's time for a line's constants.
    if (!this.room(bytes.length)) {
      this.writeAll(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return;
    }
    this.slab.set(bytes, this.used);
    this.used += bytes.length;
  }

  text(json: string): void {
    const n = json.length;
    if (!this.room(3 * n)) {
      this.writeAll(Buffer.from(json));
      return;
    }
    const slab = this.slab;
    let used = this.used;
    for (let i = 0; i < n; i++) {
      const c = json.charCodeAt(i);
      if (c >= 0x80) {
        this.used = used + slab.write(json.slice(i), used);
        return;
      }
      slab[used++] = c;
    }
    this.used = used;
  }

  string(value: string): void {
    const n = value.length;
    if (!this.room(6 * n + 2)) {
      this.writeAll(Buffer.from(JSON.stringify(value)));
      return;
    }
    const slab = this.slab;
    const start = this.used;
    let used = start;
    slab[used++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80 || PLAIN[c] === 0) {
        // Escapes or non-ASCII: JSON.stringify says how, in place of what was copied.
        this.used = start + slab.write(JSON.stringify(value), start);
        return;
      }
      slab[used++] = c;
    }
    slab[used++] = 0x22;
    this.used = used;
  }

  integer(value: number): void {
    if (!(Number.isSafeInteger(value) && value >= 0)) {
      this.text(JSON.stringify(value));
      return;
    }
    // The digits straight into the slab, last one first: no number-to-string conversion and
    // no string left behind (V8 also keeps converted numbers' strings in a cache).
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    this.room(digits);
    const slab = this.slab;
    let at = this.used + digits;
    this.used = at;
    let rest = value;
    do {
      const next = Math.floor(rest / 10);
      slab[--at] = 0x30 + (rest - next * 10);
      rest = next;
    } while (rest > 0);
  }

  end(): void {
    this.room(1);
    this.slab[this.used++] = 0x0a;
    if (this.used >= this.minLength) this.flushNow();
  }

  flush(callback?: (error?: Error) => unknown): void {
    this.flushNow();
    callback?.();
  }

  /**
   * Room for `n` more bytes, after a flush when they might not fit (a line may then span two
   * writes); false for a piece larger than the slab, which the caller writes on its own.
   */
  private room(n: number): boolean {
    if (this.used + n <= this.slab.length) return true;
    this.flushNow();
    return n <= this.slab.length;
  }

  private flushNow(): void {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    this.writeAll(this.slab.subarray(0, used));
  }

  private writeAll(bytes: Buffer): void {
    try {
      // A regular file takes the whole write unless interrupted; finish a partial one.
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
    } catch {
      // Dropped, as above.
    }
  }
}
