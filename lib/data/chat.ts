import "server-only";
import { db, type Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import { onBehalfOf, type Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { recordAudit } from "./audit";

// A profile's chat webhook (lib/builds/README.md, "Chat"). The URL is the channel's credential:
// sealed at rest, omitted from every query by default, never sent to a page (which sees a label).

const SEALED = { table: "ProfileChatHook", column: "urlSealed" } as const;

export type ChatNotify = "changes" | "all";

export type ChatHookView = { label: string; notify: ChatNotify; lastSentAt: Date | null; lastError: string | null; updatedAt: Date };

const view = { label: true, notify: true, lastSentAt: true, lastError: true, updatedAt: true } as const;

/** The profile, when the scope may change its chat channel (admins, its creator). */
async function allowedProfile(tx: Tx, scope: Scope, profileId: string): Promise<{ id: string; name: string }> {
  const profile = await tx.buildProfile.findFirst({ where: { id: profileId, organizationId: scope.organizationId }, select: { id: true, name: true, createdById: true } });
  if (!profile) {
    throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
  }
  if (!can(scope, "profile.triggers", profile)) {
    throw new AppError("FORBIDDEN", refusalOf("profile.triggers"));
  }
  return profile;
}

function notifyOf(value: string): ChatNotify {
  return value === "all" ? "all" : "changes";
}

/** A profile's chat webhook as pages show it (no URL), or null. */
export async function getChatHook(scope: Scope, profileId: string): Promise<ChatHookView | null> {
  const row = await db.profileChatHook.findFirst({ where: { profileId, organizationId: scope.organizationId }, select: view });
  return row ? { ...row, notify: notifyOf(row.notify) } : null;
}

/**
 * Sets a profile's chat webhook (the triggers' people: admins and the profile's creator), audited
 * without the URL. `url` null keeps the stored one (only `notify` changes).
 */
export async function saveChatHook(scope: Scope, profileId: string, input: { url: string | null; label: string | null; notify: ChatNotify }): Promise<void> {
  await db.$transaction(async (tx) => {
    const profile = await allowedProfile(tx, scope, profileId);
    const existing = await tx.profileChatHook.findUnique({ where: { profileId }, select: { label: true } });
    if (input.url === null) {
      if (!existing) {
        throw new AppError("INVALID_INPUT", "Paste the channel's incoming-webhook URL.", { details: { field: "webhookUrl" } });
      }
      await tx.profileChatHook.update({ where: { profileId }, data: { notify: input.notify } });
    } else {
      const data = { urlSealed: sealSecret(SEALED, profileId, input.url), label: input.label ?? "Webhook", notify: input.notify, lastError: null };
      await tx.profileChatHook.upsert({
        where: { profileId },
        create: { profileId, organizationId: scope.organizationId, createdById: onBehalfOf(scope), ...data },
        update: data,
      });
    }
    await recordAudit(
      scope,
      { action: "profile.chat_updated", targetType: "build_profile", targetId: profileId, data: { name: profile.name, channel: input.label ?? existing?.label ?? null, notify: input.notify, newUrl: input.url !== null } },
      tx,
    );
  });
}

/** Removes a profile's chat webhook (audited); false when it had none. */
export async function removeChatHook(scope: Scope, profileId: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await allowedProfile(tx, scope, profileId);
    const removed = await tx.profileChatHook.deleteMany({ where: { profileId, organizationId: scope.organizationId } });
    if (removed.count === 0) {
      return false;
    }
    await recordAudit(scope, { action: "profile.chat_removed", targetType: "build_profile", targetId: profileId, data: {} }, tx);
    return true;
  });
}

/** The webhook with its URL opened (the sender, right before it posts), or null. */
export async function openChatHook(scope: Scope, profileId: string): Promise<{ url: string; label: string; notify: ChatNotify } | null> {
  const row = await db.profileChatHook.findFirst({ where: { profileId, organizationId: scope.organizationId }, select: { urlSealed: true, label: true, notify: true } });
  if (!row) {
    return null;
  }
  return { url: openSecret(SEALED, profileId, row.urlSealed), label: row.label, notify: notifyOf(row.notify) };
}

/** Records how the last message went: delivered (clears the error) or why not. */
export async function recordChatDelivery(scope: Scope, profileId: string, error: string | null): Promise<void> {
  await db.profileChatHook.updateMany({
    where: { profileId, organizationId: scope.organizationId },
    data: error === null ? { lastSentAt: new Date(), lastError: null } : { lastError: error.slice(0, 500) },
  });
}
