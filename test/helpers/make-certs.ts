import { generate } from "selfsigned";

export interface Pem {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly ca: Pem;
  /** For 127.0.0.1 and localhost, signed by the CA. */
  readonly server: Pem;
  /** A client certificate (CN=protogate-test-client) signed by the CA. */
  readonly client: Pem;
  /** Another CA's client certificate: must be refused. */
  readonly stranger: Pem;
}

const days = (n: number): Date => new Date(Date.now() + n * 86_400_000);

async function makeCa(name: string): Promise<Pem> {
  const ca = await generate([{ name: "commonName", value: name }], {
    keySize: 2048,
    notAfterDate: days(2),
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

async function signed(ca: Pem, name: string, usage: "server" | "client"): Promise<Pem> {
  const result = await generate([{ name: "commonName", value: name }], {
    keySize: 2048,
    notAfterDate: days(2),
    ca: { cert: ca.cert, key: ca.key },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      usage === "server" ? { name: "extKeyUsage", serverAuth: true } : { name: "extKeyUsage", clientAuth: true },
      ...(usage === "server"
        ? [{ name: "subjectAltName" as const, altNames: [{ type: 7 as const, ip: "127.0.0.1" }, { type: 2 as const, value: "localhost" }] }]
        : []),
    ],
  });
  return { cert: result.cert, key: result.private };
}

/** A throwaway CA with a server and a client certificate, made in memory for one test file. */
export async function makeTestPki(): Promise<TestPki> {
  const ca = await makeCa("protogate test CA");
  const other = await makeCa("some other CA");
  return {
    ca,
    server: await signed(ca, "localhost", "server"),
    client: await signed(ca, "protogate-test-client", "client"),
    stranger: await signed(other, "stranger", "client"),
  };
}
