// Where the end-to-end run's pieces listen, shared by playwright.config.ts, the
// fixtures and the specs.
import { getToolingEnv } from "@/lib/env";

const env = getToolingEnv();

export const KEEL_PORT = env.KEEL_E2E_PORT;
/**
 * Keel is served over HTTPS (e2e/tools/https-keel.ts): Azure DevOps OAuth apps accept only
 * https callbacks (https://localhost is allowed), and the secure cookies are the production ones.
 */
export const KEEL_URL = `https://localhost:${KEEL_PORT}`;
export const EMULATOR_BASE_PORT = env.KEEL_E2E_EMULATOR_PORT;
/** The mail catcher (e2e/tools/mail-catcher.ts) Keel sends its e-mails to during the browser tests. */
export const SMTP_PORT = env.KEEL_E2E_SMTP_PORT ?? KEEL_PORT + 1;
export const EMULATOR_URL = `http://127.0.0.1:${EMULATOR_BASE_PORT}`;

/** The e2e database (the test orchestrator creates it and starts PostgreSQL). */
export function e2eDatabaseUrl(): string {
  const url = env.KEEL_E2E_DATABASE_URL;
  if (!url) {
    throw new Error("KEEL_E2E_DATABASE_URL is not set. Run the browser tests through `npm test` (or `npm test -- e2e`), which starts PostgreSQL.");
  }
  return url;
}

/** The admin created by the first-run spec; later specs sign in as this person. */
export const FIRST_ADMIN = {
  organizationName: "Keel E2E Mobile",
  name: "Ada Admin",
  email: "ada.admin@keel.test",
  password: "tangerine orbit kettle",
} as const;
