import { describe, expect, it } from "vitest";
import { OAUTH_SCOPES, REQUIRED_PAT_SCOPES } from "@/lib/azure-devops/scopes";
import { scopeLabel } from "./scopes";

describe("scopeLabel", () => {
  it("names every scope Keel asks for exactly as the connect wizard does", () => {
    for (const scope of [...REQUIRED_PAT_SCOPES, ...OAUTH_SCOPES]) {
      expect(scopeLabel(scope.id)).toBe(scope.label);
    }
  });

  it("names other scopes a token may hold, and keeps an unknown scope's id", () => {
    expect(scopeLabel("vso.code_write")).toBe("Code (Read & write)");
    expect(scopeLabel("vso.build_execute")).toBe("Build (Read & execute)");
    expect(scopeLabel("vso.something_new")).toBe("vso.something_new");
  });
});
