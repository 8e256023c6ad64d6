import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_USERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, seedPatConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { emulator, emulatorDeployment } from "./support/emulator";
import { e2eLogFile } from "./support/keel-env";
import { seedProfile } from "./support/profiles";
import {
  accountsOf,
  answerConsent,
  continueToConsent,
  emulatorRequestSeq,
  expectConsentPage,
  openAccountTokens,
  openOAuthStep,
  PROVIDERS,
  sessionClaims,
  tokenRequestBaseline,
  tokenRequests,
  type ProviderCase,
} from "./support/oauth";

// Connect by OAuth2, for both providers, against the emulator's consent pages.
//
// The emulator's grants belong to the Azure DevOps user and the app, and every test consents
// as Alex (or Nora), so the file runs serially. Each test has its own Keel admin; the
// identity is linked to that admin and goes with them when the test removes them.
test.describe.configure({ mode: "serial" });

const alex = DEFAULT_USERS.alex;
const nora = DEFAULT_USERS.nora;
type Admin = Awaited<ReturnType<typeof createUser>>;

let cleanup: (() => Promise<void>)[] = [];

test.afterEach(async () => {
  for (const step of cleanup.reverse()) {
    await step();
  }
  cleanup = [];
});

async function signedInAdmin(page: Page): Promise<Admin> {
  const admin = await createUser({ role: "ADMIN", name: "Olivia OAuth" });
  cleanup.push(async () => {
    for (const connection of await prisma().connection.findMany({ where: { OR: [{ ownerId: admin.id }, { account: { userId: admin.id } }] }, select: { id: true } })) {
      await removeConnection(connection.id);
    }
    await removeUser(admin.id);
  });
  await signInPage(page, admin.email, admin.password);
  return admin;
}

/** Wizard → consent (Accept) → the organizations page; returns the draft id. */
async function linkIdentity(page: Page, provider: ProviderCase, user: { displayName: string; email: string } = alex): Promise<string> {
  const draftId = await openOAuthStep(page);
  await continueToConsent(page, provider);
  await answerConsent(page, user, "Accept");
  await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/organizations$`));
  return draftId;
}

/** Organizations page: pick one, name the connection, run the check. */
async function chooseOrganization(page: Page, organization: string, name: string): Promise<void> {
  await page.getByRole("radio", { name: new RegExp(`^${organization}\\b`) }).check();
  await page.getByLabel("Connection Name").fill(name);
  await page.getByRole("button", { name: "Check connection" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/check/);
}

/** Check page: save; returns the saved connection (wherever the wizard continues to). */
async function save(page: Page, admin: Admin, name: string) {
  await page.getByRole("button", { name: "Save connection" }).click();
  await expect(page).not.toHaveURL(/\/check/);
  return prisma().connection.findFirstOrThrow({ where: { organizationId: admin.organizationId, name } });
}

/** A saved OAuth connection to fabrikam for a fresh admin. */
async function connectFabrikam(page: Page, provider: ProviderCase) {
  const admin = await signedInAdmin(page);
  await linkIdentity(page, provider);
  const name = uniqueName(`Fabrikam ${provider.emulator}`);
  await chooseOrganization(page, "fabrikam", name);
  await expect(page.getByRole("heading", { name: "The connection works" })).toBeVisible();
  const connection = await save(page, admin, name);
  return { admin, connection };
}

for (const provider of PROVIDERS) {
  test.describe(`OAuth2 with ${provider.label}`, () => {
    test("full journey: consent, organizations, check, save — linked to the signed-in admin, tokens sealed", async ({ page }) => {
      const admin = await signedInAdmin(page);
      const sessionBefore = await sessionClaims(page);
      const firstSeq = await emulatorRequestSeq();

      await test.step("the OAuth step shows the providers and the permissions before leaving Keel", async () => {
        await openOAuthStep(page);
        await expect(page.getByRole("radio", { name: /^Microsoft Entra ID/ })).toBeVisible();
        await expect(page.getByRole("radio", { name: /^Azure DevOps OAuth/ })).toBeVisible();
        const scopes = page.getByRole("table", { name: "Permissions Keel asks for" });
        for (const label of ["Code (Read)", "Code (Status)", "PR threads (Full)", "Service Endpoints (Read & Query)", "Project and team (Read)", "Notifications (Read)", "User profile (Read)"]) {
          await expect(scopes.getByRole("cell", { name: label, exact: true })).toBeVisible();
        }
        await expectNoSeriousA11yViolations(page, "OAuth step");
      });

      await test.step("consent at the provider", async () => {
        await continueToConsent(page, provider);
        for (const scope of ["vso.code", "vso.code_status", "vso.threads_full", "vso.serviceendpoint_query", "vso.project", "vso.notification", "vso.profile"]) {
          await expect(page.getByRole("list", { name: "Requested permissions" })).toContainText(scope);
        }
        await answerConsent(page, alex, "Accept");
        await expect(page).toHaveURL(/\/oauth\/organizations$/);
      });

      await test.step("the session stays the admin's: user id and the same server-side session only, and it does not live longer", async () => {
        const after = await sessionClaims(page);
        expect(Object.keys(after).sort()).toEqual(["abs", "exp", "iat", "jti", "sid", "sub"]);
        expect(after).toMatchObject({ sub: admin.id, sid: sessionBefore.sid });
        expect(after.exp as number).toBeLessThanOrEqual((sessionBefore.exp as number) + 1);
      });

      await test.step("the organizations the identity reaches, with their projects", async () => {
        await expect(page.getByText(`Signed in to Azure DevOps as ${alex.displayName} (${alex.email})`)).toBeVisible();
        const list = page.getByRole("list", { name: "Organizations you can reach" });
        await expect(list.getByRole("listitem")).toHaveCount(3);
        await expect(list.getByRole("listitem").filter({ hasText: "fabrikam" })).toContainText("4 projects");
        await expect(list.getByRole("listitem").filter({ hasText: "bigcorp" })).toContainText("40 projects");
        await expect(list).not.toContainText("northwind");
        await expectNoSeriousA11yViolations(page, "organizations");
      });

      const name = uniqueName(`Fabrikam ${provider.emulator}`);
      await test.step("the doctor checks the organization", async () => {
        await chooseOrganization(page, "fabrikam", name);
        await expect(page.getByRole("heading", { name: "The connection works" })).toBeVisible();
        await expect(page.getByText(alex.displayName).first()).toBeVisible();
        await expectNoSeriousA11yViolations(page, "check");
      });

      const connection = await save(page, admin, name);
      await test.step("database: one Account linked to the same Keel user, sealed tokens, no ID token, no new user", async () => {
        const accounts = await accountsOf(admin.id);
        expect(accounts).toHaveLength(1);
        const account = accounts[0]!;
        expect(account).toMatchObject({ userId: admin.id, provider: provider.id, id_token: null });
        expect(connection).toMatchObject({ authMethod: "OAUTH", oauthProvider: provider.id, accountId: account.id, collection: "fabrikam", status: "HEALTHY", tokenSealed: null });
        // No Keel user was made from the Azure DevOps identity (other specs add users in parallel,
        // so count by what next-auth would have used: the identity's email and name).
        expect(await prisma().user.count({ where: { OR: [{ email: alex.email.toLowerCase() }, { name: alex.displayName }] } })).toBe(0);
        // Every server-side call Keel made for this flow went through its guarded client (user
        // agent "Keel"): next-auth's openid-client made none (no discovery document was read).
        // (The browser's own requests to the consent page are not Keel's.)
        // Only identity endpoints: other specs running in parallel call the REST API themselves.
        const identityPaths = /\/oauth2\/(v2\.0\/)?token$|\/discovery\/v2\.0\/keys$|\.well-known\/|^\/_apis\/(profile|accounts)/;
        const calls = (await emulator.requests({ since: firstSeq })).filter((entry) => identityPaths.test(entry.path));
        expect(calls.some((entry) => entry.path.endsWith("/token"))).toBe(true);
        expect(calls.filter((entry) => entry.headers["user-agent"] !== "Keel").map((entry) => `${entry.method} ${entry.path} ${entry.headers["user-agent"]}`)).toEqual([]);
        expect(calls.filter((entry) => entry.path.includes(".well-known"))).toEqual([]);

        const tokens = openAccountTokens(account);
        expect(account.access_token!.startsWith("v1:")).toBe(true);
        expect(account.access_token).not.toContain(tokens.access);
        expect(account.refresh_token).not.toContain(tokens.refresh);
        // The opened value is the live token the emulator issued for Alex.
        const services = await emulatorDeployment("services");
        const projects = await fetch(`${services.url}/fabrikam/_apis/projects`, { headers: { Authorization: `Bearer ${tokens.access}` } });
        expect(projects.status).toBe(200);

        // Nothing secret reaches the browser or the log; the session stays id + expiry.
        const session = (await (await page.request.get("/api/auth/session")).json()) as Record<string, unknown>;
        expect(session).toEqual({ expires: expect.any(String), user: { id: admin.id } });

        await page.goto(`/connections/${connection.id}`);
        await expect(page.getByText(/OAuth2 \(/)).toBeVisible();
        const html = await page.content();
        for (const secret of [tokens.access, tokens.refresh]) {
          expect(html).not.toContain(secret);
          expect(readFileSync(e2eLogFile(), "utf8")).not.toContain(secret);
        }
      });

      await test.step("an OAuth connection can be renamed: audited, confirmed by a toast that takes focus", async () => {
        const renamed = uniqueName("Renamed OAuth");
        await page.getByRole("link", { name: "Rename" }).click();
        const form = page.getByRole("form", { name: "Rename connection" });
        await form.getByLabel("Connection Name").fill(renamed);
        await form.getByRole("button", { name: "Save name" }).click();
        await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}$`));
        await expect(page.locator("[data-toast]")).toHaveText(new RegExp(`Renamed the connection to “${renamed}”`));
        await expect(page.locator("[data-toast]")).toBeFocused();
        await expect(page.getByRole("heading", { level: 1, name: renamed })).toBeVisible();
        expect((await prisma().auditEvent.findFirstOrThrow({ where: { action: "connection.renamed", targetId: connection.id } })).data).toMatchObject({ from: name, to: renamed });
      });
    });

    test("consent denied: what happened, nothing linked, and Try again", async ({ page }) => {
      const admin = await signedInAdmin(page);
      const draftId = await openOAuthStep(page);
      await continueToConsent(page, provider);
      await answerConsent(page, alex, "Deny");
      await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/failed\\?reason=denied`));
      await expect(page.getByRole("heading", { name: "You did not give Keel access" })).toBeVisible();
      await expect(page.getByText(/Nothing was linked and no token was stored/)).toBeVisible();
      await expectNoSeriousA11yViolations(page, "consent denied");
      expect(await accountsOf(admin.id)).toHaveLength(0);

      await page.getByRole("button", { name: "Try again" }).click();
      await expectConsentPage(page);
      await answerConsent(page, alex, "Accept");
      await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/organizations$`));
      expect(await accountsOf(admin.id)).toHaveLength(1);
    });

    if (provider.id === "azure-devops") {
      test("organization policy off: the grant works but the API refuses; the fix, then Check again", async ({ page }) => {
        const admin = await signedInAdmin(page);
        const existing = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
        cleanup.push(() => removeConnection(existing.id));
        await linkIdentity(page, provider);
        // Organizations connected already are marked, with the way to the existing connection.
        await expect(page.getByRole("listitem").filter({ hasText: "fabrikam" })).toContainText("Already connected");
        await expect(page.getByRole("listitem").filter({ hasText: "fabrikam" }).getByRole("link", { name: existing.name })).toHaveAttribute("href", `/connections/${existing.id}/repositories`);
        await expect(page.getByRole("listitem").filter({ hasText: "contoso" })).toContainText("Third-party OAuth access is off");
        // The organization whose policy blocks Keel is never the one chosen for the admin.
        await expect(page.getByRole("radio", { name: /contoso/ })).not.toBeChecked();
        await expect(page.getByRole("radio", { checked: true })).toHaveCount(1);
        await expect(page.getByRole("listitem").filter({ has: page.getByRole("radio", { checked: true }) })).not.toContainText("Third-party OAuth access is off");
        const name = uniqueName("Contoso legacy");
        await chooseOrganization(page, "contoso", name);
        const finding = page.locator('[data-finding="oauth_policy_disabled"]');
        await expect(finding).toContainText('The organization "contoso" does not allow third-party OAuth apps');
        await expect(finding).toContainText("TF400813");
        await expect(finding).toContainText("Organization settings for contoso → Policies");
        await expect(finding).toContainText('Under Security, turn on "Third-party application access via OAuth"');
        await expect(finding).toContainText("Check again");
        await expect(page.getByRole("button", { name: "Save connection" })).toHaveCount(0);
        await expectNoSeriousA11yViolations(page, "policy off");
        expect(await prisma().connection.count({ where: { organizationId: admin.organizationId, name } })).toBe(0);
        try {
          await emulator.setOAuthPolicy("contoso", true);
          await page.getByRole("button", { name: "Check again" }).click();
          await expect(page.getByRole("heading", { name: "The connection works" })).toBeVisible();
          const connection = await save(page, admin, name);
          expect(connection).toMatchObject({ collection: "contoso", status: "HEALTHY", authMethod: "OAUTH" });
        } finally {
          await emulator.setOAuthPolicy("contoso", false);
        }
      });
    } else {
      // The organization policy governs Azure DevOps OAuth apps only; Entra ID tokens are not
      // affected (docs/azure-devops-facts.md §2.6), so with Entra the same organization simply works.
      test("organization policy off does not block Entra ID: contoso checks out as is", async ({ page }) => {
        await signedInAdmin(page);
        await linkIdentity(page, provider);
        const contoso = page.getByRole("listitem").filter({ hasText: "contoso" });
        await expect(contoso).toContainText("1 project");
        await expect(contoso).not.toContainText("Third-party OAuth access is off");
        await chooseOrganization(page, "contoso", uniqueName("Contoso entra"));
        await expect(page.getByRole("heading", { name: "The connection works" })).toBeVisible();
        await expect(page.locator('[data-finding="oauth_policy_disabled"]')).toHaveCount(0);
      });
    }

    test("no organizations: the likely causes and what to do; Authorize more organizations", async ({ page }) => {
      const admin = await signedInAdmin(page);
      const draftId = await linkIdentity(page, provider, nora);
      await expect(page.getByRole("heading", { name: "No organizations found" })).toBeVisible();
      for (const cause of ["A personal Microsoft account instead of a work account.", "Not a member of any organization.", "Another tenant."]) {
        await expect(page.getByText(cause)).toBeVisible();
      }
      await expectNoSeriousA11yViolations(page, "no organizations");
      const [noraAccount] = await accountsOf(admin.id);
      expect(noraAccount?.provider).toBe(provider.id);

      await page.getByRole("button", { name: "Refresh list" }).click();
      await expect(page.getByText("Found 0 organizations.")).toBeVisible();

      await page.getByRole("button", { name: "Authorize more organizations" }).click();
      await expectConsentPage(page);
      await answerConsent(page, alex, "Accept");
      await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/organizations$`));
      await expect(page.getByRole("list", { name: "Organizations you can reach" }).getByRole("listitem")).toHaveCount(3);
      // One Account per Azure DevOps identity, both linked to this admin.
      expect((await accountsOf(admin.id)).map((account) => account.userId)).toEqual([admin.id, admin.id]);
    });

    test("an expired access token is refreshed transparently on the next use", async ({ page }) => {
      const { admin, connection } = await connectFabrikam(page, provider);
      const [before] = await accountsOf(admin.id);
      const old = openAccountTokens(before!);
      // Taken before the expiry: the save led to the repository step, whose background listing
      // may be the first to use the token and refresh it. Whoever uses it first, exactly one
      // refresh may happen (single-flight), and everything after it sees the new token.
      const baseline = await tokenRequestBaseline(provider);
      // Expired for Keel (its stored expiry) and for Azure DevOps (the emulator refuses it now).
      await prisma().account.update({ where: { id: before!.id }, data: { expires_at: Math.floor(Date.now() / 1000) - 60 } });
      await emulator.expireToken(old.access);

      await test.step("the next repository listing works, with a refreshed token", async () => {
        await page.goto(`/connections/${connection.id}/repositories`);
        await expect(page.getByTestId("listing-summary")).toContainText("repositories in", { timeout: 45_000 });
        const listed = await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
        await page.getByRole("button", { name: "Refresh" }).click();
        await expect
          .poll(async () => (await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } })).readyGeneration, { timeout: 45_000 })
          .toBeGreaterThan(listed.readyGeneration ?? -1);
        const after = await prisma().repositoryListing.findUniqueOrThrow({ where: { connectionId: connection.id } });
        expect(after.status).toBe("READY");
        await expect(page.getByTestId("listing-summary")).toContainText("8 repositories in 4 projects", { timeout: 15_000 });
        await expect(page.getByRole("list", { name: "Repositories" }).getByRole("button", { name: /^Wallet App / })).toBeVisible();
      });

      await test.step("and the connection's check is healthy with it", async () => {
        await page.goto(`/connections/${connection.id}`);
        await page.getByRole("button", { name: "Check now" }).click();
        await expect(page.getByRole("button", { name: "Check now" })).toBeEnabled();
        await expect.poll(async () => (await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).lastCheckAt?.getTime()).toBeGreaterThan(connection.lastCheckAt!.getTime());
        await expect(page.getByText("Healthy", { exact: true })).toBeVisible();
        await expect(page.getByText("Projects visible", { exact: true })).toBeVisible();
      });

      const refreshes = await tokenRequests(provider, baseline);
      expect(refreshes).toHaveLength(1);
      expect((refreshes[0]!.body as Record<string, string>).grant_type).toBe("refresh_token");
      const [after] = await accountsOf(admin.id);
      const fresh = openAccountTokens(after!);
      expect(after!.id).toBe(before!.id);
      expect(after!.tokenVersion).toBe(before!.tokenVersion + 1);
      expect(fresh.access).not.toBe(old.access);
      // Rotated: the stored refresh token is the new one.
      expect(fresh.refresh).not.toBe(old.refresh);
      expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("HEALTHY");
      expect(await prisma().auditEvent.count({ where: { action: "oauth.token_refreshed", targetId: before!.id } })).toBe(1);
    });

    test("a revoked grant: needs re-authorization, profiles keep their binding, Re-authorize fixes it", async ({ page }) => {
      const { admin, connection } = await connectFabrikam(page, provider);
      const profile = await seedProfile({
        connectionId: connection.id,
        name: uniqueName("iOS app"),
        projectId: DEFAULT_PROJECTS.mobileIos.id,
        projectName: DEFAULT_PROJECTS.mobileIos.name,
        repositoryId: DEFAULT_REPOS.walletApp.id,
        repositoryName: DEFAULT_REPOS.walletApp.name,
        createdById: admin.id,
      });
      cleanup.push(() => prisma().buildProfile.deleteMany({ where: { id: profile.id } }).then(() => undefined));
      const [before] = await accountsOf(admin.id);
      await emulator.revokeGrants(alex.id, provider.clientId);

      await page.goto(`/connections/${connection.id}`);
      await page.getByRole("button", { name: "Check now" }).click();
      await expect(page.getByText("Needs re-authorization", { exact: true })).toBeVisible();
      await expect(page.getByRole("button", { name: "Re-authorize" })).toBeVisible();
      await expectNoSeriousA11yViolations(page, "needs re-authorization");
      expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("NEEDS_REAUTH");
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).connectionId).toBe(connection.id);

      await test.step("a declined re-authorization says so and offers Try again", async () => {
        await page.getByRole("button", { name: "Re-authorize" }).click();
        await expectConsentPage(page);
        await answerConsent(page, alex, "Deny");
        await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}/reauthorize\\?reason=denied`));
        await expect(page.getByRole("heading", { name: "You did not give Keel access" })).toBeVisible();
        await expectNoSeriousA11yViolations(page, "re-authorization denied");
        expect((await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } })).status).toBe("NEEDS_REAUTH");
      });

      await page.getByRole("button", { name: "Try again" }).click();
      await expectConsentPage(page);
      await answerConsent(page, alex, "Accept");
      await expect(page).toHaveURL(new RegExp(`/connections/${connection.id}\\?reauthorized=1$`));
      await expect(page.getByText("Re-authorized", { exact: true })).toBeVisible();
      await expect(page.getByText("Healthy", { exact: true })).toBeVisible();

      const after = await prisma().connection.findUniqueOrThrow({ where: { id: connection.id } });
      expect(after).toMatchObject({ status: "HEALTHY", accountId: before!.id });
      const accounts = await accountsOf(admin.id);
      expect(accounts).toHaveLength(1);
      expect(accounts[0]!.tokenVersion).toBeGreaterThan(before!.tokenVersion);
      expect(accounts[0]!.refreshFailedAt).toBeNull();
      expect(openAccountTokens(accounts[0]!).refresh).not.toBe(openAccountTokens(before!).refresh);
      expect((await prisma().buildProfile.findUniqueOrThrow({ where: { id: profile.id } })).connectionId).toBe(connection.id);
    });

    test("an answer that is not this sign-in's is refused: tampered state, replayed callback — nothing linked", async ({ page }) => {
      const admin = await signedInAdmin(page);

      await test.step("tampered state", async () => {
        const draftId = await openOAuthStep(page);
        await continueToConsent(page, provider);
        // Playwright does not intercept redirect targets, so the consent form's POST is sent
        // by the test, its redirect to Keel's callback read, and the browser stopped there.
        let captured = "";
        await page.route("**/authorize", async (route) => {
          if (route.request().method() !== "POST") {
            await route.continue();
            return;
          }
          const answer = await route.fetch({ maxRedirects: 0 });
          captured = answer.headers().location ?? "";
          await route.abort();
        });
        await answerConsent(page, alex, "Accept").catch(() => undefined);
        await expect.poll(() => captured).toContain("/api/auth/callback/");
        await page.unrouteAll({ behavior: "ignoreErrors" });
        const tampered = new URL(captured);
        tampered.searchParams.set("state", "not-the-state-keel-sent");
        await page.goto(tampered.toString());
        await expect(page).toHaveURL(new RegExp(`/connect/${draftId}/oauth/failed\\?reason=state_mismatch`));
        await expect(page.getByRole("heading", { name: "Keel refused the answer from the sign-in page" })).toBeVisible();
        await expectNoSeriousA11yViolations(page, "refused");
        expect(await accountsOf(admin.id)).toHaveLength(0);
        // The audit event keeps next-auth's own error code (it carries no secret).
        const failed = await prisma().auditEvent.findFirstOrThrow({ where: { action: "oauth.link_failed", actorId: admin.id, targetId: draftId } });
        expect(failed.data).toMatchObject({ provider: provider.id, reason: "state_mismatch", nextAuthCode: expect.stringMatching(/^[A-Za-z]+$/) });
      });

      await test.step("a replayed callback after a successful link", async () => {
        await openOAuthStep(page);
        await continueToConsent(page, provider);
        let callback = "";
        page.on("request", (request) => {
          if (request.url().includes("/api/auth/callback/") && callback === "") {
            callback = request.url();
          }
        });
        await answerConsent(page, alex, "Accept");
        await expect(page).toHaveURL(/\/oauth\/organizations$/);
        const [linked] = await accountsOf(admin.id);
        await page.goto(callback);
        await expect(page).toHaveURL(/\/connect\/oauth-failed\?reason=state_mismatch/);
        await expect(page.getByRole("heading", { name: "Keel refused the answer from the sign-in page" })).toBeVisible();
        await expectNoSeriousA11yViolations(page, "replayed callback");
        const accounts = await accountsOf(admin.id);
        expect(accounts).toHaveLength(1);
        expect(accounts[0]!.tokenVersion).toBe(linked!.tokenVersion);
      });
    });
  });
}

test("an identity belongs to one Keel user: another admin consenting as the same person is refused", async ({ page, browser }) => {
  const entra = PROVIDERS.find((provider) => provider.id === "microsoft-entra-id")!;
  const first = await signedInAdmin(page);
  await linkIdentity(page, entra);
  const [linked] = await accountsOf(first.id);

  const other = await browser.newContext();
  try {
    const otherPage = await other.newPage();
    const second = await signedInAdmin(otherPage);
    const draftId = await openOAuthStep(otherPage);
    await continueToConsent(otherPage, entra);
    await answerConsent(otherPage, alex, "Accept");
    await expect(otherPage).toHaveURL(new RegExp(`/connect/${draftId}/oauth/failed\\?reason=other_user`));
    await expect(otherPage.getByRole("heading", { name: "This Azure DevOps identity is linked to another Keel user" })).toBeVisible();
    expect(await accountsOf(second.id)).toHaveLength(0);
    const [still] = await accountsOf(first.id);
    expect(still).toMatchObject({ id: linked!.id, userId: first.id, tokenVersion: linked!.tokenVersion });
    expect(await prisma().auditEvent.count({ where: { action: "oauth.link_refused", actorId: second.id } })).toBe(1);
  } finally {
    await other.close();
  }
});

test("Azure DevOps Server: OAuth is shown as not available, with the reason", async ({ page }) => {
  await signedInAdmin(page);
  await page.goto("/connect");
  await page.getByRole("radio", { name: /Azure DevOps Server/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("radio", { name: /OAuth2/ })).toBeDisabled();
  await expect(page.getByText(/works only with the cloud service/)).toBeVisible();
});

test("OAuth never signs anyone in: without a Keel session the sign-in is refused before leaving Keel", async ({ page }) => {
  const csrf = (await (await page.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const response = await page.request.post("/api/auth/signin/microsoft-entra-id", { form: { csrfToken: csrf.csrfToken, callbackUrl: "/connections", json: "true" } });
  const { url } = (await response.json()) as { url: string };
  expect(new URL(url).pathname).toBe("/connect/oauth-failed");
  expect(new URL(url).searchParams.get("reason")).toBe("no_session");
});
