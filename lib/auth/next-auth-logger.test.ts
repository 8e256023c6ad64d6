import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configureLogger } from "@/lib/logger";

const dir = await mkdtemp(path.join(os.tmpdir(), "keel-nextauth-log-"));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("next-auth's log lines", () => {
  it("keep next-auth's error code and drop its metadata", async () => {
    const file = path.join(dir, "keel.log");
    // Before options.ts is loaded: its child logger is made at import.
    configureLogger("debug", file);
    const { nextAuthLogger } = await import("./options");
    nextAuthLogger.error("OAUTH_CALLBACK_ERROR", { error: new Error("invalid_grant"), providerResponse: { access_token: "at-secret-value" } });
    nextAuthLogger.warn("NEXTAUTH_URL");
    const lines = (await readFile(file, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.nextAuthCode)).toEqual(["OAUTH_CALLBACK_ERROR", "NEXTAUTH_URL"]);
    expect(lines.map((line) => line.msg)).toEqual(["next-auth error", "next-auth warning"]);
    expect(JSON.stringify(lines)).not.toContain("at-secret-value");
  });
});
