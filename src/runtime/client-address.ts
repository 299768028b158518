import { BlockList, isIP } from "node:net";

/**
 * Who the client is: the socket peer, or — when that peer is a trusted proxy — the
 * right-most X-Forwarded-For entry not itself trusted. A header from anyone else is
 * ignored, so clients cannot spoof their address (which rate limits key on).
 */
export class ClientAddressResolver {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly string[]) {
    this.any = trustedProxies.length > 0;
    for (const entry of trustedProxies) {
      const [address = "", prefix] = entry.split("/");
      const family = isIP(address) === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(prefix), family);
    }
  }

  isTrusted(address: string): boolean {
    if (!this.any || address === "") return false;
    const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
    return this.trusted.check(plain, isIP(plain) === 6 ? "ipv6" : "ipv4");
  }

  /** Returns the client address and the X-Forwarded-For chain worth extending. */
  resolve(peer: string, forwardedFor: string | undefined): { clientIp: string; forwardedFor: string | undefined } {
    if (forwardedFor === undefined || !this.isTrusted(peer)) return { clientIp: peer, forwardedFor: undefined };
    const hops = forwardedFor.split(",").map((hop) => hop.trim()).filter((hop) => hop !== "");
    let clientIp = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break;
      clientIp = hop;
      if (!this.isTrusted(hop)) break;
    }
    return { clientIp, forwardedFor: hops.join(", ") };
  }
}
