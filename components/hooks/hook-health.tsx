import { Badge } from "@/components/ui/badge";
import type { HookSubscriptionView } from "@/lib/data/hooks";
import { formatTime } from "@/lib/shared/dates";

const when = (date: Date | null) => (date ? formatTime(date) : "never");

/** One subscription's health in a word and a tone. */
export function subscriptionHealth(row: Pick<HookSubscriptionView, "state" | "remoteStatus">): { label: string; tone: "success" | "warning" | "error" | "neutral" } {
  if (row.state === "NO_PERMISSION") {
    return { label: "Not allowed: polling", tone: "warning" };
  }
  if (row.state === "FAILED") {
    return { label: "Failing", tone: "error" };
  }
  if (row.state === "PENDING") {
    return { label: "Being set up", tone: "neutral" };
  }
  if (row.remoteStatus && row.remoteStatus !== "enabled") {
    return { label: row.remoteStatus, tone: "error" };
  }
  return { label: "Enabled", tone: "success" };
}

/** The subscriptions Keel keeps in Azure DevOps, with their health (connection page and delivery log). */
export function HookHealthTable({ rows, repositoryNames }: { rows: HookSubscriptionView[]; repositoryNames: Map<string, string> }) {
  if (rows.length === 0) {
    return <p className="text-sm text-slate-600">No service hooks yet: Keel creates them when a build profile of this connection builds by itself.</p>;
  }
  return (
    // A list of cards on a phone (globals.css, .table-cards): five columns do not fit 390 px.
    <div className="table-cards table-cards-flush">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Service-hook subscriptions</caption>
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3">Repository</th>
            <th scope="col" className="py-1 pr-3">Event</th>
            <th scope="col" className="py-1 pr-3">Health</th>
            <th scope="col" className="py-1 pr-3">Last checked</th>
            <th scope="col" className="py-1">Last delivery</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => {
            const health = subscriptionHealth(row);
            const finding = row.finding as { title?: string } | null;
            return (
              <tr key={row.id}>
                <td className="py-1.5 pr-3">{repositoryNames.get(row.repositoryId) ?? row.repositoryId}</td>
                <td className="py-1.5 pr-3 font-mono text-xs" data-label="Event">
                  {row.eventType}
                </td>
                <td className="py-1.5 pr-3">
                  <Badge tone={health.tone}>{health.label}</Badge>
                  {finding?.title ? <span className="ml-2 text-xs text-slate-600">{finding.title}</span> : null}
                  {row.lastRepairedAt ? <span className="ml-2 text-xs text-slate-600">repaired {when(row.lastRepairedAt)}</span> : null}
                </td>
                <td className="py-1.5 pr-3 text-xs text-slate-600" data-label="Last checked">
                  {when(row.lastVerifiedAt)}
                </td>
                <td className="py-1.5 text-xs text-slate-600" data-label="Last delivery">
                  {when(row.lastDeliveryAt)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
