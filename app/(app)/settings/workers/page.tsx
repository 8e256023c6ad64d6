import type { Metadata } from "next";
import Link from "next/link";
import { Fragment } from "react";
import { NoWorkerAlert } from "@/components/builds/queue-status";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { When } from "@/components/ui/when";
import { requireScope } from "@/lib/auth/guards";
import { buildQueueCounts, runningBuildsByWorker } from "@/lib/data/builds";
import { LONG_WAIT_MS, poolUsage } from "@/lib/data/insights";
import { listWorkers } from "@/lib/data/jobs";
import { countProfilesByPool } from "@/lib/data/profiles";
import { getEnv } from "@/lib/env";
import { DEFAULT_POOL, lostWorkerAdvice, poolUsageAdvice, poolWorkerCommand } from "@/lib/shared/build-pools";
import { formatDuration } from "@/lib/shared/builds";

export const metadata: Metadata = { title: "Workers" };

const POOL_COLUMNS = [
  { key: "pool", label: "Build pool" },
  { key: "workers", label: "Workers online" },
  { key: "profiles", label: "Profiles" },
  { key: "running", label: "Running" },
  { key: "queued", label: "Queued" },
] as const;

/** The window of the Usage card, in days. */
const USAGE_DAYS = 30;

const USAGE_COLUMNS = [
  { key: "pool", label: "Build pool" },
  { key: "builds", label: "Builds" },
  { key: "time", label: "Time on workers" },
  { key: "wait", label: "Wait for a worker (median, 90 %)" },
  { key: "long", label: `Waited ${LONG_WAIT_MS / 60_000} min or more` },
  { key: "peak", label: "Most at once" },
  { key: "profiles", label: "Used most by" },
] as const;

const WORKER_COLUMNS = [
  { key: "host", label: "Host" },
  { key: "pools", label: "Builds for" },
  { key: "jobs", label: "Jobs running" },
  { key: "started", label: "Started" },
  { key: "beat", label: "Last report" },
] as const;

/**
 * The machines that run builds and background work (admins): each worker with the build pools
 * it serves, and each pool with its workers, profiles and builds — so a pool whose builds can
 * never start is seen before anyone waits on it (lib/builds/README.md, "Build pools").
 */
export default async function WorkersPage() {
  const { scope } = await requireScope("worker.read");
  const liveWithinMs = 3 * getEnv().KEEL_WORKER_HEARTBEAT_MS;
  const [workers, profiles, queue, running, usage] = await Promise.all([
    listWorkers(scope, liveWithinMs),
    countProfilesByPool(scope),
    buildQueueCounts(scope),
    runningBuildsByWorker(scope),
    poolUsage(scope, USAGE_DAYS),
  ]);
  const live = workers.filter((worker) => worker.live);
  const names = new Set<string>([DEFAULT_POOL, ...live.flatMap((worker) => worker.pools), ...profiles.map((entry) => entry.pool), ...queue.byPool.map((entry) => entry.pool)]);
  const pools = [...names]
    .sort((a, b) => (a === DEFAULT_POOL ? -1 : b === DEFAULT_POOL ? 1 : a.localeCompare(b, "en")))
    .map((pool) => ({
      pool,
      // A draining worker takes no new builds: it does not serve its pools any more.
      workers: live.filter((worker) => worker.pools.includes(pool) && worker.drainingSince === null).length,
      profiles: profiles.find((entry) => entry.pool === pool)?.profiles ?? 0,
      running: queue.byPool.find((entry) => entry.pool === pool)?.running ?? 0,
      queued: queue.byPool.find((entry) => entry.pool === pool)?.queued ?? 0,
    }));
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Workers" }]}
        title="Workers"
        description="The machines that run builds and Keel's background work, and the build pools they build for."
      />
      {live.length === 0 ? <NoWorkerAlert className="mb-6" /> : null}
      <Card title="Build pools" className="mb-6" description="A profile's builds run only on workers of its pool (its workflow's Runs on): a Mac pool for iOS, the default pool for the rest.">
        <DataTable caption="Build pools" columns={POOL_COLUMNS}>
          {pools.map((entry) => (
            <tr key={entry.pool} className="border-t border-slate-100">
              <td className="px-4 py-2 font-mono text-sm">{entry.pool}</td>
              <td className="px-4 py-2" data-label="Workers online">
                {entry.workers > 0 ? (
                  entry.workers
                ) : (
                  <Badge tone={entry.profiles > 0 || entry.queued > 0 ? "warning" : "neutral"}>
                    none{entry.profiles > 0 || entry.queued > 0 ? ": builds wait" : ""}
                  </Badge>
                )}
              </td>
              <td className="px-4 py-2" data-label="Profiles">
                {entry.profiles}
              </td>
              <td className="px-4 py-2" data-label="Running">
                {entry.running}
              </td>
              <td className="px-4 py-2" data-label="Queued">
                {entry.queued}
              </td>
            </tr>
          ))}
        </DataTable>
        <p className="mt-4 text-sm text-slate-600">
          To add a worker for a pool, run <code>{poolWorkerCommand("macos")}</code> on the machine (a Mac with Xcode for iOS), with the same <code>DATABASE_URL</code> and{" "}
          <code>KEEL_ENCRYPTION_KEYS</code> as Keel; <code>KEEL_BUILD_POOLS=default,macos</code> builds for both. An admin moves a profile to a pool under its Edit workflow → Runs on.
        </p>
      </Card>
      <Card
        title={`Usage, last ${USAGE_DAYS} days`}
        className="mb-6"
        description="How much each pool's builds used its workers and how long they waited for one: a pool whose builds wait is short of machines."
      >
        {usage.length === 0 ? (
          <p className="text-sm text-slate-600">No build has run in the last {USAGE_DAYS} days. Start one from a build profile&apos;s page; its time and wait show here.</p>
        ) : (
          <>
            <DataTable caption={`Build pools' usage over the last ${USAGE_DAYS} days`} columns={USAGE_COLUMNS}>
              {usage.map((entry) => (
                <tr key={entry.pool} className="border-t border-slate-100">
                  <td className="px-4 py-2 font-mono text-sm">{entry.pool}</td>
                  <td className="px-4 py-2" data-label="Builds">
                    {entry.builds}
                    {entry.lost > 0 ? <span className="block whitespace-nowrap text-xs text-amber-800">{entry.lost} lost {entry.lost === 1 ? "its" : "their"} worker</span> : null}
                  </td>
                  <td className="px-4 py-2" data-label="Time on workers">
                    {formatDuration(entry.buildMs)}
                  </td>
                  <td className="px-4 py-2" data-label="Wait for a worker (median, 90 %)">
                    {formatDuration(entry.medianWaitMs)}, {formatDuration(entry.p90WaitMs)}
                    {entry.longest.waitMs >= LONG_WAIT_MS ? (
                      <Link href={`/builds/${entry.longest.id}`} className="block text-xs text-brand-700 underline">
                        Longest: {entry.longest.profileName} #{entry.longest.number}, {formatDuration(entry.longest.waitMs)}
                      </Link>
                    ) : null}
                  </td>
                  <td className="px-4 py-2" data-label={`Waited ${LONG_WAIT_MS / 60_000} min or more`}>
                    {entry.waitedLong > 0 ? <Badge tone={poolUsageAdvice(entry, LONG_WAIT_MS / 60_000) ? "warning" : "neutral"}>{entry.waitedLong}</Badge> : 0}
                  </td>
                  <td className="px-4 py-2" data-label="Most at once">
                    {entry.peakRunning}
                  </td>
                  <td className="px-4 py-2" data-label="Used most by">
                    <ul className="text-sm">
                      {entry.profiles.slice(0, 3).map((profile) => (
                        <li key={profile.id}>
                          <Link href={`/profiles/${profile.id}`} className="text-brand-700 underline">
                            {profile.name}
                          </Link>{" "}
                          <span className="whitespace-nowrap text-slate-600">{entry.buildMs > 0 ? Math.round((100 * profile.buildMs) / entry.buildMs) : 0} %</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </DataTable>
            {usage.map((entry) => {
              const advice = poolUsageAdvice(entry, LONG_WAIT_MS / 60_000);
              const lost = lostWorkerAdvice(entry);
              return (
                <Fragment key={entry.pool}>
                  {advice ? (
                    <Alert tone="warning" title={`The ${entry.pool} pool is short of workers`} className="mt-4">
                      <p>{advice}</p>
                    </Alert>
                  ) : null}
                  {lost ? (
                    <Alert tone="warning" title={`Builds of the ${entry.pool} pool lost their worker`} className="mt-4">
                      <p>{lost}</p>
                    </Alert>
                  ) : null}
                </Fragment>
              );
            })}
          </>
        )}
      </Card>
      <Card
        title="Workers"
        description={
          <>
            Every worker process that reported in the last day: one that stops reporting (killed, or its machine gone) shows here until housekeeping forgets it. Before upgrading a machine, run{" "}
            <code>npm run drain</code> there: its builds finish, no new one starts on it, then it stops. Steps that run as the worker&apos;s own user can read its database address and keys: where the code
            built is not all your own, start the worker as root with <code>KEEL_BUILD_USER</code> set, and its steps run as that user.
          </>
        }
      >
        {workers.length === 0 ? (
          <p className="text-sm text-slate-600">
            No worker has reported. <code>npm start</code> runs one beside the web server; on a worker machine, start one with <code>npm run worker</code>.
          </p>
        ) : (
          <DataTable caption="Workers" columns={WORKER_COLUMNS}>
            {workers.map((worker) => (
              <tr key={worker.id} className="border-t border-slate-100">
                <td className="px-4 py-2">
                  <span className="font-mono text-sm">{worker.host}</span>
                  <span className="block text-xs text-slate-500">process {worker.pid}</span>
                </td>
                <td className="px-4 py-2" data-label="Builds for">
                  {worker.pools.length > 0 ? <span className="font-mono text-sm">{worker.pools.join(", ")}</span> : <span className="text-slate-500">no builds</span>}
                  {worker.pools.length > 0 ? (
                    // Whether a step can read this worker's environment (lib/builds/README.md, "Isolation").
                    <span className="block text-xs text-slate-600">
                      {worker.buildUser ? (
                        <>
                          steps run as <code>{worker.buildUser}</code>
                        </>
                      ) : (
                        "steps run as the worker's own user"
                      )}
                    </span>
                  ) : null}
                  {worker.drainingSince && worker.live ? (
                    <span className="block text-xs text-slate-600">
                      <Badge tone="info">draining</Badge> since <When date={worker.drainingSince} relative />: finishes its builds, starts no new one, then stops
                    </span>
                  ) : null}
                </td>
                <td className="px-4 py-2" data-label="Jobs running">
                  {worker.activeJobs}
                  {running
                    .filter((build) => build.workerHost === worker.host && build.workerPid === worker.pid)
                    .map((build) => (
                      <Link key={build.id} href={`/builds/${build.id}`} className="block text-xs text-brand-700 underline">
                        Building {build.profileName} #{build.number}
                      </Link>
                    ))}
                </td>
                <td className="px-4 py-2" data-label="Started">
                  <When date={worker.startedAt} relative />
                </td>
                <td className="px-4 py-2" data-label="Last report">
                  {worker.live ? <When date={worker.lastBeatAt} relative /> : <Badge tone="warning">stopped reporting</Badge>}
                  {worker.live ? null : (
                    <span className="block text-xs text-slate-500">
                      last <When date={worker.lastBeatAt} relative />
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>
    </>
  );
}
