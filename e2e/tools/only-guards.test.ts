import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { childProcessEnv } from "@/lib/env";

/**
 * A stray `.only` must fail the run instead of silently skipping the rest of the suite:
 * Keel's own Vitest and Playwright configurations are run on fixtures that contain one
 * (e2e/tools/fixtures/only, narrowed so no database, browser or server is needed).
 */

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = "e2e/tools/fixtures/only";

function run(cli: string, args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, cli), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    // The Playwright config builds Keel's server environment at load time (never started here);
    // Vitest's own variables are dropped so the nested run is a plain one.
    env: childProcessEnv({ KEEL_E2E_DATABASE_URL: "postgresql://unused@127.0.0.1:1/unused", NO_COLOR: "1", FORCE_COLOR: "0" }, { withoutPrefix: "VITEST" }),
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("refusing .only", () => {
  it("Vitest (allowOnly: false) fails a run that contains it.only", () => {
    const refused = run("node_modules/vitest/vitest.mjs", ["run", "--config", `${fixtures}/vitest.config.ts`]);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("Unexpected .only modifier");
    // The same file passes when .only is allowed explicitly: the refusal is the configuration's.
    const allowed = run("node_modules/vitest/vitest.mjs", ["run", "--config", `${fixtures}/vitest.config.ts`, "--allowOnly"]);
    expect(allowed.output).toMatch(/1 passed/);
    expect(allowed.status).toBe(0);
  });

  it("Playwright (forbidOnly: true) fails a run that contains test.only", () => {
    const refused = run("node_modules/@playwright/test/cli.js", ["test", "--list", "--config", `${fixtures}/playwright.config.ts`]);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("item focused with '.only' is not allowed due to the 'forbidOnly' option");
    const allowed = run("node_modules/@playwright/test/cli.js", ["test", "--list", "--config", `${fixtures}/playwright.allow-only.config.ts`]);
    expect(allowed.output).toContain("Total: 2 tests in 1 file");
    expect(allowed.status).toBe(0);
  });
});
