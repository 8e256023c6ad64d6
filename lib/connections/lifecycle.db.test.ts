import { randomUUID } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { systemScope, type Scope } from "@/lib/scope";
import type { TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_PROJECTS, pickerTestDatabase, seedConnection, seedOrganization, startEmulator, type EmulatorHandle, type Seeded } from "@/lib/repositories/test-support";
import { DEFAULT_USERS, KEEL_SCOPES } from "../../e2e/azure-devops-emulator/fixtures/default";

// The connection lifecycle against the emulator, a real PostgreSQL and a real SMTP server
// (the `smtp-server` package on a free port): status changes audited and told once, expiry
// reminders once per threshold, e-mails once per recipient, deleting and re-binding.

let emulator: EmulatorHandle;
let database: TestDatabase;
let seeded: Seeded;
let admin: Scope;
let smtp: SMTPServer;
const mails: { to: string[]; raw: string }[] = [];

const DAY = 86_400_000;

/** The subject and text of a received message (RFC 2047 words and quoted-printable decoded, as a mail client would). */
function readMail(raw: string): { subject: string; text: string } {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subjectLine = /^Subject: (.*)$/m.exec(unfolded)?.[1] ?? "";
  const hex = (text: string) => Buffer.from(text.replace(/=([0-9A-F]{2})/gi, "%$1").replace(/%(?![0-9A-F]{2})/gi, "%25"), "latin1").toString();
  const subject = subjectLine.replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/gi, (_match, word: string) => decodeURIComponent(hex(word.replace(/_/g, " "))));
  const text = decodeURIComponent(hex(rest.join("\n\n").replace(/=\r?\n/g, "")));
  return { subject, text };
}

beforeAll(async () => {
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
  database = await pickerTestDatabase();
  seeded = await seedOrganization(database);
  admin = testScope(seeded.organizationId, seeded.adminId);
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve((smtp.server.address() as { port: number }).port)));
  resetEnvForTests({ SMTP_URL: `smtp://127.0.0.1:${port}`, KEEL_MAIL_FROM: "Keel Test <keel@example.test>", KEEL_PUBLIC_URL: "https://keel.example.test" });
});

afterAll(async () => {
  const { closeMailer } = await import("@/lib/notifications/mailer");
  closeMailer();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await database?.drop();
  await emulator?.stop();
});

beforeEach(() => {
  mails.length = 0;
});

function jobContext<K extends "organization" | "global">(kind: K, scope: Scope | null): JobContext<K> {
  return { jobId: randomUUID(), queue: kind === "global" ? "notifications.email" : "connections.check", retryCount: 0, signal: new AbortController().signal, scheduledFor: null, scope } as unknown as JobContext<K>;
}

async function scheduledCheck(connectionId: string, jobId: string = randomUUID()) {
  const { checkSavedConnection } = await import("./service");
  return checkSavedConnection(systemScope(seeded.organizationId, "connections.check"), connectionId, { source: "scheduled_check", jobId, queue: "connections.check" });
}

async function sendNoticeEmails() {
  const { emailNoticesJob } = await import("@/lib/notifications/deliver");
  await emailNoticesJob({}, jobContext("global", null));
}

const row = (id: string) => database.prisma.connection.findUniqueOrThrow({ where: { id } });
const events = (id: string, action: string) => database.prisma.auditEvent.findMany({ where: { targetId: id, action }, orderBy: { createdAt: "asc" } });
const notices = (id: string, kind?: string) => database.prisma.notification.findMany({ where: { connectionId: id, ...(kind ? { kind } : {}) }, orderBy: { createdAt: "asc" } });

async function patExpiringIn(days: number): Promise<string> {
  const created = emulator.control.createPat({ userId: DEFAULT_USERS.alex.id, scopes: [...KEEL_SCOPES], organizations: ["fabrikam"], expiresAt: new Date(Date.now() + days * DAY).toISOString() });
  return created.token;
}

async function connectionWithExpiry(token: string, expiresAt: Date | null) {
  const connection = await seedConnection(database, seeded, { origin: emulator.servicesUrl!, collection: "fabrikam", token });
  await database.prisma.connection.update({ where: { id: connection.id }, data: { credentialExpiresAt: expiresAt, credentialExpirySource: expiresAt ? "ENTERED" : null, tokenExpiresAt: expiresAt, credentialUserId: seeded.adminId } });
  return connection;
}

describe("scheduled checks, status changes and expiry reminders", () => {
  it("a PAT expiring in 5 days is EXPIRING with one 7-day reminder, told once (by e-mail to the owner and the admins), however often it is checked", async () => {
    const expiresAt = new Date(Date.now() + 5 * DAY - 60_000);
    const connection = await connectionWithExpiry(await patExpiringIn(5), expiresAt);
    const jobId = randomUUID();
    await scheduledCheck(connection.id, jobId);
    expect(await row(connection.id)).toMatchObject({ status: "EXPIRING", statusReason: `The personal access token expires in 5 days (on ${expiresAt.toISOString().slice(0, 10)}).` });
    const changes = await events(connection.id, "connection.status_changed");
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ actorKind: "SYSTEM", actorJob: "connections.check", data: expect.objectContaining({ from: "HEALTHY", to: "EXPIRING", source: "scheduled_check" }) });
    // One notice: the reminder says it all (the change into EXPIRING is not told a second time).
    expect((await notices(connection.id)).map((notice) => notice.kind)).toEqual(["connection.expiry_reminder"]);
    expect((await notices(connection.id))[0]).toMatchObject({ data: expect.objectContaining({ tier: 7, daysLeft: 5 }), recipientIds: [seeded.adminId] });
    expect(await events(connection.id, "connection.expiry_reminder")).toHaveLength(1);

    // The same job again (at-least-once delivery) records nothing; a later check reminds nobody again.
    await scheduledCheck(connection.id, jobId);
    expect(await events(connection.id, "connection.checked")).toHaveLength(1);
    await scheduledCheck(connection.id);
    expect(await events(connection.id, "connection.checked")).toHaveLength(2);
    expect(await notices(connection.id)).toHaveLength(1);
    expect(await events(connection.id, "connection.status_changed")).toHaveLength(1);

    // E-mailed once: the admin (owner) gets it, the member does not; a second run sends nothing.
    await sendNoticeEmails();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual([(await database.prisma.user.findUniqueOrThrow({ where: { id: seeded.adminId } })).email]);
    const mail = readMail(mails[0]!.raw);
    expect(mail.subject).toMatch(/^Keel: the personal access token of "Connection [0-9a-f]{8}" expires in 5 days$/);
    expect(mail.text).toContain(`https://keel.example.test/connections/${connection.id}`);
    expect(mail.text).toContain("create a new one (scoped to the organization)");
    expect(mails[0]!.raw).not.toContain(DEFAULT_PATS.fabrikamFull.slice(0, 12));
    await sendNoticeEmails();
    expect(mails).toHaveLength(1);
    expect((await notices(connection.id))[0]!.emailedAt).not.toBeNull();
  });

  it("reminds at 30, 7 and 1 days once each, and again for a replaced token with its own expiry", async () => {
    const { recordConnectionCheck } = await import("@/lib/data/connections");
    const connection = await connectionWithExpiry(DEFAULT_PATS.fabrikamFull, new Date(Date.now() + 29 * DAY));
    const remind = async (expiresAt: Date, tier: number, daysLeft: number) =>
      recordConnectionCheck(admin, connection.id, { ok: true, status: "EXPIRING", statusReason: "soon", summary: { ok: true, findings: [], checkedAt: new Date().toISOString() } }, { reminder: { tier, expiresAt, daysLeft } });
    const first = new Date(Date.now() + 29 * DAY);
    expect((await remind(first, 30, 29)).reminderCreated).toBe(true);
    expect((await remind(first, 30, 28)).reminderCreated).toBe(false);
    expect((await remind(first, 7, 6)).reminderCreated).toBe(true);
    expect((await remind(first, 7, 2)).reminderCreated).toBe(false);
    expect((await remind(first, 1, 1)).reminderCreated).toBe(true);
    expect((await remind(first, 1, 1)).reminderCreated).toBe(false);
    // A new token (a new expiry) starts its own reminders.
    expect((await remind(new Date(Date.now() + 20 * DAY), 30, 20)).reminderCreated).toBe(true);
    expect(await notices(connection.id, "connection.expiry_reminder")).toHaveLength(4);
    expect(await events(connection.id, "connection.expiry_reminder")).toHaveLength(4);
  });

  it("a token Azure DevOps calls expired is EXPIRED whatever date was entered; a revoked one needs a new credential", async () => {
    const token = await patExpiringIn(60);
    const connection = await connectionWithExpiry(token, new Date(Date.now() + 60 * DAY));
    await scheduledCheck(connection.id);
    expect((await row(connection.id)).status).toBe("HEALTHY");
    emulator.control.expireToken(token);
    await scheduledCheck(connection.id);
    const expired = await row(connection.id);
    // Azure DevOps' word wins over the entered date, which stays for the edit form.
    expect(expired).toMatchObject({ status: "EXPIRED", credentialExpirySource: "AZURE_DEVOPS" });
    expect(expired.credentialExpiresAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(expired.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());

    const revokedToken = await patExpiringIn(60);
    const revoked = await connectionWithExpiry(revokedToken, null);
    emulator.control.revokeToken(revokedToken);
    await scheduledCheck(revoked.id);
    expect(await row(revoked.id)).toMatchObject({ status: "NEEDS_REAUTH", statusReason: "The token has been revoked" });
    expect((await notices(revoked.id, "connection.status_changed")).map((notice) => notice.data)).toEqual([expect.objectContaining({ from: "HEALTHY", to: "NEEDS_REAUTH" })]);
  });

  it("replacing the token clears the warning, audited as such, and the credential is now the replacer's", async () => {
    const { updatePatConnection } = await import("@/lib/data/connections");
    const { runConnectionCheck } = await import("./check");
    const connection = await connectionWithExpiry(await patExpiringIn(5), new Date(Date.now() + 5 * DAY));
    await scheduledCheck(connection.id);
    expect((await row(connection.id)).status).toBe("EXPIRING");
    const current = await row(connection.id);
    const newExpiry = new Date(Date.now() + 200 * DAY);
    const { record } = await runConnectionCheck(admin, { deploymentType: "SERVICES", serverUrl: current.serverUrl, pathPrefix: "", collection: "fabrikam", caBundlePem: null }, { kind: "pat", token: DEFAULT_PATS.fabrikamFull }, { targetType: "connection", targetId: connection.id, method: "PAT" }, { expiry: { credentialExpiresAt: newExpiry } });
    expect(record.status).toBe("HEALTHY");
    await updatePatConnection(admin, connection.id, { name: current.name, serverUrl: current.serverUrl, pathPrefix: "", collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, tokenExpiresAt: newExpiry }, record);
    expect(await row(connection.id)).toMatchObject({ status: "HEALTHY", credentialExpiresAt: newExpiry, credentialExpirySource: "ENTERED", credentialUserId: seeded.adminId, tokenLastFour: DEFAULT_PATS.fabrikamFull.slice(-4) });
    expect(await events(connection.id, "connection.token_replaced")).toHaveLength(1);
    expect((await events(connection.id, "connection.status_changed")).map((event) => event.data)).toEqual([
      expect.objectContaining({ from: "HEALTHY", to: "EXPIRING" }),
      expect.objectContaining({ from: "EXPIRING", to: "HEALTHY", source: "action" }),
    ]);
  });

  it("a connection whose owner left keeps being checked, and its notices go to the admins", async () => {
    const leaver = await database.prisma.user.create({ data: { email: `leaver-${randomUUID().slice(0, 6)}@example.com`, name: "Lee Leaver", passwordHash: "x", memberships: { create: { organizationId: seeded.organizationId, role: "ADMIN" } } } });
    const token = await patExpiringIn(60);
    const connection = await connectionWithExpiry(token, null);
    await database.prisma.connection.update({ where: { id: connection.id }, data: { ownerId: leaver.id, credentialUserId: leaver.id } });
    await database.prisma.user.delete({ where: { id: leaver.id } });
    expect(await row(connection.id)).toMatchObject({ ownerId: null, credentialUserId: null });
    emulator.control.revokeToken(token);
    await scheduledCheck(connection.id);
    const [notice] = await notices(connection.id);
    expect(notice).toMatchObject({ kind: "connection.status_changed", recipientIds: [seeded.adminId] });
  });
});

describe("ownership, deletion and re-binding", () => {
  it("changes the owner to an active admin only, audited and told to both", async () => {
    const { changeConnectionOwner } = await import("@/lib/data/connections");
    const connection = await connectionWithExpiry(DEFAULT_PATS.fabrikamFull, null);
    const other = await database.prisma.user.create({ data: { email: `other-${randomUUID().slice(0, 6)}@example.com`, name: "Olga Other", passwordHash: "x", memberships: { create: { organizationId: seeded.organizationId, role: "ADMIN" } } } });
    await expect(changeConnectionOwner(admin, connection.id, seeded.memberId)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await changeConnectionOwner(admin, connection.id, other.id)).toEqual({ changed: true });
    expect(await row(connection.id)).toMatchObject({ ownerId: other.id, credentialUserId: seeded.adminId });
    expect((await events(connection.id, "connection.owner_changed"))[0]!.data).toMatchObject({ fromName: "Ada Admin", toName: "Olga Other" });
    expect((await notices(connection.id, "connection.owner_changed"))[0]!.recipientIds.sort()).toEqual([seeded.adminId, other.id].sort());
    expect(await changeConnectionOwner(admin, connection.id, other.id)).toEqual({ changed: false });
  });

  it("deleting keeps the profiles, disconnected with the old name; re-binding restores one and keeps its settings", async () => {
    const { deleteConnection } = await import("@/lib/data/connections");
    const { rebindProfile, getProfile } = await import("@/lib/data/profiles");
    const doomed = await connectionWithExpiry(DEFAULT_PATS.fabrikamFull, null);
    const doomedRow = await row(doomed.id);
    const profile = await database.prisma.buildProfile.create({
      data: {
        organizationId: seeded.organizationId,
        connectionId: doomed.id,
        name: `Wallet ${randomUUID().slice(0, 6)}`,
        nameKey: `wallet ${randomUUID()}`,
        platform: "FLUTTER",
        projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(),
        projectName: "MOBILE_IOS",
        repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
        repositoryName: "Wallet App",
        defaultBranch: "refs/heads/develop",
        createdById: seeded.memberId,
      },
    });
    await expect(deleteConnection(admin, doomed.id, "not its name")).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(await database.prisma.connection.count({ where: { id: doomed.id } })).toBe(1);
    const deleted = await deleteConnection(admin, doomed.id, doomedRow.name);
    expect(deleted.profiles).toEqual([{ id: profile.id, name: profile.name }]);
    expect(await database.prisma.connection.count({ where: { id: doomed.id } })).toBe(0);
    const disconnected = await getProfile(admin, profile.id);
    expect(disconnected).toMatchObject({ connectionId: null, connection: null, disconnectedConnectionName: doomedRow.name });
    expect((await events(doomed.id, "connection.deleted"))[0]!.data).toMatchObject({ name: doomedRow.name, profilesDisconnected: 1 });
    expect(await events(profile.id, "profile.disconnected")).toHaveLength(1);

    const replacement = await connectionWithExpiry(DEFAULT_PATS.fabrikamFull, null);
    await rebindProfile(admin, profile.id, replacement.id, { repositoryName: "Wallet App" });
    const rebound = await database.prisma.buildProfile.findUniqueOrThrow({ where: { id: profile.id } });
    expect(rebound).toMatchObject({ connectionId: replacement.id, disconnectedAt: null, disconnectedConnectionName: null, platform: "FLUTTER", defaultBranch: "refs/heads/develop", createdById: seeded.memberId, name: profile.name });
    expect((await events(profile.id, "profile.rebound"))[0]!.data).toMatchObject({ fromConnectionId: null, fromConnectionName: doomedRow.name, toConnectionId: replacement.id });
  });
});

describe("the audit log", () => {
  it("pages by keyset without gaps or repeats while events arrive, and filters by actor, action, target and time", async () => {
    const { listAuditEvents } = await import("@/lib/data/audit");
    const { recordAudit } = await import("@/lib/data/audit");
    const organization = await database.prisma.organization.create({ data: { name: "Audit paging" } });
    const user = await database.prisma.user.create({ data: { email: `auditor-${randomUUID().slice(0, 6)}@example.com`, name: "Audrey", passwordHash: "x", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
    const scope = testScope(organization.id, user.id);
    const target = randomUUID();
    // 120 events, many in the same millisecond (the id breaks the ties).
    for (let index = 0; index < 120; index += 1) {
      await recordAudit(index % 3 === 0 ? systemScope(organization.id, "connections.check") : scope, { action: index % 2 === 0 ? "connection.checked" : "profile.created", targetType: "connection", targetId: index === 7 ? target : randomUUID(), data: { name: `item ${index}` } });
    }
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(scope, {}, { cursor, limit: 50 });
      seen.push(...page.rows.map((event) => event.id));
      cursor = page.next;
      pages += 1;
      if (pages === 1) {
        // A new event while paging lands on page one of a fresh look, never inside this walk.
        await recordAudit(scope, { action: "connection.checked", data: { name: "late" } });
      }
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);

    expect((await listAuditEvents(scope, { actor: "system" }, { limit: 200 })).rows).toHaveLength(40);
    expect((await listAuditEvents(scope, { actor: user.id }, { limit: 200 })).rows).toHaveLength(81);
    expect((await listAuditEvents(scope, { action: "profile." }, { limit: 200 })).rows).toHaveLength(60);
    expect((await listAuditEvents(scope, { target }, { limit: 200 })).rows.map((event) => event.data)).toEqual([{ name: "item 7" }]);
    expect((await listAuditEvents(scope, { target: "item 119" }, { limit: 200 })).rows).toHaveLength(1);
    expect((await listAuditEvents(scope, { from: new Date(Date.now() + DAY) }, { limit: 200 })).rows).toHaveLength(0);
    // Another organization's log stays out of reach.
    expect((await listAuditEvents(admin, { target }, { limit: 200 })).rows).toHaveLength(0);
  });
});
