// An OAuth token Azure DevOps refuses before its time is renewed once, by the caller's
// renewCredential, and the request goes through; never for PATs, never for refusals a new
// token cannot fix. Real HTTP against the emulator.
import { describe, expect, it } from "vitest";
import { createAzureDevOpsClient } from "./client";
import { AzureDevOpsError } from "./errors";
import { DEFAULT_PATS, DEFAULT_USERS, type EmulatorHandle, TEST_POLICY, withDefaultEmulator } from "./test-kit";
import type { AzureDevOpsCredential } from "./transport";

let emulator: EmulatorHandle;
let services: string;
const scopes = ["vso.code", "vso.project", "vso.profile"];

withDefaultEmulator((handle) => {
  emulator = handle;
  services = handle.servicesUrl ?? "";
});

/** A client for one organization with the given credential and renewal (the test's spy). */
function clientWith(organization: string, credential: AzureDevOpsCredential, renewCredential: (rejected: AzureDevOpsCredential) => Promise<AzureDevOpsCredential>) {
  return createAzureDevOpsClient({ collectionUrl: `${services}/${organization}`, credential, policy: TEST_POLICY, renewCredential });
}

async function legacyToken(): Promise<string> {
  return (await emulator.control.issueOAuthToken({ provider: "legacy", userId: DEFAULT_USERS.alex.id, scopes })).accessToken;
}

describe("renewing a refused OAuth token", () => {
  it("renews once for a token the server no longer accepts, retries, and keeps the new token", async () => {
    const stale = await legacyToken();
    const fresh = await legacyToken();
    expect(emulator.control.expireToken(stale)).toBe(true);
    const renewals: AzureDevOpsCredential[] = [];
    const api = clientWith("fabrikam", { kind: "bearer", token: stale }, async (rejected) => {
      renewals.push(rejected);
      return { kind: "bearer", token: fresh };
    });
    const first = await api.listProjectsPage({ top: 10 });
    expect(first.items.map((project) => project.name)).toContain("MOBILE_IOS");
    // Concurrent calls afterwards use the renewed token: no second renewal.
    await Promise.all([api.listProjectsPage({ top: 1 }), api.listProjectsPage({ top: 2 }), api.listRepositories()]);
    expect(renewals).toEqual([{ kind: "bearer", token: stale }]);
  });

  it("shares one renewal between concurrent requests refused with the same token", async () => {
    const stale = await legacyToken();
    const fresh = await legacyToken();
    expect(emulator.control.expireToken(stale)).toBe(true);
    let renewals = 0;
    const api = clientWith("fabrikam", { kind: "bearer", token: stale }, async () => {
      renewals += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { kind: "bearer", token: fresh };
    });
    const results = await Promise.all(Array.from({ length: 6 }, (_, index) => api.listProjectsPage({ top: index + 1 })));
    expect(results.every((page) => page.items.length > 0)).toBe(true);
    expect(renewals).toBe(1);
  });

  it("does not renew when a new token cannot help: the organization's OAuth policy is off", async () => {
    const token = await legacyToken();
    let renewals = 0;
    const api = clientWith("contoso", { kind: "bearer", token }, async (rejected) => {
      renewals += 1;
      return rejected;
    });
    const error = await api.listProjectsPage({ top: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AzureDevOpsError);
    expect((error as AzureDevOpsError).reason).toMatchObject({ kind: "unauthorized", unauthorized: "oauth_policy" });
    expect(renewals).toBe(0);
  });

  it("never renews a PAT", async () => {
    let renewals = 0;
    const api = clientWith("fabrikam", { kind: "pat", token: DEFAULT_PATS.fabrikamExpired }, async (rejected) => {
      renewals += 1;
      return rejected;
    });
    const error = await api.listProjectsPage({ top: 1 }).catch((caught: unknown) => caught);
    expect((error as AzureDevOpsError).reason).toMatchObject({ kind: "unauthorized", unauthorized: "expired" });
    expect(renewals).toBe(0);
  });

  it("gives up after one renewal when the renewed token is refused too", async () => {
    const stale = await legacyToken();
    expect(emulator.control.expireToken(stale)).toBe(true);
    let renewals = 0;
    const api = clientWith("fabrikam", { kind: "bearer", token: stale }, async (rejected) => {
      renewals += 1;
      return rejected;
    });
    const error = await api.listProjectsPage({ top: 1 }).catch((caught: unknown) => caught);
    expect((error as AzureDevOpsError).reason.kind).toBe("unauthorized");
    expect(renewals).toBe(1);
  });
});
