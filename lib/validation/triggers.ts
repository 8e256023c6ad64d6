// The triggers form on a build profile's page (issue 14): parsed on the server into the profile's
// triggers (lib/shared/triggers.ts). Check boxes arrive as "on" or not at all; branch patterns
// as text, one per line.
import { z } from "zod";
import { MAX_BRANCH_PATTERNS, patternsFromText, triggersSchema, type ProfileTriggers } from "@/lib/shared/triggers";

export const triggersFields = ["mode", "push", "pushBranches", "pullRequest", "pullRequestBranches"] as const;

function patternsField(label: string) {
  return z
    .string()
    .max(10_000, `${label}: at most 10,000 characters`)
    .optional()
    .transform((text, ctx) => {
      const patterns = patternsFromText(text ?? "");
      if (patterns.length > MAX_BRANCH_PATTERNS) {
        ctx.addIssue({ code: "custom", message: `${label}: at most ${MAX_BRANCH_PATTERNS} patterns` });
        return z.NEVER;
      }
      for (const pattern of patterns) {
        const checked = triggersSchema.shape.push.shape.branches.element.safeParse(pattern);
        if (!checked.success) {
          ctx.addIssue({ code: "custom", message: `${label}: “${pattern.slice(0, 60)}” — ${checked.error.issues[0]?.message ?? "not a branch pattern"}` });
          return z.NEVER;
        }
      }
      return patterns;
    });
}

/** The triggers form → ProfileTriggers. */
export const triggersFormSchema = z
  .object({
    mode: z.enum(["automatic", "manual"], { error: "Choose whether builds start by themselves or only by hand" }),
    push: z.literal("on").optional(),
    pushBranches: patternsField("Push branches"),
    pullRequest: z.literal("on").optional(),
    pullRequestBranches: patternsField("Pull request target branches"),
  })
  .transform(
    (form): ProfileTriggers => ({
      mode: form.mode,
      push: { enabled: form.push === "on", branches: form.pushBranches },
      pullRequest: { enabled: form.pullRequest === "on", branches: form.pullRequestBranches },
    }),
  );
