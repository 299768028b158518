import test from "ava";
import { grantedScopes } from "../../../../src/runtime/policy/policy-layer.js";

test("grantedScopes: scope (space-separated) and scp (array or string), other shapes ignored", (t) => {
  const cases: ReadonlyArray<readonly [Record<string, unknown>, readonly string[]]> = [
    [{ scope: "a b  c" }, ["a", "b", "c"]],
    [{ scp: ["a", "b"] }, ["a", "b"]],
    [{ scp: "a b" }, ["a", "b"]],
    [{ scope: "a", scp: ["b"] }, ["a", "b"]],
    [{ scope: 7, scp: [1, "x", null] }, ["x"]],
    [{}, []],
  ];
  for (const [claims, expected] of cases) t.deepEqual([...grantedScopes(claims)], expected, JSON.stringify(claims));
});
