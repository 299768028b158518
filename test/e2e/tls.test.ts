import anyTest from "ava";
import type { TestFn } from "ava";
import { request } from "node:https";
import { makeTestPki } from "../helpers/make-certs.js";
import type { Pem, TestPki } from "../helpers/make-certs.js";
import { OPS_PROTOS, startOpsBackend } from "../helpers/start-ops-backend.js";
import { startGateway } from "../helpers/start-gateway.js";
import { writeTempFiles } from "../helpers/temp-dir.js";

const test = anyTest as TestFn<{ pki: TestPki; files: { dir: string; cleanup: () => void } }>;

test.before(async (t) => {
  const pki = await makeTestPki();
  const files = writeTempFiles({
    "ca.pem": pki.ca.cert,
    "server.pem": pki.server.cert,
    "server.key": pki.server.key,
    "client.pem": pki.client.cert,
    "client.key": pki.client.key,
  });
  t.context = { pki, files };
});
test.after.always((t) => t.context.files.cleanup());

/** GET over https trusting the test CA, optionally with a client certificate. */
function httpsGet(url: string, ca: string, client?: Pem): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, ...(client === undefined ? {} : { cert: client.cert, key: client.key }) }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function gatewayWith(t: { context: { files: { dir: string } } }, config: string): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const files = writeTempFiles({ "config.yaml": config });
  const gateway = await startGateway(["--proto-path", OPS_PROTOS, "--config", `${files.dir}/config.yaml`]);
  return { url: gateway.url, stop: async () => { await gateway.stop(); files.cleanup(); } };
}

test.serial("tls: the listener terminates TLS with the configured certificate", async (t) => {
  const dir = t.context.files.dir;
  const backend = await startOpsBackend();
  const gateway = await gatewayWith(t, `backends: [{ selector: "*", address: "${backend.address}" }]\nserver: { tls: { cert: ${dir}/server.pem, key: ${dir}/server.key } }\n`);
  try {
    t.regex(gateway.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await httpsGet(`${gateway.url}/v1/items/secure`, t.context.pki.ca.cert);
    t.is(response.status, 200);
    t.deepEqual(JSON.parse(response.body), { id: "secure", note: "" });
    // A client that does not trust the CA refuses the connection.
    await t.throwsAsync(httpsGet(`${gateway.url}/v1/items/secure`, t.context.pki.stranger.cert));
  } finally {
    await gateway.stop();
    await backend.stop();
  }
});

test.serial("tls: with server.tls.ca the listener requires a client certificate signed by it (mTLS)", async (t) => {
  const dir = t.context.files.dir;
  const backend = await startOpsBackend();
  const gateway = await gatewayWith(
    t,
    `backends: [{ selector: "*", address: "${backend.address}" }]\nserver: { tls: { cert: ${dir}/server.pem, key: ${dir}/server.key, ca: ${dir}/ca.pem } }\n`,
  );
  try {
    const { pki } = t.context;
    t.is((await httpsGet(`${gateway.url}/v1/items/m`, pki.ca.cert, pki.client)).status, 200);
    await t.throwsAsync(httpsGet(`${gateway.url}/v1/items/m`, pki.ca.cert), undefined, "no client certificate");
    await t.throwsAsync(httpsGet(`${gateway.url}/v1/items/m`, pki.ca.cert, pki.stranger), undefined, "a certificate of another CA");
  } finally {
    await gateway.stop();
    await backend.stop();
  }
});

test.serial("tls: TLS to the backend with the configured CA round-trips", async (t) => {
  const { pki, files } = t.context;
  const backend = await startOpsBackend({ tls: { cert: pki.server.cert, key: pki.server.key } });
  const gateway = await gatewayWith(t, `backends: [{ selector: "*", address: "${backend.address}", tls: { ca: ${files.dir}/ca.pem } }]\n`);
  try {
    const response = await fetch(`${gateway.url}/v1/items/tls`);
    t.is(response.status, 200, await response.text());
    t.is(backend.calls.length, 1);
  } finally {
    await gateway.stop();
    await backend.stop();
  }
});

test.serial("tls: mTLS to the backend — served with the client certificate, 503 without it", async (t) => {
  const { pki, files } = t.context;
  const backend = await startOpsBackend({ tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert } });
  const dir = files.dir;
  const withCert = await gatewayWith(
    t,
    `backends: [{ selector: "*", address: "${backend.address}", tls: { ca: ${dir}/ca.pem, cert: ${dir}/client.pem, key: ${dir}/client.key } }]\n`,
  );
  const withoutCert = await gatewayWith(t, `backends: [{ selector: "*", address: "${backend.address}", tls: { ca: ${dir}/ca.pem } }]\n`);
  try {
    const served = await fetch(`${withCert.url}/v1/items/mtls`);
    t.is(served.status, 200, await served.text());
    t.is((await fetch(`${withoutCert.url}/v1/items/mtls`)).status, 503);
    t.is(backend.calls.length, 1, "the call without a client certificate never reached the handler");
  } finally {
    await withCert.stop();
    await withoutCert.stop();
    await backend.stop();
  }
});
