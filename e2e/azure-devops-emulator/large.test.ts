import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { LARGE_PAT } from "./fixtures/large.js";
import { startEmulator } from "./index.js";
import { basic, request, values } from "./test-support.js";

/**
 * Large estates (1,000 / 10,000 / 50,000 repositories). Benchmarks print numbers; the
 * assertions are about counts only, never about time.
 */

const CASES: Array<[string, number, number]> = [
  ["large-1k", 40, 1_000],
  ["large-10k", 400, 10_000],
  ["large-50k", 2_000, 50_000],
];

describe("large fixtures", () => {
  for (const [name, projects, repositories] of CASES) {
    it(`${name}: starts, pages projects, lists every repository`, async () => {
      const started = performance.now();
      const handle = await startEmulator({ fixture: name });
      const startMs = performance.now() - started;
      try {
        const org = `${handle.servicesUrl ?? ""}/largeorg`;
        const headers = basic(LARGE_PAT);
        let pages = 0;
        let seen = 0;
        let token: string | undefined;
        const pagingStarted = performance.now();
        do {
          const page = await request(`${org}/_apis/projects?api-version=7.1${token === undefined ? "" : `&continuationToken=${token}`}`, { headers });
          seen += values(page).length;
          token = page.headers["x-ms-continuationtoken"] as string | undefined;
          pages += 1;
        } while (token !== undefined);
        const pagingMs = performance.now() - pagingStarted;
        expect(seen).toBe(projects);
        expect(pages).toBe(Math.ceil(projects / 100));
        const listStarted = performance.now();
        const all = await request(`${org}/_apis/git/repositories?api-version=7.1`, { headers });
        const listMs = performance.now() - listStarted;
        const list = values(all);
        expect(list).toHaveLength(repositories);
        const last = list[list.length - 1] as { project: { name: string }; name: string; id: string };
        const refs = await request(`${org}/${encodeURIComponent(last.project.name)}/_apis/git/repositories/${last.id}/refs?filter=heads/&api-version=7.1`, { headers });
        expect(values(refs).length).toBe(3);
        const memoryMb = process.memoryUsage().rss / 1024 / 1024;
        console.log(
          `[bench] ${name}: start ${startMs.toFixed(0)} ms; ${pages} project pages ${pagingMs.toFixed(0)} ms; ` +
            `org-wide repository list (${(all.text.length / 1024 / 1024).toFixed(1)} MiB) ${listMs.toFixed(0)} ms; rss ${memoryMb.toFixed(0)} MiB`,
        );
      } finally {
        await handle.stop();
      }
    }, 120_000);
  }
});
