import test from "ava";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import type { OpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import type { GatewayProcess } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

async function setup(extra = ""): Promise<{ backend: OpsBackend; gateway: GatewayProcess; stop: () => Promise<void> }> {
  const backend = await startOpsBackend();
  const files = writeTempFiles({ "config.yaml": `backends: [{ selector: "*", address: "${backend.address}" }]\n${extra}` });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`]);
  return {
    backend,
    gateway,
    stop: async () => {
      await gateway.stop();
      await backend.stop();
      files.cleanup();
    },
  };
}

/** A GET on a keep-alive agent; resolves with status, Connection header and body. */
function get(url: string, agent: Agent, headers: Record<string, string> = {}): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function until(probe: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Both lanes: the direct lane writes its heads itself, the Koa chain (all of it once CORS is
// on) through node's implicit header; the draining mark must reach either.
for (const [lane, extra] of [["direct lane", ""], ["Koa chain", 'cors: { origins: ["https://app.example"] }\n']] as const) {
  test.serial(`shutdown (${lane}): SIGTERM with requests in flight completes them, closes their keep-alive connections and exits 0`, async (t) => {
    const s = await setup(`shutdown: { gracePeriod: 10s }\n${extra}`);
    const agent = new Agent({ keepAlive: true });
    try {
      // A warm keep-alive connection first, so the in-flight request reuses an open socket.
      t.is((await get(`${s.gateway.url}/v1/items/warm`, agent)).status, 200);
      const inFlight = [1, 2, 3].map((i) => get(`${s.gateway.url}/v1/items/slow${i}`, agent, { "grpc-metadata-delay-ms": "800" }));
      await until(() => s.backend.calls.length === 4);
      const exited = s.gateway.stop("SIGTERM");
      const answers = await Promise.all(inFlight);
      for (const answer of answers) {
        t.is(answer.status, 200);
        t.is(answer.connection, "close", "an answer finished during shutdown closes its connection");
      }
      t.deepEqual(answers.map((a) => (JSON.parse(a.body) as { id: string }).id), ["slow1", "slow2", "slow3"]);
      t.is(await exited, 0);
      t.regex(s.gateway.output(), /"msg":"stopped"/);
      await t.throwsAsync(fetch(`${s.gateway.url}/healthz`), undefined, "the listener is closed");
    } finally {
      agent.destroy();
      await s.stop();
    }
  });
}

test.serial("shutdown: a slowloris connection dribbling headers does not block a normal client and is cut off", async (t) => {
  const s = await setup();
  const { hostname, port } = new URL(s.gateway.url);
  const slow = connect(Number(port), hostname);
  let closed = false;
  let received = "";
  slow.on("data", (chunk: Buffer) => (received += chunk.toString()));
  slow.on("close", () => (closed = true));
  slow.on("error", () => undefined);
  const drip = setInterval(() => {
    if (!slow.destroyed) slow.write("X-Slow: a\r\n");
  }, 500);
  try {
    slow.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const normal = await fetch(`${s.gateway.url}/v1/items/normal`);
    t.is(normal.status, 200, "served while the slow client is still sending headers");
    t.false(closed, "the slow client is still connected at that point");
    // headersTimeout (10s) plus Node's check interval (1s) bounds how long it may hold a socket.
    await until(() => closed, 20_000);
    t.regex(received, /^HTTP\/1\.1 408/, "Node answers 408 Request Timeout when it cuts the connection");
    t.regex(received, /\r\nx-request-id: [0-9a-f-]{36}\r\n/i, "every answer carries X-Request-Id (SPEC §5)");
  } finally {
    clearInterval(drip);
    slow.destroy();
    await s.stop();
  }
});
