// The chat card of a build profile (lib/builds/README.md, "Chat"): a channel's incoming-webhook URL
// (secret: never echoed back) and which builds are posted.
import { z } from "zod";
import { parseWebhookUrl } from "./webhooks";

export const chatFields = ["webhookUrl", "notify"] as const;

export const chatFormSchema = z.object({
  /** Empty: keep the stored URL (only `notify` changes). */
  webhookUrl: z
    .string()
    .trim()
    .max(2_000, "Webhook URL must be at most 2,000 characters")
    .optional()
    .transform((text, ctx) => (text ? parseWebhookUrl(text, ctx, "Webhook URL", "the channel's incoming-webhook address") : null)),
  notify: z.enum(["changes", "all"], { error: "Choose which builds are posted" }),
});
