import test from "ava";
import { createTransport } from "../../../../src/runtime/backend/native-transport/create-transport.js";
import { BackendStatusError } from "../../../../src/runtime/backend/transport.js";
import { startEchoBackend } from "../../../helpers/start-echo-backend.js";

const GET = "/e2e.v1.EchoService/GetThing";
const CREATE = "/e2e.v1.EchoService/CreateThing";
const retry = { maxAttempts: 3, initialBackoffMs: 1, maxBackoffMs: 5, methods: [{ service: "e2e.v1.EchoService", method: "GetThing" }] };

test("retrying transport: a listed method is tried maxAttempts times on UNAVAILABLE, others once", async (t) => {
  const backend = await startEchoBackend([GET, CREATE]);
  const transport = createTransport("native", { address: backend.address, retry });
  const failing = { message: new Uint8Array(0), metadata: [["fail-code", "14"]] as Array<readonly [string, string]>, deadline: undefined, signal: undefined };
  try {
    const get = await transport.unary({ path: GET, ...failing }).catch((error: unknown) => error);
    t.true(get instanceof BackendStatusError && get.code === 14);
    t.is(backend.calls.filter((call) => call.path === GET).length, 3);
    await transport.unary({ path: CREATE, ...failing }).catch(() => undefined);
    t.is(backend.calls.filter((call) => call.path === CREATE).length, 1);
    const invalid = await transport.unary({ path: GET, ...failing, metadata: [["fail-code", "3"]] }).catch((error: unknown) => error);
    t.true(invalid instanceof BackendStatusError && invalid.code === 3);
    t.is(backend.calls.filter((call) => call.path === GET).length, 4, "INVALID_ARGUMENT is not retried");
  } finally {
    transport.close();
    await backend.stop();
  }
});
