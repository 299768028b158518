import { writeSync } from "node:fs";
import { pino } from "pino";
import type { DestinationStream } from "pino";
import { PLAIN } from "../../codec/json-out.js";

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
 * the line with its newline. The slab sinks (FileLineSink, PipeLineSink) write the pieces
 * straight into their slab, so a line leaves no strings behind.
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

const SLAB_SIZE = 64 * 1024;

/**
 * The part the file and pipe sinks share: a line's pieces encoded straight into a slab,
 * plain ASCII a character at a time, constants as one copy of their bytes. Under load that
 * was cheaper than building the line as a string and encoding it (bench/README.md), mostly
 * the garbage the string left per request. Subclasses say what happens when the slab is
 * full and when a line is done.
 */
export abstract class SlabLineWriter implements LineWriter {
  protected slab: Buffer;
  protected used = 0;

  constructor(size: number) {
    this.slab = Buffer.allocUnsafeSlow(size);
  }

  /**
   * Room for `n` more bytes, after handing on what is gathered when they might not fit (a
   * line may then span two writes); false for a piece larger than a slab (see oversized).
   */
  protected abstract room(n: number): boolean;

  /** A piece larger than a slab, written on its own right after what was gathered. */
  protected abstract oversized(bytes: Buffer): void;

  /** A line (or pino's own text) is complete in the slab. */
  protected abstract lineDone(): void;

  /** pino's own lines (already JSON, with their newline). */
  write(line: string): boolean {
    this.text(line);
    this.lineDone();
    return true;
  }

  piece(constant: LinePiece): void {
    const bytes = constant.bytes;
    // One copy of bytes encoded once: under a third of the charCodeAt loop's time for a line's constants.
    if (!this.room(bytes.length)) {
      this.oversized(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return;
    }
    this.slab.set(bytes, this.used);
    this.used += bytes.length;
  }

  text(json: string): void {
    const n = json.length;
    if (!this.room(3 * n)) {
      this.oversized(Buffer.from(json));
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
      this.oversized(Buffer.from(JSON.stringify(value)));
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
    this.lineDone();
  }
}

/**
 * pino's destination when stdout is a regular file. Lines are encoded into a slab
 * (SlabLineWriter), and the slab goes out in one write(2) once `minLength` bytes have
 * gathered (or on flush(): the 200 ms timer, the exit). A write to a regular file never
 * waits on a reader, so it is done at once, and the slab is reused right after. A failing
 * write (disk full, file gone) drops what was gathered: a log line is not worth failing
 * requests over.
 */
export class FileLineSink extends SlabLineWriter implements DestinationStream {
  constructor(
    private readonly fd: number,
    private readonly minLength: number,
  ) {
    // Room past minLength, so a flush comes from the threshold and not from a full slab.
    super(Math.max(SLAB_SIZE, 2 * minLength));
  }

  flush(callback?: (error?: Error) => unknown): void {
    this.flushNow();
    callback?.();
  }

  protected room(n: number): boolean {
    if (this.used + n <= this.slab.length) return true;
    this.flushNow();
    return n <= this.slab.length;
  }

  protected oversized(bytes: Buffer): void {
    this.writeAll(bytes);
  }

  protected lineDone(): void {
    if (this.used >= this.minLength) this.flushNow();
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

/** What PipeLineSink needs of sonic-boom in buffer mode (pino.destination({ contentMode: "buffer" })). */
export interface BufferSink {
  write(bytes: Buffer): boolean;
  flush(callback?: (error?: Error) => unknown): void;
}

/**
 * sonic-boom on `fd` in buffer mode: asynchronous writes once `minLength` bytes have gathered.
 * (Its type declares only string writes; in buffer mode it takes Buffers.)
 */
export function bufferDestination(fd: number, minLength: number): BufferSink {
  const boom = pino.destination({ fd, sync: false, minLength, contentMode: "buffer" });
  return {
    write: (bytes) => boom.write(bytes as unknown as string),
    flush: (callback) => boom.flush(callback),
  };
}

// A slab with less room than this left is not written into again: the next lines start a new one.
const MIN_ROOM = 4 * 1024;

/**
 * pino's destination when stdout is a pipe or a terminal (a container's stdout). Lines are
 * encoded into a slab as for a file (SlabLineWriter); the bytes of one event-loop turn (or
 * `handOffAt` bytes, whichever comes first) go to sonic-boom as one view of the slab, which
 * writes them asynchronously, EAGAIN and partial writes handled, so a slow reader cannot
 * stall the event loop. A view handed over is never written into again: the next lines go
 * after it, and a new slab starts when too little is left (an old slab lives as long as
 * sonic-boom holds its views). Against joining each turn's lines as strings this spares the
 * strings and their encoding: 13.6% of a GetBook's CPU (bench/README.md).
 */
export class PipeLineSink extends SlabLineWriter implements DestinationStream {
  /** The first byte of the slab not yet handed over. */
  private start = 0;
  private scheduled = false;
  private readonly handOffNow = (): void => {
    this.scheduled = false;
    this.handOff();
  };

  constructor(
    private readonly out: BufferSink,
    private readonly handOffAt: number,
  ) {
    super(SLAB_SIZE);
  }

  /** Everything written so far is handed over, then sonic-boom flushes (before exit). */
  flush(callback?: (error?: Error) => unknown): void {
    this.handOff();
    this.out.flush(callback);
  }

  protected room(n: number): boolean {
    if (this.used + n <= this.slab.length) return true;
    this.handOff();
    if (n > SLAB_SIZE) return false;
    // handOff may already have started a new slab; else the rest of this one is too small.
    if (this.used + n > this.slab.length) this.freshSlab();
    return true;
  }

  protected oversized(bytes: Buffer): void {
    this.out.write(bytes);
  }

  protected lineDone(): void {
    if (this.used - this.start >= this.handOffAt) {
      this.handOff();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.handOffNow);
    }
  }

  private handOff(): void {
    if (this.used > this.start) {
      this.out.write(this.slab.subarray(this.start, this.used));
      this.start = this.used;
    }
    if (this.slab.length - this.used < MIN_ROOM) this.freshSlab();
  }

  private freshSlab(): void {
    this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    this.start = 0;
    this.used = 0;
  }
}
