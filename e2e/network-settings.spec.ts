// Network settings (issues 11 and 16): an admin whose check is blocked by the outbound policy
// reads which range the address is in (203.0.113.10 is TEST-NET-3, documentation space — not
// "a local network address"), adds it to the organization's allowlist on the Network settings
// page (stored, audited; KEEL_OUTBOUND_ALLOWLIST still applies and is shown as not editable
// here), and the next check is no longer blocked.
import { expect, test } from "@playwright/test";
import { DEFAULT_PATS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { fillPatForm, finding, startPatWizard, submitPatForm } from "./support/connect-wizard";
import { uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { FIRST_ADMIN } from "./support/settings";

test("an admin allows a blocked server on the Network settings page, and the check goes out", async ({ page }) => {
  test.setTimeout(90_000);
  await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
  const { organizationId } = await prisma().membership.findFirstOrThrow({ where: { user: { email: FIRST_ADMIN.email } } });
  const before = await prisma().organization.findUniqueOrThrow({ where: { id: organizationId }, select: { outboundAllowlist: true } });
  const since = new Date();
  try {
    const checkUrl = await test.step("the check names the range of the blocked address", async () => {
      await startPatWizard(page, "SERVER");
      await fillPatForm(page, { name: uniqueName("Documentation Server"), serverUrl: "https://203.0.113.10", collection: "DefaultCollection", token: DEFAULT_PATS.server2022 });
      await submitPatForm(page);
      const blocked = finding(page, "blocked_by_policy");
      await expect(blocked).toContainText("203.0.113.10 is in TEST-NET-3 (203.0.113.0/24), reserved for documentation, not a public address");
      await expect(blocked).not.toContainText("local network address");
      await expect(blocked).toContainText("outbound allowlist on the Network settings page");
      return page.url();
    });

    await test.step("the Network settings page: the environment's entries win and are shown as such", async () => {
      await page.goto("/settings");
      await page.getByRole("link", { name: "Network settings" }).click();
      await expect(page.getByRole("heading", { name: "Outbound allowlist" })).toBeVisible();
      await expect(page.getByText("KEEL_OUTBOUND_ALLOWLIST is set where Keel runs. Its entries always apply and win over this page")).toBeVisible();
      await expect(page.getByRole("list", { name: "Allowlist entries from the environment" }).getByRole("listitem")).toHaveText(["127.0.0.1", "localhost"]);
      await expectNoSeriousA11yViolations(page, "/settings/network");
    });

    await test.step("a wrong entry is refused by name and nothing is stored; a right one is saved and audited", async () => {
      const form = page.getByRole("form", { name: "Outbound allowlist" });
      await form.getByLabel(/Allowed servers/).fill("203.0.113.10\nnot a host!\n0.0.0.0/0");
      await form.getByRole("button", { name: "Save allowlist" }).click();
      await expect(form.getByText(/"not a host!" is not a host, host:port, IP address/)).toBeVisible();
      await expect(form.getByText(/"0.0.0.0\/0" is too wide a range/)).toBeVisible();
      await expect(form.getByLabel(/Allowed servers/)).toHaveValue("203.0.113.10\nnot a host!\n0.0.0.0/0");
      expect((await prisma().organization.findUniqueOrThrow({ where: { id: organizationId } })).outboundAllowlist).toEqual(before.outboundAllowlist);

      await form.getByLabel(/Allowed servers/).fill("203.0.113.10");
      await form.getByRole("button", { name: "Save allowlist" }).click();
      await expect(form.getByRole("status")).toContainText("Allowlist saved: added 203.0.113.10.");
      await page.reload();
      await expect(page.getByRole("form", { name: "Outbound allowlist" }).getByLabel(/Allowed servers/)).toHaveValue("203.0.113.10");
      const audit = await prisma().auditEvent.findMany({ where: { organizationId, action: "network.allowlist_updated", createdAt: { gte: since } } });
      expect(audit.map((event) => event.data)).toEqual([{ added: ["203.0.113.10"], removed: [], entries: ["203.0.113.10"] }]);
    });

    await test.step("Check again: the policy lets the call out", async () => {
      await page.goto(checkUrl);
      await page.getByRole("button", { name: "Check again" }).click();
      await expect(finding(page, "blocked_by_policy")).toHaveCount(0, { timeout: 30_000 });
      // What answers at 203.0.113.10 depends on the machine's network (nothing, or a middlebox):
      // whichever finding it is, it comes from a call that went out, not from the policy.
      await expect(page.locator("[data-finding]").first()).toBeVisible();
    });
  } finally {
    await prisma().organization.update({ where: { id: organizationId }, data: { outboundAllowlist: before.outboundAllowlist } });
  }
});
