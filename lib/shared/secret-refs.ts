// Which builds of a profile get its secrets (lib/builds/README.md, "Secrets only for some
// branches"): every build, as by default, or only builds of branches and tags an admin names —
// what other CI systems call protected branches — so that code nobody reviewed yet (a feature
// branch, a pull request) never runs with the signing keys and store credentials.
import { z } from "zod";
import { branchMatches, describeBranches, describeTags, MAX_BRANCH_PATTERNS, tagMatches, triggersSchema } from "./triggers";

const branchPattern = triggersSchema.shape.push.shape.branches.element;
const tagPattern = triggersSchema.shape.tags.unwrap().shape.patterns.element;

/**
 * Stored in BuildProfile.secretRefs; null means every build gets the secrets. `branches`: branch
 * patterns, none meaning the default branch (as the triggers' lists); `tags`: whether tag builds
 * get them, and which tags (none: every tag).
 */
export const secretRefsSchema = z.object({
  branches: z.array(branchPattern).max(MAX_BRANCH_PATTERNS),
  tags: z.object({ enabled: z.boolean(), patterns: z.array(tagPattern).max(MAX_BRANCH_PATTERNS) }),
});

export type SecretRefs = z.infer<typeof secretRefsSchema>;

/** The stored setting, or null (every build gets the secrets) when there is none or it cannot be read. */
export function secretRefsOf(stored: unknown): SecretRefs | null {
  if (stored === null || stored === undefined) {
    return null;
  }
  const parsed = secretRefsSchema.safeParse(stored);
  // A setting Keel cannot read withholds from every branch but the default one rather than giving secrets away.
  return parsed.success ? parsed.data : { branches: [], tags: { enabled: false, patterns: [] } };
}

/** The builds that get the secrets, in words: "builds of the default branch (main) and of tags v*". */
export function describeSecretRefs(refs: SecretRefs, defaultBranch: string | null): string {
  const branches = `builds of ${describeBranches(refs.branches, defaultBranch)}`;
  return refs.tags.enabled ? `${branches} and of ${refs.tags.patterns.length === 0 ? "every tag" : `tags ${describeTags(refs.tags.patterns)}`}` : branches;
}

export type SecretsDecision = { withhold: false } | { withhold: true; because: string };

/**
 * Whether a build gets the profile's secrets, and why not: a pull request's build never does
 * while the profile names its branches (its code is not reviewed yet, and its merge commit is on
 * no branch), a tag's only when tags are named, a branch's when it matches. A build of a commit
 * with no branch or tag is withheld too.
 */
export function secretsDecision(refs: SecretRefs | null, build: { branch: string | null; tag: string | null; pullRequest: boolean }, defaultBranch: string | null): SecretsDecision {
  if (refs === null) {
    return { withhold: false };
  }
  const only = `only ${describeSecretRefs(refs, defaultBranch)} get them (Edit workflow → Who gets the secrets)`;
  if (build.pullRequest) {
    return { withhold: true, because: `this is a pull request's build, and ${only}` };
  }
  if (build.tag !== null) {
    return refs.tags.enabled && tagMatches(build.tag, refs.tags.patterns) ? { withhold: false } : { withhold: true, because: `the tag ${build.tag.replace(/^refs\/tags\//, "")} is not one of them: ${only}` };
  }
  if (build.branch === null) {
    return { withhold: true, because: `this commit was built without a branch: ${only}` };
  }
  return branchMatches(build.branch, refs.branches, defaultBranch) ? { withhold: false } : { withhold: true, because: `the branch ${build.branch.replace(/^refs\/heads\//, "")} is not one of them: ${only}` };
}
