// Seeds connections straight into the e2e database, sealed exactly as Keel seals them
// (lib/crypto.ts, AAD bound to table/column/row) with the keyring the Keel server under
// test generated into its data directory. For specs whose subject is not the connect
// wizard itself (picker, profiles, OAuth token life); the wizard specs click through.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { chooseApiVersion, productFromCeiling } from "@/lib/azure-devops/api-versions";
import { lastFour, open, parseKeyring, seal, type Keyring } from "@/lib/crypto";
import { e2eOrganization, prisma } from "./db";
import { e2eDataDir } from "./keel-env";
import { emulatorDeployment } from "./emulator";

/** The keyring of the Keel server under test (generated on its first start). */
export function e2eKeyring(): Keyring {
  const file = path.join(e2eDataDir(), "secrets.json");
  const secrets = JSON.parse(readFileSync(file, "utf8")) as { encryptionKeys: string };
  return parseKeyring(secrets.encryptionKeys);
}

/** Opens a sealed value (to prove a column holds the right secret without printing it). */
export function openFor(table: string, column: string, rowId: string, sealed: string): string {
  return open(e2eKeyring(), sealed, { table, column, rowId });
}

let counter = 0;

/** A connection name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${(counter++).toString(36)}`;
}

export type SeedPatConnection = {
  /** Emulator deployment name: `services` (default), `server2022`, `server2020`, … */
  deployment?: string;
  /** Organization or collection, e.g. `fabrikam` or `DefaultCollection`. */
  collection: string;
  token: string;
  name?: string;
  ownerId?: string;
  status?: "HEALTHY" | "EXPIRING" | "EXPIRED" | "NEEDS_REAUTH" | "UNREACHABLE" | "CERTIFICATE_PROBLEM" | "CREDENTIALS_MISSING" | "CREDENTIALS_UNREADABLE";
  /** The token's expiry as an admin entered it (the status model reads it). */
  tokenExpiresAt?: Date;
  /** Another Keel organization than the e2e one (then `ownerId` is required). */
  organizationId?: string;
};

/**
 * Inserts a healthy PAT connection to an emulator deployment in the e2e organization (or the
 * one named); remove it with `removeConnection` (its build profiles first).
 */
export async function seedPatConnection(input: SeedPatConnection) {
  const organization = input.organizationId ? { id: input.organizationId } : await e2eOrganization();
  const deployment = await emulatorDeployment(input.deployment ?? "services");
  const id = randomUUID();
  const name = input.name ?? uniqueName("Seeded");
  const owner = input.ownerId ?? (await prisma().membership.findFirstOrThrow({ where: { organizationId: organization.id, role: "ADMIN" }, orderBy: { createdAt: "asc" } })).userId;
  const origin = new URL(deployment.origin).origin;
  const connection = await prisma().connection.create({
    data: {
      id,
      organizationId: organization.id,
      ownerId: owner,
      name,
      nameKey: name.toLowerCase(),
      deploymentType: deployment.kind === "services" ? "SERVICES" : "SERVER",
      authMethod: "PAT",
      serverUrl: origin,
      pathPrefix: deployment.pathPrefix.replace(/^\/+|\/+$/g, ""),
      collection: input.collection,
      serverProduct: deployment.productLabel,
      // What Check would have settled on (Keel's own choice from the server's ceiling).
      apiVersion: chooseApiVersion({ product: productFromCeiling(deployment.kind === "services" ? "hosted" : "onPremises", deployment.maxApiVersion), ceiling: deployment.maxApiVersion, released: null }),
      scopes: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"],
      status: input.status ?? "HEALTHY",
      lastCheckAt: new Date(),
      tokenSealed: seal(e2eKeyring(), input.token, { table: "Connection", column: "tokenSealed", rowId: id }),
      tokenLastFour: lastFour(input.token),
      credentialUserId: owner,
      ...(input.tokenExpiresAt ? { tokenExpiresAt: input.tokenExpiresAt, credentialExpiresAt: input.tokenExpiresAt, credentialExpirySource: "ENTERED" as const } : {}),
    },
  });
  return { ...connection, organizationId: organization.id };
}

/** Deletes a connection a fixture created, with its build profiles. */
export async function removeConnection(id: string): Promise<void> {
  // A background repository listing may still be writing rows for this connection; its
  // inserts and the cascading delete can deadlock, which PostgreSQL resolves by failing one.
  for (let attempt = 1; ; attempt++) {
    try {
      await prisma().buildProfile.deleteMany({ where: { connectionId: id } });
      await prisma().connection.deleteMany({ where: { id } });
      return;
    } catch (error) {
      if (attempt >= 5 || (error as { code?: string }).code !== "P2034") {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

export type SeedServicePrincipalConnection = {
  /** The organization (Services). */
  collection: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  name?: string;
  /** Another Keel organization than the e2e one. */
  organizationId?: string;
};

/**
 * Inserts a healthy service-principal connection (client secret, sealed like Keel seals it) in the
 * e2e organization or the one named: no owner, like every service-principal connection.
 */
export async function seedServicePrincipalConnection(input: SeedServicePrincipalConnection) {
  const organization = input.organizationId ? { id: input.organizationId } : await e2eOrganization();
  const deployment = await emulatorDeployment("services");
  const id = randomUUID();
  const name = input.name ?? uniqueName("Seeded principal");
  const connection = await prisma().connection.create({
    data: {
      id,
      organizationId: organization.id,
      ownerId: null,
      name,
      nameKey: name.toLowerCase(),
      deploymentType: "SERVICES",
      authMethod: "SERVICE_PRINCIPAL",
      serverUrl: new URL(deployment.origin).origin,
      collection: input.collection,
      serverProduct: deployment.productLabel,
      apiVersion: "7.1",
      scopes: ["vso.code", "vso.code_status", "vso.project", "vso.notification", "vso.profile"],
      status: "HEALTHY",
      lastCheckAt: new Date(),
      tokenLastFour: lastFour(input.clientSecret),
      tokenExpiresAt: new Date(Date.now() + 180 * 86_400_000),
      servicePrincipal: {
        create: {
          organizationId: organization.id,
          kind: "CLIENT_SECRET",
          tenantId: input.tenantId,
          clientId: input.clientId,
          clientSecretSealed: seal(e2eKeyring(), input.clientSecret, { table: "ServicePrincipal", column: "clientSecretSealed", rowId: id }),
        },
      },
    },
  });
  return { ...connection, organizationId: organization.id };
}
