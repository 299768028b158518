import test from "ava";
import { GrpcJsTransport } from "../../../../src/runtime/backend/grpc-js-transport.js";
import { guardTransport } from "../../../../src/runtime/backend/guarded-transport.js";
import { BackendStatusError } from "../../../../src/runtime/backend/transport.js";
import type { UnaryRequest } from "../../../../src/runtime/backend/transport.js";
import { startOpsBackend } from "../../../helpers/start-ops-backend.js";

const request = (fail = false): UnaryRequest => ({
  path: "/ops.v1.OpsService/CreateItem",
  message: Uint8Array.of(0x0a, 0x01, 0x78),
  metadata: fail ? [["fail-code", "14"]] : [],
  deadline: Date.now() + 5000,
  signal: undefined,
});

test("guardTransport: the breaker opens after consecutive UNAVAILABLE, fails fast, half-opens and closes", async (t) => {
  const backend = await startOpsBackend();
  const states: string[] = [];
  const calls: Array<[string, number]> = [];
  const inner = new GrpcJsTransport({ address: backend.address });
  const guarded = guardTransport(inner, {
    backend: backend.address,
    circuitBreaker: { failures: 2, halfOpenAfterMs: 200 },
    onCircuitState: (s) => states.push(s),
    onCall: (rpc, code) => calls.push([rpc, code]),
  });
  try {
    for (let i = 0; i < 2; i++) await t.throwsAsync(guarded.unary(request(true)), { instanceOf: BackendStatusError });
    const open = await t.throwsAsync(guarded.unary(request()), { instanceOf: BackendStatusError });
    t.is(open?.code, 14);
    t.is(open?.message, `backend ${backend.address} is failing; its circuit breaker is open`);
    t.is(backend.calls.length, 2, "the open breaker did not call the backend");
    await new Promise((resolve) => setTimeout(resolve, 250));
    t.deepEqual((await guarded.unary(request())).message, Buffer.from([0x0a, 0x01, 0x78]));
    t.deepEqual(states, ["closed", "open", "half-open", "closed"]);
    t.deepEqual(calls, [
      ["ops.v1.OpsService.CreateItem", 14],
      ["ops.v1.OpsService.CreateItem", 14],
      ["ops.v1.OpsService.CreateItem", 14],
      ["ops.v1.OpsService.CreateItem", 0],
    ]);
  } finally {
    guarded.close();
    await backend.stop();
  }
});

test("guardTransport: answers that are the API's (NOT_FOUND) never open the breaker", async (t) => {
  const backend = await startOpsBackend();
  const guarded = guardTransport(new GrpcJsTransport({ address: backend.address }), { backend: "b", circuitBreaker: { failures: 1, halfOpenAfterMs: 60_000 } });
  try {
    const notFound: UnaryRequest = { ...request(), metadata: [["fail-code", "5"]] };
    await t.throwsAsync(guarded.unary(notFound), { instanceOf: BackendStatusError });
    await t.throwsAsync(guarded.unary(notFound), { instanceOf: BackendStatusError });
    t.truthy(await guarded.unary(request()));
    t.is(backend.calls.length, 3);
  } finally {
    guarded.close();
    await backend.stop();
  }
});

test("guardTransport: without a breaker config it only times calls, and other members pass through", async (t) => {
  const backend = await startOpsBackend();
  const inner = new GrpcJsTransport({ address: backend.address });
  const seen: number[] = [];
  const guarded = guardTransport(inner, { backend: "b", onCall: (_rpc, code) => seen.push(code) });
  try {
    for (let i = 0; i < 3; i++) await t.throwsAsync(guarded.unary(request(true)));
    t.truthy(await guarded.unary(request()));
    t.deepEqual(seen, [14, 14, 14, 0]);
    t.is(typeof guarded.close, "function");
  } finally {
    guarded.close();
    await backend.stop();
  }
});
