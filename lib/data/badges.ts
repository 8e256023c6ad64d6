import "server-only";
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, refusalOf } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { recordAudit } from "./audit";

// A profile's public status badge (lib/builds/README.md, "Status badge"). Off until someone who
// may edit the profile turns it on; its address carries a random key, so only people given the
// address see the status, and a new key ends every old link.

/** A new badge key: 24 random bytes, URL-safe. */
function newKey(): string {
  return randomBytes(24).toString("base64url");
}

/** Turns the badge on (a new key, also when it was on: "New address"), or off. Audited. Returns the key or null. */
export async function setBadge(scope: Scope, profileId: string, what: "on" | "rotate" | "off"): Promise<string | null> {
  return db.$transaction(async (tx) => {
    const profile = await tx.buildProfile.findFirst({ where: { id: profileId, organizationId: scope.organizationId }, select: { id: true, name: true, createdById: true, badgeKey: true } });
    if (!profile) {
      throw new AppError("NOT_FOUND", "That build profile does not exist in your organization.");
    }
    if (!can(scope, "profile.update", profile)) {
      throw new AppError("FORBIDDEN", refusalOf("profile.update"));
    }
    const key = what === "off" ? null : what === "on" && profile.badgeKey ? profile.badgeKey : newKey();
    await tx.buildProfile.update({ where: { id: profileId }, data: { badgeKey: key } });
    const action = what === "off" ? "profile.badge_disabled" : what === "rotate" && profile.badgeKey ? "profile.badge_rotated" : "profile.badge_enabled";
    if (what !== "on" || !profile.badgeKey) {
      await recordAudit(scope, { action, targetType: "build_profile", targetId: profileId, data: { name: profile.name } }, tx);
    }
    return key;
  });
}

/**
 * What a badge shows (global by nature: the address's key is all an anonymous reader has, and it
 * names one profile): the status of the latest finished build (cancels skipped) of the branch —
 * the profile's default branch unless one is asked for — or null when no profile has this key.
 */
export async function badgeStatus(key: string, branch: string | null): Promise<{ status: string | null } | null> {
  const profile = await db.buildProfile.findUnique({ where: { badgeKey: key }, select: { id: true, defaultBranch: true } });
  if (!profile) {
    return null;
  }
  const ref = branch ? `refs/heads/${branch}` : profile.defaultBranch;
  if (!ref) {
    return { status: null };
  }
  const latest = await db.build.findFirst({
    where: { profileId: profile.id, branch: ref, pullRequestId: null, status: { in: ["SUCCEEDED", "FAILED", "TIMED_OUT", "ERROR"] } },
    orderBy: { number: "desc" },
    select: { status: true },
  });
  return { status: latest?.status ?? null };
}
