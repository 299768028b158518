import test from "ava";
import { freshRequestId } from "../../../src/runtime/request-id.js";

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("freshRequestId: version-4 UUIDs, all different across several refills of the random pool", (t) => {
  const seen = new Set<string>();
  // 10,000 ids: more than two fills of 4,096.
  for (let i = 0; i < 10_000; i++) {
    const id = freshRequestId();
    if (!V4.test(id) || seen.has(id)) return t.fail(`id ${i}: ${id}`);
    seen.add(id);
  }
  // Every hex digit turns up in every free position (a digit stuck at one value would not).
  const ids = [...seen];
  for (const at of [0, 7, 9, 15, 20, 35]) t.is(new Set(ids.map((id) => id[at])).size, 16, `position ${at}`);
  t.deepEqual([...new Set(ids.map((id) => id[19]))].sort(), ["8", "9", "a", "b"]);
  return undefined;
});
