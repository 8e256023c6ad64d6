import { Badge } from "@/components/ui/badge";
import { isConnectionStatus, statusLabel, statusTone } from "@/lib/connections/status";

/** A connection's status as a badge (lib/connections/status.ts); "Expiring" says in how many days. */
export function ConnectionStatusBadge({ status, daysLeft }: { status: string; daysLeft?: number | null }) {
  if (!isConnectionStatus(status)) {
    return <Badge tone="neutral">{status}</Badge>;
  }
  const days = status === "EXPIRING" && typeof daysLeft === "number" ? ` in ${daysLeft} day${daysLeft === 1 ? "" : "s"}` : "";
  return <Badge tone={statusTone(status)}>{`${statusLabel(status)}${days}`}</Badge>;
}
