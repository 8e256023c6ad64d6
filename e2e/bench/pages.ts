// `npm run bench:pages [-- --runs 3] [--preset mobile|desktop]`: what each page costs a browser.
// A benchmark, not a test: it prints numbers and asserts nothing.
//
// It starts the organization `bench:load` uses (Keel as `npm start` runs it, a 10,000-repository
// listing, 120 build profiles, a connect-wizard draft at its Personal Access Token step) and, for
// the sign-in page, the connect page, the PAT form, the repository picker, the profile list and a
// profile page, measures:
//   first-load JS  every script the page's HTML loads, gzip-compressed (zlib's default level,
//                  the way Next.js reports "First Load JS"), and uncompressed;
//   HTML           the document as sent (gzip) — the picker's carries its first rows;
//   Lighthouse     (12, Debian's Chromium, headless) performance and accessibility scores,
//                  Largest Contentful Paint, Cumulative Layout Shift and Total Blocking Time, the
//                  median run of N by performance score. The default preset is Lighthouse's own
//                  default: a mid-range phone on a slow 4G network (simulated throttling, CPU
//                  slowed 4×), so the machine's load weighs on the scores: it is printed beside
//                  every row.
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Browser } from "@playwright/test";
import lighthouse, { type Flags } from "lighthouse";
import { findChromium } from "@/e2e/tools/chromium";
import { buildIfNeeded, freePort } from "@/lib/runtime/launcher";
import { startBenchOrganization, type BenchOrganization } from "./fixture";
import { get, kib, loadAverage, machineLine, markdownTable, ms, option, root } from "./support";

type Page = { name: string; path: string; signedIn: boolean };

type LighthouseRun = { performance: number; accessibility: number; lcpMs: number; cls: number; tbtMs: number; fcpMs: number };

type PageResult = {
  page: string;
  path: string;
  status: number;
  scripts: number;
  jsGzipBytes: number;
  jsBytes: number;
  htmlWireBytes: number;
  lighthouse: LighthouseRun;
  runs: LighthouseRun[];
  loadAverage: string;
};

function pages(organization: BenchOrganization): Page[] {
  return [
    { name: "sign-in", path: "/signin", signedIn: false },
    { name: "connect", path: "/connect", signedIn: true },
    { name: "PAT form", path: `/connect/${organization.draftId}/pat`, signedIn: true },
    { name: "picker", path: `/connections/${organization.connectionId}/repositories`, signedIn: true },
    { name: "profiles", path: "/profiles", signedIn: true },
    { name: "profile", path: `/profiles/${organization.profileId}`, signedIn: true },
  ];
}

/** The scripts a document loads (`<script src>`), deduplicated, in order. */
function scriptSources(html: string): string[] {
  const sources = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)].map((match) => match[1]!.replaceAll("&amp;", "&"));
  return [...new Set(sources)];
}

/** Every script the page's HTML loads: how many, gzip bytes (zlib default level) and raw bytes. */
async function firstLoadJs(baseUrl: string, html: string): Promise<{ scripts: number; gzip: number; raw: number }> {
  const sources = scriptSources(html);
  let gzip = 0;
  let raw = 0;
  for (const source of sources) {
    const answer = await get(new URL(source, baseUrl).toString(), { "accept-encoding": "identity" });
    if (answer.status !== 200) {
      throw new Error(`${source} answered ${answer.status}`);
    }
    const body = Buffer.from(answer.body, "utf8");
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  return { scripts: sources.length, gzip, raw };
}

/** One Lighthouse run against a Chromium listening for DevTools on `port`. */
async function lighthouseRun(url: string, port: number, cookie: string | undefined, preset: string): Promise<LighthouseRun> {
  const flags: Flags = { port, output: "json", logLevel: "error", onlyCategories: ["performance", "accessibility"], ...(cookie ? { extraHeaders: { Cookie: cookie } } : {}) };
  const config = preset === "desktop" ? { extends: "lighthouse:default", settings: { formFactor: "desktop" as const, screenEmulation: { mobile: false, width: 1350, height: 940, deviceScaleFactor: 1, disabled: false }, throttling: { rttMs: 40, throughputKbps: 10_240, cpuSlowdownMultiplier: 1, requestLatencyMs: 0, downloadThroughputKbps: 0, uploadThroughputKbps: 0 } } } : undefined;
  const result = await lighthouse(url, flags, config);
  if (!result) {
    throw new Error(`Lighthouse gave no result for ${url}`);
  }
  const { lhr } = result;
  if (lhr.runtimeError) {
    throw new Error(`Lighthouse failed on ${url}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
  }
  const numeric = (id: string) => lhr.audits[id]?.numericValue ?? Number.NaN;
  return {
    performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    accessibility: Math.round((lhr.categories.accessibility?.score ?? 0) * 100),
    lcpMs: numeric("largest-contentful-paint"),
    cls: numeric("cumulative-layout-shift"),
    tbtMs: numeric("total-blocking-time"),
    fcpMs: numeric("first-contentful-paint"),
  };
}

/** The run with the median performance score. */
function medianRun(runs: LighthouseRun[]): LighthouseRun {
  const sorted = [...runs].sort((a, b) => a.performance - b.performance);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const runs = Number(option("runs", "3"));
  const preset = option("preset", "mobile");
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error("bench:pages needs Chromium (Debian's chromium package, or CHROMIUM_PATH)");
  }
  console.log("▶ building Keel if the sources changed");
  await buildIfNeeded();
  console.log("▶ starting Keel and seeding the organization (10,000 repositories, 120 profiles)");
  const organization = await startBenchOrganization({ users: 1, webConcurrency: os.availableParallelism() });
  const debuggingPort = await freePort();
  let browser: Browser | undefined;
  const results: PageResult[] = [];
  try {
    browser = await chromium.launch({
      executablePath,
      args: [`--remote-debugging-port=${debuggingPort}`, "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--no-sandbox"],
    });
    const cookie = organization.cookies[0]!;
    for (const page of pages(organization)) {
      const url = `${organization.keel.url}${page.path}`;
      const headers = { "accept-encoding": "gzip", ...(page.signedIn ? { cookie } : {}) };
      const document = await get(url, headers);
      if (document.status !== 200) {
        throw new Error(`${page.path} answered ${document.status}`);
      }
      const js = await firstLoadJs(organization.keel.url, document.body);
      const lighthouseRuns: LighthouseRun[] = [];
      for (let run = 0; run < runs; run += 1) {
        process.stdout.write(`\r  ${page.name}: Lighthouse run ${run + 1}/${runs}   `);
        lighthouseRuns.push(await lighthouseRun(url, debuggingPort, page.signedIn ? cookie : undefined, preset));
      }
      process.stdout.write("\n");
      results.push({
        page: page.name,
        path: page.path,
        status: document.status,
        scripts: js.scripts,
        jsGzipBytes: js.gzip,
        jsBytes: js.raw,
        htmlWireBytes: document.wireBytes,
        lighthouse: medianRun(lighthouseRuns),
        runs: lighthouseRuns,
        loadAverage: loadAverage(),
      });
    }
  } finally {
    await browser?.close();
    await organization.stop();
  }

  console.log(`\nPages (first-load JavaScript, and Lighthouse 12's ${preset} preset, median of ${runs} runs by performance score):\n`);
  console.log(
    markdownTable(
      ["page", "first-load JS (gzip)", "JS uncompressed", "HTML (gzip)", "performance", "accessibility", "LCP", "CLS", "TBT", "load average"],
      results.map((result) => [
        result.page,
        `${kib(result.jsGzipBytes)} (${result.scripts} scripts)`,
        kib(result.jsBytes),
        kib(result.htmlWireBytes),
        String(result.lighthouse.performance),
        String(result.lighthouse.accessibility),
        ms(result.lighthouse.lcpMs),
        result.lighthouse.cls.toFixed(3),
        ms(result.lighthouse.tbtMs),
        result.loadAverage,
      ]),
    ),
  );
  console.log(`\n${machineLine()}.`);
  await mkdir(path.join(root, "bench-results"), { recursive: true });
  await writeFile(path.join(root, "bench-results", "pages.json"), `${JSON.stringify({ when: new Date().toISOString(), machine: machineLine(), preset, runs, results }, null, 2)}\n`);
  console.log("raw numbers: bench-results/pages.json");
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
