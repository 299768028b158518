import { createHmac, createSign, generateKeyPairSync, sign as signBytes } from "node:crypto";
import type { KeyObject } from "node:crypto";

/**
 * Compact JWS built by hand with node:crypto, so tests can also forge what a correct
 * library would refuse to produce: `alg: none`, HS256 keyed with a public key, a
 * tampered signature.
 */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject | string | Buffer | undefined): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  const alg = String(header["alg"]);
  return `${input}.${signature(alg, input, key)}`;
}

function signature(alg: string, input: string, key: KeyObject | string | Buffer | undefined): string {
  if (alg === "none") return "";
  if (key === undefined) throw new Error(`${alg} needs a key`);
  const bits = alg.slice(2);
  if (alg.startsWith("HS")) return createHmac(`sha${bits}`, key as string | Buffer).update(input).digest("base64url");
  if (alg === "EdDSA") return signBytes(null, Buffer.from(input), key as KeyObject).toString("base64url");
  const signer = createSign(`sha${bits}`).update(input);
  if (alg.startsWith("RS")) return signer.sign(key as KeyObject).toString("base64url");
  if (alg.startsWith("PS")) return signer.sign({ key: key as KeyObject, padding: 6, saltLength: Number(bits) / 8 }).toString("base64url");
  if (alg.startsWith("ES")) return signer.sign({ key: key as KeyObject, dsaEncoding: "ieee-p1363" }).toString("base64url");
  throw new Error(`unknown alg ${alg}`);
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64url");
}

export interface TestKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as a JWK with `kid`, `alg` and `use`. */
  jwk(kid: string, alg: string): Record<string, unknown>;
  /** The public key as SPKI PEM. */
  readonly pem: string;
}

/** Fresh keys per test run: RSA (RS and PS algorithms), EC P-256/384/521, Ed25519. */
export function generateKey(kind: "rsa" | "P-256" | "P-384" | "P-521" | "ed25519"): TestKey {
  const pair =
    kind === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : kind === "ed25519"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("ec", { namedCurve: kind });
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    jwk: (kid, alg) => ({ ...pair.publicKey.export({ format: "jwk" }), kid, alg, use: "sig" }),
    pem: pair.publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

/** Seconds since the epoch, offset by `delta` seconds. */
export function now(delta = 0): number {
  return Math.floor(Date.now() / 1000) + delta;
}
