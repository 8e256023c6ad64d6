import { describe, expect, it } from "vitest";
import { describeSecretRefs, secretRefsOf, secretsDecision } from "@/lib/shared/secret-refs";
import { secretRefsFormSchema } from "@/lib/validation/secret-refs";

// Which builds get a profile's secrets (lib/shared/secret-refs.ts): the decision Start build,
// the hooks and the token API take when they queue a build, and the form that sets it.

const mainAndReleases = { branches: ["main", "release/*", "!release/old"], tags: { enabled: false, patterns: [] } };

describe("who gets the secrets", () => {
  it("gives them to every build when the profile names no branches", () => {
    expect(secretsDecision(null, { branch: "refs/heads/feature/x", tag: null, pullRequest: true }, "refs/heads/main")).toEqual({ withhold: false });
  });

  it("gives them to the branches named, not to others, excluded ones or a commit without a branch", () => {
    const decide = (branch: string | null) => secretsDecision(mainAndReleases, { branch, tag: null, pullRequest: false }, "refs/heads/main");
    expect(decide("refs/heads/main")).toEqual({ withhold: false });
    expect(decide("refs/heads/release/2.4")).toEqual({ withhold: false });
    expect(decide("refs/heads/release/old")).toMatchObject({ withhold: true, because: expect.stringMatching(/^the branch release\/old is not one of them: only builds of main, release\/\*, !release\/old get them/) });
    expect(decide("refs/heads/feature/login")).toMatchObject({ withhold: true });
    expect(decide(null)).toMatchObject({ withhold: true, because: expect.stringMatching(/^this commit was built without a branch/) });
  });

  it("never gives them to a pull request's build, even into a named branch", () => {
    expect(secretsDecision(mainAndReleases, { branch: "refs/heads/main", tag: null, pullRequest: true }, "refs/heads/main")).toMatchObject({ withhold: true, because: expect.stringMatching(/^this is a pull request's build/) });
  });

  it("no branches means the default branch; tags only when they are turned on, none meaning every tag", () => {
    const defaultOnly = { branches: [], tags: { enabled: false, patterns: [] } };
    expect(secretsDecision(defaultOnly, { branch: "refs/heads/develop", tag: null, pullRequest: false }, "refs/heads/develop")).toEqual({ withhold: false });
    expect(secretsDecision(defaultOnly, { branch: null, tag: "v2.4.0", pullRequest: false }, "refs/heads/develop")).toMatchObject({ withhold: true, because: expect.stringMatching(/^the tag v2.4.0 is not one of them/) });
    const everyTag = { branches: [], tags: { enabled: true, patterns: [] } };
    expect(secretsDecision(everyTag, { branch: null, tag: "anything", pullRequest: false }, null)).toEqual({ withhold: false });
    const versions = { branches: [], tags: { enabled: true, patterns: ["v*", "!v*-beta*"] } };
    expect(secretsDecision(versions, { branch: null, tag: "refs/tags/v2.4.0", pullRequest: false }, null)).toEqual({ withhold: false });
    expect(secretsDecision(versions, { branch: null, tag: "v2.5.0-beta1", pullRequest: false }, null)).toMatchObject({ withhold: true });
    expect(describeSecretRefs(versions, "refs/heads/main")).toBe("builds of the default branch (main) and of tags v*, !v*-beta*");
    expect(describeSecretRefs(everyTag, null)).toBe("builds of the default branch (none yet) and of every tag");
  });

  it("reads a stored setting it cannot understand as the strictest one, never as every build", () => {
    expect(secretRefsOf(null)).toBeNull();
    expect(secretRefsOf({ branches: "main" })).toEqual({ branches: [], tags: { enabled: false, patterns: [] } });
    expect(secretRefsOf(mainAndReleases)).toEqual(mainAndReleases);
  });

  it("reads the form: every build, or the patterns given, each refused by name", () => {
    expect(secretRefsFormSchema.parse({ who: "every", branches: "main" })).toBeNull();
    expect(secretRefsFormSchema.parse({ who: "refs", branches: "main\n release/* \n", tagPatterns: "v*" })).toEqual({ branches: ["main", "release/*"], tags: { enabled: false, patterns: [] } });
    expect(secretRefsFormSchema.parse({ who: "refs", branches: "", tags: "on", tagPatterns: "v*" })).toEqual({ branches: [], tags: { enabled: true, patterns: ["v*"] } });
    const bad = secretRefsFormSchema.safeParse({ who: "refs", branches: "main\nbad branch" });
    expect(bad.error?.issues[0]).toMatchObject({ path: ["branches"], message: expect.stringMatching(/^Branches: “bad branch” — /) });
    expect(secretRefsFormSchema.safeParse({ who: "some" }).error?.issues[0]?.message).toBe("Choose which builds get the secrets");
  });
});
