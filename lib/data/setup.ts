import "server-only";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { recordAudit } from "./audit";

/**
 * Creates the organization and its first admin — only while no user exists. An
 * advisory lock serialises concurrent first-run submissions, so exactly one wins.
 */
export async function createFirstAdmin(input: {
  organizationName: string;
  name: string;
  email: string;
  passwordHash: string;
}): Promise<{ userId: string; organizationId: string }> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('keel.first-run-setup'))`;
    if ((await tx.user.count()) > 0) {
      throw new AppError("CONFLICT", "Keel is already set up. Sign in instead.");
    }
    const organization = await tx.organization.create({ data: { name: input.organizationName } });
    const user = await tx.user.create({
      data: {
        organizationId: organization.id,
        email: input.email,
        name: input.name,
        passwordHash: input.passwordHash,
        memberships: { create: { organizationId: organization.id, role: "ADMIN" } },
      },
      select: { id: true },
    });
    await recordAudit(
      { organizationId: organization.id, actor: { kind: "user", userId: user.id, role: "ADMIN" } },
      { action: "setup.completed", targetType: "organization", targetId: organization.id },
      tx,
    );
    return { userId: user.id, organizationId: organization.id };
  });
}
