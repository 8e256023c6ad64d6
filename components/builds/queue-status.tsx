import { Alert } from "@/components/ui/alert";
import { DEFAULT_POOL, poolWorkerCommand } from "@/lib/shared/build-pools";

export type QueueStatus = {
  workers: number;
  /** Of those, workers that drain before an upgrade (they take no new builds). */
  draining?: number;
  queued: number;
  running: number;
  /** Of the queued builds, those whose profile an admin paused (no worker starts them until resumed). */
  paused?: number;
  /** Queued builds per build pool. */
  byPool?: Array<{ pool: string; queued: number }>;
  /** The build pools live workers build for. */
  pools?: string[];
};

/**
 * Where the organization's builds stand: live workers, builds running and waiting — and, when
 * builds wait with no worker alive, or in a build pool no live worker builds for, what to do (a
 * queued build otherwise only says "waiting").
 */
export function QueueStatusLine({ status, className }: { status: QueueStatus; className?: string }) {
  if (status.queued > (status.paused ?? 0) && status.workers === 0) {
    return <NoWorkerAlert className={className} />;
  }
  const served = new Set(status.pools ?? []);
  const stranded = status.pools ? (status.byPool ?? []).filter((entry) => entry.queued > 0 && !served.has(entry.pool)) : [];
  return (
    <>
      <p className={`text-sm text-slate-600 ${className ?? ""}`} data-testid="queue-status">
        {status.workers === 0 ? "No worker is running" : `${status.workers} worker${status.workers === 1 ? "" : "s"} online${status.draining ? ` (${status.draining} draining: ${status.draining === 1 ? "it takes" : "they take"} no new builds)` : ""}`} ·{" "}
        {status.running} running · {status.queued} queued{status.paused ? ` (${status.paused} of them paused by an admin)` : ""}
        {served.size > 1 || (served.size === 1 && !served.has(DEFAULT_POOL)) ? ` · build pools: ${[...served].join(", ")}` : ""}
      </p>
      {stranded.map((entry) => (
        <NoPoolWorkerAlert key={entry.pool} pool={entry.pool} queued={entry.queued} draining={(status.draining ?? 0) > 0} className={className} />
      ))}
    </>
  );
}

/** Builds wait and no worker heartbeats: nothing will run them until one starts. */
export function NoWorkerAlert({ className }: { className?: string }) {
  return (
    <Alert tone="warning" title="No worker is running, so builds wait in the queue" className={className}>
      <p>
        Builds run on Keel&apos;s workers, and none has reported in the last few seconds. Whoever runs Keel restarts it (<code>npm start</code> runs a worker beside the web
        processes) or starts one on a worker machine (<code>npm run worker</code>). Queued builds start as soon as a worker is back; nothing is lost.
      </p>
    </Alert>
  );
}

/** Workers are alive, but none builds for this pool: its builds wait until one does. */
export function NoPoolWorkerAlert({ pool, queued, draining, className }: { pool: string; queued?: number; draining?: boolean; className?: string }) {
  const what = queued === undefined ? "this build waits" : `${queued} build${queued === 1 ? " waits" : "s wait"}`;
  return (
    <Alert tone="warning" title={`No worker builds for the pool “${pool}”, so ${what} in the queue`} className={className}>
      <p>
        Profiles that run on “{pool}” (their workflow&apos;s <strong>Runs on</strong>) are built only by workers started for that pool, and none has reported in the last few
        seconds. Whoever runs Keel starts one{pool === DEFAULT_POOL ? "" : " on a machine that has what these builds need (a Mac with Xcode for iOS)"}:{" "}
        <code>{poolWorkerCommand(pool)}</code>, with the same <code>DATABASE_URL</code> and <code>KEEL_ENCRYPTION_KEYS</code> as Keel. Or an admin picks another pool under the
        profile&apos;s Edit workflow. Queued builds start as soon as such a worker reports; nothing is lost.
        {draining ? " A worker that drains (before an upgrade: npm run drain) finishes its builds and takes no new one; once it is started again, it builds for its pools." : ""}
      </p>
    </Alert>
  );
}
