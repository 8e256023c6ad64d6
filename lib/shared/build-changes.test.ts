import { describe, expect, it } from "vitest";
import { buildChangesOf, changelogText, changesJson, changesSummary, firstLine, hasLine, lineWords, moreWords, suspectsOf, type BuildChanges } from "./build-changes";

const since = { buildId: "0b9f4a52-2c1e-4d57-9a51-8f7e3c2d1b0a", number: 41, commitId: "a".repeat(40) };
const commit = (n: number, message: string, author: string | null = "Mona Kane") => ({ id: String(n).repeat(40).slice(0, 40), message, author, date: "2026-12-01T10:00:00Z" });
const branch = { branch: "refs/heads/main", tag: null, pullRequestId: null };

describe("build changes", () => {
  it("reads only what the worker stores: anything else is not known", () => {
    const changes: BuildChanges = { since, commits: [commit(1, "Add the leaderboard")], complete: true };
    expect(buildChangesOf(JSON.parse(JSON.stringify(changes)))).toEqual(changes);
    expect(buildChangesOf(null)).toBeNull();
    expect(buildChangesOf({ since, commits: [{ id: "nope", message: "x", author: null, date: null }], complete: true })).toBeNull();
    expect(buildChangesOf({ since, commits: [] })).toBeNull();
  });

  it("keeps a message's first line, bounded", () => {
    expect(firstLine("\n  Fix the crash on launch  \n\nThe body explains why.")).toBe("Fix the crash on launch");
    expect(firstLine(null)).toBe("");
    expect(firstLine("x".repeat(300))).toHaveLength(200);
    expect(firstLine("x".repeat(300)).endsWith("…")).toBe(true);
  });

  it("names the line a build is compared within: a branch, a pull request, tags; a pasted commit has none", () => {
    expect(lineWords(branch)).toBe("main");
    expect(lineWords({ branch: "refs/heads/feature/x", tag: null, pullRequestId: 42 })).toBe("pull request 42");
    expect(lineWords({ branch: null, tag: "v2.4.0", pullRequestId: null })).toBe("a tag");
    expect(hasLine(branch)).toBe(true);
    expect(hasLine({ branch: null, tag: null, pullRequestId: null })).toBe(false);
    expect(hasLine({ branch: null, tag: "v1", pullRequestId: null })).toBe(true);
  });

  it("sums them up: first of a line, none, one, several, more than kept", () => {
    expect(changesSummary({ since: null, commits: [], complete: true }, branch)).toBe("No earlier successful build of main to compare with");
    expect(changesSummary({ since, commits: [], complete: true }, branch)).toBe("No new commits since #41");
    expect(changesSummary({ since, commits: [commit(1, "a")], complete: true }, branch)).toBe("1 commit since #41");
    expect(changesSummary({ since, commits: [commit(1, "a"), commit(2, "b")], complete: true }, branch)).toBe("2 commits since #41");
    expect(changesSummary({ since, commits: [commit(1, "a")], complete: false }, branch)).toBe("More than 1 commits since #41");
  });

  it("writes the steps' changelog one commit a line, and says when there were more", () => {
    expect(changelogText({ since, commits: [commit(1, "Show the rank"), commit(2, "", null)], complete: true })).toBe("- Show the rank (Mona Kane)\n- (no message)\n");
    expect(changelogText({ since, commits: [commit(1, "Show the rank")], complete: false })).toBe("- Show the rank (Mona Kane)\n- …and more commits since build #41\n");
    expect(changelogText({ since: null, commits: [], complete: true })).toBe("");
    expect(changelogText({ since, commits: [commit(1, "Show the rank")], complete: true }, { authors: false })).toBe("- Show the rank\n");
  });

  it("names a failure's likely causes: the first few commits, and how many more", () => {
    const four = [commit(1, "a"), commit(2, "b", null), commit(3, "c"), commit(4, "d")];
    expect(suspectsOf({ since, commits: four, complete: true }, 2)).toEqual({ since: 41, commits: [{ message: "a", author: "Mona Kane" }, { message: "b", author: null }], more: 2, complete: true });
    expect(moreWords({ more: 2, complete: true })).toBe("and 2 more");
    expect(moreWords({ more: 0, complete: false })).toBe("and more");
    expect(moreWords({ more: 0, complete: true })).toBe("");
    expect(suspectsOf({ since, commits: [], complete: true })).toBeNull();
    expect(suspectsOf({ since: null, commits: [], complete: true })).toBeNull();
    expect(suspectsOf(null)).toBeNull();
  });

  it("names the fields for the token API and webhooks", () => {
    expect(changesJson({ since, commits: [commit(1, "Show the rank")], complete: true })).toEqual({
      since: { id: since.buildId, number: 41, commit: since.commitId },
      commits: [{ commit: "1".repeat(40), message: "Show the rank", author: "Mona Kane", date: "2026-12-01T10:00:00Z" }],
      complete: true,
    });
    expect(changesJson(null)).toBeNull();
  });
});
