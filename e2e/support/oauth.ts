// Helpers for the OAuth journeys: walk the wizard to the consent page, answer the emulator's
// consent page like a person, and read what Keel stored (opened with the server's keyring, so
// a test proves a sealed column holds the right secret without printing it).
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { decode } from "next-auth/jwt";
import { DEFAULT_ENTRA_APP, DEFAULT_LEGACY_APP, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { openFor } from "./connections";
import { prisma } from "./db";
import { emulator } from "./emulator";
import { e2eDataDir } from "./keel-env";

export type ProviderCase = {
  id: "azure-devops" | "microsoft-entra-id";
  label: string;
  /** The emulator's name for the provider (control API). */
  emulator: "legacy" | "entra";
  clientId: string;
  /** Path of its token endpoint on the emulator. */
  tokenPath: string;
};

export const PROVIDERS: ProviderCase[] = [
  { id: "microsoft-entra-id", label: "Microsoft Entra ID", emulator: "entra", clientId: DEFAULT_ENTRA_APP.clientId, tokenPath: `/${DEFAULT_TENANT_ID}/oauth2/v2.0/token` },
  { id: "azure-devops", label: "Azure DevOps OAuth", emulator: "legacy", clientId: DEFAULT_LEGACY_APP.clientId, tokenPath: "/oauth2/token" },
];

/** From /connect to the OAuth step: Azure DevOps Services, OAuth2. Returns the draft id. */
export async function openOAuthStep(page: Page): Promise<string> {
  await page.goto("/connect");
  await page.getByRole("radio", { name: /Azure DevOps Services/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/method$/);
  await page.getByRole("radio", { name: /Get Repositories from Azure DevOps \(OAuth2\)/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/oauth$/);
  return /\/connect\/([0-9a-f-]{36})\//.exec(page.url())![1]!;
}

/** On the OAuth step: picks the provider and leaves for its consent page. */
export async function continueToConsent(page: Page, provider: ProviderCase): Promise<void> {
  await page.getByRole("radio", { name: new RegExp(`^${provider.label}`) }).check();
  await page.getByRole("button", { name: "Continue to sign in" }).click();
  await expectConsentPage(page);
}

/** The emulator's consent page is showing (another origin than Keel). */
export async function expectConsentPage(page: Page): Promise<void> {
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/authorize application|permissions requested/);
  await expect(page.getByRole("list", { name: "Requested permissions" })).toBeVisible();
}

/** Answers the consent page as one of the fixture's users. */
export async function answerConsent(page: Page, user: { displayName: string; email: string }, decision: "Accept" | "Deny"): Promise<void> {
  await page.getByRole("radio", { name: `${user.displayName} (${user.email})` }).check();
  await page.getByRole("button", { name: decision }).click();
}

/** The user's linked identities with their sealed columns (as stored). */
export async function accountsOf(userId: string) {
  return prisma().account.findMany({
    where: { userId },
    select: { id: true, userId: true, provider: true, providerAccountId: true, access_token: true, refresh_token: true, id_token: true, tokenVersion: true, refreshFailedAt: true, expires_at: true },
  });
}

/** Opens an Account's sealed tokens with the server's keyring. */
export function openAccountTokens(account: { id: string; access_token: string | null; refresh_token: string | null }): { access: string; refresh: string } {
  return { access: openFor("Account", "access_token", account.id, account.access_token!), refresh: openFor("Account", "refresh_token", account.id, account.refresh_token!) };
}

/** Token-endpoint requests the emulator logged after `sinceSeq` (secrets masked by the emulator). */
export async function tokenRequests(provider: ProviderCase, sinceSeq = 0) {
  const entries = await emulator.requests({ path: provider.tokenPath, method: "POST" });
  return entries.filter((entry) => entry.seq > sinceSeq);
}

/** The sequence number of the provider's last logged token request (a baseline for later ones). */
export async function tokenRequestBaseline(provider: ProviderCase): Promise<number> {
  return (await tokenRequests(provider)).at(-1)?.seq ?? 0;
}

/** The claims of the page's Keel session cookie, decrypted with the server's session secret. */
export async function sessionClaims(page: Page): Promise<Record<string, unknown>> {
  const cookie = (await page.context().cookies()).find((candidate) => candidate.name.endsWith("next-auth.session-token"));
  expect(cookie, "a Keel session cookie").toBeDefined();
  const { sessionSecret } = JSON.parse(readFileSync(path.join(e2eDataDir(), "secrets.json"), "utf8")) as { sessionSecret: string };
  const claims = await decode({ token: cookie!.value, secret: sessionSecret });
  expect(claims, "a readable session").not.toBeNull();
  return claims as Record<string, unknown>;
}

/** The emulator's latest request sequence number: pass it as `since` to see only later requests. */
export async function emulatorRequestSeq(): Promise<number> {
  return (await emulator.requests()).at(-1)?.seq ?? 0;
}
