// Chat messages about builds (lib/builds/README.md, "Chat"): a profile posts to a Slack or
// Microsoft Teams channel through the channel's incoming-webhook URL. Pure: the form, the page and
// the sender share what a URL is and what is sent to it.

export type ChatService = "slack" | "teams" | "generic";

export type ChatMessage = {
  /** One line: "❌ Wallet iOS #12 failed". */
  title: string;
  /** More lines (the reason, the commit, the branch). */
  lines: string[];
  /** The build's page. */
  link: { label: string; url: string } | null;
};

/** Which format a webhook URL takes, from its host. */
export function chatServiceOf(url: URL): ChatService {
  const host = url.hostname.toLowerCase();
  if (host === "hooks.slack.com") {
    return "slack";
  }
  // Teams' Workflows webhooks (Power Automate) and the older Office 365 connectors.
  if (host.endsWith(".logic.azure.com") || host.endsWith(".powerplatform.com") || host.endsWith(".webhook.office.com") || host === "outlook.office.com") {
    return "teams";
  }
  return "generic";
}

const NAMES: Record<ChatService, string> = { slack: "Slack", teams: "Microsoft Teams", generic: "Webhook" };

/** What pages show instead of the URL (the URL is the credential): "Slack · hooks.slack.com". */
export function chatLabel(url: URL): string {
  return `${NAMES[chatServiceOf(url)]} · ${url.host}`;
}

/** Slack's mrkdwn escapes (&, <, >): a commit message cannot turn into a link or a mention. */
function slackText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The JSON body for the service: Slack's `text` (mrkdwn, link as <url|label>); for Teams an
 * Adaptive Card in a message attachment (what Workflows webhooks take); anything else gets a plain
 * `text` with the link written out, and the fields separately.
 */
export function chatPayload(service: ChatService, message: ChatMessage): Record<string, unknown> {
  if (service === "slack") {
    const link = message.link ? `\n<${message.link.url}|${slackText(message.link.label)}>` : "";
    return { text: [`*${slackText(message.title)}*`, ...message.lines.map(slackText)].join("\n") + link };
  }
  if (service === "teams") {
    return {
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          contentUrl: null,
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: message.title, weight: "Bolder", wrap: true },
              ...message.lines.map((line) => ({ type: "TextBlock", text: line, wrap: true, spacing: "Small" })),
            ],
            ...(message.link ? { actions: [{ type: "Action.OpenUrl", title: message.link.label, url: message.link.url }] } : {}),
          },
        },
      ],
    };
  }
  return {
    text: [message.title, ...message.lines, ...(message.link ? [`${message.link.label}: ${message.link.url}`] : [])].join("\n"),
    title: message.title,
    lines: message.lines,
    url: message.link?.url ?? null,
  };
}
