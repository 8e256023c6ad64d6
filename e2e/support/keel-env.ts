// The environment Keel runs with during the browser tests: test mode, the e2e
// database, loopback calls allowed (that is how Keel reaches the emulator), and every
// Azure DevOps / Microsoft base URL pointed at the emulator.
import path from "node:path";
import { DEFAULT_ENTRA_APP, DEFAULT_LEGACY_APP, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { getToolingEnv } from "@/lib/env";
import { e2eDatabaseUrl, EMULATOR_URL, KEEL_PORT, KEEL_URL, SMTP_PORT } from "./settings";

/** Directory for Keel's data and logs during the e2e run. */
export function e2eDataDir(): string {
  return path.resolve(getToolingEnv().KEEL_E2E_DATA_DIR);
}

/** Keel's log file during the e2e run (tests read it to prove secrets never reach logs). */
export function e2eLogFile(): string {
  return path.join(e2eDataDir(), "keel.log");
}

/** Where the mail catcher writes every message it receives (one JSON file each). */
export function e2eMailDir(): string {
  return path.join(e2eDataDir(), "mail");
}

/** Environment variables for the Keel server under test. */
export function keelE2eEnvironment(): Record<string, string> {
  return {
    NODE_ENV: "test",
    PORT: String(KEEL_PORT),
    HOSTNAME: "127.0.0.1",
    KEEL_PUBLIC_URL: KEEL_URL,
    KEEL_DATA_DIR: e2eDataDir(),
    KEEL_LOG_FILE: e2eLogFile(),
    DATABASE_URL: e2eDatabaseUrl(),
    LOG_LEVEL: "debug",
    KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
    KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
    KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
    KEEL_EGRESS_ADDRESSES: "203.0.113.10,203.0.113.11",
    AZURE_DEVOPS_SERVICES_URL: EMULATOR_URL,
    AZURE_DEVOPS_VSSPS_URL: EMULATOR_URL,
    ENTRA_AUTHORITY_URL: EMULATOR_URL,
    // Managed identity through the emulator's instance metadata endpoint (the emulated Azure VM).
    KEEL_MANAGED_IDENTITY: "true",
    AZURE_INSTANCE_METADATA_URL: EMULATOR_URL,
    // Both OAuth providers, with the default fixture's apps (test data, not secrets).
    AZURE_DEVOPS_OAUTH_CLIENT_ID: DEFAULT_LEGACY_APP.clientId,
    AZURE_DEVOPS_OAUTH_CLIENT_SECRET: DEFAULT_LEGACY_APP.clientSecret,
    ENTRA_CLIENT_ID: DEFAULT_ENTRA_APP.clientId,
    ENTRA_CLIENT_SECRET: DEFAULT_ENTRA_APP.clientSecret,
    ENTRA_TENANT_ID: DEFAULT_TENANT_ID,
    // E-mail notices go to the mail catcher; scheduled checks are off (a run crossing a slot would
    // check every spec's connections at once): specs trigger checks through the job engine instead.
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    KEEL_MAIL_FROM: "Keel E2E <keel@keel.test>",
    KEEL_CONNECTION_CHECK_INTERVAL_SECONDS: "0",
  };
}
