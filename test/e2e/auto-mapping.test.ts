import test from "ava";
import { startGateway } from "../helpers/start-gateway.js";
import { STREAM_PROTOS, startStreamBackend } from "../helpers/start-stream-backend.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

async function withGateway(config: string, run: (url: string) => Promise<void>): Promise<void> {
  const backend = await startStreamBackend();
  const files = writeTempFiles({ "config.yaml": config });
  const gateway = await startGateway(["--proto-path", STREAM_PROTOS, "--backend", backend.address, "--config", `${files.dir}/config.yaml`]);
  try {
    await run(gateway.url);
  } finally {
    await gateway.stop();
    await backend.stop();
    files.cleanup();
  }
}

const hidden = (url: string): Promise<Response> =>
  fetch(`${url}/stream.v1.StreamService/Hidden`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":7}' });

test("autoMapping: on, an RPC without a rule is POST /<package>.<Service>/<Method> with the whole request as body", async (t) => {
  await withGateway("autoMapping: true\n", async (url) => {
    const response = await hidden(url);
    t.is(response.status, 200);
    t.deepEqual(await response.json(), { seq: 7, text: "hidden" });
    // Only RPCs without a rule: an annotated one keeps its own binding alone.
    const annotated = await fetch(`${url}/stream.v1.StreamService/Download`, { method: "POST", body: "{}" });
    t.is(annotated.status, 404);
    const wrongMethod = await fetch(`${url}/stream.v1.StreamService/Hidden`);
    t.is(wrongMethod.status, 405);
  });
});

test("autoMapping: off (the default), the same path is 404", async (t) => {
  await withGateway("json: { emitUnpopulated: true }\n", async (url) => {
    const response = await hidden(url);
    t.is(response.status, 404);
    t.is(((await response.json()) as { code: number }).code, 5);
  });
});
