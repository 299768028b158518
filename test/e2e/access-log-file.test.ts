import test from "ava";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

// SPEC §8 (one access-log line per request; in-flight work finishes on SIGTERM) when stdout
// is a regular file, where the gateway writes its log through FileLineSink rather than
// sonic-boom (the other e2e tests see a pipe).

function requestLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === "request");
}

test("access log to a regular file: one whole line per request, within the flush interval and all of them by the exit", async (t) => {
  const backend = await startOpsBackend();
  const files = writeTempFiles({ "config.yaml": `backends: [{ selector: "*", address: "${backend.address}" }]\n` });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`], {}, { stdoutFile: `${files.dir}/stdout.log` });
  try {
    const first = await fetch(`${gateway.url}/v1/items/one`, { headers: { "x-request-id": "file-log-1" } });
    t.is(first.status, 200);
    // Far below the 8 KiB batch: the 200 ms timer writes it.
    await new Promise((resolve) => setTimeout(resolve, 600));
    t.deepEqual(requestLines(gateway.output()).map((entry) => entry.requestId), ["file-log-1"]);

    // Enough lines for several batches, from concurrent requests.
    const ids = Array.from({ length: 300 }, (_, i) => `file-log-batch-${i}`);
    const statuses = await Promise.all(ids.map(async (id) => (await fetch(`${gateway.url}/v1/items/${id}`, { headers: { "x-request-id": id } })).status));
    t.true(statuses.every((status) => status === 200));
    t.is(await gateway.stop(), 0);
    const output = gateway.output();
    const logged = requestLines(output).map((entry) => entry.requestId as string);
    t.deepEqual([...logged].sort(), ["file-log-1", ...ids].sort(), "each request exactly once");
    const lastLine = output.trimEnd().split("\n").at(-1) ?? "";
    t.like(JSON.parse(lastLine), { msg: "stopped" }, "the exit line is written last");
  } finally {
    await gateway.stop();
    await backend.stop();
    files.cleanup();
  }
});
