// Variable groups in the browser: an admin keeps shared values once (a secret among them), a
// profile's workflow uses the group, a build gets the values (the secret masked in its log),
// members cannot open the settings, and deleting the group takes its values away.
import { expect, test } from "@playwright/test";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, uniqueName } from "./support/connections";
import { createUser, prisma, removeUser } from "./support/db";
import { seedWalletProfile } from "./support/profiles";
import { FIRST_ADMIN } from "./support/settings";

test.describe("variable groups", () => {
  test("an admin shares a signing secret through a group; a build gets it masked; deleting the group takes it away", async ({ page, browser }) => {
    const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Groups"));
    await prisma().buildProfile.update({ where: { id: profile.id }, data: { workflowSteps: [{ name: "Show", command: 'echo "team=$TEAM_ID password=$P12_PASSWORD track=${TRACK:-none}"' }] } });
    const groupName = uniqueName("iOS signing");
    const member = await createUser({ role: "MEMBER" });
    try {
      await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
      await page.goto("/settings");
      await page.getByRole("link", { name: "Variable groups" }).click();
      await expect(page).toHaveURL(/\/settings\/variable-groups$/);
      // A blank name (spaces pass the browser's check) is refused on its field, the description kept.
      const create = page.getByRole("form", { name: "New variable group" });
      await create.getByLabel("Name").fill("   ");
      await create.getByLabel("Description").fill("Distribution certificate for the App Store");
      await create.getByRole("button", { name: "Create variable group" }).click();
      await expect(create.getByText("Name is required").first()).toBeVisible();
      await expect(create.getByLabel("Description")).toHaveValue("Distribution certificate for the App Store");
      await create.getByLabel("Name").fill(groupName);
      await create.getByRole("button", { name: "Create variable group" }).click();
      await expect(page.locator("[data-toast]")).toContainText(`Created the variable group “${groupName}”.`);
      await expect(page.getByRole("heading", { level: 1, name: groupName })).toBeVisible();
      await expect(page.getByRole("region", { name: "Used by" })).toContainText("No profile yet.");

      // Its variables: a plain one and a secret; a secret too short to mask is refused by name.
      const editor = page.getByRole("form", { name: "Variable group" });
      await editor.getByRole("button", { name: "Add a variable" }).click();
      await editor.getByLabel("Name").last().fill("TEAM_ID");
      await editor.getByLabel("Value").last().fill("ABCDE12345");
      await editor.getByRole("button", { name: "Add a variable" }).click();
      await editor.getByLabel("Name").last().fill("P12_PASSWORD");
      await editor.getByLabel("Secret", { exact: true }).last().check();
      await editor.getByLabel("Secret value").fill("abc");
      await editor.getByRole("button", { name: "Save variable group" }).click();
      await expect(editor.getByRole("alert")).toContainText("Variable P12_PASSWORD: a secret value needs at least 4 characters");
      await editor.getByLabel("Secret value").fill("orchard-p12-secret");
      await editor.getByRole("button", { name: "Save variable group" }).click();
      await expect(editor.getByText("Saved. No profile uses this group yet.")).toBeVisible();
      await expect(editor.getByLabel("Secret value")).toHaveValue("");
      await expect(editor.getByLabel("Secret value")).toHaveAttribute("placeholder", "Stored — type a new value to replace it");
      await expectNoSeriousA11yViolations(page, "variable group page");
      const group = await prisma().variableGroup.findFirstOrThrow({ where: { name: groupName }, include: { variables: true } });
      expect(JSON.stringify(group.variables)).not.toContain("orchard-p12-secret");

      // The profile's workflow uses it; the profile page says so.
      await page.goto(`/profiles/${profile.id}/workflow`);
      const workflow = page.getByRole("form", { name: "Workflow" });
      await workflow.getByLabel(groupName).check();
      await workflow.getByRole("button", { name: "Save workflow" }).click();
      await expect(workflow.getByText("Saved. The next build uses this workflow.")).toBeVisible();
      await expect(workflow.getByLabel(groupName)).toBeChecked();
      await page.goto(`/profiles/${profile.id}`);
      await expect(page.getByRole("region", { name: "Workflow" })).toContainText(`Variable groups: ${groupName}.`);

      // A build gets both values; the secret is masked in the log.
      const start = page.getByRole("form", { name: "Start a build" });
      await start.getByRole("button", { name: "Start build" }).click();
      await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
      const log = page.getByTestId("build-log");
      await expect(log).toContainText("team=ABCDE12345 password=*** track=none", { timeout: 60_000 });
      await expect(log).toContainText(`Variables from the variable group ${groupName}.`);
      await expect(log).not.toContainText("orchard-p12-secret");

      // Members cannot open variable groups.
      const memberContext = await browser.newContext();
      try {
        const memberPage = await memberContext.newPage();
        await signInPage(memberPage, member.email, member.password);
        await memberPage.goto("/settings");
        await expect(memberPage.getByRole("link", { name: "Variable groups" })).toHaveCount(0);
        await memberPage.goto(`/settings/variable-groups/${group.id}`);
        await expect(memberPage.getByRole("heading", { name: "Only admins can open this page" })).toBeVisible();
      } finally {
        await memberContext.close();
      }

      // Deleting it names the profile that loses its values, then the profile builds without them.
      await page.goto(`/settings/variable-groups/${group.id}`);
      await expect(page.getByRole("region", { name: "Used by" }).getByRole("link", { name: profile.name })).toBeVisible();
      await page.getByRole("button", { name: "Delete" }).click();
      const dialog = page.getByRole("dialog", { name: `Delete the variable group “${groupName}”?` });
      await expect(dialog).toContainText(`${profile.name} will build without its variables.`);
      await dialog.getByRole("button", { name: "Delete variable group" }).click();
      await expect(page).toHaveURL(/\/settings\/variable-groups$/);
      await expect(page.locator("[data-toast]")).toContainText(`Deleted the variable group “${groupName}”. ${profile.name} no longer gets its variables.`);
      expect(await prisma().profileVariableGroup.count({ where: { profileId: profile.id } })).toBe(0);
      expect(await prisma().buildVariable.count({ where: { groupId: group.id } })).toBe(0);
      const audit = await prisma().auditEvent.findMany({ where: { targetId: group.id }, orderBy: { createdAt: "asc" }, select: { action: true } });
      expect(audit.map((event) => event.action)).toEqual(["variable_group.created", "variable_group.updated", "variable_group.deleted"]);
    } finally {
      await removeConnection(connection.id);
      await removeUser(member.id);
    }
  });
});
