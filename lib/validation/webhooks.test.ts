import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_WEBHOOK_PROFILES, webhookEditSchema, webhookFormSchema } from "./webhooks";

const A = "6f1c3a52-8d0e-4b7a-9c1d-2e3f4a5b6c7d";
const B = "0b5e2f11-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const form = { name: "Release dashboard", url: "https://hooks.example.com/keel?token=abc", finished: "on", profiles: "all" };

function errorsOf(result: ReturnType<typeof webhookFormSchema.safeParse>): Record<string, string[] | undefined> {
  return result.success ? {} : (z.flattenError(result.error).fieldErrors as Record<string, string[] | undefined>);
}

describe("a webhook form's events and profiles", () => {
  it("reads the chosen profiles once each", () => {
    expect(webhookFormSchema.parse({ ...form, profiles: JSON.stringify([A, B, A]) }).profileIds).toEqual([A, B]);
    expect(webhookEditSchema.parse({ ...form, url: "", profiles: JSON.stringify([B]) })).toMatchObject({ url: null, profileIds: [B] });
  });

  it("refuses no profile, too many, and a list it cannot read, naming the field and the fix", () => {
    expect(errorsOf(webhookFormSchema.safeParse({ ...form, profiles: "[]" })).profiles).toEqual(["Choose at least one build profile, or send the builds of all profiles"]);
    const many = Array.from({ length: MAX_WEBHOOK_PROFILES + 1 }, (_, index) => `00000000-0000-4000-8000-${index.toString().padStart(12, "0")}`);
    expect(errorsOf(webhookFormSchema.safeParse({ ...form, profiles: JSON.stringify(many) })).profiles).toEqual([`Choose at most ${MAX_WEBHOOK_PROFILES} build profiles, or send the builds of all profiles`]);
    for (const profiles of ["some", JSON.stringify(["not-an-id"]), JSON.stringify({ id: A }), undefined]) {
      expect(errorsOf(webhookFormSchema.safeParse({ ...form, profiles })).profiles).toEqual(["The chosen profiles could not be read: reload the page and try again"]);
    }
  });

  it("still asks for an event when the profiles are fine", () => {
    expect(errorsOf(webhookFormSchema.safeParse({ ...form, finished: undefined })).events).toEqual(["Choose at least one event to send"]);
  });
});

describe("the webhook form", () => {
  it("takes a name, an http(s) URL and at least one event", () => {
    const parsed = webhookFormSchema.safeParse({ name: " Release dashboard ", url: "https://hooks.example.com/keel?token=abc", finished: "on", queued: "on", profiles: "all" });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ name: "Release dashboard", events: ["build.queued", "build.finished"], profileIds: null });
    expect(parsed.data?.url.host).toBe("hooks.example.com");
  });

  it("names the field and the fix of each mistake", () => {
    const issues = (input: Record<string, string>) => (webhookFormSchema.safeParse({ profiles: "all", ...input }).error?.issues ?? []).map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(issues({ name: "Bot", url: "hooks.example.com", finished: "on" })).toEqual(["url: URL must be the address of the server that receives the events, starting with https://"]);
    expect(issues({ name: "Bot", url: "ftp://hooks.example.com", finished: "on" })).toEqual(["url: URL must start with https://"]);
    expect(issues({ name: "Bot", url: "https://user:pw@hooks.example.com", finished: "on" })).toEqual(["url: URL must not contain a user name or password"]);
    expect(issues({ name: "Bot", url: "https://hooks.example.com" })).toEqual(["events: Choose at least one event to send"]);
    expect(issues({ name: "Bot", url: "https://hooks.example.com", finished: "yes" })[0]).toMatch(/^finished: /);
    expect(issues({ name: "", url: "", finished: "on" }).map((issue) => issue.split(":")[0])).toEqual(["name", "url"]);
  });
});

describe("editing a webhook", () => {
  it("keeps the stored URL when none is pasted, and still wants an event", () => {
    expect(webhookEditSchema.parse({ name: "Bot", url: "", started: "on", profiles: "all" })).toEqual({ name: "Bot", url: null, events: ["build.started"], profileIds: null });
    expect(webhookEditSchema.parse({ name: "Bot", url: "https://new.example.com/h", finished: "on", profiles: "all" }).url?.host).toBe("new.example.com");
    expect(webhookEditSchema.safeParse({ name: "Bot", url: "", profiles: "all" }).error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([["events", "Choose at least one event to send"]]);
  });
});
