import test from "ava";
import { pino } from "pino";
import { TurnBatchedDestination } from "../../../../src/runtime/ops/log-destination.js";

/** Records what reaches the sink, as sonic-boom would receive it. */
function recordingSink(): { writes: string[]; flushes: number; write(text: string): boolean; flush(callback?: () => unknown): void } {
  return {
    writes: [],
    flushes: 0,
    write(text: string) {
      this.writes.push(text);
      return true;
    },
    flush(callback?: () => unknown) {
      this.flushes++;
      callback?.();
    },
  };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("log destination: the lines of one turn reach the sink as one write, in order; the next turn's as another", async (t) => {
  const sink = recordingSink();
  const logger = pino({ base: undefined, timestamp: false }, new TurnBatchedDestination(sink));
  logger.info("a");
  logger.info("b");
  logger.info("c");
  t.deepEqual(sink.writes, [], "nothing before the end of the turn");
  await nextTurn();
  t.deepEqual(sink.writes, ['{"level":30,"msg":"a"}\n{"level":30,"msg":"b"}\n{"level":30,"msg":"c"}\n']);
  logger.info("d");
  await nextTurn();
  t.deepEqual(sink.writes.slice(1), ['{"level":30,"msg":"d"}\n']);
});

test("log destination: flush hands over the pending lines before the sink flushes (shutdown)", (t) => {
  const sink = recordingSink();
  const logger = pino({ base: undefined, timestamp: false }, new TurnBatchedDestination(sink));
  logger.info("last words");
  let flushed = false;
  logger.flush(() => (flushed = true));
  t.deepEqual(sink.writes, ['{"level":30,"msg":"last words"}\n']);
  t.is(sink.flushes, 1);
  t.true(flushed);
});
