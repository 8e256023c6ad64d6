import "server-only";
import { db } from "@/lib/db";
import type { Scope } from "@/lib/scope";
import { recordAudit } from "./audit";

/** The outbound allowlist entries the scope's organization stored (Network settings). */
export async function getOrganizationAllowlist(scope: Scope): Promise<string[]> {
  const organization = await db.organization.findUnique({ where: { id: scope.organizationId }, select: { outboundAllowlist: true } });
  return organization?.outboundAllowlist ?? [];
}

/**
 * Replaces the organization's stored allowlist with `entries` (validated by the caller) and
 * audits what was added and removed, in one transaction. Nothing changed: nothing is written.
 */
export async function setOrganizationAllowlist(scope: Scope, entries: readonly string[]): Promise<{ added: string[]; removed: string[] }> {
  return db.$transaction(async (tx) => {
    // Row lock: two admins saving at once apply one after the other, and the audit's "before" is true.
    await tx.$queryRaw`SELECT 1 FROM "Organization" WHERE id = ${scope.organizationId}::uuid FOR UPDATE`;
    const current = (await tx.organization.findUniqueOrThrow({ where: { id: scope.organizationId }, select: { outboundAllowlist: true } })).outboundAllowlist;
    const added = entries.filter((entry) => !current.includes(entry));
    const removed = current.filter((entry) => !entries.includes(entry));
    if (added.length === 0 && removed.length === 0) {
      return { added, removed };
    }
    await tx.organization.update({ where: { id: scope.organizationId }, data: { outboundAllowlist: [...entries] } });
    await recordAudit(scope, { action: "network.allowlist_updated", targetType: "organization", targetId: scope.organizationId, data: { added, removed, entries: [...entries] } }, tx);
    return { added, removed };
  });
}
