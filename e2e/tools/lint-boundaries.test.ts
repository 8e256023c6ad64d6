import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ESLint, type Linter } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The boundary rules of eslint.config.mjs, proven on fixture files: ESLint's Node API lints
 * e2e/tools/fixtures/lint (a copy of the repository's layout that the main lint ignores) with
 * the repository's own configuration, and every fixture must produce exactly the boundary
 * errors listed here — the violating imports fail, line by line, and the allowed ones pass.
 */

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = path.join(root, "e2e/tools/fixtures/lint");
const BOUNDARY_RULES = new Set(["no-restricted-imports", "no-restricted-syntax", "no-restricted-properties"]);

type Expected = { rule?: string; lines: number[] };

const EXPECTED: Record<string, Expected> = {
  // A client component importing server code: Node built-ins, server-only, next/headers,
  // next-auth, Prisma, lib/db, lib/env, lib/data, a type from a server-only module, lib/auth, a
  // relative path around the rule, lib/validation (zod in the bundle), a re-export and a dynamic import.
  "components/bad-client-imports-server.tsx": { rule: "no-restricted-syntax", lines: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18] },
  // lib/actions only as action references: no default, namespace, non-Action or type imports, no re-export.
  "components/bad-client-imports-action-helpers.tsx": { rule: "no-restricted-syntax", lines: [2, 3, 4, 5, 6, 7] },
  "components/ok-client-imports.tsx": { lines: [] },
  "components/ok-server-component-imports-data.tsx": { lines: [] },
  // lib/data importing feature folders (and a relative path around the rule).
  "lib/data/bad-imports-features.ts": { rule: "no-restricted-imports", lines: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
  "lib/data/ok-imports.ts": { lines: [] },
  "lib/data/test-support.ts": { lines: [] },
  // lib/azure-devops importing Next.js, React, next-auth, server-only, the database or sessions.
  "lib/azure-devops/bad-imports-framework.ts": { rule: "no-restricted-imports", lines: [1, 2, 3, 4, 5, 6] },
  "lib/azure-devops/ok-imports.ts": { lines: [] },
  // Shipped code importing e2e/ (by alias or relative path), test frameworks or test kits.
  "app/bad-page-imports-e2e.tsx": { rule: "no-restricted-imports", lines: [1, 2, 3, 4, 5] },
  "lib/kit/test-kit.ts": { lines: [] },
  "e2e/ok-support-imports-e2e.ts": { lines: [] },
  // process.env outside lib/env.ts, in every form and every folder.
  "lib/bad-reads-env.ts": { lines: [1, 2, 4, 5, 6, 7, 8] },
  "e2e/bad-reads-env.ts": { rule: "no-restricted-properties", lines: [2] },
  "prisma/bad-reads-env.ts": { rule: "no-restricted-properties", lines: [1] },
  "bad-tool.config.ts": { rule: "no-restricted-properties", lines: [2] },
  "lib/env.ts": { lines: [] },
};

async function listFixtures(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => path.relative(fixtures, path.join(entry.parentPath, entry.name)))
    .sort();
}

let results: Map<string, Linter.LintMessage[]>;

beforeAll(async () => {
  const config = ((await import(pathToFileURL(path.join(root, "eslint.config.mjs")).href)) as { default: Linter.Config[] }).default;
  // overrideConfigFile: true makes the fixture folder the base path, so the config's path
  // patterns (lib/data/**, …) match the fixtures as they match the real folders.
  const eslint = new ESLint({ cwd: fixtures, overrideConfigFile: true, overrideConfig: config });
  const linted = await eslint.lintFiles(["."]);
  results = new Map(linted.map((result) => [path.relative(fixtures, result.filePath), result.messages]));
}, 120_000);

describe("lint boundaries (eslint.config.mjs)", () => {
  it("has an expectation for every fixture, and lints every fixture without a parse error", async () => {
    expect(await listFixtures(fixtures)).toEqual(Object.keys(EXPECTED).sort());
    expect([...results.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    const fatal = [...results.entries()].flatMap(([file, messages]) => messages.filter((message) => message.fatal).map((message) => `${file}: ${message.message}`));
    expect(fatal).toEqual([]);
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file}: ${expected.lines.length === 0 ? "passes" : `fails on lines ${expected.lines.join(", ")}`}`, () => {
      const boundary = (results.get(file) ?? []).filter((message) => message.ruleId !== null && BOUNDARY_RULES.has(message.ruleId));
      expect(boundary.map((message) => message.line)).toEqual(expected.lines);
      if (expected.rule) {
        expect(new Set(boundary.map((message) => message.ruleId))).toEqual(new Set([expected.rule]));
      }
      for (const message of boundary) {
        expect(message.severity).toBe(2);
      }
    });
  }

  it("the repository's own lint skips the fixtures (they violate the rules on purpose)", async () => {
    const eslint = new ESLint({ cwd: root });
    expect(await eslint.isPathIgnored(path.join(fixtures, "lib/bad-reads-env.ts"))).toBe(true);
    expect(await eslint.isPathIgnored(path.join(root, "lib/env.ts"))).toBe(false);
  });
});
