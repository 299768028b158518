import { writeSync } from "node:fs";
import type { DestinationStream } from "pino";

/** What the batcher needs of sonic-boom (pino.destination): a write, and a flush for the exit. */
export interface LineSink {
  write(text: string): boolean;
  flush(callback?: (error?: Error) => unknown): void;
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
 */
export class FileLineSink implements DestinationStream {
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
    // At most 3 bytes per UTF-16 unit: a line that might not fit goes after a flush, or alone.
    const worst = line.length * 3;
    if (this.used + worst > this.slab.length) {
      this.flushNow();
      if (worst > this.slab.length) {
        this.writeAll(Buffer.from(line));
        return true;
      }
    }
    this.used += this.slab.write(line, this.used);
    if (this.used >= this.minLength) this.flushNow();
    return true;
  }

  flush(callback?: (error?: Error) => unknown): void {
    this.flushNow();
    callback?.();
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
