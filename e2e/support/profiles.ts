// Build profiles seeded straight into the e2e database (for specs whose subject is not the
// create form itself: the profile page, the list, deleting), and the picker's cache rows.
import { randomUUID } from "node:crypto";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { seedPatConnection } from "./connections";
import { e2eOrganization, prisma } from "./db";

export type SeedProfile = {
  connectionId: string;
  name: string;
  platform?: "IOS" | "ANDROID" | "REACT_NATIVE" | "FLUTTER" | "DOTNET_MAUI" | "OTHER";
  projectId: string;
  projectName: string;
  repositoryId: string;
  repositoryName: string;
  defaultBranch?: string | null;
  remoteUrl?: string | null;
  sshUrl?: string | null;
  webUrl?: string | null;
  createdById?: string;
  /** Another Keel organization than the e2e one (the connection's). */
  organizationId?: string;
};

/** Inserts a build profile in the e2e organization (it goes with its connection: `removeConnection`). */
export async function seedProfile(input: SeedProfile) {
  const organization = input.organizationId ? { id: input.organizationId } : await e2eOrganization();
  return prisma().buildProfile.create({
    data: {
      organizationId: organization.id,
      connectionId: input.connectionId,
      name: input.name,
      nameKey: input.name.normalize("NFC").toLowerCase(),
      platform: input.platform ?? "IOS",
      projectId: input.projectId.toLowerCase(),
      projectName: input.projectName,
      repositoryId: input.repositoryId.toLowerCase(),
      repositoryName: input.repositoryName,
      defaultBranch: input.defaultBranch === undefined ? "refs/heads/main" : input.defaultBranch,
      remoteUrl: input.remoteUrl ?? null,
      sshUrl: input.sshUrl ?? null,
      webUrl: input.webUrl ?? null,
      idempotencyKey: randomUUID(),
      createdById: input.createdById ?? null,
    },
  });
}

/** A profile of the ios-sdk repository (which no journey's triggers hear of) on a connection to fabrikam. */
export async function seedSdkProfileOn(connectionId: string, name: string) {
  return seedProfile({
    connectionId,
    name,
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_REPOS.iosSdk.project,
    repositoryId: DEFAULT_REPOS.iosSdk.id,
    repositoryName: DEFAULT_REPOS.iosSdk.name,
    defaultBranch: "refs/heads/master",
  });
}

/** A PAT connection of its own to fabrikam and a profile of its Wallet App repository (remove with `removeConnection`). */
export async function seedWalletProfile(name: string) {
  const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull });
  const profile = await seedProfile({
    connectionId: connection.id,
    name,
    projectId: DEFAULT_PROJECTS.mobileIos.id,
    projectName: DEFAULT_REPOS.walletApp.project,
    repositoryId: DEFAULT_REPOS.walletApp.id,
    repositoryName: DEFAULT_REPOS.walletApp.name,
  });
  return { connection, profile };
}
