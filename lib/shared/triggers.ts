// A build profile's triggers: what starts a build by itself (issue 14). Pure and neutral: the
// profile page, the triggers form's server action, the hook processor and the poller all read
// them through these functions, so "does this push start this profile?" has one answer.
import { z } from "zod";
import { DEFAULT_SCHEDULE, scheduleSchema, type BuildSchedule } from "./schedule";

/** Branch patterns: `main`, `release/*` (one path segment), `feature/**` (anything below), `!release/old` (exclude). */
export const MAX_BRANCH_PATTERNS = 20;

/**
 * A branch or tag pattern: a ref name (its `refs/heads/` or `refs/tags/` prefix allowed) with
 * `*` and `**`, optionally starting with `!`; the messages name the kind.
 */
function refPatternSchema(kind: "branch" | "tag") {
  const prefix = kind === "branch" ? /^refs\/heads\// : /^refs\/tags\//;
  return z
    .string()
    .trim()
    .min(1, `A ${kind} pattern cannot be empty.`)
    .max(200, `A ${kind} pattern has at most 200 characters.`)
    .refine((value) => !/[\s~^:?[\\]|\.\.|@\{|\/\/|^\/|\/$|\.lock$/.test(value.replace(/^!/, "").replace(prefix, "")), {
      message: `A ${kind} pattern is a ${kind} name with * (one level) or ** (any depth), optionally starting with ! to exclude: no spaces, ~ ^ : ? [ \\, .., // or a trailing /.`,
    });
}

const patternSchema = refPatternSchema("branch");

/** Path patterns: `ios/**`, `*.md` (files at the root), `!docs/**` (ignored), from the repository's root. */
export const MAX_PATH_PATTERNS = 20;

const pathPatternSchema = z
  .string()
  .trim()
  .min(1, "A path pattern cannot be empty.")
  .max(300, "A path pattern has at most 300 characters.")
  .refine((value) => !/[\u0000-\u001f\\]|^\/|(^|\/)\.\.?(\/|$)|\/\//.test(value.replace(/^!/, "")), {
    message: "A path pattern is a path from the repository's root with * (within a folder) or ** (any depth), optionally starting with ! to ignore: no leading /, no . or .. folders, no \\ or //.",
  });

/** Tag patterns: `v*`, `release/**`, `!v*-beta` — a tag name with the same wildcards as branches. */
const tagPatternSchema = refPatternSchema("tag");

export const triggersSchema = z.object({
  /** "manual": only people start builds; "automatic": the push and pull-request triggers below. */
  mode: z.enum(["automatic", "manual"]),
  push: z.object({ enabled: z.boolean(), branches: z.array(patternSchema).max(MAX_BRANCH_PATTERNS) }),
  /**
   * `drafts: false`: a draft pull request waits until it is published (absent: drafts are built, as before it existed).
   * `forks`: whether pull requests from forks are built by themselves too — `true` with the
   * profile's secrets, "withoutSecrets" without them (absent: someone starts their builds; forkMode).
   */
  pullRequest: z.object({
    enabled: z.boolean(),
    branches: z.array(patternSchema).max(MAX_BRANCH_PATTERNS),
    drafts: z.boolean().optional(),
    forks: z.union([z.boolean(), z.literal("withoutSecrets")]).optional(),
    /** `true`: a member's comment `/keel build` on a pull request starts its build (commentCommand); absent: off. */
    comments: z.boolean().optional(),
  }),
  /** Builds at set times (lib/shared/schedule.ts); absent (triggers saved before schedules existed): off. */
  schedule: scheduleSchema.optional(),
  /**
   * Rolling builds: when a push or pull-request build is queued, older ones of the same branch or
   * pull request are canceled — "queued": those still waiting; "running": those running too.
   * Absent: "off" (they all run).
   */
  supersede: z.enum(["off", "queued", "running"]).optional(),
  /**
   * Tags: pushing a tag that matches (`v*`, `release-**`; none = every tag) builds the commit it
   * names — release builds from a version tag. Absent (triggers saved before tags existed): off.
   */
  tags: z.object({ enabled: z.boolean(), patterns: z.array(tagPatternSchema).max(MAX_BRANCH_PATTERNS) }).optional(),
  /**
   * Path filters for pushes and pull requests (a monorepo's iOS app builds for ios/**): a push or
   * pull request starts a build only when a changed file matches. Absent or empty: any change.
   */
  paths: z.array(pathPatternSchema).max(MAX_PATH_PATTERNS).optional(),
  /**
   * After another profile's builds (a release lane after the tests, an app after its shared
   * library's checks): when a build of `profileId` — a profile of the same repository — succeeds
   * on a branch matching `branches` (none: this profile's default branch), this profile builds
   * the same commit of that branch. Pull-request and tag builds start nothing. Absent: off.
   */
  after: z.object({ enabled: z.boolean(), profileId: z.uuid().nullable(), branches: z.array(patternSchema).max(MAX_BRANCH_PATTERNS) }).optional(),
});

/**
 * A profile's triggers. An empty `branches` list means "the profile's default branch", so the
 * defaults follow a default branch that changes in Azure DevOps.
 */
export type ProfileTriggers = z.infer<typeof triggersSchema>;

/** Pushes to the default branch and pull requests into it. */
export const DEFAULT_TRIGGERS: ProfileTriggers = Object.freeze({
  mode: "automatic",
  push: { enabled: true, branches: [] },
  pullRequest: { enabled: true, branches: [] },
}) as ProfileTriggers;

/** The stored value (null, or JSON written by an older Keel) as triggers; anything unreadable is the defaults. */
export function triggersOf(stored: unknown): ProfileTriggers {
  const parsed = triggersSchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_TRIGGERS;
}

/** The triggers' schedule (the default, off, when they have none). */
export function scheduleOf(triggers: ProfileTriggers): BuildSchedule {
  return triggers.schedule ?? DEFAULT_SCHEDULE;
}

export type SupersedeMode = "off" | "queued" | "running";

/** What a newer push or pull-request build does to older ones of its branch or pull request. */
export function supersedeOf(triggers: ProfileTriggers): SupersedeMode {
  return triggers.supersede ?? "off";
}

/** True when the schedule starts builds (it belongs to the automatic mode). */
export function scheduleIsOn(triggers: ProfileTriggers): boolean {
  return triggers.mode === "automatic" && scheduleOf(triggers).enabled;
}

/** The triggers' tag trigger (off when they have none). */
export function tagsOf(triggers: ProfileTriggers): { enabled: boolean; patterns: string[] } {
  return triggers.tags ?? { enabled: false, patterns: [] };
}

/** Whether a member's `/keel build` comment on a pull request starts the profile's build of it (pull requests must build). */
export function commentsStartBuilds(triggers: ProfileTriggers): boolean {
  return triggers.mode === "automatic" && triggers.pullRequest.enabled && triggers.pullRequest.comments === true;
}

/** The comment commands Keel answers, as typed on a line of their own (any case): `/keel build`, `/keel run`. */
export const COMMENT_COMMANDS = ["/keel build", "/keel run"] as const;

/** Whether a pull-request comment asks Keel to build: its first non-empty line is one of COMMENT_COMMANDS. */
export function isBuildCommand(content: string | null | undefined): boolean {
  const first = (content ?? "").split(/\r?\n/).find((line) => line.trim() !== "")?.trim().toLowerCase().replace(/\s+/g, " ");
  return first !== undefined && (COMMENT_COMMANDS as readonly string[]).includes(first);
}

/** True when pushes, pull requests or tags start builds by themselves (Keel then wants service hooks, or polls). */
export function triggersAreAutomatic(triggers: ProfileTriggers): boolean {
  return triggers.mode === "automatic" && (triggers.push.enabled || triggers.pullRequest.enabled || tagsOf(triggers).enabled);
}

function shortName(ref: string): string {
  return ref.replace(/^refs\/heads\//, "");
}

function patternRegExp(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index]!;
    if (char === "*" && pattern[index + 1] === "*") {
      source += ".*";
      index += 1;
    } else if (char === "*") {
      source += "[^/]*";
    } else {
      source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether a branch (`main` or `refs/heads/main`) matches patterns; an empty list means the
 * default branch. A branch matches when an include pattern matches and no `!` pattern does;
 * a list of excludes only includes everything else.
 */
export function branchMatches(branch: string, patterns: readonly string[], defaultBranch: string | null): boolean {
  const name = shortName(branch);
  if (patterns.length === 0) {
    return defaultBranch !== null && name === shortName(defaultBranch);
  }
  const includes = patterns.filter((pattern) => !pattern.startsWith("!")).map((pattern) => shortName(pattern));
  const excludes = patterns.filter((pattern) => pattern.startsWith("!")).map((pattern) => shortName(pattern.slice(1)));
  const included = includes.length === 0 || includes.some((pattern) => patternRegExp(pattern).test(name));
  return included && !excludes.some((pattern) => patternRegExp(pattern).test(name));
}

/** The patterns in words: "the default branch (main)", "main, release/*". */
export function describeBranches(patterns: readonly string[], defaultBranch: string | null): string {
  if (patterns.length === 0) {
    return defaultBranch ? `the default branch (${shortName(defaultBranch)})` : "the default branch (none yet)";
  }
  return patterns.join(", ");
}

export type TriggerDecision = { start: true } | { start: false; reason: string };

/**
 * What a commit's message may say so that pushes and pull requests do not build it (any case,
 * anywhere in the message): the words most CI systems know, and Keel's own. Not Azure
 * Pipelines' own `[skip azp]`: a team that runs both skips one of them with it.
 */
export const SKIP_DIRECTIVES = ["[skip ci]", "[ci skip]", "[no ci]", "[skip keel]", "[keel skip]", "***NO_CI***", "skip-checks: true", "skip-checks:true"] as const;

/** The skip directive a commit message holds (as SKIP_DIRECTIVES writes it), or null. */
export function skipDirective(message: string | null | undefined): string | null {
  if (!message) {
    return null;
  }
  const lower = message.toLowerCase();
  return SKIP_DIRECTIVES.find((directive) => lower.includes(directive.toLowerCase())) ?? null;
}

/**
 * Whether a push's or a pull request's commit (`commitId`, its `message`) lets the triggers build
 * it: not when the message holds a skip directive. Builds started by hand, by the schedule, for a
 * tag or by the token API are not asked.
 */
export function skipDecision(commitId: string, message: string | null | undefined): TriggerDecision {
  const directive = skipDirective(message);
  return directive ? { start: false, reason: `Commit ${commitId.slice(0, 8)} says ${directive} in its message: not built. Start it by hand to build it anyway.` } : { start: true };
}

/** The triggers' path filters (empty: every change counts). */
export function pathsOf(triggers: ProfileTriggers): string[] {
  return triggers.paths ?? [];
}

/** Whether a changed file (`ios/App.swift`) matches path patterns: an include matches and no `!` pattern does; only excludes means everything else. */
export function pathMatches(file: string, patterns: readonly string[]): boolean {
  const includes = patterns.filter((pattern) => !pattern.startsWith("!"));
  const excludes = patterns.filter((pattern) => pattern.startsWith("!")).map((pattern) => pattern.slice(1));
  // A folder names everything under it: `ios` is `ios/**`.
  const fits = (pattern: string) => patternRegExp(pattern).test(file) || patternRegExp(`${pattern.replace(/\/$/, "")}/**`).test(file);
  return (includes.length === 0 || includes.some(fits)) && !excludes.some(fits);
}

/**
 * Whether the files a push or pull request changed start a build under the triggers' path
 * filters. `changed` null: Keel could not list them (a new branch, a failed or too long diff) —
 * the build starts, since skipping a wanted build is worse than an extra one.
 */
export function pathDecision(triggers: ProfileTriggers, changed: { paths: readonly string[]; complete: boolean } | null): TriggerDecision {
  const patterns = pathsOf(triggers);
  if (patterns.length === 0 || changed === null || !changed.complete) {
    return { start: true };
  }
  if (changed.paths.some((file) => pathMatches(file, patterns))) {
    return { start: true };
  }
  const count = changed.paths.length;
  const named = `${changed.paths.slice(0, 3).join(", ")}${count > 3 ? ", …" : ""}`;
  const what = count === 0 ? "No file changed, so none" : count === 1 ? `The one changed file (${named})` : `None of the ${count} changed files (${named})`;
  return { start: false, reason: `${what} ${count === 1 ? "does not match" : "matches"} the trigger's paths (${patterns.join(", ")}).` };
}

/** Whether a push to `branch` starts a build of a profile with these triggers, and if not, why. */
export function pushDecision(triggers: ProfileTriggers, branch: string, defaultBranch: string | null): TriggerDecision {
  if (triggers.mode === "manual") {
    return { start: false, reason: "The profile builds only when someone starts a build." };
  }
  if (!triggers.push.enabled) {
    return { start: false, reason: "The profile's push trigger is off." };
  }
  if (!branchMatches(branch, triggers.push.branches, defaultBranch)) {
    return { start: false, reason: `${shortName(branch)} does not match the push trigger's branches (${describeBranches(triggers.push.branches, defaultBranch)}).` };
  }
  return { start: true };
}

/** Whether two profiles build the same repository through the same connection (a build after the other's then builds its very commit; otherwise its own default branch). */
export function sameRepository(one: { connectionId: string | null; repositoryId: string }, other: { connectionId: string | null; repositoryId: string }): boolean {
  return one.connectionId !== null && one.connectionId === other.connectionId && one.repositoryId.toLowerCase() === other.repositoryId.toLowerCase();
}

/** The triggers' "after another profile's builds" (off when they have none). */
export function afterOf(triggers: ProfileTriggers): { enabled: boolean; profileId: string | null; branches: string[] } {
  return triggers.after ?? { enabled: false, profileId: null, branches: [] };
}

/** Whether a successful build of `upstreamProfileId` on `branch` starts a build of a profile with these triggers, and if not, why. */
export function afterDecision(triggers: ProfileTriggers, upstreamProfileId: string, branch: string, defaultBranch: string | null): TriggerDecision {
  const after = afterOf(triggers);
  if (triggers.mode === "manual") {
    return { start: false, reason: "The profile builds only when someone starts a build." };
  }
  if (!after.enabled || after.profileId !== upstreamProfileId) {
    return { start: false, reason: "The profile does not build after that profile's builds." };
  }
  if (!branchMatches(branch, after.branches, defaultBranch)) {
    return { start: false, reason: `${shortName(branch)} does not match the branches it builds after (${describeBranches(after.branches, defaultBranch)}).` };
  }
  return { start: true };
}

/** Whether a pull request into `targetBranch` starts a build of a profile with these triggers, and if not, why. */
export function pullRequestDecision(triggers: ProfileTriggers, targetBranch: string, defaultBranch: string | null): TriggerDecision {
  if (triggers.mode === "manual") {
    return { start: false, reason: "The profile builds only when someone starts a build." };
  }
  if (!triggers.pullRequest.enabled) {
    return { start: false, reason: "The profile's pull-request trigger is off." };
  }
  if (!branchMatches(targetBranch, triggers.pullRequest.branches, defaultBranch)) {
    return {
      start: false,
      reason: `The pull request targets ${shortName(targetBranch)}, which does not match the pull-request trigger's branches (${describeBranches(triggers.pullRequest.branches, defaultBranch)}).`,
    };
  }
  return { start: true };
}

/** Whether the triggers build draft pull requests (they do unless told not to). */
export function buildsDrafts(triggers: ProfileTriggers): boolean {
  return triggers.pullRequest.drafts !== false;
}

/**
 * Whether a pull request that matched the triggers is built now, as a draft or not: a profile that
 * waits for drafts builds it once its author publishes it (Azure DevOps then sends an update).
 */
export function draftDecision(triggers: ProfileTriggers, isDraft: boolean | undefined): TriggerDecision {
  return isDraft === true && !buildsDrafts(triggers) ? { start: false, reason: "The pull request is a draft: this profile builds pull requests once they are published (Triggers → Wait until a draft pull request is published)." } : { start: true };
}

/** What the triggers do with a pull request from a fork: wait for a person (unless told otherwise), or build it by itself without or with the profile's secrets. */
export type ForkMode = "wait" | "withoutSecrets" | "withSecrets";

/** The triggers' ForkMode. */
export function forkMode(triggers: ProfileTriggers): ForkMode {
  const forks = triggers.pullRequest.forks;
  return forks === true ? "withSecrets" : forks === "withoutSecrets" ? "withoutSecrets" : "wait";
}

/** What a pull request (a service hook's resource, or the REST list's item) says about its source repository. */
type ForkedPullRequest = { repository?: { id: string }; forkSource?: { repository?: { id: string; name?: string } } };

/**
 * The fork a pull request comes from (its name, else its id), or null when its source branch is
 * in the repository itself: Azure DevOps names the fork in `forkSource`.
 */
export function forkOf(pr: ForkedPullRequest): string | null {
  const fork = pr.forkSource?.repository;
  if (!fork || (pr.repository && fork.id.toLowerCase() === pr.repository.id.toLowerCase())) {
    return null;
  }
  return fork.name ?? fork.id;
}

/**
 * Whether a pull request that matched the triggers is built by itself, from a fork or not, and
 * whether its build goes without the profile's secrets. Anyone who can read a repository can fork
 * it and open a pull request, and a build runs its code on the workers with the profile's secret
 * variables and files; so, as Azure Pipelines' fork protection does, a fork's pull request waits
 * for someone who read the change to start its build, unless the profile builds forks by
 * themselves — without its secrets (on workers whose steps run as a build user), or with them
 * when every fork is trusted.
 */
export function forkDecision(triggers: ProfileTriggers, fork: string | null): TriggerDecision & { withholdSecrets?: true } {
  if (fork === null) {
    return { start: true };
  }
  const mode = forkMode(triggers);
  return mode === "wait"
    ? {
        start: false,
        reason: `The pull request comes from the fork ${fork}: its code would run on the workers with this profile's secrets, so it is built when someone who read the change starts it (Start build → Pull request), or by itself once Triggers → Pull requests from forks says so.`,
      }
    : mode === "withoutSecrets"
      ? { start: true, withholdSecrets: true }
      : { start: true };
}

/** Whether a tag (`v2.4.0` or `refs/tags/v2.4.0`) matches tag patterns: as branches do, but no patterns means every tag. */
export function tagMatches(tag: string, patterns: readonly string[]): boolean {
  const name = tag.replace(/^refs\/tags\//, "");
  const includes = patterns.filter((pattern) => !pattern.startsWith("!")).map((pattern) => pattern.replace(/^refs\/tags\//, ""));
  const excludes = patterns.filter((pattern) => pattern.startsWith("!")).map((pattern) => pattern.slice(1).replace(/^refs\/tags\//, ""));
  return (includes.length === 0 || includes.some((pattern) => patternRegExp(pattern).test(name))) && !excludes.some((pattern) => patternRegExp(pattern).test(name));
}

/** The tag patterns in words: "every tag", "v*, !v*-beta". */
export function describeTags(patterns: readonly string[]): string {
  return patterns.length === 0 ? "every tag" : patterns.join(", ");
}

/** Whether pushing `tag` starts a build of a profile with these triggers, and if not, why. */
export function tagDecision(triggers: ProfileTriggers, tag: string): TriggerDecision {
  const name = tag.replace(/^refs\/tags\//, "");
  if (triggers.mode === "manual") {
    return { start: false, reason: "The profile builds only when someone starts a build." };
  }
  const tags = tagsOf(triggers);
  if (!tags.enabled) {
    return { start: false, reason: `${name} is a tag, and the profile's tag trigger is off.` };
  }
  if (!tagMatches(name, tags.patterns)) {
    return { start: false, reason: `The tag ${name} does not match the tag trigger's patterns (${describeTags(tags.patterns)}).` };
  }
  return { start: true };
}

/**
 * The idempotency keys of automatic builds, derived from what happened — not from how Keel heard
 * of it — so a hook, its redelivery, a replay, a backfill and a poll of the same change all name
 * the same build and start it once.
 */
export function pushBuildKey(profileId: string, branch: string, commitId: string): string {
  return `push:${profileId}:refs/heads/${shortName(branch)}:${commitId.toLowerCase()}`;
}

/** See pushBuildKey: one build per profile, tag and object the tag names (a tag moved is a new build). */
export function tagBuildKey(profileId: string, tag: string, objectId: string): string {
  return `tag:${profileId}:refs/tags/${tag.replace(/^refs\/tags\//, "")}:${objectId.toLowerCase()}`;
}

/** See pushBuildKey: one PR build per profile, pull request and source commit (an iteration). */
export function pullRequestBuildKey(profileId: string, pullRequestId: number, sourceCommitId: string): string {
  return `pr:${profileId}:${pullRequestId}:${sourceCommitId.toLowerCase()}`;
}

/** Parses the triggers form's text areas: one pattern per line (or comma-separated); blank lines ignored. */
export function patternsFromText(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
