import { defineConfig } from "@playwright/test";
import { findChromium } from "@/e2e/tools/chromium";
import { getToolingEnv } from "@/lib/env";
import { EMULATOR_BASE_PORT, KEEL_PORT, KEEL_URL, SMTP_PORT } from "@/e2e/support/settings";
import { keelTls } from "@/e2e/support/https";
import { keelE2eEnvironment } from "@/e2e/support/keel-env";
import { OAUTH_PROVIDER_IDS } from "@/lib/oauth/config";

const env = getToolingEnv();
const chromium = findChromium();
// The harness's CA and Keel's certificate (made once per run, in the main process first).
const tls = keelTls();

// Run through `npm test` (e2e/tools/test.ts): it installs Chromium when missing,
// starts PostgreSQL, builds Keel and creates the e2e database.
export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  // A stray test.only would silently skip every other journey: refused everywhere, not only in CI.
  forbidOnly: true,
  workers: env.KEEL_E2E_WORKERS,
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: KEEL_URL,
    // Keel's certificate comes from the harness's own CA.
    ignoreHTTPSErrors: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      // Without these Chromium keeps trying to reach Google's services, which this
      // network refuses (ARCHITECTURE.md, "The toolchain, offline").
      args: ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--disable-features=Translate,MediaRouter,OptimizationHints", "--no-sandbox"],
    },
  },
  projects: [
    // The first-run journey needs an empty database; everything else builds on the
    // organization and admin it creates.
    { name: "first-run", testMatch: "first-run.spec.ts" },
    { name: "chromium", testIgnore: "first-run.spec.ts", dependencies: ["first-run"] },
  ],
  webServer: [
    {
      // Keel's e-mail notices land here (e2e/support/mail.ts reads them).
      command: "node node_modules/tsx/dist/cli.mjs e2e/tools/mail-catcher.ts",
      port: SMTP_PORT,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // Keel's OAuth callbacks are registered on the emulator's apps (exact match, like Microsoft);
      // the emulator trusts the harness's CA to read Keel's OpenID configuration (federated credentials).
      command: `node node_modules/tsx/dist/cli.mjs e2e/azure-devops-emulator/cli.ts --fixture default --port ${EMULATOR_BASE_PORT} ${OAUTH_PROVIDER_IDS.map((id) => `--redirect-uri ${KEEL_URL}/api/auth/callback/${id}`).join(" ")} --trust-ca ${tls.caPath}`,
      url: `http://127.0.0.1:${EMULATOR_BASE_PORT}/_emulator/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
    },
    {
      // `next start` on a free loopback port behind a TLS-terminating proxy on KEEL_PORT.
      command: "node node_modules/tsx/dist/cli.mjs e2e/tools/https-keel.ts",
      url: `${KEEL_URL}/api/health`,
      ignoreHTTPSErrors: true,
      reuseExistingServer: false,
      timeout: 120_000,
      env: keelE2eEnvironment(),
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    },
  ],
  metadata: { keelPort: KEEL_PORT },
});
