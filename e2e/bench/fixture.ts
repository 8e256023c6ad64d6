// The organization `bench:load` and `bench:pages` measure: Keel started as `npm start` does
// (launcher, embedded PostgreSQL, KEEL_WEB_CONCURRENCY web processes, a job worker) against the
// emulator's `large-10k` fixture, with 50 users (one admin), 5 connections, a 10,000-repository
// listing made by the worker, 120 build profiles and a connect-wizard draft at its PAT step.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { PrismaPg } from "@prisma/adapter-pg";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { LARGE_PAT } from "@/e2e/azure-devops-emulator/fixtures/large";
import { hashPassword } from "@/lib/auth/password";
import { lastFour, parseKeyring, seal } from "@/lib/crypto";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { cpuTimeOf, get, launcherDatabaseUrl, launcherKeyring, memoryOf, readRunFile, signIn, sleep, startKeel, webPids, type Keel } from "./support";

export const PASSWORD = "benchmark orchid lantern";
const PLATFORMS = ["IOS", "ANDROID", "REACT_NATIVE", "FLUTTER", "DOTNET_MAUI", "OTHER"] as const;
const REPOSITORIES = 10_000;

export type BenchOrganization = {
  keel: Keel;
  emulator: EmulatorHandle;
  databaseUrl: string;
  organizationId: string;
  adminId: string;
  /** The connection whose 10,000 repositories are listed. */
  connectionId: string;
  /** One of the 120 build profiles. */
  profileId: string;
  /** The admin's connect-wizard draft, at its Personal Access Token step. */
  draftId: string;
  emails: string[];
  /** One signed-in session cookie per user; the admin's first. */
  cookies: string[];
  listingMs: number;
  stop(): Promise<void>;
};

/** The organization, its users (the first an admin), 5 connections to the emulator's organization and a wizard draft. */
async function seedOrganization(databaseUrl: string, keyringText: string, servicesUrl: string, users: number) {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
  try {
    const keyring = parseKeyring(keyringText);
    // One hash for every user: scrypt is slow on purpose, and the password is the same.
    const passwordHash = await hashPassword(PASSWORD);
    const organization = await prisma.organization.create({ data: { name: "Bench Org" } });
    const emails = Array.from({ length: users }, (_, index) => (index === 0 ? "bench.admin@keel.test" : `bench.user${String(index).padStart(2, "0")}@keel.test`));
    const ids: string[] = [];
    for (const [index, email] of emails.entries()) {
      const user = await prisma.user.create({
        data: { email, name: index === 0 ? "Bench Admin" : `Bench User ${index}`, passwordHash, memberships: { create: { organizationId: organization.id, role: index === 0 ? "ADMIN" : "MEMBER" } } },
      });
      ids.push(user.id);
    }
    const adminId = ids[0]!;
    let connectionId = "";
    for (const [index, name] of ["Large org", "Mobile team", "Platform team", "Payments", "Web apps"].entries()) {
      const id = randomUUID();
      await prisma.connection.create({
        data: {
          id,
          organizationId: organization.id,
          ownerId: adminId,
          name,
          nameKey: name.toLowerCase(),
          deploymentType: "SERVICES",
          authMethod: "PAT",
          serverUrl: new URL(servicesUrl).origin,
          collection: "largeorg",
          serverProduct: "Azure DevOps Services",
          apiVersion: "7.1",
          scopes: ["vso.identity", "vso.code", "vso.code_status", "vso.notification"],
          status: "HEALTHY",
          lastCheckAt: new Date(),
          tokenSealed: seal(keyring, LARGE_PAT, { table: "Connection", column: "tokenSealed", rowId: id }),
          tokenLastFour: lastFour(LARGE_PAT),
        },
      });
      if (index === 0) {
        connectionId = id;
      }
    }
    const draft = await prisma.connectDraft.create({
      data: { organizationId: organization.id, userId: adminId, deploymentType: "SERVICES", authMethod: "PAT", expiresAt: new Date(Date.now() + 24 * 3_600_000) },
    });
    return { connectionId, organizationId: organization.id, adminId, emails, draftId: draft.id };
  } finally {
    await prisma.$disconnect();
  }
}

/** 120 build profiles bound to repositories the listing found. */
async function seedProfiles(databaseUrl: string, organizationId: string, connectionId: string, adminId: string): Promise<string> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 2 }) });
  try {
    const repositories = await prisma.listedRepository.findMany({ where: { connectionId }, orderBy: { repositoryId: "asc" }, take: 120 });
    let first = "";
    for (const [index, repository] of repositories.entries()) {
      const platform = PLATFORMS[index % PLATFORMS.length]!;
      const name = `${repository.name} ${platform.toLowerCase()}`;
      const profile = await prisma.buildProfile.create({
        data: {
          organizationId,
          connectionId,
          name,
          nameKey: name.toLowerCase(),
          platform,
          projectId: repository.projectId,
          projectName: repository.projectName,
          repositoryId: repository.repositoryId,
          repositoryName: repository.name,
          defaultBranch: repository.defaultBranch,
          remoteUrl: `https://largeorg@dev.azure.com/largeorg/${repository.projectName}/_git/${repository.name}`,
          webUrl: `https://dev.azure.com/largeorg/${repository.projectName}/_git/${repository.name}`,
          createdById: adminId,
        },
      });
      first ||= profile.id;
    }
    return first;
  } finally {
    await prisma.$disconnect();
  }
}

/** Waits for the worker to list the connection (the first visit asks for it); answers how long it took. */
async function waitForListing(keel: Keel, cookie: string, connectionId: string, expected: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const answer = await get(`${keel.url}/api/connections/${connectionId}/repositories?limit=50`, { cookie, accept: "application/json" });
    const page = JSON.parse(answer.body) as { listing: { status: string; repositoriesListed: number; error: unknown } };
    if (page.listing.status === "FAILED") {
      throw new Error(`the listing failed: ${JSON.stringify(page.listing.error)}`);
    }
    if (page.listing.status === "READY") {
      if (page.listing.repositoriesListed !== expected) {
        throw new Error(`listed ${page.listing.repositoriesListed} repositories, expected ${expected}`);
      }
      return performance.now() - started;
    }
    await sleep(250);
  }
}

/** Starts the emulator and Keel, seeds the organization, signs every user in and lets the worker list. */
export async function startBenchOrganization(options: { users: number; webConcurrency: number; port?: number; emulatorPort?: number; env?: Record<string, string> }): Promise<BenchOrganization> {
  const emulator = await startEmulator({ fixture: "large-10k", basePort: options.emulatorPort ?? 0 });
  let keel: Keel | undefined;
  try {
    keel = await startKeel({ servicesUrl: emulator.servicesUrl, ...(options.port ? { port: options.port } : {}), env: { ...options.env, KEEL_WEB_CONCURRENCY: String(options.webConcurrency) } });
    const databaseUrl = await launcherDatabaseUrl(keel.dataDir);
    const seeded = await seedOrganization(databaseUrl, await launcherKeyring(keel.dataDir), emulator.servicesUrl ?? "", options.users);
    const cookies: string[] = [];
    for (const email of seeded.emails) {
      cookies.push(await signIn(keel.url, email, PASSWORD));
    }
    const listingMs = await waitForListing(keel, cookies[0]!, seeded.connectionId, REPOSITORIES);
    const profileId = await seedProfiles(databaseUrl, seeded.organizationId, seeded.connectionId, seeded.adminId);
    const started = keel;
    return {
      keel: started,
      emulator,
      databaseUrl,
      ...seeded,
      profileId,
      cookies,
      listingMs,
      stop: async () => {
        await started.stop();
        await emulator.stop();
      },
    };
  } catch (error) {
    await keel?.stop();
    await emulator.stop();
    throw error;
  }
}

export type Processes = { web: number[]; worker?: number; launcher: number; postgres?: number };

/** The pids of Keel's processes, from the launcher's run file. */
export async function keelProcesses(keel: Keel, webConcurrency: number): Promise<Processes> {
  const web = await webPids(keel.dataDir, webConcurrency);
  const run = await readRunFile(keel.dataDir);
  return { web, worker: run.workerPid, launcher: run.launcherPid, postgres: run.databasePid };
}

/** The PostgreSQL server and its backends (children of the postmaster). */
export async function postgresPids(postmaster: number | undefined): Promise<number[]> {
  if (!postmaster) {
    return [];
  }
  const pids = [postmaster];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.replace(/^.*\) /, "").split(" ")[1]) === postmaster) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export type MemorySample = { web: number; keel: number };

/** Resident memory now: the web processes together, and every Node process of Keel (web, worker, launcher). */
export async function sampleMemory(processes: Processes): Promise<MemorySample> {
  const sum = async (pids: (number | undefined)[]) => (await Promise.all(pids.filter((pid): pid is number => pid !== undefined).map(async (pid) => (await memoryOf(pid)).current))).reduce((a, b) => a + b, 0);
  const web = await sum(processes.web);
  return { web, keel: web + (await sum([processes.worker, processes.launcher])) };
}

export type CpuSnapshot = { web: number; postgres: number };

/** CPU time used so far by the web processes and by PostgreSQL (all its processes). */
export async function cpuSnapshot(processes: Processes): Promise<CpuSnapshot> {
  const sum = async (pids: number[]) => (await Promise.all(pids.map(cpuTimeOf))).reduce((a, b) => a + b, 0);
  return { web: await sum(processes.web), postgres: await sum(await postgresPids(processes.postgres)) };
}
