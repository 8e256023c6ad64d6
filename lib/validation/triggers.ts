// The triggers form on a build profile's page (issue 14): parsed on the server into the profile's
// triggers (lib/shared/triggers.ts). Check boxes arrive as "on" or not at all; branch patterns
// as text, one per line.
import { z } from "zod";
import { isTimeZone } from "@/lib/shared/schedule";
import { MAX_BRANCH_PATTERNS, MAX_PATH_PATTERNS, patternsFromText, triggersSchema, type ProfileTriggers } from "@/lib/shared/triggers";
import { isBranchName } from "./builds";

const DAY_FIELDS = ["scheduleDay0", "scheduleDay1", "scheduleDay2", "scheduleDay3", "scheduleDay4", "scheduleDay5", "scheduleDay6"] as const;

export const triggersFields = [
  "mode",
  "push",
  "pushBranches",
  "pullRequest",
  "pullRequestBranches",
  "pullRequestSkipDrafts",
  "pullRequestForks",
  "pullRequestComments",
  "tags",
  "tagPatterns",
  "paths",
  "schedule",
  ...DAY_FIELDS,
  "scheduleTime",
  "scheduleTimeZone",
  "scheduleBranch",
  "scheduleOnlyWhenChanged",
  "supersede",
  "after",
  "afterProfile",
  "afterBranches",
] as const;

export function patternsField(label: string, kind: "branch" | "tag" | "path" = "branch") {
  const max = kind === "path" ? MAX_PATH_PATTERNS : MAX_BRANCH_PATTERNS;
  const element =
    kind === "branch" ? triggersSchema.shape.push.shape.branches.element : kind === "tag" ? triggersSchema.shape.tags.unwrap().shape.patterns.element : triggersSchema.shape.paths.unwrap().element;
  return z
    .string()
    .max(10_000, `${label}: at most 10,000 characters`)
    .optional()
    .transform((text, ctx) => {
      const patterns = patternsFromText(text ?? "");
      if (patterns.length > max) {
        ctx.addIssue({ code: "custom", message: `${label}: at most ${max} patterns` });
        return z.NEVER;
      }
      for (const pattern of patterns) {
        const checked = element.safeParse(pattern);
        if (!checked.success) {
          ctx.addIssue({ code: "custom", message: `${label}: “${pattern.slice(0, 60)}” — ${checked.error.issues[0]?.message ?? `not a ${kind} pattern`}` });
          return z.NEVER;
        }
      }
      return patterns;
    });
}

const box = z.literal("on", { error: "Reload the page and try again" }).optional();

/** The triggers form → ProfileTriggers (the schedule's `since` is set when it is saved). */
export const triggersFormSchema = z
  .object({
    mode: z.enum(["automatic", "manual"], { error: "Choose whether builds start by themselves or only by hand" }),
    push: box,
    pushBranches: patternsField("Push branches"),
    pullRequest: box,
    pullRequestBranches: patternsField("Pull request target branches"),
    pullRequestSkipDrafts: box,
    // What pull requests from forks do (lib/shared/triggers.ts, ForkMode); absent: wait for a person.
    pullRequestForks: z.enum(["wait", "withoutSecrets", "withSecrets"], { error: "Choose what pull requests from forks do" }).optional(),
    pullRequestComments: box,
    tags: box,
    tagPatterns: patternsField("Tags", "tag"),
    paths: patternsField("Paths", "path"),
    schedule: box,
    ...Object.fromEntries(DAY_FIELDS.map((field) => [field, box])),
    scheduleTime: z
      .string()
      .trim()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Time must be a time of day as HH:MM (24-hour), e.g. 02:00")
      .optional()
      .default("02:00"),
    scheduleTimeZone: z
      .string()
      .trim()
      .refine(isTimeZone, "Time zone must be one of the list (an IANA name such as Europe/Berlin or UTC)")
      .optional()
      .default("UTC"),
    scheduleBranch: z
      .string()
      .trim()
      .transform((value) => value.replace(/^refs\/heads\//, ""))
      .refine((value) => value === "" || isBranchName(value), "Branch must be a branch name (no wildcards: a schedule builds one branch), or empty for the default branch")
      .optional()
      .default(""),
    scheduleOnlyWhenChanged: box,
    supersede: z.enum(["off", "queued", "running"], { error: "Choose what happens to older builds of the same branch or pull request" }).optional().default("off"),
    // After another profile's builds: on, which profile (one of the same repository, checked when saved), which branches.
    after: box,
    afterProfile: z.union([z.literal(""), z.uuid({ error: "Build after: choose a build profile of the list" })]).optional().default(""),
    afterBranches: patternsField("Build after: branches"),
  })
  .superRefine((form, ctx) => {
    const days = DAY_FIELDS.filter((field) => (form as Record<string, unknown>)[field] === "on");
    if (form.schedule === "on" && days.length === 0) {
      ctx.addIssue({ code: "custom", path: ["schedule"], message: "Choose at least one day for the schedule, or turn the schedule off" });
    }
    if (form.after === "on" && form.afterProfile === "") {
      ctx.addIssue({ code: "custom", path: ["afterProfile"], message: "Build after: choose the profile whose successful builds start this one's, or turn it off" });
    }
  })
  .transform(
    (form): ProfileTriggers => ({
      mode: form.mode,
      push: { enabled: form.push === "on", branches: form.pushBranches },
      pullRequest: {
        enabled: form.pullRequest === "on",
        branches: form.pullRequestBranches,
        ...(form.pullRequestSkipDrafts === "on" ? { drafts: false } : {}),
        ...(form.pullRequestForks === "withSecrets" ? { forks: true } : form.pullRequestForks === "withoutSecrets" ? { forks: "withoutSecrets" as const } : {}),
        ...(form.pullRequestComments === "on" ? { comments: true } : {}),
      },
      tags: { enabled: form.tags === "on", patterns: form.tagPatterns },
      schedule: {
        enabled: form.schedule === "on",
        days: DAY_FIELDS.flatMap((field, day) => ((form as Record<string, unknown>)[field] === "on" ? [day] : [])),
        time: form.scheduleTime,
        timeZone: form.scheduleTimeZone,
        branch: form.scheduleBranch,
        onlyWhenChanged: form.scheduleOnlyWhenChanged === "on",
      },
      supersede: form.supersede,
      ...(form.paths.length > 0 ? { paths: form.paths } : {}),
      ...(form.afterProfile !== "" ? { after: { enabled: form.after === "on", profileId: form.afterProfile, branches: form.afterBranches } } : {}),
    }),
  );
