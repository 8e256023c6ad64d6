import { z } from "zod";
import { dayFilterField, yesNoField } from "./form";
import { listPageField, listSearchField } from "./list-query";
import { BUILD_STATUSES, BUILD_TRIGGERS, type BuildStatusValue, type BuildTriggerValue } from "@/lib/shared/builds";
import { parseBuildParameters } from "@/lib/shared/build-parameters";
import { poolNameProblem } from "@/lib/shared/build-pools";
import { SHARE_LIFETIMES, SHARE_NOTES_MAX, STANDING_SHARE_LIFETIMES } from "@/lib/shared/shares";
import { artifactPatternProblem, cachePathProblem, cleanStep, MAX_STEP_RETRIES, reservedVariableReason, VARIABLE_NAME, WORKFLOW_LIMITS, workflowFileProblem, type WorkflowStep } from "@/lib/shared/workflow";

// C0/C1 controls and bidi overrides in one-line fields (names); commands may span lines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
// In commands and values: anything but tab and line breaks.
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

/** Git branch names (git check-ref-format, loosely). */
export function isBranchName(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= 250 &&
    !CONTROL.test(value) &&
    !/[\s~^:?*[\\]/.test(value) &&
    !value.includes("..") &&
    !value.includes("@{") &&
    !/^[-/]|[/.]$|\.lock$|\/\//.test(value)
  );
}

/** The "Start build" form: a branch of the live list, a pasted commit id, a pull request's number or a tag. */
export const startBuildSchema = z
  .object({
    source: z.enum(["branch", "commit", "pullRequest", "tag"], { error: "Choose a branch, a commit, a pull request or a tag" }),
    branch: z.string().optional().default(""),
    commit: z.string().optional().default(""),
    pullRequest: z.string().optional().default(""),
    tag: z.string().optional().default(""),
    parameters: z
      .string()
      .max(100_000, "Variables for this build: too long")
      .optional()
      .default("")
      .transform((text, ctx) => {
        const parsed = parseBuildParameters(text);
        if ("problem" in parsed) {
          ctx.addIssue({ code: "custom", message: `Variables for this build: ${parsed.problem}` });
          return z.NEVER;
        }
        return parsed.parameters;
      }),
    // "Without caches": restore none, and let this build's cache replace the branch's.
    skipCaches: z.literal("on", { error: "Reload the page and try again" }).optional(),
    idempotencyKey: z.uuid({ error: "The form is stale: reload the page and try again" }),
  })
  .transform((all, ctx) => {
    const { parameters, skipCaches, ...value } = all;
    const chosen = chooseSource(value, ctx);
    return chosen === z.NEVER ? z.NEVER : { ...chosen, parameters, skipCaches: skipCaches === "on" };
  });

/**
 * `?pullRequest=` on a profile's page (the link of Keel's status on a fork's pull request): a
 * pull request number to start the Start build form with. Anything else starts it as usual.
 */
export const pullRequestLinkSchema = z
  .string()
  .regex(/^\d{1,10}$/)
  .transform(Number)
  .refine((number) => number >= 1 && number <= 2_147_483_647);

/** Which of branch, commit, pull request and tag the form chose, checked; a refusal names its field. */
function chooseSource(
  value: { source: "branch" | "commit" | "pullRequest" | "tag"; branch: string; commit: string; pullRequest: string; tag: string; idempotencyKey: string },
  ctx: z.RefinementCtx,
): { branch: string | undefined; commit: string | undefined; pullRequest: number | undefined; tag?: string; idempotencyKey: string } | typeof z.NEVER {
  if (value.source === "tag") {
    const tag = value.tag.trim().replace(/^refs\/tags\//, "");
    if (!isBranchName(tag)) {
      ctx.addIssue({ code: "custom", path: ["tag"], message: tag === "" ? "Choose a tag to build" : "Tag is not a valid Git tag name" });
      return z.NEVER;
    }
    return { branch: undefined, commit: undefined, pullRequest: undefined, tag, idempotencyKey: value.idempotencyKey };
  }
  if (value.source === "branch") {
    const branch = value.branch.trim().replace(/^refs\/heads\//, "");
    if (!isBranchName(branch)) {
      ctx.addIssue({ code: "custom", path: ["branch"], message: branch === "" ? "Choose a branch to build" : "Branch is not a valid Git branch name" });
      return z.NEVER;
    }
    return { branch, commit: undefined, pullRequest: undefined, idempotencyKey: value.idempotencyKey };
  }
  if (value.source === "pullRequest") {
    // Azure DevOps writes pull requests as !42; people paste it that way too.
    const typed = value.pullRequest.trim().replace(/^!/, "");
    const number = /^\d{1,10}$/.test(typed) ? Number(typed) : NaN;
    if (!(number >= 1 && number <= 2_147_483_647)) {
      ctx.addIssue({ code: "custom", path: ["pullRequest"], message: typed === "" ? "Choose a pull request to build" : "Pull request must be its number, like 42 (Azure DevOps shows it as !42)" });
      return z.NEVER;
    }
    return { branch: undefined, commit: undefined, pullRequest: number, idempotencyKey: value.idempotencyKey };
  }
  const commit = value.commit.trim().toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    ctx.addIssue({
      code: "custom",
      path: ["commit"],
      message: commit === "" ? "Paste the commit id to build" : "Commit must be a full commit id: 40 hexadecimal characters (in Azure DevOps, Copy full SHA on the commit)",
    });
    return z.NEVER;
  }
  return { branch: undefined, commit, pullRequest: undefined, idempotencyKey: value.idempotencyKey };
}

export const startBuildFields = ["source", "branch", "commit", "pullRequest", "tag", "parameters", "skipCaches", "idempotencyKey"] as const;

/** "Share with testers": how many days the link works. */
export const shareBuildSchema = z.object({
  // What testers read as "What's new" on the link's page; empty: nothing.
  notes: z
    .string()
    // Counted as the field counts it: a form posts each line break as two characters (CR LF).
    .refine((value) => value.replace(/\r\n?/g, "\n").length <= SHARE_NOTES_MAX, `What's new must be at most ${SHARE_NOTES_MAX.toLocaleString("en")} characters`)
    .refine((value) => !CONTROL_EXCEPT_LINES.test(value), "What's new must not contain control characters")
    .transform((value) => value.replace(/\r\n?/g, "\n").trim())
    .optional()
    .default(""),
  days: z
    .string({ error: "Choose how long the link works" })
    .transform((value) => Number(value))
    .refine((days) => (SHARE_LIFETIMES as readonly number[]).includes(days), `The link works for ${SHARE_LIFETIMES.join(", ")} days: choose one`),
});

/** A profile's link to the newest build of a branch: the branch (short name) and how many days the link works. */
export const shareProfileSchema = z.object({
  branch: z
    .string({ error: "Name the branch whose builds the link opens" })
    .trim()
    .transform((value) => value.replace(/^refs\/heads\//, ""))
    .refine((value) => value !== "", "Name the branch whose builds the link opens, such as main")
    .refine((value) => value === "" || isBranchName(value), "Branch is not a valid Git branch name")
    .transform((value) => `refs/heads/${value}`),
  days: z
    .string({ error: "Choose how long the link works" })
    .transform((value) => Number(value))
    .refine((days) => (STANDING_SHARE_LIFETIMES as readonly number[]).includes(days), `The link works for ${STANDING_SHARE_LIFETIMES.join(", ")} days: choose one`),
});

/** Keep forever, or stop keeping (the button says which). */
export const keepBuildSchema = z.object({ keep: yesNoField });

/** The longest reason for pausing a profile's builds (shown on its page and its queued builds'). */
export const PAUSE_REASON_MAX = 200;

/** Pause a profile's builds (with why, optional), or resume them (the button says which). */
export const pauseBuildsSchema = z.object({
  pause: yesNoField,
  reason: z
    .string()
    .trim()
    .max(PAUSE_REASON_MAX, `Reason must be at most ${PAUSE_REASON_MAX} characters: say why in a few words, such as “Xcode 17 upgrade on the Macs”.`)
    .optional()
    .transform((value) => value || null),
});

/**
 * The largest build number Keel gives: Google Play's largest versionCode, so that a number used
 * as one is always accepted (and within PostgreSQL's integer with room for millions of builds).
 */
export const MAX_BUILD_NUMBER = 2_100_000_000;

/** "Next build number" on the workflow page (admins): where a profile's numbering continues. */
export const buildNumberSchema = z.object({
  nextNumber: z
    .string()
    .trim()
    .regex(/^\d{1,10}$/, "Next build number must be a whole number, such as 4513.")
    .transform(Number)
    .pipe(z.number().min(1, "Next build number must be 1 or more.").max(MAX_BUILD_NUMBER, "Next build number must be at most 2,100,000,000 (the largest version code Google Play accepts).")),
});

/** Rebuild: the key the page made, so a double click starts one build. */
/** "Cancel the queued builds" on /builds: every profile's, or the one the list is filtered by. */
export const cancelQueuedSchema = z.object({ profile: z.union([z.literal(""), z.uuid({ error: "Unknown build profile: reload the page and try again" })]).optional() });

export const rebuildSchema = z.object({ idempotencyKey: z.uuid({ error: "The form is stale: reload the page and try again" }) });

/** A variable in the workflow form: a secret one without a value keeps its stored value. */
export type WorkflowVariableInput = { name: string; isSecret: boolean; value: string | null };

/** `basedOn`: the version of the workflow the editor started from (lib/data/builds.ts, `workflowVersion`). */
/** `fetchSubmodules`, `fetchLfs`, `artifacts`, `variableGroups` or the caches absent: the stored setting stays (the editor always sends them). */
export type WorkflowInput = { steps: WorkflowStep[]; timeoutMinutes: number; fetchSubmodules?: boolean; fetchLfs?: boolean; artifacts?: string[]; cachePaths?: string[]; cacheKeyFiles?: string[]; variables: WorkflowVariableInput[]; variableGroups?: string[]; pool?: string; oneAtATime?: boolean; retryLostBuilds?: boolean; workflowFile?: string | null; basedOn?: string };

/** A variable as the workflow and variable-group editors send it. */
export const rawVariable = z.object({ name: z.string(), isSecret: z.boolean(), value: z.string().nullable() }).strict();

const rawWorkflow = z.object({
  steps: z.array(z.object({ name: z.string(), command: z.string(), always: z.boolean().optional(), continueOnError: z.boolean().optional(), retries: z.number().optional(), timeoutMinutes: z.number().nullable().optional() }).strict()).max(200),
  timeoutMinutes: z.union([z.number(), z.string()]),
  // Absent (an editor older than the setting): on, the default.
  fetchSubmodules: z.boolean().default(true),
  fetchLfs: z.boolean().optional(),
  artifacts: z.array(z.string()).max(1_000).optional(),
  /** Cache folders and key files, one per line in the editor; absent: the stored ones stay. */
  cachePaths: z.array(z.string()).max(1_000).optional(),
  cacheKeyFiles: z.array(z.string()).max(1_000).optional(),
  /** The build pool ("Runs on"); absent: the stored one stays. */
  pool: z.string().max(200).optional(),
  /** One build at a time; absent: the stored setting stays. */
  oneAtATime: z.boolean().optional(),
  /** Start a build again once when its worker is lost; absent: the stored setting stays. */
  retryLostBuilds: z.boolean().optional(),
  /** Steps from this file of the commit (null: the steps above); absent: the stored setting stays. */
  workflowFile: z.string().max(1_000).nullable().optional(),
  variables: z.array(rawVariable).max(500),
  /** The variable groups the profile uses (ids); absent: the stored links stay. */
  variableGroups: z.array(z.uuid()).max(200).optional(),
  basedOn: z.string().regex(/^[0-9a-f]{16}$/).optional(),
}).strict();

/**
 * Checks a list of variables (a workflow's or a variable group's), pushing one message per
 * problem that names the variable and says what to do; returns them trimmed.
 */
export function checkVariables(input: ReadonlyArray<z.infer<typeof rawVariable>>, errors: string[], owner: string): WorkflowVariableInput[] {
  if (input.length > WORKFLOW_LIMITS.variables) {
    errors.push(`${owner} has at most ${WORKFLOW_LIMITS.variables} variables.`);
  }
  const seen = new Set<string>();
  return input.map((variable, index) => {
    const name = variable.name.trim();
    const label = name ? `Variable ${name}` : `Variable ${index + 1}`;
    if (name === "") {
      errors.push(`${label}: the name is required.`);
    } else if (name.length > WORKFLOW_LIMITS.variableName || !VARIABLE_NAME.test(name)) {
      errors.push(`${label}: use letters, digits and underscores, not starting with a digit (at most ${WORKFLOW_LIMITS.variableName} characters).`);
    } else {
      const reserved = reservedVariableReason(name);
      if (reserved) {
        errors.push(`${label}: ${reserved}; choose another name.`);
      }
      if (seen.has(name)) {
        errors.push(`${label}: the name is used twice.`);
      }
      seen.add(name);
    }
    const value = variable.value;
    if (value !== null) {
      if (value.length > WORKFLOW_LIMITS.variableValue) {
        errors.push(`${label}: the value must be at most ${WORKFLOW_LIMITS.variableValue.toLocaleString("en")} characters.`);
      } else if (CONTROL_EXCEPT_LINES.test(value)) {
        errors.push(`${label}: the value must not contain control characters.`);
      } else if (variable.isSecret && value.length < WORKFLOW_LIMITS.secretMin) {
        errors.push(`${label}: a secret value needs at least ${WORKFLOW_LIMITS.secretMin} characters, or Keel could not mask it in logs.`);
      }
    } else if (!variable.isSecret) {
      errors.push(`${label}: enter a value (it may be empty text only for a secret you keep).`);
    }
    return { name, isSecret: variable.isSecret, value };
  });
}

/** A text area's lines: trimmed, blank ones dropped, repeats kept once. */
function lines(values: readonly string[]): string[] {
  return [...new Set(values.map((value) => value.trim()).filter((value) => value !== ""))];
}

/**
 * Checks a workflow's steps (the editor's, or a steps file's: lib/builds/workflow-file.ts),
 * reporting each problem with the index of the step it is about (-1: the list); returns them
 * trimmed, line breaks normalized.
 */
export function checkSteps(input: ReadonlyArray<{ name: string; command: string; always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number | null }>, report: (index: number, message: string) => void, commandWord = "command"): WorkflowStep[] {
  if (input.length === 0) {
    report(-1, "Add at least one step.");
  }
  if (input.length > WORKFLOW_LIMITS.steps) {
    report(-1, `A workflow has at most ${WORKFLOW_LIMITS.steps} steps.`);
  }
  return input.map((step, index) => {
    const label = `Step ${index + 1}`;
    const name = step.name.trim();
    const command = step.command.replace(/\r\n?/g, "\n").trim();
    if (name === "") {
      report(index, `${label}: the name is required.`);
    } else if (name.length > WORKFLOW_LIMITS.stepName) {
      report(index, `${label}: the name must be at most ${WORKFLOW_LIMITS.stepName} characters.`);
    } else if (CONTROL.test(name)) {
      report(index, `${label}: the name must not contain control characters or line breaks.`);
    }
    if (command === "") {
      report(index, `${label}${name ? ` (${name})` : ""}: the ${commandWord} is required.`);
    } else if (command.length > WORKFLOW_LIMITS.command) {
      report(index, `${label}: the ${commandWord} must be at most ${WORKFLOW_LIMITS.command.toLocaleString("en")} characters.`);
    } else if (CONTROL_EXCEPT_LINES.test(command)) {
      report(index, `${label}: the ${commandWord} must not contain control characters.`);
    }
    if (step.retries !== undefined && !(Number.isInteger(step.retries) && step.retries >= 0 && step.retries <= MAX_STEP_RETRIES)) {
      report(index, `${label}${name ? ` (${name})` : ""}: tries again 0 to ${MAX_STEP_RETRIES} times when it fails.`);
    }
    const { min, max } = WORKFLOW_LIMITS.timeoutMinutes;
    if (step.timeoutMinutes !== undefined && step.timeoutMinutes !== null && !(Number.isInteger(step.timeoutMinutes) && step.timeoutMinutes >= min && step.timeoutMinutes <= max)) {
      report(index, `${label}${name ? ` (${name})` : ""}: its time limit must be a whole number of minutes from ${min} to ${max}, or none.`);
    }
    return cleanStep({ name, command, always: step.always, continueOnError: step.continueOnError, retries: step.retries, timeoutMinutes: step.timeoutMinutes });
  });
}

/** Checks a workflow; every message names the step or variable and says what to do. */
export function checkWorkflow(raw: unknown): { ok: true; value: WorkflowInput } | { ok: false; errors: string[] } {
  const shape = rawWorkflow.safeParse(raw);
  if (!shape.success) {
    return { ok: false, errors: ["The workflow could not be read. Reload the page and try again."] };
  }
  const errors: string[] = [];
  const input = shape.data;
  const steps = checkSteps(input.steps, (_index, message) => errors.push(message));
  const minutes = typeof input.timeoutMinutes === "number" ? input.timeoutMinutes : Number(String(input.timeoutMinutes).trim() || "NaN");
  const { min, max } = WORKFLOW_LIMITS.timeoutMinutes;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max) {
    errors.push(`Time limit must be a whole number of minutes from ${min} to ${max}.`);
  }
  const variables = checkVariables(input.variables, errors, "A workflow");
  if (input.variableGroups && new Set(input.variableGroups).size > WORKFLOW_LIMITS.variableGroups) {
    errors.push(`A workflow uses at most ${WORKFLOW_LIMITS.variableGroups} variable groups.`);
  }
  let artifacts: string[] | undefined;
  if (input.artifacts) {
    // Blank lines are dropped and repeats kept once: the editor sends what the text area holds.
    artifacts = [...new Set(input.artifacts.map((pattern) => pattern.trim()).filter((pattern) => pattern !== ""))];
    if (artifacts.length > WORKFLOW_LIMITS.artifactPatterns) {
      errors.push(`Artifacts: at most ${WORKFLOW_LIMITS.artifactPatterns} patterns (a pattern like build/**/*.ipa matches many files).`);
    }
    for (const pattern of artifacts) {
      const problem = artifactPatternProblem(pattern);
      if (problem) {
        errors.push(`Artifact pattern “${pattern.slice(0, 60)}”: ${problem}.`);
      }
    }
  }
  const cachePaths = input.cachePaths ? lines(input.cachePaths) : undefined;
  const cacheKeyFiles = input.cacheKeyFiles ? lines(input.cacheKeyFiles) : undefined;
  if (cachePaths && cachePaths.length > WORKFLOW_LIMITS.cachePaths) {
    errors.push(`Caches: at most ${WORKFLOW_LIMITS.cachePaths} folders.`);
  }
  if (cacheKeyFiles && cacheKeyFiles.length > WORKFLOW_LIMITS.cacheKeyFiles) {
    errors.push(`Cache key files: at most ${WORKFLOW_LIMITS.cacheKeyFiles}.`);
  }
  for (const folder of cachePaths ?? []) {
    const problem = cachePathProblem(folder, "folder");
    if (problem) {
      errors.push(`Cache folder “${folder.slice(0, 60)}”: ${problem}.`);
    }
  }
  for (const file of cacheKeyFiles ?? []) {
    const problem = cachePathProblem(file, "keyFile");
    if (problem) {
      errors.push(`Cache key file “${file.slice(0, 60)}”: ${problem}.`);
    }
  }
  if (cacheKeyFiles && cacheKeyFiles.length > 0 && (cachePaths ?? []).length === 0) {
    errors.push("Cache key files decide which cache fits: name the folders to cache too, or remove the key files.");
  }
  const pool = input.pool === undefined ? undefined : input.pool.trim().toLowerCase();
  const poolProblem = pool === undefined ? null : poolNameProblem(pool);
  if (poolProblem) {
    errors.push(`Runs on: ${poolProblem}.`);
  }
  const workflowFile = input.workflowFile === undefined || input.workflowFile === null ? input.workflowFile : input.workflowFile.trim();
  const fileProblem = workflowFile ? workflowFileProblem(workflowFile) : workflowFile === "" ? "name the file, for example keel.yml" : null;
  if (fileProblem) {
    errors.push(`Steps file: ${fileProblem}.`);
  }
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    value: { ...(pool ? { pool } : {}), ...(input.oneAtATime === undefined ? {} : { oneAtATime: input.oneAtATime }), ...(input.retryLostBuilds === undefined ? {} : { retryLostBuilds: input.retryLostBuilds }), ...(workflowFile === undefined ? {} : { workflowFile }), ...(cachePaths ? { cachePaths } : {}), ...(cacheKeyFiles ? { cacheKeyFiles } : {}), steps, timeoutMinutes: minutes, fetchSubmodules: input.fetchSubmodules, ...(input.fetchLfs === undefined ? {} : { fetchLfs: input.fetchLfs }), ...(artifacts ? { artifacts } : {}), variables, ...(input.variableGroups ? { variableGroups: [...new Set(input.variableGroups.map((id) => id.toLowerCase()))] } : {}), ...(input.basedOn ? { basedOn: input.basedOn } : {}) },
  };
}

/** The workflow form: one JSON field the editor builds (never echoed: it may carry secret values). */
export const workflowFormSchema = z.object({
  workflow: z
    .string({ error: "The workflow is missing: reload the page and try again" })
    .max(2_000_000, "The workflow is too large")
    .transform((text, ctx) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        ctx.addIssue({ code: "custom", message: "The workflow could not be read. Reload the page and try again." });
        return z.NEVER;
      }
      const checked = checkWorkflow(raw);
      if (!checked.ok) {
        for (const message of checked.errors) {
          ctx.addIssue({ code: "custom", message });
        }
        return z.NEVER;
      }
      return checked.value;
    }),
});

/** The /builds page's filters, read with parseListQuery (list-query.ts): a bad value is named and ignored. */
/**
 * A commit id or its start, as Azure DevOps and git show them (4 to 40 hexadecimal characters),
 * lowercased: the builds list's and the token API's commit filter. `must` is how the message
 * starts ("Commit must be" on a page, "must be" where the field's name is put in front).
 */
export function commitPrefixField(must: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[0-9a-f]{4,40}$/, `${must} 4 to 40 hexadecimal characters: a commit id or its start, such as 3cf776d9`);
}

/** The builds list's filters (the page and its CSV export alike). */
const buildFilterShape = {
  status: z.enum(BUILD_STATUSES as [BuildStatusValue, ...BuildStatusValue[]], { error: "Unknown build status" }).optional(),
  profile: z.uuid({ error: "Unknown build profile" }).optional(),
  branch: z
    .string()
    .max(250, "Branch must be at most 250 characters")
    .refine((value) => !CONTROL.test(value), "Branch must not contain control characters")
    .optional(),
  trigger: z.enum(BUILD_TRIGGERS as [BuildTriggerValue, ...BuildTriggerValue[]], { error: "Unknown trigger" }).optional(),
  commit: commitPrefixField("Commit must be").optional(),
  /** `mine`: builds the reader started, or of a commit with their e-mail as its author. */
  who: z.enum(["mine"], { error: "Who must be mine" }).optional(),
  /** Words of the commit's message (its first line, as kept) or its author's name: "which build has the login fix?". */
  q: listSearchField,
  /** Builds queued from the start of this day (UTC) … */
  from: dayFilterField("From", false).optional(),
  /** … to the end of this one. */
  to: dayFilterField("To", true).optional(),
  /** `true`: the builds kept forever (the ones a store got); `false`: those retention deletes. */
  kept: z.enum(["true", "false"], { error: "Kept must be true or false" }).optional(),
};

export const buildListQuerySchema = z.strictObject({ ...buildFilterShape, page: listPageField });
export type BuildListQuery = z.infer<typeof buildListQuerySchema>;

/** `GET /api/builds/export?…`: the page's filters, without its page. */
export const buildExportQuerySchema = z.strictObject(buildFilterShape);
export type BuildExportQuery = z.infer<typeof buildExportQuerySchema>;

/** "Find in the log": what to find in a build's log, as typed (spaces inside kept). */
export const logSearchSchema = z
  .string({ error: "type what to find in the log" })
  .max(200, "must be at most 200 characters")
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), "must not contain control characters")
  .refine((value) => value.trim() !== "", "type what to find in the log");
