import { Badge } from "@/components/ui/badge";
import { buildStatusLabel, buildStatusTone } from "@/lib/shared/builds";

/** A build's status as a badge (the text says it; colour only repeats it). */
export function BuildStatusBadge({ status }: { status: string }) {
  return <Badge tone={buildStatusTone(status)}>{buildStatusLabel(status)}</Badge>;
}
