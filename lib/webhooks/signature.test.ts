import { describe, expect, it } from "vitest";
import { webhookFormSchema } from "@/lib/validation/webhooks";
import { signDelivery, verifyDelivery } from "./signature";

// Outgoing webhooks' signature (lib/webhooks/README.md, "Verifying a delivery") and the form.

describe("a delivery's signature", () => {
  const secret = "whsec_test-secret";
  const body = JSON.stringify({ event: "build.finished", build: { number: 7 } });
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const timestamp = now / 1_000;

  it("is HMAC-SHA256 of the timestamp, a dot and the body, in hex", () => {
    // Computed independently: printf '1796558400.{"event":"build.finished","build":{"number":7}}' | openssl dgst -sha256 -hmac whsec_test-secret
    expect(signDelivery(secret, timestamp, body)).toBe("sha256=d71b5941defa69b904246876966e7d1e9350fcebe3e608246cc5601ac926200c");
  });

  it("verifies what was signed, and nothing changed, late or signed with another secret", () => {
    const signature = signDelivery(secret, timestamp, body);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body, now)).toBe(true);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body.replace("7", "8"), now)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(timestamp + 1), signature }, body, now)).toBe(false);
    expect(verifyDelivery("whsec_other", { timestamp: String(timestamp), signature }, body, now)).toBe(false);
    // A captured delivery replayed six minutes later is refused.
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature }, body, now + 6 * 60_000)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: null, signature }, body, now)).toBe(false);
    expect(verifyDelivery(secret, { timestamp: String(timestamp), signature: null }, body, now)).toBe(false);
  });
});

describe("the webhook form", () => {
  it("takes a name, an http(s) URL and at least one event", () => {
    const parsed = webhookFormSchema.safeParse({ name: " Release dashboard ", url: "https://hooks.example.com/keel?token=abc", finished: "on", queued: "on" });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ name: "Release dashboard", events: ["build.queued", "build.finished"] });
    expect(parsed.data?.url.host).toBe("hooks.example.com");
  });

  it("names the field and the fix of each mistake", () => {
    const issues = (input: Record<string, string>) => (webhookFormSchema.safeParse(input).error?.issues ?? []).map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(issues({ name: "Bot", url: "hooks.example.com", finished: "on" })).toEqual(["url: URL must be the address of the server that receives the events, starting with https://"]);
    expect(issues({ name: "Bot", url: "ftp://hooks.example.com", finished: "on" })).toEqual(["url: URL must start with https://"]);
    expect(issues({ name: "Bot", url: "https://user:pw@hooks.example.com", finished: "on" })).toEqual(["url: URL must not contain a user name or password"]);
    expect(issues({ name: "Bot", url: "https://hooks.example.com" })).toEqual(["events: Choose at least one event to send"]);
    expect(issues({ name: "Bot", url: "https://hooks.example.com", finished: "yes" })[0]).toMatch(/^finished: /);
    expect(issues({ name: "", url: "", finished: "on" }).map((issue) => issue.split(":")[0])).toEqual(["name", "url"]);
  });
});

describe("editing a webhook", () => {
  it("keeps the stored URL when none is pasted, and still wants an event", async () => {
    const { webhookEditSchema } = await import("@/lib/validation/webhooks");
    expect(webhookEditSchema.parse({ name: "Bot", url: "", started: "on" })).toEqual({ name: "Bot", url: null, events: ["build.started"] });
    expect(webhookEditSchema.parse({ name: "Bot", url: "https://new.example.com/h", finished: "on" }).url?.host).toBe("new.example.com");
    expect(webhookEditSchema.safeParse({ name: "Bot", url: "" }).error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["events", "Choose at least one event to send"]]);
  });
});
