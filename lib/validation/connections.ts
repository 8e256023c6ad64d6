import { X509Certificate } from "node:crypto";
import { z } from "zod";
import { listOrderField } from "./list-query";
import { normalizeServerUrl, pathNameProblem } from "@/lib/azure-devops/url";
import { calendarDate, textField } from "./form";

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const connectionNameField = textField("Connection Name", { max: 100 });

/** The server URL field: origin plus an optional path prefix (e.g. https://host/tfs). */
export const serverUrlField = z
  .string({ error: "Azure DevOps Server URL is required" })
  .max(500, "Azure DevOps Server URL must be at most 500 characters")
  .transform((value, ctx) => {
    const result = normalizeServerUrl(value);
    if (!result.ok) {
      ctx.addIssue({ code: "custom", message: result.reason });
      return z.NEVER;
    }
    return result.value;
  });

/**
 * What to say about a collection or organization typed as a path. `tfs/DefaultCollection` (as
 * some other tools ask for it) is the server's path prefix plus the collection: the message
 * proposes moving the prefix into the server URL (the form offers it as one click).
 */
export function collectionPathMessage(label: string, value: string): string {
  const segments = value.split(/[/\\]+/).filter((segment) => segment !== "");
  const last = segments.at(-1);
  if (label === "Organization" || segments.length < 2 || !last) {
    return `${label} is a single name, not a path: enter it without slashes (e.g. ${label === "Organization" ? "fabrikam" : "DefaultCollection"})`;
  }
  const prefix = segments.slice(0, -1).join("/");
  return `${label} is a single name, not a path. Move /${prefix} into the server URL (…/${prefix}) and enter ${last} here?`;
}

/** Collection (Server) or organization (Services) name: one path segment. */
export function collectionField(label: string) {
  return z
    .string({ error: `${label} is required` })
    .transform((value) => value.trim().replace(/^\/+|\/+$/g, ""))
    .pipe(
      z
        .string()
        .min(1, `${label} is required`)
        .max(100, `${label} must be at most 100 characters`)
        .refine((value) => !CONTROL.test(value), `${label} must not contain control characters`)
        .superRefine((value, ctx) => {
          if (/[/\\?#]/.test(value)) {
            ctx.addIssue({ code: "custom", message: collectionPathMessage(label, value) });
            return;
          }
          const problem = pathNameProblem(value);
          if (problem !== null) {
            ctx.addIssue({ code: "custom", message: problem.replace(/organization or collection name/, `${label.toLowerCase()} name`) });
          }
        }),
    );
}

/** The characters Azure DevOps puts in a Personal Access Token (52 base32 or 84 alphanumeric characters). */
export const PAT_CHARACTERS = /^[A-Za-z0-9]+$/;

/** A Personal Access Token: Azure DevOps issues 52- or 84-character tokens. */
export const patField = z
  .string({ error: "Personal Access Token is required" })
  .transform((value) => value.trim())
  .pipe(
    z
      .string()
      // An empty token gets one message, not "required" and "too short" at once.
      .min(1, { error: "Personal Access Token is required", abort: true })
      .min(20, "This is too short to be a Personal Access Token: copy the whole token from Azure DevOps")
      .max(512, "Personal Access Token must be at most 512 characters")
      .refine((value) => !/\s/.test(value) && !CONTROL.test(value), { error: "Personal Access Token must not contain spaces or line breaks", abort: true })
      .refine((value) => !/^(Basic|Bearer)\b/i.test(value), { error: "Paste only the token, without a Basic or Bearer prefix", abort: true })
      // Azure DevOps issues letters and digits only (docs/azure-devops-facts.md §3.5): anything
      // else is a copy mistake, or an attempt to smuggle something into the Authorization header.
      .refine((value) => PAT_CHARACTERS.test(value), "A Personal Access Token has only letters and digits: copy it again from Azure DevOps, without quotes or punctuation"),
  );

/** Optional expiry date the admin copies from Azure DevOps (yyyy-mm-dd). */
export const tokenExpiryField = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const trimmed = value?.trim();
    if (!trimmed) {
      return null;
    }
    const day = calendarDate(trimmed);
    if (!day) {
      ctx.addIssue({ code: "custom", message: "Token expiry date must be a real date like 2027-03-31" });
      return z.NEVER;
    }
    const date = new Date(day.getTime() + 86_399_000);
    if (date.getTime() < Date.now()) {
      ctx.addIssue({ code: "custom", message: "This date is in the past: the token has expired. Create a new token in Azure DevOps." });
      return z.NEVER;
    }
    if (date.getTime() > Date.now() + 3 * 366 * 24 * 3600 * 1000) {
      ctx.addIssue({ code: "custom", message: "Azure DevOps tokens last at most one year: check the date" });
      return z.NEVER;
    }
    return date;
  });

export const providerFields = ["provider"] as const;
export const providerSchema = z.object({
  provider: z.enum(["SERVICES", "SERVER"], { error: "Choose Azure DevOps Services or Azure DevOps Server" }),
});

export const methodFields = ["method"] as const;
export const methodSchema = z.object({
  method: z.enum(["PAT", "OAUTH", "SERVICE_PRINCIPAL"], { error: "Choose how Keel signs in to Azure DevOps" }),
});

export const patFormFields = ["name", "serverUrl", "collection", "token", "tokenExpiresAt"] as const;

/** The PAT form. On the wizard an empty token keeps the one already entered (`tokenOptional`). */
export function patFormSchema(options: { collectionLabel: string; tokenOptional: boolean }) {
  return z.object({
    name: connectionNameField,
    serverUrl: serverUrlField,
    collection: collectionField(options.collectionLabel),
    token: options.tokenOptional
      ? z
          .string()
          .optional()
          .transform((value) => value?.trim() || undefined)
          .pipe(patField.optional())
      : patField,
    tokenExpiresAt: tokenExpiryField,
  });
}

/**
 * The wizard's PAT form read leniently (text only): the action parses it with
 * `patFormSchema` itself, so that a valid token is kept in the draft even when another field fails.
 */
export const patFormRawSchema = z.object({
  // No limits here: patFormSchema names each field's limit in its own words.
  name: z.string().optional(),
  serverUrl: z.string().optional(),
  collection: z.string().optional(),
  token: z.string().optional(),
  tokenExpiresAt: z.string().optional(),
  pastedRepository: z.string().optional(),
});

/** The wizard's PAT form: the saved connection's fields and the repository of a pasted address. */
export const patWizardFields = [...patFormFields, "pastedRepository"] as const;

/**
 * The repository named by the address pasted into "Paste any URL" (hidden, filled by the form):
 * a hint for the picker, never an error. Anything that cannot be a repository name — too long,
 * control characters — is dropped (null), like an empty one.
 */
export const pastedRepositoryField = z
  .string()
  .optional()
  .transform((value) => {
    const name = value?.trim();
    return name && name.length <= 256 && !CONTROL.test(name) && !/[/\\]/.test(name) ? name : null;
  });

export const caUploadFields = ["caPem"] as const;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

/**
 * The one check of a CA bundle an admin uploads (wizard and saved connection alike): PEM
 * blocks only, at most 10, each a readable X.509 certificate that has not expired. Returns the
 * normalized bundle, or the message that names the problem.
 */
export function checkCaBundle(value: string, now: Date = new Date()): { ok: true; pem: string } | { ok: false; message: string } {
  const blocks = value.match(PEM_BLOCK);
  if (!blocks || blocks.length === 0) {
    return { ok: false, message: "This is not a PEM certificate: it must contain -----BEGIN CERTIFICATE-----. Export the CA certificate as Base-64 (PEM)." };
  }
  if (blocks.length > 10) {
    return { ok: false, message: "Upload at most 10 certificates" };
  }
  for (const [index, block] of blocks.entries()) {
    const which = blocks.length === 1 ? "This certificate" : `Certificate ${index + 1} of ${blocks.length} in the file`;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(block);
    } catch {
      return { ok: false, message: `${which} is not a readable X.509 certificate. Export the CA certificate as Base-64 encoded (PEM).` };
    }
    if (new Date(certificate.validTo).getTime() < now.getTime()) {
      return { ok: false, message: `${which} expired on ${certificate.validTo}. Export the server's current CA certificate.` };
    }
  }
  return { ok: true, pem: `${blocks.join("\n")}\n` };
}

export const caUploadSchema = z.object({
  caPem: z
    .string({ error: "Choose the server's CA certificate file (PEM)" })
    .max(64 * 1024, "The certificate file must be at most 64 KB")
    .transform((value, ctx) => {
      const checked = checkCaBundle(value);
      if (!checked.ok) {
        ctx.addIssue({ code: "custom", message: checked.message });
        return z.NEVER;
      }
      return checked.pem;
    }),
});

export const replaceTokenFields = ["token", "tokenExpiresAt"] as const;
/** Replace a PAT: the new token (checked by the doctor before it replaces the old one) and its expiry date. */
export const replaceTokenSchema = z.object({ token: patField, tokenExpiresAt: tokenExpiryField });

export const renameConnectionFields = ["name"] as const;
/** Rename a connection (OAuth connections have nothing else to edit). */
export const renameConnectionSchema = z.object({ name: connectionNameField });

export const changeOwnerFields = ["ownerId"] as const;
export const changeOwnerSchema = z.object({ ownerId: z.uuid({ error: "Choose the admin who will own this connection" }) });

export const deleteConnectionFields = ["confirmName"] as const;
/** Deleting asks for the connection's name, typed (compared exactly by the data layer). */
export const deleteConnectionSchema = z.object({
  confirmName: z
    .string({ error: "Type the connection's name to delete it" })
    .max(200, "Type the connection's name to delete it")
    .refine((value) => value.trim() !== "", "Type the connection's name to delete it"),
});

export const CONNECTION_SORTS = ["status", "name", "expiry", "checked", "profiles"] as const;
const STATUS_FILTERS = ["attention", "HEALTHY", "EXPIRING", "EXPIRED", "NEEDS_REAUTH", "UNREACHABLE", "CERTIFICATE_PROBLEM", "CREDENTIALS_UNREADABLE", "CREDENTIALS_MISSING"] as const;

/** `/connections?status=&sort=&order=`: bad values fall back to the defaults (the page says so). */
export const connectionListQuerySchema = z.strictObject({
  status: z.enum(STATUS_FILTERS, { error: "Unknown status" }).optional(),
  sort: z.enum(CONNECTION_SORTS, { error: "Unknown sort order" }).default("status"),
  order: listOrderField,
  /** Set by the delete action's redirect: the id of the connection just deleted (its name and disconnected profiles come from the audit log, never from the URL). */
  deleted: z.uuid({ error: "Unknown deleted connection" }).optional(),
});
export type ConnectionListQuery = z.infer<typeof connectionListQuerySchema>;
