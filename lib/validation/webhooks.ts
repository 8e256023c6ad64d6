// Settings → Webhooks (lib/webhooks/README.md): a receiver's name, its URL (secret: it may carry a
// token, so it is never echoed back) and the events it gets.
import { z } from "zod";
import { WEBHOOK_EVENTS, type WebhookEvent } from "@/lib/shared/webhooks";
import { textField } from "./form";

/**
 * Checks a webhook address typed into a form (a chat channel's, a receiver's): http(s), no user
 * name or password. Where it may point (public addresses, the allowlist) the outbound guard
 * decides when Keel calls it. `example` says what kind of address is wanted.
 */
export function parseWebhookUrl(text: string, ctx: z.RefinementCtx, label: string, example: string): URL | typeof z.NEVER {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: "custom", message: `${label} must be ${example}, starting with https://` });
    return z.NEVER;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    ctx.addIssue({ code: "custom", message: `${label} must start with https://` });
    return z.NEVER;
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: "custom", message: `${label} must not contain a user name or password` });
    return z.NEVER;
  }
  return url;
}

/** The form's fields: one checkbox per event (a form sends a field once), the chosen profiles. */
export const webhookFields = ["name", "url", "queued", "started", "finished", "profiles"] as const;

/** How many profiles one webhook may name (more than that: all profiles). */
export const MAX_WEBHOOK_PROFILES = 200;

const PROFILES_STALE = "The chosen profiles could not be read: reload the page and try again";

/**
 * Which profiles' builds the webhook hears of: "all", or a JSON list of profile ids (the form's
 * picker writes it). Null means all of them, those added later too.
 */
const profilesField = z
  .string({ error: PROFILES_STALE })
  .max(100_000, PROFILES_STALE)
  .transform((text, ctx): string[] | null => {
    if (text === "all") {
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    const ids = z.array(z.uuid()).safeParse(raw);
    if (!ids.success) {
      ctx.addIssue({ code: "custom", message: PROFILES_STALE });
      return z.NEVER;
    }
    if (ids.data.length === 0) {
      ctx.addIssue({ code: "custom", message: "Choose at least one build profile, or send the builds of all profiles" });
      return z.NEVER;
    }
    if (new Set(ids.data).size > MAX_WEBHOOK_PROFILES) {
      ctx.addIssue({ code: "custom", message: `Choose at most ${MAX_WEBHOOK_PROFILES} build profiles, or send the builds of all profiles` });
      return z.NEVER;
    }
    return [...new Set(ids.data)];
  });

const checkbox = z.literal("on", { error: "is a checkbox: reload the page and try again" }).optional();

/** The events whose checkboxes were ticked, in Keel's order. */
function chosenEvents(form: { queued?: "on"; started?: "on"; finished?: "on" }): WebhookEvent[] {
  const chosen: Record<WebhookEvent, boolean> = { "build.queued": form.queued === "on", "build.started": form.started === "on", "build.finished": form.finished === "on" };
  return WEBHOOK_EVENTS.filter((event) => chosen[event]);
}

/** The receiver's address as the form has it (required for a new webhook, optional when editing). */
const RECEIVER = "the address of the server that receives the events";

/** A webhook form: its name, a URL field, the events' checkboxes; at least one event. */
function webhookSchema<U extends z.ZodType>(url: U) {
  return z
    .object({ name: textField("Name", { max: 80 }), url, queued: checkbox, started: checkbox, finished: checkbox, profiles: profilesField })
    .transform((form, ctx) => {
      const events = chosenEvents(form);
      if (events.length === 0) {
        ctx.addIssue({ code: "custom", path: ["events"], message: "Choose at least one event to send" });
        return z.NEVER;
      }
      // zod cannot name a generic field's output in the object's type: it is the URL schema's.
      return { name: form.name, url: (form as unknown as { url: z.output<U> }).url, events, profileIds: form.profiles };
    });
}

export const webhookFormSchema = webhookSchema(
  z
    .string({ error: "URL is required" })
    .trim()
    .min(1, "URL is required: the address Keel posts the events to")
    .max(2_000, "URL must be at most 2,000 characters")
    .transform((text, ctx) => parseWebhookUrl(text, ctx, "URL", RECEIVER)),
);

/** Editing a webhook: the same fields, but an empty URL keeps the stored one (it is never shown again). */
export const webhookEditSchema = webhookSchema(
  z
    .string()
    .trim()
    .max(2_000, "URL must be at most 2,000 characters")
    .optional()
    .transform((text, ctx) => (text ? parseWebhookUrl(text, ctx, "URL", RECEIVER) : null)),
);
