// Outgoing webhooks in the browser: an admin adds one (bad input refused by field), copies its
// signing secret, sees the ping arrive, a build's events reach the receiver signed, a delivery is
// sent again, the secret is replaced, and the webhook is deleted. The receiver is a real HTTP
// server in this test; the worker (the launcher's child) sends for real.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { verifyDelivery } from "@/lib/webhooks/signature";
import { signInPage } from "./support/auth";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { removeConnection, uniqueName } from "./support/connections";
import { prisma } from "./support/db";
import { seedWalletProfile } from "./support/profiles";
import { FIRST_ADMIN } from "./support/settings";

type Received = { event: string; delivery: string; timestamp: string; signature: string; raw: string; body: { build?: { id: string; number: number; status: string } } };

test("an admin adds a webhook, sees its ping and a build's events arrive signed, redelivers one, replaces its secret and deletes it", async ({ page }) => {
  const received: Received[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      received.push({
        event: String(req.headers["x-keel-event"]),
        delivery: String(req.headers["x-keel-delivery"]),
        timestamp: String(req.headers["x-keel-timestamp"]),
        signature: String(req.headers["x-keel-signature-256"]),
        raw,
        body: JSON.parse(raw) as Received["body"],
      });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("received");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/keel-events?token=receiver-key`;
  const name = uniqueName("Release dashboard");
  const { connection, profile } = await seedWalletProfile(uniqueName("Wallet Webhooks"));
  const verified = (entry: Received, secret: string) => verifyDelivery(secret, { timestamp: entry.timestamp, signature: entry.signature }, entry.raw);
  try {
    await signInPage(page, FIRST_ADMIN.email, FIRST_ADMIN.password);
    await page.goto("/settings");
    await page.getByRole("link", { name: "Webhooks", exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/webhooks$/);
    const form = page.getByRole("form", { name: "New webhook" });

    // Bad input: each refusal names the field and the fix, and nothing is stored.
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("URL").fill("hooks.example.com/keel");
    await form.getByRole("button", { name: "Add webhook" }).click();
    await expect(form.getByText("URL must be the address of the server that receives the events, starting with https://")).toBeVisible();
    await expect(form.getByLabel("Name")).toHaveValue(name);
    await form.getByLabel("URL").fill(url);
    await form.getByLabel(/^build\.finished/).uncheck();
    await form.getByRole("button", { name: "Add webhook" }).click();
    await expect(form.getByText("Choose at least one event to send")).toBeVisible();
    expect(await prisma().outgoingWebhook.count({ where: { name } })).toBe(0);

    await form.getByLabel("URL").fill(url);
    await form.getByLabel(/^build\.started/).check();
    await form.getByLabel(/^build\.finished/).check();
    await form.getByRole("button", { name: "Add webhook" }).click();
    const added = page.getByRole("status").filter({ hasText: `Added “${name}”` });
    await expect(added).toBeVisible();
    const secret = await added.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    await expectNoSeriousA11yViolations(page, "webhooks with a new secret");

    // The ping, signed with that secret.
    await expect.poll(() => received.filter((entry) => entry.event === "ping").length, { timeout: 30_000 }).toBe(1);
    expect(verified(received[0]!, secret)).toBe(true);
    await added.getByRole("link", { name: "Open the webhook" }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    const deliveries = page.getByRole("table", { name: "Deliveries" });
    await expect(deliveries.getByRole("row").filter({ hasText: "ping" })).toContainText("Delivered · 200");
    // The URL holds the receiver's key: the page shows its host only.
    expect(await page.content()).not.toContain("receiver-key");
    await expect(page.getByText(`Posts to 127.0.0.1:${port}`)).toBeVisible();

    // A build: its start and its end arrive in order, signed (the queued event was not chosen).
    await page.goto(`/profiles/${profile.id}`);
    await page.getByRole("form", { name: "Start a build" }).getByRole("button", { name: "Start build" }).click();
    await page.waitForURL(/\/builds\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const buildId = new URL(page.url()).pathname.split("/").at(-1)!;
    const ofBuild = () => received.filter((entry) => entry.body.build?.id === buildId);
    await expect.poll(() => ofBuild().map((entry) => entry.event), { timeout: 60_000 }).toEqual(["build.started", "build.finished"]);
    expect(ofBuild().every((entry) => verified(entry, secret))).toBe(true);
    expect(ofBuild()[1]!.body.build).toMatchObject({ status: "SUCCEEDED" });

    // Redeliver: the same event again, as a new delivery.
    await page.goto(`/settings/webhooks/${(await prisma().outgoingWebhook.findFirstOrThrow({ where: { name } })).id}`);
    const finishedRow = deliveries.getByRole("row").filter({ hasText: "build.finished" }).first();
    await finishedRow.getByRole("button", { name: "Redeliver" }).click();
    await expect(page.getByText("Queued again: the new delivery of build.finished is at the top of the list.")).toBeVisible();
    await expect.poll(() => ofBuild().length, { timeout: 30_000 }).toBe(3);
    expect(ofBuild()[2]!.delivery).not.toBe(ofBuild()[1]!.delivery);
    expect(JSON.parse(ofBuild()[2]!.raw).build).toEqual(JSON.parse(ofBuild()[1]!.raw).build);

    // Its settings: no event is refused by name; a new name and fewer events are saved, the URL kept.
    const settings = page.getByRole("form", { name: "Webhook settings" });
    await expect(settings.getByLabel(/^New URL/)).toHaveValue("");
    for (const event of ["build.started", "build.finished"]) {
      await settings.getByLabel(new RegExp(`^${event.replace(".", "\\.")}`)).uncheck();
    }
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(settings.getByText("Choose at least one event to send")).toBeVisible();
    await settings.getByLabel(/^build\.finished/).check();
    await settings.getByLabel("Name").fill(`${name} (ends only)`);
    // Whose builds: only some profiles, but none ticked yet.
    await settings.getByLabel("Only the profiles chosen here").check();
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(settings.getByText("Choose at least one build profile, or send the builds of all profiles")).toBeVisible();
    await expect(settings.getByLabel("Name")).toHaveValue(`${name} (ends only)`);
    await settings.getByRole("list", { name: "Build profiles" }).getByRole("checkbox", { name: profile.name }).check();
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(settings.getByText(`Saved. From now on “${name} (ends only)” gets build.finished of 1 build profile.`)).toBeVisible();
    const stored = await prisma().outgoingWebhook.findFirstOrThrow({ where: { name: `${name} (ends only)` }, include: { profiles: true } });
    expect(stored.events).toEqual(["build.finished"]);
    expect(stored.host).toBe(`127.0.0.1:${port}`);
    expect([stored.allProfiles, stored.profiles.map((entry) => entry.profileId)]).toEqual([false, [profile.id]]);
    await settings.getByLabel("Name").fill(name);
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(settings.getByText(`Saved. From now on “${name}” gets build.finished of 1 build profile.`)).toBeVisible();
    await page.goto("/settings/webhooks");
    await expect(page.getByRole("table", { name: "Webhooks" }).getByRole("row").filter({ hasText: name })).toContainText(profile.name);
    await page.goto(`/settings/webhooks/${stored.id}`);

    // A new secret: the next ping is signed with it, not the old one.
    await page.getByRole("button", { name: "Replace the signing secret" }).click();
    const rotated = page.getByRole("status").filter({ hasText: "New signing secret" });
    const newSecret = await rotated.getByLabel("Signing secret").inputValue();
    expect(newSecret).not.toBe(secret);
    await page.getByRole("button", { name: "Send a ping" }).click();
    await expect.poll(() => received.filter((entry) => entry.event === "ping").length, { timeout: 30_000 }).toBe(2);
    const secondPing = received.filter((entry) => entry.event === "ping")[1]!;
    expect([verified(secondPing, newSecret), verified(secondPing, secret)]).toEqual([true, false]);
    await page.reload();
    await expectNoSeriousA11yViolations(page, "a webhook with its deliveries");

    // Delete: asked first, then gone with its deliveries.
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete webhook" }).click();
    await expect(page).toHaveURL(/\/settings\/webhooks$/);
    await expect(page.locator("[data-toast]")).toContainText(`Deleted the webhook “${name}”`);
    expect(await prisma().outgoingWebhook.count({ where: { name } })).toBe(0);
    const audit = await prisma().auditEvent.findMany({ where: { action: { startsWith: "webhook." }, data: { path: ["name"], equals: name } }, select: { action: true } });
    expect(audit.map((event) => event.action).sort()).toEqual(["webhook.created", "webhook.deleted", "webhook.secret_rotated", "webhook.updated"]);
  } finally {
    await prisma().outgoingWebhook.deleteMany({ where: { name } });
    await removeConnection(connection.id);
    receiver.close();
  }
});
