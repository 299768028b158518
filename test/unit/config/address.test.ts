import test from "ava";
import { checkBackendAddress, checkTrustedProxy, parseListenAddress } from "../../../src/config/address.js";
import { ConfigError } from "../../../src/config/config-error.js";
import type { ListenAddress } from "../../../src/config/gateway-config.js";

const listens = test.macro({
  exec(t, input: string, expected: ListenAddress) {
    t.deepEqual(parseListenAddress(input), expected);
  },
  title: (_given, input: string) => `parseListenAddress: accepts "${input}"`,
});
test(listens, "127.0.0.1:8080", { host: "127.0.0.1", port: 8080 });
test(listens, "0.0.0.0:0", { host: "0.0.0.0", port: 0 }); // 0 picks a free port (tests)
test(listens, "localhost:80", { host: "localhost", port: 80 });
test(listens, "[::1]:8080", { host: "::1", port: 8080 }); // brackets removed
test(listens, "[::]:443", { host: "::", port: 443 });

const listenRejects = test.macro({
  exec(t, input: string) {
    const error = t.throws(() => parseListenAddress(input), { instanceOf: ConfigError });
    t.is(error?.message, `${JSON.stringify(input)} is not an address (use HOST:PORT or [IPv6]:PORT, e.g. 127.0.0.1:8080)`);
  },
  title: (_given, input: string) => `parseListenAddress: rejects "${input}"`,
});
test(listenRejects, "8080"); // no host
test(listenRejects, ":8080");
test(listenRejects, "127.0.0.1");
test(listenRejects, "127.0.0.1:65536");
test(listenRejects, "127.0.0.1:-1");
test(listenRejects, "127.0.0.1:http");
test(listenRejects, "::1:8080"); // IPv6 needs brackets
test(listenRejects, "[::1]8080");
test(listenRejects, "[nothost]:80");
test(listenRejects, "999.0.0.1:80"); // dotted numbers must be an IPv4 address
test(listenRejects, "bad_host:80");

const backendAccepts = test.macro({
  exec(t, input: string) {
    t.notThrows(() => checkBackendAddress(input));
  },
  title: (_given, input: string) => `checkBackendAddress: accepts "${input}"`,
});
test(backendAccepts, "127.0.0.1:50051");
test(backendAccepts, "library.svc.cluster.local:443");
test(backendAccepts, "[::1]:50051");
test(backendAccepts, "[fd00::1]:50051");
test(backendAccepts, "dns:///library.svc:50051"); // several instances, round robin

const backendRejects = test.macro({
  exec(t, input: string) {
    const error = t.throws(() => checkBackendAddress(input), { instanceOf: ConfigError });
    t.is(error?.message, `${JSON.stringify(input)} is not a backend address (use host:port, [v6]:port or dns:///name:port)`);
  },
  title: (_given, input: string) => `checkBackendAddress: rejects "${input}"`,
});
test(backendRejects, "127.0.0.1"); // the port is required
test(backendRejects, "127.0.0.1:0"); // nothing listens on port 0
test(backendRejects, "http://127.0.0.1:50051");
test(backendRejects, "dns:///library.svc"); // the port is required here too
test(backendRejects, "dns://8.8.8.8/library.svc:50051"); // an explicit DNS server is not supported
test(backendRejects, "unix:///tmp/backend.sock");
test(backendRejects, "");

const proxyAccepts = test.macro({
  exec(t, input: string) {
    t.notThrows(() => checkTrustedProxy(input));
  },
  title: (_given, input: string) => `checkTrustedProxy: accepts "${input}"`,
});
test(proxyAccepts, "10.0.0.1");
test(proxyAccepts, "10.0.0.0/8");
test(proxyAccepts, "0.0.0.0/0");
test(proxyAccepts, "::1");
test(proxyAccepts, "fd00::/8");
test(proxyAccepts, "::/0");
test(proxyAccepts, "2001:db8::/128");

const proxyRejects = test.macro({
  exec(t, input: string, message: string) {
    const error = t.throws(() => checkTrustedProxy(input), { instanceOf: ConfigError });
    t.is(error?.message, message);
  },
  title: (_given, input: string) => `checkTrustedProxy: rejects "${input}"`,
});
const notIp = (text: string): string => `"${text}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`;
test(proxyRejects, "10.0.0.256", notIp("10.0.0.256"));
test(proxyRejects, "proxy.internal", notIp("proxy.internal")); // names are not resolved
test(proxyRejects, "10.0.0.0/33", `"10.0.0.0/33" has a bad prefix length (0 to 32 for IPv4)`);
test(proxyRejects, "fd00::/129", `"fd00::/129" has a bad prefix length (0 to 128 for IPv6)`);
test(proxyRejects, "10.0.0.0/", `"10.0.0.0/" has a bad prefix length (0 to 32 for IPv4)`);
test(proxyRejects, "10.0.0.0/8/8", `"10.0.0.0/8/8" has a bad prefix length (0 to 32 for IPv4)`);
test(proxyRejects, "", notIp(""));
