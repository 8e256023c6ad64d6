/**
 * Who is calling: the client address Keel rate-limits and audits. Pure functions, used by Keel's
 * web server (lib/runtime/web-server.ts) before Next.js sees the request.
 *
 * The address is the TCP peer's — the socket — unless that peer is a proxy the operator declared
 * (`KEEL_TRUSTED_PROXIES`). Only then is `X-Forwarded-For` read, from the right: each hop a
 * trusted proxy appended is skipped, and the first address a trusted proxy did not vouch for is
 * the client. Anything a client writes into `X-Forwarded-For` itself sits to the left of what
 * the proxies appended, so it is never reached. (Next.js alone keeps a client's own
 * `X-Forwarded-For` header and only fills it in when absent, which is why Keel decides first.)
 */
import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parsed `KEEL_TRUSTED_PROXIES`: addresses and CIDR ranges. */
export type TrustedProxies = { ranges: readonly Range[] };

/** Parses a list of IPs and CIDRs; throws naming the first entry that is neither. */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  const ranges: Range[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === "") {
      continue;
    }
    try {
      if (entry.includes("/")) {
        ranges.push(ipaddr.parseCIDR(entry));
      } else {
        const address = normalize(ipaddr.parse(entry));
        ranges.push([address, address.kind() === "ipv4" ? 32 : 128]);
      }
    } catch {
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/8)`);
    }
  }
  return { ranges };
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; anything unparseable → null. */
export function normalizeAddress(raw: string | undefined | null): string | null {
  if (typeof raw !== "string") {
    return null;
  }
  let text = raw.trim();
  // "[::1]:443" and "1.2.3.4:5678" forms some proxies write.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) {
    text = bracketed[1]!;
  } else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(text)) {
    text = text.slice(0, text.lastIndexOf(":"));
  }
  if (!ipaddr.isValid(text)) {
    return null;
  }
  return normalize(ipaddr.parse(text)).toString();
}

/** True when `address` is one of the trusted proxies. */
export function isTrustedProxy(address: string, trusted: TrustedProxies): boolean {
  const parsed = normalizeAddress(address);
  if (parsed === null) {
    return false;
  }
  const ip = ipaddr.parse(parsed);
  return trusted.ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
}

/**
 * The client's address: the socket peer, or — when the peer is a trusted proxy — the rightmost
 * `X-Forwarded-For` entry no trusted proxy accounts for. A malformed entry ends the walk at the
 * last address known good (the proxy that forwarded it), never at what a client wrote.
 */
export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const peer = normalizeAddress(socketAddress) ?? "unknown";
  if (trusted.ranges.length === 0 || peer === "unknown" || !isTrustedProxy(peer, trusted)) {
    return peer;
  }
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  let client = peer;
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = normalizeAddress(hops[index]);
    if (hop === null) {
      return client;
    }
    client = hop;
    if (!isTrustedProxy(hop, trusted)) {
      return hop;
    }
  }
  return client;
}

// Headers a client could use to claim another origin: only a trusted proxy's count.
const PROXY_ONLY_HEADERS = ["x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"];
// Other claims of "the real client" that Keel never reads: dropped so nothing downstream does.
const IGNORED_CLIENT_HEADERS = ["forwarded", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip"];

/**
 * Rewrites a request's headers (Node's IncomingMessage headers, in place) to what Keel decided:
 * `X-Forwarded-For` becomes the one client address, forwarded host/proto/port survive only from
 * a trusted proxy, other client-address headers are dropped. Returns the client address.
 */
export function stampClientAddress(peer: string | undefined, headers: Record<string, string | string[] | undefined>, trusted: TrustedProxies): string {
  const client = resolveClientAddress(peer, headers["x-forwarded-for"], trusted);
  const fromTrustedProxy = peer !== undefined && trusted.ranges.length > 0 && isTrustedProxy(peer, trusted);
  for (const name of [...IGNORED_CLIENT_HEADERS, ...(fromTrustedProxy ? [] : PROXY_ONLY_HEADERS)]) {
    delete headers[name];
  }
  headers["x-forwarded-for"] = client;
  return client;
}

function normalize(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}
