import { Badge } from "@/components/ui/badge";

/** A delivery's outcome as a badge: sent (with the receiver's status), waiting, or failed. */
export function DeliveryState({ state, status, attempts }: { state: "PENDING" | "SENT" | "FAILED"; status: number | null; attempts: number }) {
  if (state === "SENT") {
    return <Badge tone="success">Delivered{status !== null ? ` · ${status}` : ""}</Badge>;
  }
  if (state === "FAILED") {
    return <Badge tone="error">Failed{status !== null ? ` · ${status}` : ""}</Badge>;
  }
  return <Badge tone={attempts > 0 ? "warning" : "info"}>{attempts > 0 ? `Retrying${status !== null ? ` · ${status}` : ""}` : "Waiting"}</Badge>;
}
