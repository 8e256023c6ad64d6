import { describe, expect, it } from "vitest";
import { auditLabel, describeAudit, targetTypeLabel } from "./labels";

describe("audit labels", () => {
  it("describes API tokens made and revoked, by name and prefix, never more of the token", () => {
    expect(auditLabel("api_token.created")).toBe("API token created");
    expect(targetTypeLabel("api_token")).toBe("API token");
    expect(describeAudit("api_token.created", { name: "Release script", prefix: "keel_Ab12Cd", expiresAt: "2027-03-06T07:00:00.000Z" })).toBe("Release script (keel_Ab12Cd…), ends 2027-03-06");
    expect(describeAudit("api_token.created", { name: "Team screen", prefix: "keel_Ef34Gh", expiresAt: "2027-03-06T07:00:00.000Z", readOnly: true })).toBe("Team screen (keel_Ef34Gh…), read only, ends 2027-03-06");
    expect(describeAudit("api_token.revoked", { name: "Release script", prefix: "keel_Ab12Cd", owner: "dee@example.test" })).toBe("Release script (keel_Ab12Cd…) of dee@example.test");
  });

  it("has words for every action Keel records", async () => {
    // Every audited action in the source (the literal action names), read like the audit page would.
    const { readFileSync, readdirSync, statSync } = await import("node:fs");
    const path = await import("node:path");
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        if (statSync(full).isDirectory()) {
          if (name !== "generated" && name !== "testing") {walk(full);}
        } else if (full.endsWith(".ts") && !full.endsWith(".test.ts")) {
          files.push(full);
        }
      }
    };
    walk(path.join(process.cwd(), "lib"));
    const actions = new Set<string>();
    for (const file of files) {
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(/\baction: (?:[a-z]+ \? )?"([a-z_]+\.[a-z_]+)"(?: : "([a-z_]+\.[a-z_]+)")?/g)) {
        actions.add(match[1]!);
        if (match[2]) {actions.add(match[2]);}
      }
    }
    expect(actions.size).toBeGreaterThan(40);
    expect([...actions].filter((action) => auditLabel(action) === action).sort()).toEqual([]);
  });

  it("names the API token a script acted with, after the event's own details", () => {
    expect(describeAudit("profile.deleted", { name: "Wallet", projectName: "Mobile", repositoryName: "wallet", apiToken: "Nightly" })).toBe("Wallet (Mobile / wallet) (with the API token “Nightly”)");
    expect(describeAudit("build.started", { number: 4, trigger: "API", branch: "refs/heads/main", apiToken: "Nightly" })).toBe("#4 of main, trigger: API (with the API token “Nightly”)");
    expect(describeAudit("build.started", { number: 5, trigger: "PULL_REQUEST", branch: null })).toBe("#5, trigger: Pull request");
    expect(describeAudit("member.disabled", {})).toBe("");
    expect(describeAudit("profile.build_number_set", { name: "Wallet", from: 1, to: 4513 })).toBe("Wallet: next build #1 → #4513");
    expect(describeAudit("profile.builds_paused", { name: "Wallet", reason: "Xcode 17 upgrade", queued: 2 })).toBe("Wallet: “Xcode 17 upgrade”; 2 queued");
    expect(describeAudit("profile.builds_paused", { name: "Wallet", reason: null, queued: 0 })).toBe("Wallet");
    expect(describeAudit("build.run_next", { profile: "Wallet", number: 12 })).toBe("Wallet #12");
    expect(describeAudit("profile.builds_resumed", { name: "Wallet", reason: null, queued: 3 })).toBe("Wallet; 3 queued builds start");
    expect(describeAudit("profile.shared", { name: "Wallet", branch: "refs/heads/release/2.4", days: 90 })).toBe("Wallet: newest build of release/2.4, 90 days");
  });

  it("says what a workflow save, a secret file and a variable group change changed, never a value", () => {
    expect(
      describeAudit("workflow.updated", {
        changed: ["steps", "timeLimit", "variables", "pool", "variableGroups", "submodules"],
        steps: ["Build", "Lint", "Test"],
        stepsBefore: ["Build", "Test"],
        timeoutMinutes: 45,
        timeoutMinutesBefore: 30,
        variables: { FLAVOR: "value changed", API_KEY: "secret replaced" },
        pool: "macos",
        poolBefore: "default",
        variableGroups: ["Signing"],
        variableGroupsBefore: [],
        fetchSubmodules: false,
      }),
    ).toBe("steps (Build, Test → Build, Lint, Test); time limit 30 → 45 min; variables (FLAVOR value changed, API_KEY secret replaced); runs on default → macos; variable groups (none → Signing); submodules no longer fetched");
    expect(describeAudit("workflow.updated", { changed: ["workflowFile"], workflowFile: "keel.yml" })).toBe("steps from keel.yml");
    expect(describeAudit("workflow.secret_file_saved", { variable: "KEYSTORE", fileName: "upload.jks", size: 2_048, replaced: true })).toBe("upload.jks as $KEYSTORE, replacing the one before");
    expect(describeAudit("workflow.secret_file_removed", { variable: "KEYSTORE", fileName: "upload.jks" })).toBe("upload.jks ($KEYSTORE)");
    expect(describeAudit("variable_group.updated", { name: "Signing", changed: ["name", "variables"], variables: { STORE_PASSWORD: "secret replaced" } })).toBe("Signing: name; STORE_PASSWORD secret replaced");
  });
});
