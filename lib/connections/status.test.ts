import { describe, expect, it } from "vitest";
import { connectionHealth, needsAttention, STATUS_ORDER, statusForFinding, statusForRefusal, statusFromCheck } from "./status";

const NOW = new Date("2026-12-04T12:00:00Z");
const inDays = (days: number, hours = 0) => new Date(NOW.getTime() + days * 86_400_000 + hours * 3_600_000);

describe("what a check found", () => {
  it("maps each kind of error finding to its status, and ignores warnings", () => {
    expect(statusFromCheck({ ok: true, findings: [{ id: "public_url_mismatch", severity: "warning", title: "w" }] })).toEqual({ status: "HEALTHY", reason: null });
    const failing = (id: string) => statusFromCheck({ ok: false, findings: [{ id: "version_unknown", severity: "warning", title: "w" }, { id, severity: "error", title: `title of ${id}` }] });
    expect(failing("token_expired")).toEqual({ status: "EXPIRED", reason: "title of token_expired" });
    expect(failing("tls_unknown_ca")?.status).toBe("CERTIFICATE_PROBLEM");
    expect(failing("tls_expired")?.status).toBe("CERTIFICATE_PROBLEM");
    for (const id of ["token_invalid", "token_wrong_organization", "sign_in_page", "missing_scope", "oauth_policy_disabled", "oauth_reauthorization_needed"]) {
      expect(failing(id)?.status, id).toBe("NEEDS_REAUTH");
    }
    for (const id of ["unreachable_dns", "unreachable_timeout", "blocked_by_policy", "redirected", "not_azure_devops", "organization_not_found", "server_error", "rate_limited", "server_too_old"]) {
      expect(failing(id)?.status, id).toBe("UNREACHABLE");
    }
  });

  it("a cancelled check says nothing about the connection", () => {
    expect(statusFromCheck({ ok: false, findings: [{ id: "cancelled", severity: "error", title: "The check was cancelled" }] })).toBeNull();
  });

  it("a refusal during use changes the status only when it is about the credential", () => {
    expect(statusForRefusal("token_expired")).toBe("EXPIRED");
    expect(statusForRefusal("token_invalid")).toBe("NEEDS_REAUTH");
    expect(statusForRefusal("oauth_policy_disabled")).toBe("NEEDS_REAUTH");
    expect(statusForRefusal("unreachable_timeout")).toBeNull();
    expect(statusForRefusal("server_error")).toBeNull();
    // A service principal's refusals: an expired secret or certificate is EXPIRED, the rest need an admin.
    expect(statusForRefusal("entra_secret_expired")).toBe("EXPIRED");
    expect(statusForRefusal("entra_certificate_expired")).toBe("EXPIRED");
    expect(statusForRefusal("entra_secret_invalid")).toBe("NEEDS_REAUTH");
    expect(statusForRefusal("service_principal_not_added")).toBe("NEEDS_REAUTH");
    expect(statusForFinding("check_failed")).toBe("UNREACHABLE");
  });
});

describe("the status now: stored status plus the credential's expiry", () => {
  const working = { status: "HEALTHY" as const, lastCheckAt: NOW, credentialLabel: "personal access token" };

  it("healthy without an expiry, or with one more than 30 days away", () => {
    expect(connectionHealth({ ...working, credentialExpiresAt: null }, NOW)).toMatchObject({ status: "HEALTHY", reason: null, daysLeft: null, tier: null, needsAttention: false });
    expect(connectionHealth({ ...working, credentialExpiresAt: inDays(31) }, NOW)).toMatchObject({ status: "HEALTHY", daysLeft: 31, tier: null });
  });

  it("expiring at 30, 7 and 1 days, with the days left and the threshold reached", () => {
    expect(connectionHealth({ ...working, credentialExpiresAt: inDays(30) }, NOW)).toMatchObject({ status: "EXPIRING", daysLeft: 30, tier: 30 });
    expect(connectionHealth({ ...working, credentialExpiresAt: inDays(8) }, NOW)).toMatchObject({ status: "EXPIRING", daysLeft: 8, tier: 30 });
    const five = connectionHealth({ ...working, credentialExpiresAt: inDays(4, 1) }, NOW);
    expect(five).toMatchObject({ status: "EXPIRING", daysLeft: 5, tier: 7, tone: "warning", needsAttention: true });
    expect(five.reason).toBe("The personal access token expires in 5 days (on 2026-12-08).");
    expect(connectionHealth({ ...working, credentialExpiresAt: inDays(0, 3) }, NOW)).toMatchObject({ status: "EXPIRING", daysLeft: 1, tier: 1 });
    // A stored EXPIRING whose token was replaced with a far one is healthy again.
    expect(connectionHealth({ ...working, status: "EXPIRING", credentialExpiresAt: inDays(90) }, NOW).status).toBe("HEALTHY");
  });

  it("expired once the date passes, without another call to Azure DevOps", () => {
    const health = connectionHealth({ ...working, lastCheckAt: inDays(-2), credentialExpiresAt: inDays(-1) }, NOW);
    expect(health).toMatchObject({ status: "EXPIRED", tier: null, daysLeft: -1 });
    expect(health.reason).toBe("The personal access token expired on 2026-12-03.");
  });

  it("Azure DevOps' word wins: a token it accepted after the entered date stays healthy, with a hint", () => {
    const health = connectionHealth({ ...working, lastCheckAt: NOW, credentialExpiresAt: inDays(-1), credentialExpirySource: "ENTERED" }, NOW);
    expect(health).toMatchObject({ status: "HEALTHY", expiryDisputed: true });
    expect(health.reason).toContain("Azure DevOps still accepted");
    // When Azure DevOps itself said it expired, a later success of another token cannot be mistaken for it.
    expect(connectionHealth({ ...working, lastCheckAt: NOW, credentialExpiresAt: inDays(-1), credentialExpirySource: "AZURE_DEVOPS" }, NOW).status).toBe("EXPIRED");
  });

  it("an observed failure stands whatever the expiry says", () => {
    for (const status of ["NEEDS_REAUTH", "UNREACHABLE", "CERTIFICATE_PROBLEM", "CREDENTIALS_UNREADABLE", "CREDENTIALS_MISSING", "EXPIRED"] as const) {
      expect(connectionHealth({ status, statusReason: "why", credentialExpiresAt: inDays(3), lastCheckAt: NOW }, NOW)).toMatchObject({ status, reason: "why", tier: null, needsAttention: true });
    }
  });
});

describe("statuses", () => {
  it("orders statuses from the most urgent, healthy last; everything but healthy needs attention", () => {
    expect(STATUS_ORDER.at(-1)).toBe("HEALTHY");
    expect(new Set(STATUS_ORDER).size).toBe(8);
    expect(STATUS_ORDER.filter(needsAttention)).toHaveLength(7);
  });
});
