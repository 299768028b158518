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
