// Direct database access for assertions and fixtures (seeding through Prisma, as
// docs/style.md asks). lib/db.ts is server-only, so the client is built here the same way.
import { PrismaPg } from "@prisma/adapter-pg";
import { hashPassword } from "@/lib/auth/password";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { e2eDatabaseUrl, FIRST_ADMIN } from "./settings";

let client: PrismaClient | undefined;

/** The Prisma client on the e2e database. */
export function prisma(): PrismaClient {
  client ??= new PrismaClient({ adapter: new PrismaPg({ connectionString: e2eDatabaseUrl(), max: 4 }) });
  return client;
}

/** The organization the first-run spec created. */
export async function e2eOrganization() {
  return prisma().organization.findFirstOrThrow({ where: { name: FIRST_ADMIN.organizationName } });
}

let counter = 0;

/** Creates a user with a known password, in the e2e organization unless another is named; remove it with `removeUser`. */
export async function createUser(options: { role?: "ADMIN" | "MEMBER"; name?: string; password?: string; organizationId?: string } = {}) {
  const organization = options.organizationId ? { id: options.organizationId } : await e2eOrganization();
  const suffix = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const password = options.password ?? "violet harbor lantern";
  const user = await prisma().user.create({
    data: {
      organizationId: organization.id,
      email: `user-${suffix}@keel.test`,
      name: options.name ?? `Member ${suffix}`,
      passwordHash: await hashPassword(password),
      memberships: { create: { organizationId: organization.id, role: options.role ?? "MEMBER" } },
    },
  });
  return { ...user, password, organizationId: organization.id };
}

/** Deletes a user created by a fixture (cascades to memberships and accounts). */
export async function removeUser(id: string): Promise<void> {
  await prisma().user.deleteMany({ where: { id } });
}
