import { describe, expect, it } from "vitest";

import { OAUTH_SCOPES, REQUIRED_PAT_SCOPES, scopeInfo } from "./scopes";

describe("scopes", () => {
  it("lists the PAT scopes Keel needs with the token dialog's labels", () => {
    expect(REQUIRED_PAT_SCOPES.map((scope) => [scope.id, scope.label])).toEqual([
      ["vso.identity", "Identity (Read)"],
      ["vso.code", "Code (Read)"],
      ["vso.code_status", "Code (Status)"],
      ["vso.notification", "Notifications (Read)"],
    ]);
  });

  it("lists the OAuth scopes, including vso.profile for identity", () => {
    expect(OAUTH_SCOPES.map((scope) => [scope.id, scope.label])).toEqual([
      ["vso.code", "Code (Read)"],
      ["vso.code_status", "Code (Status)"],
      ["vso.threads_full", "PR threads (Full)"],
      ["vso.serviceendpoint_query", "Service Endpoints (Read & Query)"],
      ["vso.project", "Project and team (Read)"],
      ["vso.notification", "Notifications (Read)"],
      ["vso.profile", "User profile (Read)"],
    ]);
    expect(scopeInfo("vso.identity").section).toBe("Identity");
  });
});
