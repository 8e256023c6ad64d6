import { z } from "zod";
import { listOrderField, listPageField, listSearchField } from "./list-query";
import { CONTROL_OR_INVISIBLE, nameKey } from "@/lib/shared/names";
import { PLATFORMS, type PlatformValue } from "@/lib/shared/platforms";
import { textField } from "./form";

export { PLATFORMS, type PlatformValue } from "@/lib/shared/platforms";

const PLATFORM_VALUES = PLATFORMS.map((platform) => platform.value) as [PlatformValue, ...PlatformValue[]];

// Controls and invisible format characters: never part of a name or search term.
const CONTROL = CONTROL_OR_INVISIBLE;

/** An Azure DevOps id (GUID, any variant; Azure DevOps does not promise RFC 4122 versions). */
export const adoIdSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.guid({ error: "must be an Azure DevOps id (a GUID)" }));

/** A search term: trimmed, ≤ 200 characters, no control characters; NFC + lower-cased for matching. */
const searchTerm = z
  .string()
  .max(200, "must be at most 200 characters")
  .refine((value) => !CONTROL.test(value), "must not contain control characters")
  .transform((value) => nameKey(value.trim()))
  .optional();

/**
 * Git branch names (git check-ref-format, loosely): no spaces, no `..`, none of `~^:?*[\`,
 * no leading `-` or `/`, no trailing `/` `.` or `.lock`. `label` starts a form field's messages
 * ("Default branch is not…"); an API query's are prefixed with the parameter by queryErrors.
 */
const branchName = (label?: string) => {
  const subject = label ? `${label} ` : "";
  return z
    .string()
    .max(250, `${subject}must be at most 250 characters`)
    .refine((value) => !CONTROL.test(value), `${subject}must not contain control characters`)
    .refine((value) => !/[\s~^:?*[\\]/.test(value) && !value.includes("..") && !value.includes("@{") && !/^[-/]|[/.]$|\.lock$|\/\//.test(value), `${subject}is not a valid Git branch name`);
};

/** A form's optional default branch: trimmed, `refs/heads/` dropped, empty for none. */
const defaultBranchField = z
  .string()
  .optional()
  .transform((value) => {
    const trimmed = value?.trim().replace(/^refs\/heads\//, "");
    return trimmed ? trimmed : undefined;
  })
  .pipe(branchName("Default branch").optional());

/** Decodes a page cursor (base64url JSON `[key, id]`); fails on anything else. */
const pageCursor = z
  .string()
  .max(1_500, "is too long")
  .regex(/^[A-Za-z0-9_-]+$/, "is not a cursor Keel issued")
  .transform((value, ctx) => {
    try {
      const decoded = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown;
      if (Array.isArray(decoded) && decoded.length === 2 && typeof decoded[0] === "string" && typeof decoded[1] === "string" && decoded[0].length <= 1_000 && decoded[1].length <= 100) {
        return { key: decoded[0], id: decoded[1] };
      }
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: "is not a cursor Keel issued" });
    return z.NEVER;
  });

/** Encodes a keyset position for the next page. */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), "utf8").toString("base64url");
}

const limit = (max: number, fallback: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** `GET /api/connections/[id]/repositories`: every parameter checked, unknown ones refused. */
export const repositoryQuerySchema = z.strictObject({
  q: searchTerm,
  project: adoIdSchema.optional(),
  cursor: pageCursor.optional(),
  limit: limit(200, 50),
});
export type RepositoryQuery = z.infer<typeof repositoryQuerySchema>;

/**
 * The picker page's address (`/connections/[id]/repositories`), read with parseListQuery: the
 * wizard's step, and the search and project the picker writes back into it as they change.
 */
export const pickerPageQuerySchema = z.object({
  step: z.enum(["wizard"], { error: "Step must be wizard" }).optional(),
  q: listSearchField,
  project: z.string().trim().toLowerCase().pipe(z.guid({ error: "Project must be an Azure DevOps project id (a GUID)" })).optional(),
});

/** `GET /api/connections/[id]/projects`. */
export const projectQuerySchema = z.strictObject({
  q: searchTerm,
  cursor: pageCursor.optional(),
  limit: limit(500, 100),
});
export type ProjectQuery = z.infer<typeof projectQuerySchema>;

/** An Azure DevOps refs continuation token (opaque; base64-like). */
const adoContinuation = z
  .string()
  .max(2_000, "is too long")
  .regex(/^[A-Za-z0-9+/=_.-]+$/, "is not a continuation token Azure DevOps issued");

/** A route's `q` as typed (trimmed): what Azure DevOps or PostgreSQL search for, case-insensitively. */
export const searchParam = z
  .string()
  .max(200, "must be at most 200 characters")
  .refine((value) => !CONTROL.test(value), "must not contain control characters")
  .transform((value) => value.trim())
  .optional();

/** `GET …/branches`: search within branch names, Azure DevOps paging. */
export const branchQuerySchema = z.strictObject({
  q: searchParam,
  cursor: adoContinuation.optional(),
  limit: limit(1_000, 100),
});
export type BranchQuery = z.infer<typeof branchQuerySchema>;

/** `GET /api/profiles/[id]/commits`: the last N commits of one branch. */
export const commitQuerySchema = z.strictObject({
  branch: branchName().pipe(z.string().min(1, "is required")),
  top: limit(100, 100),
});
export type CommitQuery = z.infer<typeof commitQuerySchema>;

export const createProfileFields = ["name", "platform", "repositoryId", "defaultBranch", "idempotencyKey"] as const;

/** The create-profile form. The repository is re-checked against Azure DevOps by the action. */
export const createProfileSchema = z.object({
  name: textField("Name", { max: 100 }),
  platform: z.enum(PLATFORM_VALUES, { error: "Choose a target platform" }),
  repositoryId: z
    .string({ error: "Pick a repository from the list" })
    .trim()
    .toLowerCase()
    .pipe(z.guid({ error: "Pick a repository from the list" })),
  defaultBranch: defaultBranchField,
  idempotencyKey: z.uuid({ error: "The form is outdated. Reload the page and try again." }),
});
export type CreateProfileInput = z.infer<typeof createProfileSchema>;

export const PROFILE_SORTS = ["name", "created", "repository", "platform"] as const;

/** `/profiles?q=&platform=&sort=&order=&page=`, read with parseListQuery (list-query.ts). */
export const profileListQuerySchema = z.strictObject({
  q: listSearchField,
  // The filter form's "All platforms" submits `platform=`: parseListQuery reads an empty value as no filter.
  platform: z.enum(PLATFORM_VALUES, { error: "Unknown platform" }).optional(),
  sort: z.enum(PROFILE_SORTS, { error: "Unknown sort order" }).default("name"),
  order: listOrderField,
  page: listPageField,
  /** Only the profiles of this connection (its page links here when it has more than it shows). */
  connection: z.uuid({ error: "Unknown connection" }).optional(),
  /** `watched`: only the profiles the reader watches; `red`: only those whose default branch's newest build failed; `paused`: only those an admin paused. */
  show: z.enum(["watched", "red", "paused"], { error: "Show must be watched, red or paused" }).optional(),
  /** Set by the delete action's redirect: the id of the profile just deleted (its name comes from the audit log, never from the URL). */
  deleted: z.uuid({ error: "Unknown deleted profile" }).optional(),
});
export type ProfileListQuery = z.infer<typeof profileListQuerySchema>;

/** zod issues as `{ field: [messages] }` with the field name in each message (for JSON 400s). */
export function queryErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out[key.slice(0, 40)] = [`"${key.slice(0, 40)}" is not a parameter of this endpoint`];
      }
      continue;
    }
    const message = issue.code === "invalid_type" && issue.input !== undefined && Array.isArray(issue.input) ? "must be given once" : issue.message;
    if (issue.path.length === 0) {
      // About the whole query or body (a JSON body that is not an object): the message stands alone.
      (out._request ??= []).push(message);
      continue;
    }
    const field = String(issue.path[0]);
    (out[field] ??= []).push(`${field} ${message}`);
  }
  return out;
}

export const rebindProfileFields = ["connectionId"] as const;
/** Re-bind a profile: the connection that should reach its repository from now on. */
export const rebindProfileSchema = z.object({ connectionId: z.uuid({ error: "Choose a connection" }) });

export const editProfileFields = ["name", "platform", "defaultBranch"] as const;
/** Edit a profile: its name, target platform and default branch (empty: none). */
export const editProfileSchema = z.object({
  name: textField("Name", { max: 100 }),
  platform: z.enum(PLATFORM_VALUES, { error: "Choose a target platform" }),
  defaultBranch: defaultBranchField,
});
export type EditProfileInput = z.infer<typeof editProfileSchema>;

export const duplicateProfileFields = ["name", "idempotencyKey"] as const;
/** Copy a profile: the copy's name, and the form's key (a double click makes one copy). */
export const duplicateProfileSchema = z.object({
  name: textField("Name", { max: 100 }),
  idempotencyKey: z.uuid({ error: "The form is stale: reload the page and try again" }),
});

/** Watch (or stop watching) a build profile: the button's hidden field. */
export const watchProfileSchema = z.object({ watch: z.enum(["no", "yes", "every"], { error: "Choose how to watch it: reload the page and try again" }) });
