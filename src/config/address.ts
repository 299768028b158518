import { isIP } from "node:net";
import { ConfigError } from "./config-error.js";
import type { ListenAddress } from "./gateway-config.js";

/** RFC 1123 host names, which also covers dotted IPv4 text (checked with isIP). */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const DOTTED_NUMBERS = /^[0-9.]+$/;
const PORT = /^\d{1,5}$/;

export const LISTEN_HINT = "use HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080";
export const BACKEND_HINT = "use host:port, [v6]:port or dns:///name:port";

/** `127.0.0.1:8080`, `localhost:0`, `[::1]:8080` → { host, port }; port 0 picks a free one. */
export function parseListenAddress(text: string): ListenAddress {
  const hostPort = splitHostPort(text);
  if (hostPort === undefined || hostPort.port > 65535) {
    throw new ConfigError(`${JSON.stringify(text)} is not an address (${LISTEN_HINT})`);
  }
  return hostPort;
}

/**
 * Throws ConfigError unless `text` is a target grpc-js understands and a port is given:
 * `host:port`, `[v6]:port` or `dns:///name:port` (every address of the name, round robin).
 */
export function checkBackendAddress(text: string): void {
  const rest = text.startsWith("dns:///") ? text.slice("dns:///".length) : text;
  const hostPort = splitHostPort(rest);
  if (hostPort === undefined || hostPort.port < 1 || hostPort.port > 65535 || (rest !== text && isIP(hostPort.host) === 6)) {
    throw new ConfigError(`${JSON.stringify(text)} is not a backend address (${BACKEND_HINT})`);
  }
}

/** Throws ConfigError unless `text` is an IPv4/IPv6 address or CIDR (`10.0.0.0/8`, `fd00::/8`). */
export function checkTrustedProxy(text: string): void {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new ConfigError(`${JSON.stringify(text)} is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
  if (slash === -1) return;
  const prefix = text.slice(slash + 1);
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) {
    throw new ConfigError(`${JSON.stringify(text)} has a bad prefix length (0 to ${bits} for IPv${family})`);
  }
}

function splitHostPort(text: string): ListenAddress | undefined {
  let host: string;
  let port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1 || text[close + 1] !== ":") return undefined;
    host = text.slice(1, close);
    port = text.slice(close + 2);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = text.lastIndexOf(":");
    if (colon === -1) return undefined;
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    if (!HOST_NAME.test(host) || (DOTTED_NUMBERS.test(host) && isIP(host) !== 4)) return undefined;
  }
  if (!PORT.test(port)) return undefined;
  return { host, port: Number(port) };
}
