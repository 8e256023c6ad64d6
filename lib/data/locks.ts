import "server-only";
import type { Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Scope } from "@/lib/scope";

/**
 * Locks a profile of the scope's organization for the rest of the transaction (a concurrent
 * change of the same profile waits), or throws NOT_FOUND with `missing`.
 */
export async function lockProfile(tx: Tx, scope: Scope, profileId: string, missing = "That build profile does not exist in your organization."): Promise<void> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "BuildProfile" WHERE id = ${profileId}::uuid AND "organizationId" = ${scope.organizationId}::uuid FOR UPDATE`;
  if (rows.length === 0) {
    throw new AppError("NOT_FOUND", missing);
  }
}
