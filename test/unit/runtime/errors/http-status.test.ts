import test from "ava";
import { Code } from "../../../../src/runtime/errors/grpc-code.js";
import { httpStatusFromCode } from "../../../../src/runtime/errors/http-status.js";

// SPEC §6, row by row.
const SPEC_TABLE: ReadonlyArray<readonly [keyof typeof Code, number]> = [
  ["OK", 200],
  ["CANCELLED", 499],
  ["UNKNOWN", 500],
  ["INVALID_ARGUMENT", 400],
  ["DEADLINE_EXCEEDED", 504],
  ["NOT_FOUND", 404],
  ["ALREADY_EXISTS", 409],
  ["PERMISSION_DENIED", 403],
  ["RESOURCE_EXHAUSTED", 429],
  ["FAILED_PRECONDITION", 400],
  ["ABORTED", 409],
  ["OUT_OF_RANGE", 400],
  ["UNIMPLEMENTED", 501],
  ["INTERNAL", 500],
  ["UNAVAILABLE", 503],
  ["DATA_LOSS", 500],
  ["UNAUTHENTICATED", 401],
];

for (const [name, status] of SPEC_TABLE) {
  test(`httpStatusFromCode: ${name} is ${status}`, (t) => {
    t.is(httpStatusFromCode(Code[name]), status);
  });
}

test("httpStatusFromCode: the table covers every code", (t) => {
  t.is(SPEC_TABLE.length, Object.keys(Code).length);
});
