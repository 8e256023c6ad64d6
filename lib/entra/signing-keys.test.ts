import { describe, expect, it } from "vitest";
import type { FederationKey } from "@/lib/data/federation-keys";
import { issuerReachabilityWarning } from "./issuer-check";
import { DEFAULT_ROTATION, planRotation } from "./signing-keys";

const DAY = 86_400_000;
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);
const key = (id: string, activatesDay: number, retiredDay?: number): FederationKey => ({ id, algorithm: "RS256", publicJwk: {}, createdAt: at(activatesDay - 2), activatesAt: at(activatesDay), retiredAt: retiredDay === undefined ? null : at(retiredDay) });

describe("planRotation", () => {
  it("creates the first key signing at once; the schedule alone creates none", () => {
    expect(planRotation([], T0)).toEqual({ create: { activatesAt: T0 }, retire: [], remove: [] });
    expect(planRotation([], T0, DEFAULT_ROTATION, false).create).toBeNull();
  });

  it("publishes the successor two days before the signing key is thirty days old, once", () => {
    const keys = [key("a", 0)];
    expect(planRotation(keys, at(27)).create).toBeNull();
    expect(planRotation(keys, at(28)).create).toEqual({ activatesAt: at(30) });
    expect(planRotation([...keys, key("b", 30)], at(29)).create).toBeNull();
  });

  it("retires a replaced key when its successor signs, and removes it after the retention", () => {
    const keys = [key("a", 0), key("b", 30)];
    expect(planRotation(keys, at(29.9))).toEqual({ create: null, retire: [], remove: [] });
    expect(planRotation(keys, at(31))).toEqual({ create: null, retire: [{ id: "a", retiredAt: at(30) }], remove: [] });
    expect(planRotation([key("a", 0, 30), key("b", 30)], at(31.9)).remove).toEqual([]);
    expect(planRotation([key("a", 0, 30), key("b", 30)], at(32)).remove).toEqual(["a"]);
  });
});

describe("issuerReachabilityWarning", () => {
  it("warns for http and for addresses Entra cannot reach; a public https issuer is fine", () => {
    expect(issuerReachabilityWarning("https://keel.example.com/api/oidc")).toBeNull();
    expect(issuerReachabilityWarning("http://keel.example.com/api/oidc")).toContain("https only");
    for (const local of ["https://localhost:3000/api/oidc", "https://127.0.0.1/api/oidc", "https://10.1.2.3/api/oidc", "https://keel.internal/api/oidc", "https://[::1]/api/oidc"]) {
      expect(issuerReachabilityWarning(local), local).toContain("cannot reach");
    }
  });
});
