import test from "ava";
import fc from "fast-check";
import { CallQueue } from "../../../../../src/runtime/backend/native-transport/call-queue.js";

// Against a plain array as the model: pushes, takes from the head and calls ending while
// they wait, in any order (long runs cross the compaction threshold), give the same calls
// in the same order, with ended ones never handed out.

interface FakeCall {
  readonly id: number;
  isOver: boolean;
}

const opArb = fc.oneof(
  fc.constant({ kind: "push" as const, at: 0 }),
  fc.constant({ kind: "shift" as const, at: 0 }),
  fc.record({ kind: fc.constant("end" as const), at: fc.nat() }),
);

test("CallQueue hands out the calls still waiting, oldest first, like an array model", (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 5000 }), (ops) => {
      const queue = new CallQueue<FakeCall>();
      const model: FakeCall[] = [];
      let next = 0;
      for (const op of ops) {
        if (op.kind === "push") {
          const call = { id: next++, isOver: false };
          queue.push(call);
          model.push(call);
        } else if (op.kind === "end") {
          const waiting = model.filter((call) => !call.isOver);
          if (waiting.length > 0) waiting[op.at % waiting.length]!.isOver = true;
        } else {
          const expected = model.find((call) => !call.isOver);
          if (queue.peek() !== expected) return false;
          if (expected !== undefined) {
            queue.shift();
            model.splice(model.indexOf(expected), 1);
          }
        }
      }
      const rest = queue.takeAll().map((call) => call.id);
      return JSON.stringify(rest) === JSON.stringify(model.filter((call) => !call.isOver).map((call) => call.id)) && queue.peek() === undefined;
    }),
    { numRuns: 200 },
  );
  t.pass();
});
