import { Badge } from "@/components/ui/badge";

const labels: Record<string, { text: string; tone: "success" | "warning" | "error" | "neutral" | "info" }> = {
  HEALTHY: { text: "Healthy", tone: "success" },
  WARNING: { text: "Works, with warnings", tone: "warning" },
  FAILING: { text: "Failing", tone: "error" },
  NEEDS_REAUTH: { text: "Needs re-authorization", tone: "error" },
  CREDENTIALS_MISSING: { text: "Token needed", tone: "error" },
  CREDENTIALS_UNREADABLE: { text: "Credentials unreadable", tone: "error" },
};

/** A connection's health as a badge. */
export function ConnectionStatusBadge({ status }: { status: string }) {
  const label = labels[status] ?? { text: status, tone: "neutral" as const };
  return <Badge tone={label.tone}>{label.text}</Badge>;
}
