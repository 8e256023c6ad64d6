import { describe, expect, it } from "vitest";
import { chatFormSchema } from "@/lib/validation/chat";
import { chatLabel, chatPayload, chatServiceOf, type ChatMessage } from "./chat";

const message: ChatMessage = { title: "❌ Wallet #12 failed", lines: ["Step “Test” failed.", "main · 0123abcd Fix <b> & co"], link: { label: "Open the build in Keel", url: "https://keel.example/builds/x" } };

describe("chat messages", () => {
  it("knows Slack and Teams webhooks by their host, and labels a URL without its secret path", () => {
    expect(chatServiceOf(new URL("https://hooks.slack.com/services/T0/B0/XYZ"))).toBe("slack");
    expect(chatServiceOf(new URL("https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s"))).toBe("teams");
    expect(chatServiceOf(new URL("https://contoso.webhook.office.com/webhookb2/abc"))).toBe("teams");
    expect(chatServiceOf(new URL("https://chat.example.com/hooks/abc"))).toBe("generic");
    expect(chatLabel(new URL("https://hooks.slack.com/services/T0/B0/XYZ"))).toBe("Slack · hooks.slack.com");
    expect(chatLabel(new URL("https://prod-12.westeurope.logic.azure.com:443/workflows/abc"))).toBe("Microsoft Teams · prod-12.westeurope.logic.azure.com");
  });

  it("Slack gets mrkdwn text with the link, its control characters escaped", () => {
    expect(chatPayload("slack", message)).toEqual({ text: "*❌ Wallet #12 failed*\nStep “Test” failed.\nmain · 0123abcd Fix &lt;b&gt; &amp; co\n<https://keel.example/builds/x|Open the build in Keel>" });
  });

  it("Teams gets an Adaptive Card with the link as its action", () => {
    const payload = chatPayload("teams", message) as { type: string; attachments: { contentType: string; content: { type: string; body: { text: string }[]; actions: { type: string; url: string }[] } }[] };
    expect(payload.type).toBe("message");
    expect(payload.attachments[0]!.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(payload.attachments[0]!.content.body.map((block) => block.text)).toEqual([message.title, ...message.lines]);
    expect(payload.attachments[0]!.content.actions).toEqual([{ type: "Action.OpenUrl", title: "Open the build in Keel", url: "https://keel.example/builds/x" }]);
  });

  it("anything else gets plain text and the fields", () => {
    expect(chatPayload("generic", message)).toEqual({
      text: "❌ Wallet #12 failed\nStep “Test” failed.\nmain · 0123abcd Fix <b> & co\nOpen the build in Keel: https://keel.example/builds/x",
      title: message.title,
      lines: message.lines,
      url: "https://keel.example/builds/x",
    });
  });

  it("the form takes an http(s) webhook URL or nothing (keep the stored one), and names what is wrong", () => {
    expect(chatFormSchema.parse({ webhookUrl: " https://hooks.slack.com/services/T0/B0/XYZ ", notify: "changes" }).webhookUrl?.toString()).toBe("https://hooks.slack.com/services/T0/B0/XYZ");
    expect(chatFormSchema.parse({ webhookUrl: "", notify: "all" })).toEqual({ webhookUrl: null, notify: "all" });
    const issue = (input: Record<string, string>) => chatFormSchema.safeParse({ notify: "changes", ...input }).error?.issues.map((item) => [item.path.join("."), item.message]);
    expect(issue({ webhookUrl: "hooks.slack.com/services/x" })).toEqual([["webhookUrl", "Webhook URL must be the channel's incoming-webhook address, starting with https://"]]);
    expect(issue({ webhookUrl: "ftp://example.com/x" })).toEqual([["webhookUrl", "Webhook URL must start with https://"]]);
    expect(issue({ webhookUrl: "https://user:pw@example.com/x" })).toEqual([["webhookUrl", "Webhook URL must not contain a user name or password"]]);
    expect(issue({ notify: "some" })).toEqual([["notify", "Choose which builds are posted"]]);
  });
});
