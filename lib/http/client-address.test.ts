import { describe, expect, it } from "vitest";
import { normalizeAddress, parseTrustedProxies, resolveClientAddress, stampClientAddress } from "./client-address";

const none = parseTrustedProxies([]);
const proxies = parseTrustedProxies(["10.0.0.5", "192.168.0.0/16", "fd00::/8"]);

describe("the client address", () => {
  it("is the socket's when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("203.0.113.7", "198.51.100.1", none)).toBe("203.0.113.7");
    expect(resolveClientAddress("::ffff:203.0.113.7", "1.2.3.4, 5.6.7.8", none)).toBe("203.0.113.7");
    expect(resolveClientAddress(undefined, "1.2.3.4", none)).toBe("unknown");
  });

  it("is the socket's when the peer is not a trusted proxy", () => {
    expect(resolveClientAddress("203.0.113.7", "198.51.100.1", proxies)).toBe("203.0.113.7");
  });

  it("is what the trusted proxy appended, never what the client wrote", () => {
    // The client forged two hops; the proxy appended the real peer it saw.
    expect(resolveClientAddress("10.0.0.5", "127.0.0.1, 198.51.100.99, 203.0.113.7", proxies)).toBe("203.0.113.7");
    // Two trusted proxies in a row are both skipped.
    expect(resolveClientAddress("10.0.0.5", "1.1.1.1, 203.0.113.7, 192.168.4.4", proxies)).toBe("203.0.113.7");
    expect(resolveClientAddress("fd00::1", ["203.0.113.7"], proxies)).toBe("203.0.113.7");
  });

  it("stops at a malformed hop at the last address a trusted proxy vouched for", () => {
    expect(resolveClientAddress("10.0.0.5", "203.0.113.7, not-an-ip", proxies)).toBe("10.0.0.5");
    expect(resolveClientAddress("10.0.0.5", "", proxies)).toBe("10.0.0.5");
  });

  it("reads the address forms proxies write", () => {
    expect(normalizeAddress("[2001:db8::1]:443")).toBe("2001:db8::1");
    expect(normalizeAddress("203.0.113.7:51234")).toBe("203.0.113.7");
    expect(normalizeAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("<script>")).toBeNull();
  });

  it("refuses a trusted-proxy entry that is not an address", () => {
    expect(() => parseTrustedProxies(["10.0.0.0/8", "proxy.internal"])).toThrow(/proxy\.internal/);
  });

  it("rewrites the headers Next.js and next-auth read: one client address, no forwarded origin from a stranger", () => {
    const forged = { "x-forwarded-for": "127.0.0.1", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", "x-real-ip": "10.9.9.9", host: "keel.example.com" };
    expect(stampClientAddress("203.0.113.7", forged, proxies)).toBe("203.0.113.7");
    expect(forged).toEqual({ "x-forwarded-for": "203.0.113.7", host: "keel.example.com" });
    const viaProxy: Record<string, string> = { "x-forwarded-for": "6.6.6.6, 203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-host": "keel.example.com" };
    expect(stampClientAddress("10.0.0.5", viaProxy, proxies)).toBe("203.0.113.7");
    expect(viaProxy).toEqual({ "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-host": "keel.example.com" });
  });
});
