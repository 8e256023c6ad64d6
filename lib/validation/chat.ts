// The chat card of a build profile (lib/builds/README.md, "Chat"): a channel's incoming-webhook URL
// (secret: never echoed back) and which builds are posted.
import { z } from "zod";

export const chatFields = ["webhookUrl", "notify"] as const;

export const chatFormSchema = z.object({
  /** Empty: keep the stored URL (only `notify` changes). */
  webhookUrl: z
    .string()
    .trim()
    .max(2_000, "Webhook URL must be at most 2,000 characters")
    .optional()
    .transform((text, ctx) => {
      if (!text) {
        return null;
      }
      let url: URL;
      try {
        url = new URL(text);
      } catch {
        ctx.addIssue({ code: "custom", message: "Webhook URL must be the channel's incoming-webhook address, starting with https://" });
        return z.NEVER;
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") {
        ctx.addIssue({ code: "custom", message: "Webhook URL must start with https://" });
        return z.NEVER;
      }
      if (url.username || url.password) {
        ctx.addIssue({ code: "custom", message: "Webhook URL must not contain a user name or password" });
        return z.NEVER;
      }
      return url;
    }),
  notify: z.enum(["changes", "all"], { error: "Choose which builds are posted" }),
});
