import type { Role } from "@/lib/generated/prisma/enums";
import type { Scope } from "@/lib/scope";

/** The scope of a seeded user acting in their organization (tests seed through Prisma, not sign-in). */
export function testScope(organizationId: string, userId: string, role: Role = "ADMIN"): Scope {
  return { organizationId, actor: { kind: "user", userId, role } };
}
