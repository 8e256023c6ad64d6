import { Alert } from "@/components/ui/alert";

export type QueueStatus = { workers: number; queued: number; running: number };

/**
 * Where the organization's builds stand: live workers, builds running and waiting — and, when
 * builds wait with no worker alive, what to do (a queued build otherwise only says "waiting").
 */
export function QueueStatusLine({ status, className }: { status: QueueStatus; className?: string }) {
  if (status.queued > 0 && status.workers === 0) {
    return <NoWorkerAlert className={className} />;
  }
  return (
    <p className={`text-sm text-slate-600 ${className ?? ""}`} data-testid="queue-status">
      {status.workers === 0 ? "No worker is running" : `${status.workers} worker${status.workers === 1 ? "" : "s"} online`} · {status.running} running · {status.queued} queued
    </p>
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
