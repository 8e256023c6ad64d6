// Server-side sessions (issue 11): a session is a row; ending it refuses the same cookie on the
// very next request. And the check is one round trip to PostgreSQL (issue 17).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countStatements, createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";

let database: TestDatabase;
let organizationId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  organizationId = (await database.prisma.organization.create({ data: { name: "Fabrikam" } })).id;
});
afterAll(async () => {
  await database.drop();
});

async function makeUser(email: string, role: "ADMIN" | "MEMBER" = "MEMBER", password = "right password here") {
  const { hashPassword } = await import("./password");
  return database.prisma.user.create({
    data: { organizationId, email, name: email.split("@")[0]!, passwordHash: await hashPassword(password), memberships: { create: { organizationId, role } } },
  });
}

async function signIn(userId: string) {
  const { createSession } = await import("@/lib/data/users");
  return (await createSession(userId, "192.0.2.1")).id;
}

describe("server-side sessions", () => {
  it("accepts a live session and refuses a made-up one, another user's, and one past its end", async () => {
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("live@example.com");
    const other = await makeUser("other@example.com");
    const sid = await signIn(user.id);
    expect(await getSessionUser(sid, user.id)).toMatchObject({ id: user.id, email: "live@example.com", sessionId: sid, organizationId, organizationName: "Fabrikam", role: "MEMBER" });
    expect(await getSessionUser(randomUUID(), user.id)).toBeNull();
    expect(await getSessionUser(sid, other.id)).toBeNull();
    expect(await getSessionUser("not-a-uuid", user.id)).toBeNull();
    await database.prisma.session.update({ where: { id: sid }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await getSessionUser(sid, user.id)).toBeNull();
  });

  it("records when its user last signed in (Members shows it)", async () => {
    const user = await makeUser("last-sign-in@example.com");
    expect(user.lastSignInAt).toBeNull();
    const before = Date.now();
    await signIn(user.id);
    const after = await database.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.lastSignInAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("checks a session in one round trip to PostgreSQL", async () => {
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("one-query@example.com");
    const sid = await signIn(user.id);
    await getSessionUser(sid, user.id); // warm the pool
    const { statements, result } = await countStatements(() => getSessionUser(sid, user.id));
    expect(result).not.toBeNull();
    expect(statements).toBe(1);
  });

  it("counts the notices told to the user since they last opened them, in the same round trip", async () => {
    const { getSessionUser } = await import("@/lib/data/users");
    const { listMyNotices, markNoticesSeen } = await import("@/lib/data/notifications");
    const user = await makeUser("notices@example.com");
    const other = await makeUser("not-told@example.com");
    const sid = await signIn(user.id);
    const notice = (recipientIds: string[], dedupeKey: string) =>
      database.prisma.notification.create({ data: { organizationId, kind: "build.failed", dedupeKey, data: { profile: "Wallet", number: 7, status: "FAILED", buildId: randomUUID() }, recipientIds } });
    expect(await getSessionUser(sid, user.id)).toMatchObject({ unseenNotices: 0 });
    await notice([user.id, other.id], `n-${randomUUID()}`);
    await notice([other.id], `n-${randomUUID()}`);
    await notice([user.id], `n-${randomUUID()}`);
    const { statements, result } = await countStatements(() => getSessionUser(sid, user.id));
    expect(statements).toBe(1);
    expect(result).toMatchObject({ unseenNotices: 2 });
    const scope = testScope(organizationId, user.id, "MEMBER");
    const listed = await listMyNotices(scope);
    expect(listed.notices).toHaveLength(2);
    expect(listed.notices.every((item) => item.isNew)).toBe(true);
    await markNoticesSeen(scope);
    expect(await getSessionUser(sid, user.id)).toMatchObject({ unseenNotices: 0 });
    expect((await listMyNotices(scope)).notices.map((item) => item.isNew)).toEqual([false, false]);
    await notice([user.id], `n-${randomUUID()}`);
    expect(await getSessionUser(sid, user.id)).toMatchObject({ unseenNotices: 1 });
  });

  it("signing out ends that session at once and no other", async () => {
    const { endSession, getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("signout@example.com");
    const laptop = await signIn(user.id);
    const phone = await signIn(user.id);
    expect(await endSession(testScope(organizationId, user.id, "MEMBER"), laptop)).toBe(true);
    expect(await getSessionUser(laptop, user.id)).toBeNull();
    expect(await getSessionUser(phone, user.id)).not.toBeNull();
    // Someone else's session id ends nothing.
    const stranger = await makeUser("stranger@example.com");
    expect(await endSession(testScope(organizationId, stranger.id, "MEMBER"), phone)).toBe(false);
    expect(await getSessionUser(phone, user.id)).not.toBeNull();
  });

  it("the signOut event ends the session its cookie names, and audits it", async () => {
    const { endSignedOutSession } = await import("./sign-out");
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("event@example.com");
    const sid = await signIn(user.id);
    await endSignedOutSession(user.id, sid);
    expect(await getSessionUser(sid, user.id)).toBeNull();
    expect(await database.prisma.auditEvent.count({ where: { action: "auth.signed_out", actorId: user.id } })).toBe(1);
    // A replayed sign-out of an ended session changes nothing.
    await endSignedOutSession(user.id, sid);
    expect(await database.prisma.auditEvent.count({ where: { action: "auth.signed_out", actorId: user.id } })).toBe(1);
  });

  it("sign out everywhere ends every session of the user", async () => {
    const { endOwnSessions, getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("everywhere@example.com");
    const [a, b] = [await signIn(user.id), await signIn(user.id)];
    expect(await endOwnSessions(testScope(organizationId, user.id, "MEMBER"))).toBe(2);
    expect(await getSessionUser(a, user.id)).toBeNull();
    expect(await getSessionUser(b, user.id)).toBeNull();
  });

  it("disabling a member ends their sessions, and enabling them again does not bring them back", async () => {
    const { setMemberActive } = await import("@/lib/data/members");
    const { getSessionUser } = await import("@/lib/data/users");
    const admin = await makeUser("admin-disable@example.com", "ADMIN");
    const member = await makeUser("disabled@example.com");
    const sid = await signIn(member.id);
    await setMemberActive(testScope(organizationId, admin.id), { userId: member.id, isActive: false });
    expect(await getSessionUser(sid, member.id)).toBeNull();
    await setMemberActive(testScope(organizationId, admin.id), { userId: member.id, isActive: true });
    expect(await getSessionUser(sid, member.id)).toBeNull();
    const audit = await database.prisma.auditEvent.findFirst({ where: { action: "member.disabled", targetId: member.id } });
    expect(audit?.actorId).toBe(admin.id);
  });

  it("a role change ends the member's sessions; the next sign-in has the new role", async () => {
    const { changeMemberRole } = await import("@/lib/data/members");
    const { getSessionUser } = await import("@/lib/data/users");
    const admin = await makeUser("admin-role@example.com", "ADMIN");
    const member = await makeUser("promoted@example.com");
    const before = await signIn(member.id);
    // Saving the role they already have changes nothing: the session lives on, nothing is audited.
    expect(await changeMemberRole(testScope(organizationId, admin.id), { userId: member.id, role: "MEMBER" })).toEqual({ changed: false });
    expect((await getSessionUser(before, member.id))?.role).toBe("MEMBER");
    expect(await changeMemberRole(testScope(organizationId, admin.id), { userId: member.id, role: "ADMIN" })).toEqual({ changed: true });
    expect(await getSessionUser(before, member.id)).toBeNull();
    expect(await database.prisma.auditEvent.count({ where: { action: "member.role_changed", targetId: member.id } })).toBe(1);
    expect((await getSessionUser(await signIn(member.id), member.id))?.role).toBe("ADMIN");
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "member.role_changed", targetId: member.id } });
    expect(audit.data).toMatchObject({ from: "MEMBER", to: "ADMIN", endedSessions: 1 });
  });

  it("housekeeping deletes sessions past their end and keeps live ones", async () => {
    const { pruneExpiredSessions } = await import("@/lib/data/users");
    const user = await makeUser("prune@example.com");
    const [old, live] = [await signIn(user.id), await signIn(user.id)];
    await database.prisma.session.update({ where: { id: old }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await pruneExpiredSessions()).toBeGreaterThanOrEqual(1);
    expect(await database.prisma.session.findMany({ where: { userId: user.id }, select: { id: true } })).toEqual([{ id: live }]);
  });

  it("never leaves an organization without an admin, and never changes an admin's own role", async () => {
    const { changeMemberRole } = await import("@/lib/data/members");
    const duo = await database.prisma.organization.create({ data: { name: "Duo" } });
    const admin = (email: string) =>
      database.prisma.user.create({ data: { organizationId: duo.id, email, name: email, passwordHash: "x", memberships: { create: { organizationId: duo.id, role: "ADMIN" } } } });
    const [ann, bo] = [await admin("ann-admin@example.com"), await admin("bo-admin@example.com")];
    // One's own role: refused, even with another admin there (it would sign them out mid-page).
    await expect(changeMemberRole(testScope(duo.id, ann.id), { userId: ann.id, role: "MEMBER" })).rejects.toThrow(/cannot change your own role/);
    // Two admins demoting each other at once: the first wins; the second, read under the lock, would leave nobody.
    expect(await changeMemberRole(testScope(duo.id, ann.id), { userId: bo.id, role: "MEMBER" })).toEqual({ changed: true });
    await expect(changeMemberRole(testScope(duo.id, bo.id), { userId: ann.id, role: "MEMBER" })).rejects.toThrow(/at least one admin/);
    const roles = await database.prisma.membership.findMany({ where: { organizationId: duo.id }, select: { userId: true, role: true } });
    expect(Object.fromEntries(roles.map((row) => [row.userId, row.role]))).toEqual({ [ann.id]: "ADMIN", [bo.id]: "MEMBER" });
  });
});

describe("change password", () => {
  it("needs the current password, keeps this session, ends the others, and is audited", async () => {
    const { changeOwnPassword } = await import("./password-change");
    const { getSessionUser } = await import("@/lib/data/users");
    const { verifyPassword } = await import("./password");
    const user = await makeUser("changer@example.com", "MEMBER", "old password here 1");
    const here = await signIn(user.id);
    const elsewhere = await signIn(user.id);
    const me = (await getSessionUser(here, user.id))!;
    const scope = testScope(organizationId, user.id, "MEMBER");

    const wrong = await changeOwnPassword(me, scope, { current: "not the password", password: "new password here 2" }, "192.0.2.5");
    expect(wrong).toMatchObject({ status: "error", fieldErrors: { current: ["This is not your current password"] } });
    expect(await getSessionUser(elsewhere, user.id)).not.toBeNull();

    const done = await changeOwnPassword(me, scope, { current: "old password here 1", password: "new password here 2" }, "192.0.2.5");
    expect(done).toMatchObject({ status: "success", message: expect.stringContaining("One other session was signed out") });
    expect(await getSessionUser(here, user.id)).not.toBeNull();
    expect(await getSessionUser(elsewhere, user.id)).toBeNull();
    const stored = await database.prisma.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } });
    expect(await verifyPassword("new password here 2", stored.passwordHash!)).toBe(true);
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "auth.password_changed", targetId: user.id } });
    expect(audit).toMatchObject({ actorId: user.id, ip: "192.0.2.5", data: { endedSessions: 1 } });
    expect(JSON.stringify(audit)).not.toContain("new password here 2");
  });

  it("stops answering after 5 wrong current passwords", async () => {
    const { changeOwnPassword, CURRENT_PASSWORD_LIMIT } = await import("./password-change");
    const { getSessionUser } = await import("@/lib/data/users");
    const user = await makeUser("oracle@example.com", "MEMBER", "real password here 3");
    const me = (await getSessionUser(await signIn(user.id), user.id))!;
    const scope = testScope(organizationId, user.id, "MEMBER");
    for (let i = 0; i < CURRENT_PASSWORD_LIMIT.failures; i++) {
      expect((await changeOwnPassword(me, scope, { current: `guess ${i}`, password: "another password 4" }, "192.0.2.6")).status).toBe("error");
    }
    // Even the right one is not checked now: a stolen session is not a password oracle.
    expect(await changeOwnPassword(me, scope, { current: "real password here 3", password: "another password 4" }, "192.0.2.6")).toMatchObject({ status: "error", code: "RATE_LIMITED" });
  });
});

describe("password reset by an admin", () => {
  it("by link: the old password stops working, sessions end, the link sets a new one once; audited", async () => {
    const { resetMemberPassword, acceptInvitation, getOpenInvitation } = await import("@/lib/data/members");
    const { getSessionUser } = await import("@/lib/data/users");
    const admin = await makeUser("reset-admin@example.com", "ADMIN");
    const member = await makeUser("forgetful@example.com", "MEMBER", "forgotten password 5");
    const sid = await signIn(member.id);
    const { resetToken, endedSessions } = await resetMemberPassword(testScope(organizationId, admin.id), { userId: member.id });
    expect(endedSessions).toBe(1);
    expect(await getSessionUser(sid, member.id)).toBeNull();
    expect((await database.prisma.user.findUniqueOrThrow({ where: { id: member.id }, select: { passwordHash: true } })).passwordHash).toBeNull();
    expect((await getOpenInvitation(resetToken!))?.purpose).toBe("PASSWORD_RESET");
    await acceptInvitation(resetToken!, "new-hash");
    await expect(acceptInvitation(resetToken!, "again")).rejects.toThrow(/expired, was already used/);
    const audit = await database.prisma.auditEvent.findFirstOrThrow({ where: { action: "member.password_reset", targetId: member.id } });
    expect(audit).toMatchObject({ actorId: admin.id, data: { method: "link", endedSessions: 1 } });
    expect(await database.prisma.auditEvent.count({ where: { action: "auth.password_reset_completed", targetId: member.id } })).toBe(1);
  });

  it("is refused for a member of another organization", async () => {
    const { resetMemberPassword } = await import("@/lib/data/members");
    const other = await database.prisma.organization.create({ data: { name: "Contoso" } });
    const outsider = await database.prisma.user.create({
      data: { organizationId: other.id, email: "outsider@example.com", name: "Out", passwordHash: "keep", memberships: { create: { organizationId: other.id, role: "MEMBER" } } },
    });
    const admin = await makeUser("reset-admin-2@example.com", "ADMIN");
    await expect(resetMemberPassword(testScope(organizationId, admin.id), { userId: outsider.id, passwordHash: "mine" })).rejects.toThrow(/not in your organization/);
    expect((await database.prisma.user.findUniqueOrThrow({ where: { id: outsider.id }, select: { passwordHash: true } })).passwordHash).toBe("keep");
  });
});

describe("invitation links", () => {
  async function invite(email: string) {
    const { addMember } = await import("@/lib/data/members");
    const admin = await makeUser(`inviter-${email}`, "ADMIN");
    const result = await addMember(testScope(organizationId, admin.id), { email, name: "Invitee", role: "MEMBER" });
    return { admin, ...result };
  }

  it("stop working when the invited member is disabled", async () => {
    const { acceptInvitation, getOpenInvitation, setMemberActive } = await import("@/lib/data/members");
    const { admin, userId, invitationToken } = await invite("to-disable@example.com");
    await setMemberActive(testScope(organizationId, admin.id), { userId, isActive: false });
    expect(await getOpenInvitation(invitationToken!)).toBeNull();
    await expect(acceptInvitation(invitationToken!, "hash")).rejects.toThrow(/expired, was already used, or its account was disabled/);
    // Enabling them again does not revive the old link.
    await setMemberActive(testScope(organizationId, admin.id), { userId, isActive: true });
    expect(await getOpenInvitation(invitationToken!)).toBeNull();
    expect((await database.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } })).passwordHash).toBeNull();
  });

  it("stop working when the invited member is removed from the organization", async () => {
    const { acceptInvitation, getOpenInvitation } = await import("@/lib/data/members");
    const { userId, invitationToken } = await invite("to-remove@example.com");
    await database.prisma.membership.deleteMany({ where: { userId } });
    expect(await getOpenInvitation(invitationToken!)).toBeNull();
    await expect(acceptInvitation(invitationToken!, "hash")).rejects.toThrow(/expired, was already used/);
    expect((await database.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } })).passwordHash).toBeNull();
  });
});

describe("accounts belong to one organization", () => {
  it("adding an email that has an account in another organization answers exactly like a new one", async () => {
    const { addMember } = await import("@/lib/data/members");
    const elsewhere = await database.prisma.organization.create({ data: { name: "Northwind" } });
    await database.prisma.user.create({
      data: { organizationId: elsewhere.id, email: "taken-elsewhere@example.com", name: "Elsewhere", passwordHash: "x", memberships: { create: { organizationId: elsewhere.id, role: "ADMIN" } } },
    });
    const admin = await makeUser("adder@example.com", "ADMIN");
    const scope = testScope(organizationId, admin.id);
    const fresh = await addMember(scope, { email: "never-seen@example.com", name: "Fresh", role: "MEMBER" });
    const taken = await addMember(scope, { email: "taken-elsewhere@example.com", name: "Taken", role: "MEMBER" });
    expect(Object.keys(taken).sort()).toEqual(Object.keys(fresh).sort());
    expect(taken.invitationToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    // A second account, in this organization; the other one is untouched.
    expect(await database.prisma.user.count({ where: { email: "taken-elsewhere@example.com" } })).toBe(2);
    // Only a duplicate inside the organization is refused.
    await expect(addMember(scope, { email: "taken-elsewhere@example.com", name: "Again", role: "MEMBER" })).rejects.toThrow("A member of your organization already has this email.");
  });

  it("each account signs in with its own password, into its own organization", async () => {
    const { verifySignIn } = await import("./sign-in");
    const { hashPassword } = await import("./password");
    const second = await database.prisma.organization.create({ data: { name: "Second" } });
    const mine = await makeUser("two-orgs@example.com", "MEMBER", "first org password 6");
    const theirs = await database.prisma.user.create({
      data: { organizationId: second.id, email: "two-orgs@example.com", name: "Twin", passwordHash: await hashPassword("second org password 7"), memberships: { create: { organizationId: second.id, role: "MEMBER" } } },
    });
    expect(await verifySignIn({ email: "two-orgs@example.com", password: "first org password 6" }, "192.0.2.20")).toMatchObject({ ok: true, userId: mine.id, scope: { organizationId } });
    expect(await verifySignIn({ email: "two-orgs@example.com", password: "second org password 7" }, "192.0.2.20")).toMatchObject({ ok: true, userId: theirs.id, scope: { organizationId: second.id } });
  });
});
