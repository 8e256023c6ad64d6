import Link from "next/link";
import { ActionButton } from "@/components/ui/action-button";
import { Badge } from "@/components/ui/badge";
import { replayDeliveryAction } from "@/lib/actions/hooks";
import type { HookDeliveryView } from "@/lib/data/hooks";
import { formatTime } from "@/lib/shared/dates";

const when = (date: Date) => formatTime(date, { seconds: true });

type Outcome = { profileId: string; profileName: string; matched: boolean; buildId?: string; buildNumber?: number; created?: boolean; reason?: string };

const STATUS_TONE = { RECEIVED: "neutral", PROCESSED: "success", UNPROCESSABLE: "warning", FAILED: "error" } as const;

/** The delivery log: every delivery with its time, event, branch or pull request, what it started or why not, its payload, and Replay. */
export function DeliveryList({ rows, canReplay, older = false, hasHooks = true }: { rows: HookDeliveryView[]; canReplay: boolean; older?: boolean; hasHooks?: boolean }) {
  if (rows.length === 0) {
    return older ? (
      <p className="text-sm text-slate-600">No older deliveries: this is the end of the log.</p>
    ) : hasHooks ? (
      <p className="text-sm text-slate-600">No deliveries yet. Push to a branch or open a pull request; Azure DevOps delivers the event within seconds.</p>
    ) : (
      // A push would deliver nothing yet: say what makes deliveries start.
      <p className="text-sm text-slate-600">No deliveries: Azure DevOps sends them once this connection has service hooks, which Keel creates when one of its build profiles builds by itself.</p>
    );
  }
  return (
    <ul className="divide-y divide-slate-100" aria-label="Deliveries">
      {rows.map((row) => {
        const outcome = Array.isArray(row.outcome) ? (row.outcome as Outcome[]) : [];
        const what = row.pullRequestId !== null ? `pull request ${row.pullRequestId} into ${(row.branch ?? "").replace(/^refs\/heads\//, "")}` : row.branch ? row.branch.replace(/^refs\/heads\//, "") : "—";
        return (
          <li key={row.id} className="py-3 text-sm" data-delivery={row.id}>
            <div className="flex flex-wrap items-center gap-2">
              <time className="font-mono text-xs text-slate-600" dateTime={row.receivedAt.toISOString()}>
                {when(row.receivedAt)}
              </time>
              <span className="font-mono text-xs">{row.eventType}</span>
              <span className="text-slate-900">{what}</span>
              {row.commitId ? <span className="font-mono text-xs text-slate-600">{row.commitId.slice(0, 8)}</span> : null}
              <Badge tone={STATUS_TONE[row.status]}>{row.status.toLowerCase()}</Badge>
              {row.source === "BACKFILL" ? <Badge tone="info">backfilled</Badge> : null}
              {row.notificationId !== null ? <span className="text-xs text-slate-500">notification {row.notificationId}</span> : null}
            </div>
            {row.reason ? <p className="mt-1 text-slate-700">{row.reason}</p> : null}
            {outcome.length > 0 ? (
              <ul className="mt-1 space-y-0.5" aria-label="Profiles">
                {outcome.map((item, index) => (
                  <li key={`${item.profileId}-${index}`} className="text-slate-700">
                    <span className="font-medium">{item.profileName}</span>:{" "}
                    {item.buildId ? (
                      <>
                        <Link href={`/builds/${item.buildId}`} className="text-brand-700 underline">
                          build #{item.buildNumber}
                        </Link>
                        {item.created ? " started" : " (already started for this change)"}
                      </>
                    ) : (
                      (item.reason ?? "no build")
                    )}
                  </li>
                ))}
              </ul>
            ) : null}
            <details className="mt-1">
              <summary className="cursor-pointer text-xs text-brand-700">Payload (credentials masked)</summary>
              <pre tabIndex={0} aria-label="Payload" className="mt-1 max-h-80 overflow-auto rounded bg-slate-100 p-2 text-xs">{JSON.stringify(row.payload, null, 2)}</pre>
            </details>
            {canReplay && row.notificationId !== null ? (
              <div className="mt-2">
                <ActionButton action={replayDeliveryAction.bind(null, row.id)} label="Replay" pendingLabel="Replaying…" />
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
