import test from "ava";
import { ClientAddressResolver } from "../../../src/runtime/client-address.js";

test("ClientAddressResolver: ignores X-Forwarded-For from an untrusted peer", (t) => {
  const resolver = new ClientAddressResolver(["10.0.0.0/8"]);
  t.deepEqual(resolver.resolve("198.51.100.9", "1.2.3.4"), { clientIp: "198.51.100.9", forwardedFor: undefined });
});

test("ClientAddressResolver: believes a trusted proxy, skipping trusted hops", (t) => {
  const resolver = new ClientAddressResolver(["10.0.0.0/8"]);
  t.deepEqual(resolver.resolve("10.0.0.2", "203.0.113.7, 10.1.1.1"), {
    clientIp: "203.0.113.7",
    forwardedFor: "203.0.113.7, 10.1.1.1",
  });
});

test("ClientAddressResolver: a spoofed left-most entry does not win", (t) => {
  const resolver = new ClientAddressResolver(["10.0.0.0/8"]);
  t.is(resolver.resolve("10.0.0.2", "6.6.6.6, 203.0.113.7").clientIp, "203.0.113.7");
});

test("ClientAddressResolver: IPv4-mapped IPv6 peers match IPv4 ranges", (t) => {
  const resolver = new ClientAddressResolver(["127.0.0.1"]);
  t.is(resolver.resolve("::ffff:127.0.0.1", "192.0.2.1").clientIp, "192.0.2.1");
});

test("ClientAddressResolver: no trusted proxies means the peer, always", (t) => {
  t.is(new ClientAddressResolver([]).resolve("127.0.0.1", "192.0.2.1").clientIp, "127.0.0.1");
});
