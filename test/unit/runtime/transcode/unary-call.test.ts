import test from "ava";
import { createServer, request } from "node:http";
import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cancelOnClientClose } from "../../../../src/runtime/transcode/unary-call.js";

/** A real response whose client can be made to leave; resolves once the server has it. */
async function withResponse(run: (res: ServerResponse, leave: () => void) => Promise<void>): Promise<void> {
  let handed: (res: ServerResponse) => void = () => undefined;
  const arrived = new Promise<ServerResponse>((resolve) => (handed = resolve));
  const server = createServer((_req, res) => handed(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = request({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", path: "/" });
  client.on("error", () => undefined);
  client.end();
  try {
    await run(await arrived, () => client.destroy());
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const closed = (res: ServerResponse): Promise<void> => new Promise((resolve) => res.once("close", () => resolve()));

test("cancelOnClientClose: a client gone mid-answer aborts every listener still registered, once", async (t) => {
  await withResponse(async (res, leave) => {
    const cancel = cancelOnClientClose(res);
    const calls: string[] = [];
    const first = (): void => void calls.push("first");
    const second = (): void => void calls.push("second");
    const third = (): void => void calls.push("third");
    cancel.signal.addEventListener("abort", first);
    cancel.signal.addEventListener("abort", second);
    cancel.signal.addEventListener("abort", third);
    // The first slot and the overflow list both give a listener back.
    cancel.signal.removeEventListener("abort", first);
    cancel.signal.removeEventListener("abort", third);
    leave();
    await closed(res);
    t.true(cancel.signal.aborted);
    cancel.abort();
    t.deepEqual(calls, ["second"]);
    // A listener added after the abort is never called.
    cancel.signal.addEventListener("abort", first);
    cancel.abort();
    t.deepEqual(calls, ["second"]);
  });
});

test("cancelOnClientClose: released (the answer done) or a finished response is not the client leaving", async (t) => {
  await withResponse(async (res, leave) => {
    const cancel = cancelOnClientClose(res);
    let aborted = 0;
    cancel.signal.addEventListener("abort", () => aborted++);
    cancel.release();
    leave();
    await closed(res);
    t.false(cancel.signal.aborted);
    t.is(aborted, 0);
  });
  await withResponse(async (res) => {
    const cancel = cancelOnClientClose(res);
    let aborted = 0;
    cancel.signal.addEventListener("abort", () => aborted++);
    const done = closed(res);
    res.end("ok");
    await done;
    t.is(aborted, 0);
  });
});
