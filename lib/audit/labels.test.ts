import { describe, expect, it } from "vitest";
import { auditLabel, describeAudit, targetTypeLabel } from "./labels";

describe("audit labels", () => {
  it("describes API tokens made and revoked, by name and prefix, never more of the token", () => {
    expect(auditLabel("api_token.created")).toBe("API token created");
    expect(targetTypeLabel("api_token")).toBe("API token");
    expect(describeAudit("api_token.created", { name: "Release script", prefix: "keel_Ab12Cd", expiresAt: "2027-03-06T07:00:00.000Z" })).toBe("Release script (keel_Ab12Cd…), ends 2027-03-06");
    expect(describeAudit("api_token.revoked", { name: "Release script", prefix: "keel_Ab12Cd", owner: "dee@example.test" })).toBe("Release script (keel_Ab12Cd…) of dee@example.test");
  });

  it("names the API token a script acted with, after the event's own details", () => {
    expect(describeAudit("profile.deleted", { name: "Wallet", projectName: "Mobile", repositoryName: "wallet", apiToken: "Nightly" })).toBe("Wallet (Mobile / wallet) (with the API token “Nightly”)");
    expect(describeAudit("build.started", { number: 4, trigger: "API", branch: "refs/heads/main", apiToken: "Nightly" })).toBe("#4, api of main (with the API token “Nightly”)");
    expect(describeAudit("build.started", { number: 5, trigger: "PULL_REQUEST", branch: null })).toBe("#5, pull request");
    expect(describeAudit("member.disabled", {})).toBe("");
  });
});
