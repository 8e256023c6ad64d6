import "server-only";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/scope";
import { appInfoOf, type AppInfo } from "@/lib/shared/app-info";

// A build's artifacts (lib/builds/README.md, "Artifacts"): the worker writes an artifact row,
// then its content in chunks, then marks it complete; pages list and serve complete ones only.
// Every write names the run that owns the build, so a run that lost its build writes nothing.

/** `app`: what an .ipa says about itself (lib/shared/app-info.ts), null for other files and .ipa files without it. */
export type ArtifactView = { id: string; path: string; size: number; sha256: string; createdAt: Date; app: AppInfo | null };

/** Starts an artifact of a build this run still owns (RUNNING, same runId); null when it does not. */
export async function startArtifact(scope: Scope, buildId: string, runId: string, path: string): Promise<string | null> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "BuildArtifact" (id, "organizationId", "buildId", path)
    SELECT gen_random_uuid(), b."organizationId", b.id, ${path}
    FROM "Build" b
    WHERE b.id = ${buildId}::uuid AND b."organizationId" = ${scope.organizationId}::uuid AND b."runId" = ${runId}::uuid AND b.status = 'RUNNING'
    RETURNING id`;
  return rows[0]?.id ?? null;
}

/** Appends a chunk to an artifact still being written (of the scope's organization). */
export async function addArtifactChunk(scope: Scope, artifactId: string, seq: number, data: Uint8Array): Promise<boolean> {
  const written = await db.$executeRaw`
    INSERT INTO "BuildArtifactChunk" ("artifactId", seq, data)
    SELECT a.id, ${seq}, ${Buffer.from(data.buffer, data.byteOffset, data.byteLength)}
    FROM "BuildArtifact" a
    WHERE a.id = ${artifactId}::uuid AND a."organizationId" = ${scope.organizationId}::uuid AND a.complete = false`;
  return written === 1;
}

/** Marks an artifact complete with its size and hash: from now on it is listed and served. */
export async function completeArtifact(scope: Scope, artifactId: string, size: number, sha256: string, app: AppInfo | null = null): Promise<void> {
  await db.buildArtifact.updateMany({ where: { id: artifactId, organizationId: scope.organizationId, complete: false }, data: { complete: true, size: BigInt(size), sha256, ...(app ? { app } : {}) } });
}

/** Drops an artifact the worker could not finish (the file went away while it was read). */
export async function dropArtifact(scope: Scope, artifactId: string): Promise<void> {
  await db.buildArtifact.deleteMany({ where: { id: artifactId, organizationId: scope.organizationId, complete: false } });
}

function viewOf(row: { id: string; path: string; size: bigint; sha256: string | null; createdAt: Date; app: unknown }): ArtifactView {
  return { id: row.id, path: row.path, size: Number(row.size), sha256: row.sha256 ?? "", createdAt: row.createdAt, app: appInfoOf(row.app) };
}

/**
 * Why a build's files outlive the retention period (lib/builds/README.md, "Artifacts"), as SQL over
 * the build `b` at `at`: "latest" — its profile's latest successful build; otherwise, when it is its
 * branch's newest successful build with files (not a pull request's), "default" — the branch is
 * the profile's default branch, so the last good app of main stays however many pull requests and
 * other branches succeeded since — or "testers" — a live testers' link of its branch opens it
 * (lib/data/shares.ts, openShare), so the link still installs something. Null otherwise.
 */
function keptPastRetention(at: Date): Prisma.Sql {
  return Prisma.sql`CASE WHEN b.status <> 'SUCCEEDED' THEN NULL
    WHEN NOT EXISTS (SELECT 1 FROM "Build" n WHERE n."profileId" = b."profileId" AND n.status = 'SUCCEEDED' AND n.number > b.number) THEN 'latest'
    WHEN b."pullRequestId" IS NULL AND b.branch IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM "Build" n WHERE n."profileId" = b."profileId" AND n.branch = b.branch AND n."pullRequestId" IS NULL AND n.status = 'SUCCEEDED' AND n.number > b.number
          AND EXISTS (SELECT 1 FROM "BuildArtifact" f WHERE f."buildId" = n.id AND f.complete))
      THEN CASE WHEN EXISTS (SELECT 1 FROM "BuildProfile" p WHERE p.id = b."profileId" AND p."defaultBranch" = b.branch) THEN 'default'
        WHEN EXISTS (SELECT 1 FROM "ProfileShare" s WHERE s."profileId" = b."profileId" AND s.branch = b.branch AND s."expiresAt" > ${at}) THEN 'testers' END
    END`;
}

/** Why a build's files are kept past the retention period: see keptPastRetention; the branch for "default" and "testers". */
export type ArtifactsKept = { reason: "latest" } | { reason: "default" | "testers"; branch: string } | null;

/** A build's complete artifacts in path order, and whether (and why) they are kept past the retention period. */
export async function listArtifacts(scope: Scope, buildId: string): Promise<{ artifacts: ArtifactView[]; kept: ArtifactsKept }> {
  const [rows, reasons] = await Promise.all([
    db.buildArtifact.findMany({
      where: { buildId, organizationId: scope.organizationId, complete: true },
      orderBy: [{ path: "asc" }, { createdAt: "asc" }],
      select: { id: true, path: true, size: true, sha256: true, createdAt: true, app: true },
    }),
    db.$queryRaw<{ reason: "latest" | "default" | "testers" | null; branch: string | null }[]>`
      SELECT ${keptPastRetention(new Date())} AS reason, b.branch
      FROM "Build" b WHERE b.id = ${buildId}::uuid AND b."organizationId" = ${scope.organizationId}::uuid`,
  ]);
  const row = reasons[0];
  const kept: ArtifactsKept = !row?.reason ? null : row.reason === "latest" ? { reason: "latest" } : row.branch ? { reason: row.reason, branch: row.branch } : null;
  return { artifacts: rows.map(viewOf), kept };
}

/**
 * What a build's files are compared with (lib/shared/artifact-sizes.ts): the last successful
 * build of its line (`baseline`, from `previousGoodBuild`) and its complete files' paths and
 * sizes; null when there is no such build or it kept no file (its files may have passed their retention).
 */
export async function baselineArtifacts(
  scope: Scope,
  baseline: { id: string; number: number } | null,
): Promise<{ build: { id: string; number: number }; files: Array<{ path: string; size: number }> } | null> {
  if (!baseline) {
    return null;
  }
  const rows = await db.buildArtifact.findMany({ where: { buildId: baseline.id, organizationId: scope.organizationId, complete: true }, select: { path: true, size: true } });
  return rows.length > 0 ? { build: { id: baseline.id, number: baseline.number }, files: rows.map((row) => ({ path: row.path, size: Number(row.size) })) } : null;
}

/** One complete artifact of a build (the download), with the number of its chunks; null when there is none. */
export async function getArtifact(scope: Scope, buildId: string, artifactId: string): Promise<(ArtifactView & { chunks: number }) | null> {
  const row = await db.buildArtifact.findFirst({
    where: { id: artifactId, buildId, organizationId: scope.organizationId, complete: true },
    select: { id: true, path: true, size: true, sha256: true, createdAt: true, app: true, _count: { select: { chunks: true } } },
  });
  return row ? { ...viewOf(row), chunks: row._count.chunks } : null;
}

/** A chunk of an artifact's content (of the scope's organization), or null. */
export async function readArtifactChunk(scope: Scope, artifactId: string, seq: number): Promise<Uint8Array | null> {
  const rows = await db.$queryRaw<{ data: Uint8Array }[]>`
    SELECT c.data FROM "BuildArtifactChunk" c JOIN "BuildArtifact" a ON a.id = c."artifactId"
    WHERE c."artifactId" = ${artifactId}::uuid AND c.seq = ${seq} AND a."organizationId" = ${scope.organizationId}::uuid`;
  return rows[0]?.data ?? null;
}

/**
 * Deletes artifacts past the retention period — except those of each profile's latest successful
 * build, of its default branch's and of the builds live testers' links open (keptPastRetention) — and unfinished ones older
 * than a day (their worker died). Global: the hourly housekeeping job covers every organization.
 * Deletes in batches; returns how many.
 */
export async function pruneArtifacts(retentionDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 24 * 3_600_000);
  const abandoned = new Date(now.getTime() - 24 * 3_600_000);
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM "BuildArtifact" WHERE id IN (
        SELECT a.id FROM "BuildArtifact" a JOIN "Build" b ON b.id = a."buildId"
        WHERE (a.complete = false AND a."createdAt" < ${abandoned})
           OR (a."createdAt" < ${cutoff} AND b."keptAt" IS NULL AND (${keptPastRetention(now)}) IS NULL)
        LIMIT 200)`;
    total += deleted;
    if (deleted < 200) {
      return total;
    }
  }
}

/**
 * The artifacts of a profile's latest successful build that kept any (the profile page's "latest
 * app"): the build's id and number and its first files, or null.
 */
export async function latestSuccessfulArtifacts(
  scope: Scope,
  profileId: string,
  take = 5,
): Promise<{ buildId: string; number: number; branch: string | null; tag: string | null; pullRequestId: number | null; artifacts: ArtifactView[]; total: number } | null> {
  const build = await db.build.findFirst({
    where: { organizationId: scope.organizationId, profileId, status: "SUCCEEDED", artifacts: { some: { complete: true } } },
    orderBy: { number: "desc" },
    select: {
      id: true,
      number: true,
      branch: true,
      tag: true,
      pullRequestId: true,
      artifacts: { where: { complete: true }, orderBy: [{ path: "asc" }, { createdAt: "asc" }], take, select: { id: true, path: true, size: true, sha256: true, createdAt: true, app: true } },
      _count: { select: { artifacts: { where: { complete: true } } } },
    },
  });
  return build ? { buildId: build.id, number: build.number, branch: build.branch, tag: build.tag, pullRequestId: build.pullRequestId, artifacts: build.artifacts.map(viewOf), total: build._count.artifacts } : null;
}
