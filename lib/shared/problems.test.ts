import { describe, expect, it } from "vitest";
import { draftServerMove, sameCollection } from "./address-move";
import { problemForViewer, type PickerProblem } from "./problems";

const revoked: PickerProblem = {
  id: "token_invalid",
  title: "The token has been revoked",
  detail: "The server refused the token (HTTP 401).",
  fix: ["In Azure DevOps, open User settings → Personal access tokens.", "Create a new token.", "Paste the whole token into Keel and run Check again."],
};

describe("a problem told to its reader", () => {
  it("sends a member to the named admins instead of asking them to paste a token", () => {
    const shown = problemForViewer(revoked, { connectionId: "c1", authMethod: "PAT", canFix: false, admins: ["Ada Admin", "Bo Boss"] });
    expect(shown.fix.join(" ")).toContain("Ask an admin (Ada Admin or Bo Boss) to replace this connection's token");
    expect(shown.fix.join(" ")).not.toMatch(/paste/i);
    expect(shown.action).toBeUndefined();
  });

  it("gives an admin the Replace token link (PAT) or Re-authorize (OAuth)", () => {
    const pat = problemForViewer(revoked, { connectionId: "c1", authMethod: "PAT", canFix: true, admins: [] });
    expect(pat.action).toEqual({ label: "Replace token", href: "/connections/c1#replace-token" });
    expect(pat.fix.at(-1)).toMatch(/Replace token on the connection's page/);
    const oauth = problemForViewer({ ...revoked, id: "oauth_reauthorization_needed" }, { connectionId: "c2", authMethod: "OAUTH", canFix: true, admins: [] });
    expect(oauth.action).toEqual({ label: "Re-authorize", href: "/connections/c2/reauthorize" });
  });

  it("leaves problems that are not about the credential alone", () => {
    const unreachable = { ...revoked, id: "unreachable_refused" };
    expect(problemForViewer(unreachable, { connectionId: "c1", authMethod: "PAT", canFix: false, admins: ["Ada"] })).toBe(unreachable);
  });
});

describe("the wizard's token and the server", () => {
  const at = { serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikm" };

  it("keeps the token when only the organization (a typo) or the prefix changes", () => {
    expect(draftServerMove(at, { ...at, collection: "fabrikam" }, false)).toEqual({ moved: false, tokenLeftBehind: false });
    expect(draftServerMove(at, { ...at, pathPrefix: "tfs" }, false)).toEqual({ moved: false, tokenLeftBehind: false });
  });

  it("asks for it again when the server changes", () => {
    expect(draftServerMove(at, { ...at, serverUrl: "https://devops.example.com" }, false)).toEqual({ moved: true, tokenLeftBehind: true });
    expect(draftServerMove(at, { ...at, serverUrl: "https://devops.example.com" }, true)).toEqual({ moved: true, tokenLeftBehind: false });
    expect(draftServerMove(null, at, false)).toEqual({ moved: false, tokenLeftBehind: false });
  });

  it("finds the connections to the same organization, case-insensitively", () => {
    const connections = [
      { id: "a", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "Fabrikam" },
      { id: "b", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "contoso" },
      { id: "c", serverUrl: "https://devops.example.com", pathPrefix: "tfs", collection: "fabrikam" },
    ];
    expect(sameCollection(connections, { serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam" }).map((row) => row.id)).toEqual(["a"]);
    expect(sameCollection(connections, { serverUrl: "https://devops.example.com", pathPrefix: "TFS", collection: "FABRIKAM" }).map((row) => row.id)).toEqual(["c"]);
  });
});
