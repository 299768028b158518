import test from "ava";
import * as grpc from "@grpc/grpc-js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { NativeTransport } from "../../../../../src/runtime/backend/native-transport/native-transport.js";
import { BackendStatusError } from "../../../../../src/runtime/backend/transport.js";
import type { UnaryRequest } from "../../../../../src/runtime/backend/transport.js";
import { writeTempFiles } from "../../../../helpers/temp-dir.js";

const PATH = "/tls.Echo/Echo";
const identity = (value: Buffer): Buffer => value;

function openssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A self-signed certificate for 127.0.0.1 and "backend.test", made now with openssl. */
function makeCertificate(): { cert: Buffer; key: Buffer; cleanup: () => void } {
  const files = writeTempFiles({});
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=backend.test",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:backend.test",
    "-keyout", `${files.dir}/key.pem`, "-out", `${files.dir}/cert.pem`,
  ], { stdio: "ignore" });
  return { cert: readFileSync(`${files.dir}/cert.pem`), key: readFileSync(`${files.dir}/key.pem`), cleanup: files.cleanup };
}

async function startTlsEcho(cert: Buffer, key: Buffer, requireClientCert: boolean): Promise<{ address: string; peers: string[]; stop: () => void }> {
  const server = new grpc.Server();
  const peers: string[] = [];
  server.addService(
    { Echo: { path: PATH, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        peers.push(call.getPeer());
        callback(null, call.request);
      },
    },
  );
  const credentials = grpc.ServerCredentials.createSsl(requireClientCert ? cert : null, [{ cert_chain: cert, private_key: key }], requireClientCert);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, peers, stop: () => server.forceShutdown() };
}

const request = (text: string): UnaryRequest => ({ path: PATH, message: Buffer.from(text), metadata: [], deadline: undefined, signal: undefined });

const hasOpenssl = openssl();
if (!hasOpenssl) console.warn("native transport TLS tests skipped: openssl is not on PATH to make a test certificate");
const tlsTest = hasOpenssl ? test : test.skip;

tlsTest("native transport: TLS with ALPN h2 and a trusted CA; untrusted certificate is UNAVAILABLE", async (t) => {
  const { cert, key, cleanup } = makeCertificate();
  const server = await startTlsEcho(cert, key, false);
  const trusted = new NativeTransport({ address: server.address, tls: { ca: cert } });
  const named = new NativeTransport({
    address: server.address,
    tls: { ca: cert, serverName: "backend.test" },
  });
  const untrusted = new NativeTransport({ address: server.address, tls: {} });
  try {
    t.is(Buffer.from((await trusted.unary(request("secure"))).message).toString(), "secure");
    t.is(Buffer.from((await named.unary(request("named"))).message).toString(), "named");
    const error = await untrusted.unary(request("x")).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.true(error instanceof BackendStatusError);
    t.is((error as BackendStatusError).code, grpc.status.UNAVAILABLE);
    t.regex((error as BackendStatusError).details, /self[- ]signed/);
  } finally {
    trusted.close();
    named.close();
    untrusted.close();
    server.stop();
    cleanup();
  }
});

tlsTest("native transport: mTLS presents the client certificate", async (t) => {
  const { cert, key, cleanup } = makeCertificate();
  const server = await startTlsEcho(cert, key, true);
  const withCert = new NativeTransport({ address: server.address, tls: { ca: cert, cert, key } });
  const withoutCert = new NativeTransport({ address: server.address, tls: { ca: cert } });
  try {
    t.is(Buffer.from((await withCert.unary(request("mutual"))).message).toString(), "mutual");
    const error = await withoutCert.unary(request("x")).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.true(error instanceof BackendStatusError);
    t.is((error as BackendStatusError).code, grpc.status.UNAVAILABLE);
  } finally {
    withCert.close();
    withoutCert.close();
    server.stop();
    cleanup();
  }
});
