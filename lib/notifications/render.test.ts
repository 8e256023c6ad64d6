import { describe, expect, it } from "vitest";
import { renderNotice } from "./render";

const LINK = "https://keel.example.test/connections/0d6f1d2e-3b7c-4a1e-9f00-5c2b8e4d7a61";

describe("renderNotice says what to do in the words of the connection's sign-in method", () => {
  it("an expiring token: replace it; an expiring service-principal credential: a new secret or certificate in Entra ID", () => {
    const pat = renderNotice("connection.expiry_reminder", { name: "Mobile", authMethod: "PAT", daysLeft: 7, expiresAt: "2026-12-12T00:00:00.000Z" }, LINK);
    expect(pat.subject).toBe('Keel: the personal access token of "Mobile" expires in 7 days');
    expect(pat.text).toContain("expires on 2026-12-12 (in 7 days)");
    expect(pat.text).toContain("paste it in Keel with Replace token");
    expect(pat.text).toContain(LINK);

    const principal = renderNotice("connection.expiry_reminder", { name: "Robot", authMethod: "SERVICE_PRINCIPAL", daysLeft: 1, expiresAt: "2026-12-06T00:00:00.000Z" }, LINK);
    expect(principal.subject).toBe(`Keel: the service principal's credential of "Robot" expires in 1 day`);
    expect(principal.text).toContain("Certificates & secrets");
    expect(principal.text).not.toContain("Replace token");
  });

  it("a refused credential: replace the token, re-authorize, or look at the service principal's findings", () => {
    const change = (authMethod?: string) => renderNotice("connection.status_changed", { name: "Mobile", from: "HEALTHY", to: "NEEDS_REAUTH", reason: "Azure DevOps refused it.", ...(authMethod ? { authMethod } : {}) }, LINK).text;
    expect(change("PAT")).toContain("Replace the token on the connection's page");
    expect(change("OAUTH")).toContain("Re-authorize the connection on its page.");
    expect(change("OAUTH")).not.toContain("token");
    expect(change("SERVICE_PRINCIPAL")).toContain("Microsoft Entra ID");
    // Notices stored before they carried the method: a wording that fits every method.
    expect(change()).toContain("Replace the token, re-authorize, or fix the service principal");
    expect(change("PAT")).toContain("Azure DevOps refused it.");
  });

  it("a status Keel has no advice for sends the reader to the connection's page", () => {
    expect(renderNotice("connection.status_changed", { name: "Mobile", from: "HEALTHY", to: "SOMETHING_NEW" }, null).text).toContain("Open the connection's page for details.");
  });
});
