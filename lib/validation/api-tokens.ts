import { z } from "zod";
import { API_TOKEN_LIFETIMES, API_TOKEN_SHAPE, DEFAULT_API_TOKEN_DAYS } from "@/lib/shared/api-tokens";
import { buildParametersProblem } from "@/lib/shared/build-parameters";
import { BUILD_STATUSES, BUILD_TRIGGERS, type BuildStatusValue, type BuildTriggerValue } from "@/lib/shared/builds";
import { commitPrefixField, isBranchName, PAUSE_REASON_MAX } from "./builds";
import { dayFilterField, textField } from "./form";

// The API tokens page's form, and what Keel's token API (app/api/v1) accepts: every header,
// path part, query parameter and body field, with messages that name it and the fix (the
// route wrapper puts the field's name before a field's message: "branch is not …").

export const createApiTokenFields = ["name", "days", "readOnly"] as const;

/** A new token: what it is for, how many days it lasts, and whether it only reads. */
export const createApiTokenSchema = z.object({
  name: textField("Name", { max: 80 }),
  days: z
    .string({ error: "Choose how long the token lasts" })
    .optional()
    .transform((value, ctx) => {
      const days = value === undefined || value === "" ? DEFAULT_API_TOKEN_DAYS : Number(value);
      if (!(API_TOKEN_LIFETIMES as readonly number[]).includes(days)) {
        ctx.addIssue({ code: "custom", message: `Expires must be one of ${API_TOKEN_LIFETIMES.join(", ")} days` });
        return z.NEVER;
      }
      return days;
    }),
  readOnly: z
    .enum(["on"], { error: "Reload the page and try again" })
    .optional()
    .transform((value) => value === "on"),
});

/**
 * The Authorization header of an API request: `Bearer keel_…`. Null when it is missing or is
 * not a Keel token (the answer then says how to send one).
 */
export function bearerTokenOf(header: string | null): string | null {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  const token = match?.[1] ?? null;
  return token !== null && API_TOKEN_SHAPE.test(token) ? token : null;
}

/** `Idempotency-Key`: a retried request with the same key gets the same build. */
export const idempotencyKeyHeader = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces (a UUID is a good one)");

const branchField = z
  .string({ error: 'must be a branch name, like "main"' })
  .transform((value) => value.trim().replace(/^refs\/heads\//, ""))
  .refine(isBranchName, "is not a valid Git branch name");

/** A tag, by its name or its full ref: what a build starts from, and which builds made a release. */
const tagField = z
  .string({ error: 'must be a tag name, like "v2.4.0"' })
  .transform((value) => value.trim().replace(/^refs\/tags\//, ""))
  .refine(isBranchName, 'is not a valid Git tag name, like "v2.4.0"');

/**
 * POST /api/v1/profiles/{id}/builds: what to build. Nothing builds the default branch's tip; a
 * branch builds its tip; a commit (with the branch it belongs to, if given) builds that commit; a
 * tag builds the commit it names as a tag build; a pull request's number builds its merge commit
 * as a pull-request build.
 */
export const apiStartBuildBody = z
  .strictObject(
    {
      branch: branchField.optional(),
      commit: z
        .string({ error: "must be a full commit id: 40 hexadecimal characters" })
        .transform((value) => value.trim().toLowerCase())
        .refine((value) => /^[0-9a-f]{40}$/.test(value), "must be a full commit id: 40 hexadecimal characters")
        .optional(),
      tag: tagField.optional(),
      variables: z
        .record(z.string(), z.string({ error: "must map names to text values, like {\"DEPLOY\": \"testflight\"}" }), { error: 'must be an object of names and values, like {"DEPLOY": "testflight"}' })
        .transform((record, ctx) => {
          const parameters = Object.entries(record).map(([name, value]) => ({ name, value }));
          const problem = buildParametersProblem(parameters);
          if (problem) {
            ctx.addIssue({ code: "custom", message: `— ${problem}` });
            return z.NEVER;
          }
          return parameters;
        })
        .optional(),
      // false: a clean build (a release built from nothing cached, or past a cache that breaks builds): none restored, its own replaces the branch's.
      caches: z.boolean({ error: "must be true or false" }).optional(),
      pullRequest: z
        .number({ error: "must be the pull request's number, like 42" })
        .int("must be a whole number, like 42")
        .min(1, "must be 1 or more")
        .max(2_147_483_647, "is too large")
        .optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? 'The body must be a JSON object, like {"branch": "main"} (none, or {}, builds the default branch)' : undefined) },
  )
  .default({})
  .refine((value) => value.pullRequest === undefined || (value.branch === undefined && value.commit === undefined && value.tag === undefined), {
    message: "must be sent alone: Keel builds the pull request's own merge commit",
    path: ["pullRequest"],
  })
  .refine((value) => value.tag === undefined || value.branch === undefined, { message: "and branch cannot both be sent: a tag build has no branch", path: ["tag"] });

/**
 * POST /api/v1/profiles/{id}/pause: why (optional, as on the profile's page) — the profile's page,
 * a queued build's page and its commit status show it. No body pauses without a reason.
 */
export const apiPauseBody = z
  .strictObject(
    {
      reason: z
        .string({ error: 'must be text, like "Xcode 17 upgrade on the Macs"' })
        .trim()
        .max(PAUSE_REASON_MAX, `must be at most ${PAUSE_REASON_MAX} characters: say why in a few words`)
        .optional()
        .transform((value) => value || null),
    },
    { error: (issue) => (issue.code === "invalid_type" ? 'The body must be a JSON object, like {"reason": "Xcode 17 upgrade on the Macs"}, or none' : undefined) },
  )
  .prefault({});

/** GET /api/v1/profiles/{id}/builds: the newest builds, optionally of one branch or in one status. */
export const apiListBuildsQuery = z.strictObject({
  branch: branchField.optional(),
  commit: commitPrefixField("must be").optional(),
  tag: tagField.optional(),
  /** true: the builds kept forever (the ones a store got); false: the others. */
  kept: z.enum(["true", "false"], { error: "must be true or false" }).optional(),
  status: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine((value): value is BuildStatusValue => (BUILD_STATUSES as readonly string[]).includes(value), `must be one of ${BUILD_STATUSES.map((status) => status.toLowerCase()).join(", ")}`)
    .optional(),
  limit: z.coerce.number({ error: "must be a number from 1 to 50" }).int("must be a whole number").min(1, "must be 1 or more").max(50, "must be at most 50").default(10),
  /** Builds queued from the start of this day (UTC) to the end of `to`'s, as the builds page's filter. */
  from: dayFilterField(null, false).optional(),
  to: dayFilterField(null, true).optional(),
});

/** GET /api/v1/builds: the organization's newest builds, with the same filters and what started them (`trigger=comment`). */
export const apiListAllBuildsQuery = apiListBuildsQuery.extend({
  trigger: z
    .string()
    .transform((value) => value.toUpperCase())
    .refine((value): value is BuildTriggerValue => (BUILD_TRIGGERS as readonly string[]).includes(value), `must be one of ${BUILD_TRIGGERS.map((trigger) => trigger.toLowerCase()).join(", ")}`)
    .optional(),
});

/** Seconds `GET /api/v1/builds/{id}?wait=` may hold the answer until the build finishes. */
export const MAX_WAIT_SECONDS = 60;

/** GET /api/v1/builds/{id}: `wait` seconds (0–60) to hold the answer while the build has not finished. */
export const apiGetBuildQuery = z.strictObject({
  wait: z.coerce
    .number({ error: `must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}` })
    .int("must be a whole number of seconds")
    .min(0, "must be 0 or more")
    .max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS} (ask again to wait longer)`)
    .default(0),
});
