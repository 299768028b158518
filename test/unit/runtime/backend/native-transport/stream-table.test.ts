import test from "ava";
import fc from "fast-check";
import { StreamTable } from "../../../../../src/runtime/backend/native-transport/stream-table.js";

// The table against a Map as the model: any sequence of sets and deletes leaves both with
// the same entries. Ids are drawn from a small range so that probe runs collide, wrap around
// the end of the arrays and get shifted back by deletes; capacity starts small so it grows.

const opArb = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), id: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant("delete" as const), id: fc.integer({ min: 1, max: 300 }) }),
);

test("StreamTable agrees with a Map under any sequence of sets and deletes", (t) => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 400 }), fc.integer({ min: 1, max: 16 }), (ops, capacity) => {
      const table = new StreamTable<{ id: number }>(capacity);
      const model = new Map<number, { id: number }>();
      for (const op of ops) {
        if (op.kind === "set") {
          const value = { id: op.id };
          table.set(op.id, value);
          model.set(op.id, value);
        } else if (table.delete(op.id) !== model.delete(op.id)) {
          return false;
        }
        if (table.size !== model.size) return false;
      }
      for (let id = 1; id <= 300; id++) {
        if (table.get(id) !== model.get(id) || table.has(id) !== model.has(id)) return false;
      }
      const values = table.values().map((v) => v.id).sort((a, b) => a - b);
      return JSON.stringify(values) === JSON.stringify([...model.keys()].sort((a, b) => a - b));
    }),
  );
  t.pass();
});

test("StreamTable.values is a snapshot that survives clearing the table", (t) => {
  const table = new StreamTable<string>(2);
  for (const id of [1, 3, 5, 7, 9]) table.set(id, `s${id}`);
  const values = table.values();
  table.clear();
  t.deepEqual(values.sort(), ["s1", "s3", "s5", "s7", "s9"]);
  t.is(table.size, 0);
  t.is(table.get(3), undefined);
  table.set(3, "again");
  t.is(table.get(3), "again");
});
