import { describe, expect, it } from "vitest";
import {
  afterDecision,
  afterOf,
  branchMatches,
  commentsStartBuilds,
  DEFAULT_TRIGGERS,
  draftDecision,
  forkDecision,
  forkMode,
  forkOf,
  isBuildCommand,
  pathDecision,
  pathMatches,
  pullRequestBuildKey,
  pullRequestDecision,
  pushBuildKey,
  pushDecision,
  skipDecision,
  skipDirective,
  tagBuildKey,
  tagDecision,
  tagMatches,
  triggersAreAutomatic,
  triggersOf,
  type ProfileTriggers,
} from "@/lib/shared/triggers";
import { triggersFormSchema } from "@/lib/validation/triggers";
import { aboutEvent, commentKey, commentThreadId, maskPayload, PR_COMMENT_EVENT, pullRequestCommentResourceSchema } from "./payload";

describe("branch patterns", () => {
  it.each([
    [["main"], "refs/heads/main", true],
    [["main"], "refs/heads/main2", false],
    [["release/*"], "release/1.0", true],
    [["release/*"], "release/1.0/hotfix", false],
    [["feature/**"], "feature/a/b", true],
    [["feature/**", "!feature/wip/**"], "feature/wip/x", false],
    [["!experimental"], "anything", true],
    [["!experimental"], "experimental", false],
    [["v1.0"], "v1x0", false],
  ])("%j matches %s: %s", (patterns, branch, expected) => {
    expect(branchMatches(branch, patterns, "refs/heads/main")).toBe(expected);
  });

  it("an empty list is the default branch, and nothing when there is none", () => {
    expect(branchMatches("main", [], "refs/heads/main")).toBe(true);
    expect(branchMatches("develop", [], "refs/heads/main")).toBe(false);
    expect(branchMatches("main", [], null)).toBe(false);
  });
});

describe("decisions and keys", () => {
  it("defaults build pushes to the default branch and pull requests into it", () => {
    expect(triggersOf(null)).toEqual(DEFAULT_TRIGGERS);
    expect(triggersOf({ mode: "sometimes" })).toEqual(DEFAULT_TRIGGERS);
    expect(pushDecision(DEFAULT_TRIGGERS, "refs/heads/main", "refs/heads/main")).toEqual({ start: true });
    expect(pullRequestDecision(DEFAULT_TRIGGERS, "refs/heads/develop", "refs/heads/main")).toMatchObject({ start: false, reason: expect.stringContaining("targets develop") });
  });

  it("manual only and switched-off triggers say why", () => {
    expect(pushDecision({ ...DEFAULT_TRIGGERS, mode: "manual" }, "refs/heads/main", "refs/heads/main")).toMatchObject({ start: false, reason: expect.stringContaining("only when someone") });
    expect(pushDecision({ ...DEFAULT_TRIGGERS, push: { enabled: false, branches: [] } }, "refs/heads/main", "refs/heads/main")).toMatchObject({ reason: "The profile's push trigger is off." });
  });

  it("keys name the change, whoever saw it", () => {
    expect(pushBuildKey("p", "main", "ABC")).toBe(pushBuildKey("p", "refs/heads/main", "abc"));
    expect(pullRequestBuildKey("p", 7, "ABC")).toBe("pr:p:7:abc");
  });
});

describe("the triggers form", () => {
  it("reads check boxes and one pattern per line", () => {
    const parsed = triggersFormSchema.parse({ mode: "automatic", push: "on", pushBranches: "main\n\n release/* ", pullRequestBranches: "" });
    expect(parsed).toEqual({
      mode: "automatic",
      push: { enabled: true, branches: ["main", "release/*"] },
      pullRequest: { enabled: false, branches: [] },
      tags: { enabled: false, patterns: [] },
      schedule: { enabled: false, days: [], time: "02:00", timeZone: "UTC", branch: "", onlyWhenChanged: false },
      supersede: "off",
    });
    expect(triggersFormSchema.parse({ mode: "automatic", supersede: "running" }).supersede).toBe("running");
    // Waiting for drafts to be published is stored only when asked for: triggers saved without it build drafts.
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on", pullRequestSkipDrafts: "on" }).pullRequest).toEqual({ enabled: true, branches: [], drafts: false });
    // Building forks by themselves is stored only when asked for: triggers saved without it wait for a person.
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on", pullRequestForks: "withSecrets" }).pullRequest).toEqual({ enabled: true, branches: [], forks: true });
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on", pullRequestForks: "withoutSecrets" }).pullRequest).toEqual({ enabled: true, branches: [], forks: "withoutSecrets" });
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on", pullRequestForks: "wait" }).pullRequest).toEqual({ enabled: true, branches: [] });
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on" }).pullRequest).toEqual({ enabled: true, branches: [] });
    expect(triggersFormSchema.safeParse({ mode: "automatic", pullRequestForks: "on" }).error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["pullRequestForks", "Choose what pull requests from forks do"]]);
    expect(triggersFormSchema.safeParse({ mode: "automatic", supersede: "all" }).error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["supersede", "Choose what happens to older builds of the same branch or pull request"],
    ]);
  });

  it("reads the schedule: days as boxes, a time, a zone, one branch; each mistake named on its field", () => {
    const form = { mode: "automatic", schedule: "on", scheduleDay1: "on", scheduleDay5: "on", scheduleTime: "23:30", scheduleTimeZone: "Europe/Berlin", scheduleBranch: "refs/heads/release/2.0", scheduleOnlyWhenChanged: "on" };
    expect(triggersFormSchema.parse(form).schedule).toEqual({ enabled: true, days: [1, 5], time: "23:30", timeZone: "Europe/Berlin", branch: "release/2.0", onlyWhenChanged: true });
    const issues = (input: Record<string, string>) => triggersFormSchema.safeParse({ ...form, ...input }).error?.issues.map((issue) => [issue.path.join("."), issue.message]);
    const noDays = { ...form } as Record<string, string>;
    delete noDays.scheduleDay1;
    delete noDays.scheduleDay5;
    expect(triggersFormSchema.safeParse(noDays).error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["schedule", "Choose at least one day for the schedule, or turn the schedule off"]]);
    expect(issues({ scheduleTime: "25:00" })).toEqual([["scheduleTime", "Time must be a time of day as HH:MM (24-hour), e.g. 02:00"]]);
    expect(issues({ scheduleTimeZone: "Mars/Olympus" })).toEqual([["scheduleTimeZone", "Time zone must be one of the list (an IANA name such as Europe/Berlin or UTC)"]]);
    expect(issues({ scheduleBranch: "release/*" })).toEqual([["scheduleBranch", "Branch must be a branch name (no wildcards: a schedule builds one branch), or empty for the default branch"]]);
    // Off, the schedule needs no day (its settings are kept for later).
    expect(triggersFormSchema.parse({ ...noDays, schedule: undefined }).schedule?.enabled).toBe(false);
  });

  it("names the bad pattern and the field", () => {
    const result = triggersFormSchema.safeParse({ mode: "automatic", pushBranches: "main\nbad branch" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["pushBranches"]);
    expect(result.error?.issues[0]?.message).toContain("“bad branch”");
    expect(triggersFormSchema.safeParse({ mode: "automatic", pushBranches: Array.from({ length: 21 }, (_, i) => `b${i}`).join("\n") }).success).toBe(false);
  });
});

describe("masking", () => {
  it("masks credential-shaped keys and passwords in URLs", () => {
    expect(maskPayload({ a: { basicAuthPassword: "s3cret", token: "t" }, url: "https://user:pw@host/x", n: 1 })).toEqual({ a: { basicAuthPassword: "***", token: "***" }, url: "https://user:***@host/x", n: 1 });
  });
});

describe("path filters", () => {
  it.each([
    [["ios/**"], "ios/App/AppDelegate.swift", true],
    [["ios/**"], "android/app/build.gradle", false],
    [["ios"], "ios/Podfile", true],
    [["*.md"], "README.md", true],
    [["*.md"], "docs/guide.md", false],
    [["ios/**", "!ios/docs/**"], "ios/docs/setup.md", false],
    [["!docs/**"], "src/main.ts", true],
    [["!docs/**"], "docs/a.md", false],
  ])("%j and %s → %s", (patterns, file, expected) => {
    expect(pathMatches(file, patterns)).toBe(expected);
  });

  it("start a build when a changed file matches, say which files did not, and start one when the files are unknown", () => {
    const ios = { ...DEFAULT_TRIGGERS, paths: ["ios/**"] };
    expect(pathDecision(ios, { paths: ["android/a.kt", "ios/b.swift"], complete: true })).toEqual({ start: true });
    expect(pathDecision(ios, { paths: ["NOTES.md"], complete: true })).toEqual({ start: false, reason: "The one changed file (NOTES.md) does not match the trigger's paths (ios/**)." });
    expect(pathDecision(ios, { paths: ["a", "b", "c", "d"], complete: true })).toEqual({ start: false, reason: "None of the 4 changed files (a, b, c, …) matches the trigger's paths (ios/**)." });
    // A new branch, a failed or truncated diff: skipping a wanted build is worse than an extra one.
    expect(pathDecision(ios, null)).toEqual({ start: true });
    expect(pathDecision(ios, { paths: ["NOTES.md"], complete: false })).toEqual({ start: true });
    expect(pathDecision(DEFAULT_TRIGGERS, { paths: ["NOTES.md"], complete: true })).toEqual({ start: true });
  });

  it("are read from the triggers form one per line, and a pattern that leaves the repository is refused by name", () => {
    const form = { mode: "automatic", push: "on", pushBranches: "", pullRequest: "on", pullRequestBranches: "" };
    expect(triggersFormSchema.parse({ ...form, paths: "ios/**\n!ios/docs/**\n" }).paths).toEqual(["ios/**", "!ios/docs/**"]);
    expect(triggersFormSchema.parse(form).paths).toBeUndefined();
    const refused = triggersFormSchema.safeParse({ ...form, paths: "../outside" });
    expect(refused.error?.issues[0]?.message).toMatch(/^Paths: “\.\.\/outside” — A path pattern is a path from the repository's root/);
  });
});

describe("tag triggers", () => {
  it.each([
    [[], "v1.0.0", true],
    [["v*"], "v2.4.0", true],
    [["v*"], "refs/tags/v2.4.0", true],
    [["v*"], "release-2.4", false],
    [["v*", "!v*-beta*"], "v2.5.0-beta.1", false],
    [["release/**"], "release/ios/2.4", true],
    [["release/*"], "release/ios/2.4", false],
    [["!nightly-*"], "v3.0", true],
  ])("%j matches %s: %s", (patterns, tag, expected) => {
    expect(tagMatches(tag, patterns)).toBe(expected);
  });

  it("are off unless turned on, say why a tag did not build, and key a build by tag and object", () => {
    expect(tagDecision(DEFAULT_TRIGGERS, "v1.0")).toEqual({ start: false, reason: "v1.0 is a tag, and the profile's tag trigger is off." });
    const releases = { ...DEFAULT_TRIGGERS, push: { enabled: false, branches: [] }, pullRequest: { enabled: false, branches: [] }, tags: { enabled: true, patterns: ["v*"] } };
    expect(triggersAreAutomatic(releases)).toBe(true);
    expect(tagDecision(releases, "refs/tags/v2.0")).toEqual({ start: true });
    expect(tagDecision(releases, "nightly-5")).toEqual({ start: false, reason: "The tag nightly-5 does not match the tag trigger's patterns (v*)." });
    expect(tagDecision({ ...releases, mode: "manual" }, "v2.0")).toMatchObject({ start: false, reason: "The profile builds only when someone starts a build." });
    expect(tagBuildKey("p", "v2.0", "ABC")).toBe("tag:p:refs/tags/v2.0:abc");
    expect(tagBuildKey("p", "refs/tags/v2.0", "abc")).toBe(tagBuildKey("p", "v2.0", "abc"));
    // Triggers saved before tags existed read as tags off.
    expect(triggersOf({ mode: "automatic", push: { enabled: true, branches: [] }, pullRequest: { enabled: true, branches: [] } }).tags).toBeUndefined();
  });

  it("are read from the triggers form, a bad pattern refused by name", () => {
    const form = { mode: "automatic", push: "on", pushBranches: "", pullRequestBranches: "" };
    expect(triggersFormSchema.parse({ ...form, tags: "on", tagPatterns: "v*\n!v*-beta*" }).tags).toEqual({ enabled: true, patterns: ["v*", "!v*-beta*"] });
    expect(triggersFormSchema.parse({ ...form, tagPatterns: "v*" }).tags).toEqual({ enabled: false, patterns: ["v*"] });
    const refused = triggersFormSchema.safeParse({ ...form, tags: "on", tagPatterns: "v 1" });
    expect(refused.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["tagPatterns", expect.stringMatching(/^Tags: “v 1” — A tag pattern is a tag name/)]]);
  });
});

describe("after another profile's builds", () => {
  const tests = "5b4e2c1a-8f3d-4e6a-9b7c-1d2e3f4a5b6c";
  const after = (branches: string[], enabled = true) => ({ ...DEFAULT_TRIGGERS, after: { enabled, profileId: tests, branches } });

  it("start a build after that profile's success on the branches named (none: the default branch), and say why not", () => {
    expect(afterOf(DEFAULT_TRIGGERS)).toEqual({ enabled: false, profileId: null, branches: [] });
    expect(afterDecision(after([]), tests, "refs/heads/main", "refs/heads/main")).toEqual({ start: true });
    expect(afterDecision(after([]), tests, "refs/heads/develop", "refs/heads/main")).toEqual({ start: false, reason: "develop does not match the branches it builds after (the default branch (main))." });
    expect(afterDecision(after(["release/*"]), tests, "refs/heads/release/2.4", "refs/heads/main")).toEqual({ start: true });
    expect(afterDecision(after([]), "another-profile", "refs/heads/main", "refs/heads/main")).toEqual({ start: false, reason: "The profile does not build after that profile's builds." });
    expect(afterDecision(after([], false), tests, "refs/heads/main", "refs/heads/main").start).toBe(false);
    expect(afterDecision({ ...after([]), mode: "manual" }, tests, "refs/heads/main", "refs/heads/main")).toEqual({ start: false, reason: "The profile builds only when someone starts a build." });
  });

  it("are read from the triggers form: a profile to follow, its branches; on without a profile is refused by name", () => {
    const form = { mode: "automatic", push: "on", pushBranches: "", pullRequestBranches: "" };
    expect(triggersFormSchema.parse({ ...form, after: "on", afterProfile: tests, afterBranches: "main\nrelease/*" }).after).toEqual({ enabled: true, profileId: tests, branches: ["main", "release/*"] });
    // Off with a profile chosen: kept, as the schedule is, for turning it on again.
    expect(triggersFormSchema.parse({ ...form, afterProfile: tests }).after).toEqual({ enabled: false, profileId: tests, branches: [] });
    expect(triggersFormSchema.parse(form).after).toBeUndefined();
    const refused = triggersFormSchema.safeParse({ ...form, after: "on", afterProfile: "" });
    expect(refused.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["afterProfile", "Build after: choose the profile whose successful builds start this one's, or turn it off"]]);
    expect(triggersFormSchema.safeParse({ ...form, afterProfile: "not-a-profile" }).error?.issues[0]?.message).toBe("Build after: choose a build profile of the list");
  });
});

describe("a commit that asks not to be built", () => {
  it("finds the skip directives in any case, in the title or the description", () => {
    expect(skipDirective("Update README [skip ci]")).toBe("[skip ci]");
    expect(skipDirective("Docs only\n\n[CI SKIP]")).toBe("[ci skip]");
    expect(skipDirective("Bump version ***NO_CI***")).toBe("***NO_CI***");
    expect(skipDirective("Tidy\n\nskip-checks: true")).toBe("skip-checks: true");
    expect(skipDirective("[Skip Keel] translations")).toBe("[skip keel]");
    // Not a directive: other words, Azure Pipelines' own, none at all.
    for (const message of ["Fix skip ci button", "skip-checks: false", "[skip azp] docs", "", null, undefined]) {
      expect(skipDirective(message)).toBeNull();
    }
  });

  it("says which commit was not built and how to build it anyway", () => {
    expect(skipDecision("3cf776d9".padEnd(40, "0"), "Docs [no ci]")).toEqual({ start: false, reason: "Commit 3cf776d9 says [no ci] in its message: not built. Start it by hand to build it anyway." });
    expect(skipDecision("3cf776d9".padEnd(40, "0"), "Fix the login screen")).toEqual({ start: true });
  });
});

describe("draft pull requests", () => {
  it("are built unless the profile waits for them to be published", () => {
    expect(draftDecision(DEFAULT_TRIGGERS, true)).toEqual({ start: true });
    const waits = { ...DEFAULT_TRIGGERS, pullRequest: { enabled: true, branches: [], drafts: false } };
    expect(draftDecision(waits, true)).toEqual({ start: false, reason: "The pull request is a draft: this profile builds pull requests once they are published (Triggers → Wait until a draft pull request is published)." });
    // Published, or an event that does not say: built.
    expect(draftDecision(waits, false)).toEqual({ start: true });
    expect(draftDecision(waits, undefined)).toEqual({ start: true });
  });
});

describe("pull requests from forks", () => {
  const repository = { id: "5E0F8C1A-0000-4000-8000-000000000001" };
  it("are told by forkSource naming another repository", () => {
    expect(forkOf({ repository, forkSource: { repository: { id: "f0f0", name: "wallet-app-fork" } } })).toBe("wallet-app-fork");
    expect(forkOf({ repository, forkSource: { repository: { id: "f0f0" } } })).toBe("f0f0");
    expect(forkOf({ repository })).toBeNull();
    // A forkSource naming the repository itself (ids compared without case) is no fork.
    expect(forkOf({ repository, forkSource: { repository: { id: repository.id.toLowerCase(), name: "Wallet App" } } })).toBeNull();
    expect(forkOf({ repository, forkSource: {} })).toBeNull();
  });

  it("wait for a person unless the profile builds them by themselves, without or with its secrets", () => {
    expect(forkDecision(DEFAULT_TRIGGERS, null)).toEqual({ start: true });
    expect(forkMode(DEFAULT_TRIGGERS)).toBe("wait");
    const waiting = forkDecision(DEFAULT_TRIGGERS, "wallet-app-fork");
    expect(waiting.start).toBe(false);
    expect(waiting.start === false && waiting.reason).toMatch(/^The pull request comes from the fork wallet-app-fork: .*Start build → Pull request.*Triggers → Pull requests from forks/);
    const withoutSecrets = { ...DEFAULT_TRIGGERS, pullRequest: { enabled: true, branches: [], forks: "withoutSecrets" as const } };
    expect(forkMode(withoutSecrets)).toBe("withoutSecrets");
    expect(forkDecision(withoutSecrets, "wallet-app-fork")).toEqual({ start: true, withholdSecrets: true });
    // A pull request from a branch of the repository itself gets the secrets, as every build does.
    expect(forkDecision(withoutSecrets, null)).toEqual({ start: true });
    // Triggers saved before the choice had three answers keep theirs: `true` trusts every fork.
    const trusting = { ...DEFAULT_TRIGGERS, pullRequest: { enabled: true, branches: [], forks: true } };
    expect(forkMode(trusting)).toBe("withSecrets");
    expect(forkDecision(trusting, "wallet-app-fork")).toEqual({ start: true });
    expect(forkMode({ ...DEFAULT_TRIGGERS, pullRequest: { enabled: true, branches: [], forks: false } })).toBe("wait");
  });
});

describe("pull-request comments that start builds", () => {
  it("know /keel build and /keel run on the comment's first line, in any case, and nothing else", () => {
    expect(isBuildCommand("/keel build")).toBe(true);
    expect(isBuildCommand("\n  /Keel  Run  \nthe flaky test again")).toBe(true);
    expect(isBuildCommand("please /keel build")).toBe(false);
    expect(isBuildCommand("/keel builds")).toBe(false);
    expect(isBuildCommand("Looks good\n/keel build")).toBe(false);
    expect(isBuildCommand("")).toBe(false);
    expect(isBuildCommand(undefined)).toBe(false);
  });

  it("are the profile's choice, and only while pull requests build by themselves", () => {
    const on: ProfileTriggers = { mode: "automatic", push: { enabled: false, branches: [] }, pullRequest: { enabled: true, branches: [], comments: true } };
    expect(commentsStartBuilds(on)).toBe(true);
    expect(commentsStartBuilds({ ...on, mode: "manual" })).toBe(false);
    expect(commentsStartBuilds({ ...on, pullRequest: { ...on.pullRequest, enabled: false } })).toBe(false);
    expect(commentsStartBuilds({ ...on, pullRequest: { enabled: true, branches: [] } })).toBe(false);
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on", pullRequestComments: "on" }).pullRequest.comments).toBe(true);
    expect(triggersFormSchema.parse({ mode: "automatic", pullRequest: "on" }).pullRequest).not.toHaveProperty("comments");
  });

  it("read the comment and its pull request from the event, and the thread from the comment's links", () => {
    const pullRequest = { pullRequestId: 7, status: "active", sourceRefName: "refs/heads/fix", targetRefName: "refs/heads/main", repository: { id: "ABC" }, lastMergeSourceCommit: { commitId: "a".repeat(40) } };
    const resource = { comment: { id: 1, content: "/keel build", author: { uniqueName: "alex@example.test" }, _links: { threads: { href: "https://dev.azure.com/o/p/_apis/git/repositories/abc/pullRequests/7/threads/12" } } }, pullRequest };
    const parsed = pullRequestCommentResourceSchema.parse(resource);
    expect(commentThreadId(parsed.comment)).toBe(12);
    expect(commentThreadId({ ...parsed.comment, _links: undefined })).toBe(0);
    expect(commentKey(parsed.comment)).toBe("12:1");
    expect(commentKey({ ...parsed.comment, _links: undefined, publishedDate: "2026-12-07T10:00:00Z" })).toBe("2026-12-07T10:00:00Z:1");
    expect(aboutEvent({ subscriptionId: "s", notificationId: 1, eventType: PR_COMMENT_EVENT, resource })).toEqual({ repositoryId: "abc", branch: "refs/heads/main", commitId: "a".repeat(40), pullRequestId: 7 });
  });
});
