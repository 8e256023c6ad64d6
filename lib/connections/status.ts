/**
 * The connection status model (issue 12): the one place that decides what a connection's health
 * is. Pure functions, no I/O and no `server-only` marker, so checks, jobs, pages, the header
 * count and other features (builds, service-principal credentials) all call the same thing.
 * lib/connections/README.md ("The status model") describes it for other engineers.
 *
 * Two layers:
 * 1. **What the last look at Azure DevOps found** (`statusFromCheck`, `statusForRefusal`): the
 *    doctor's findings, or a refusal during ordinary use, mapped to a stored status.
 * 2. **What it is now** (`connectionHealth`): the stored status plus the credential's expiry and
 *    the clock. A credential that worked at the last check becomes EXPIRING 30 days before its
 *    expiry and EXPIRED at it, without another call to Azure DevOps. It reads only generic
 *    columns — `credentialExpiresAt` (any credential kind: a PAT, a client secret) and the owner
 *    may be null — so every sign-in method gets the same statuses and reminders.
 *
 * When Azure DevOps tells the expiry, its word wins over the date an admin entered: a token it
 * calls expired is EXPIRED whatever the entered date says, and a token it still accepts after
 * the entered date stays usable (shown with a hint to correct the date). docs/azure-devops-facts.md
 * §3.5 lists what Azure DevOps exposes about expiry (only the refusal of an expired PAT).
 */
import type { ConnectionStatus } from "@/lib/generated/prisma/enums";
import { formatDay } from "@/lib/shared/dates";
import { daysUntil, reminderTier, type ReminderTier } from "@/lib/shared/reminders";
import { CREDENTIAL_EXPIRED_FINDINGS, CREDENTIAL_REFUSED_FINDINGS } from "@/lib/shared/problems";

export type { ConnectionStatus };

/** Every status, from the most urgent to the calmest (the connections page sorts by it). */
export const STATUS_ORDER: readonly ConnectionStatus[] = [
  "CREDENTIALS_UNREADABLE",
  "CREDENTIALS_MISSING",
  "EXPIRED",
  "NEEDS_REAUTH",
  "CERTIFICATE_PROBLEM",
  "UNREACHABLE",
  "EXPIRING",
  "HEALTHY",
];

const LABELS: Record<ConnectionStatus, { label: string; tone: "success" | "warning" | "error" }> = {
  HEALTHY: { label: "Healthy", tone: "success" },
  EXPIRING: { label: "Expiring", tone: "warning" },
  EXPIRED: { label: "Expired", tone: "error" },
  NEEDS_REAUTH: { label: "Needs re-authorization", tone: "error" },
  UNREACHABLE: { label: "Unreachable", tone: "error" },
  CERTIFICATE_PROBLEM: { label: "Certificate problem", tone: "error" },
  CREDENTIALS_UNREADABLE: { label: "Credentials unreadable", tone: "error" },
  CREDENTIALS_MISSING: { label: "Credentials missing", tone: "error" },
};

/** The words for a status (badges, filters, e-mails). */
export function statusLabel(status: ConnectionStatus): string {
  return LABELS[status].label;
}

/** The badge colour of a status. */
export function statusTone(status: ConnectionStatus): "success" | "warning" | "error" {
  return LABELS[status].tone;
}

/** True for every status an admin should act on (the header's count, the profile banner). */
export function needsAttention(status: ConnectionStatus): boolean {
  return status !== "HEALTHY";
}

/** True when the value is one of the statuses (for filters read from a URL). */
export function isConnectionStatus(value: unknown): value is ConnectionStatus {
  return typeof value === "string" && value in LABELS;
}

// --- 1. What the last look found ------------------------------------------------------------

/** Findings that mean "Azure DevOps refuses this credential": a new consent or token fixes it (the list: lib/shared/problems.ts). */
const CREDENTIAL_REFUSED = CREDENTIAL_REFUSED_FINDINGS;

/** Findings that say the credential itself has run out (a PAT, a client secret, a certificate). */
const CREDENTIAL_EXPIRED = CREDENTIAL_EXPIRED_FINDINGS;

/** Findings that say nothing about the connection (Keel stopped the check itself). */
const INCONCLUSIVE = new Set(["cancelled"]);

export type CheckFindingLike = { id: string; severity: "error" | "warning"; title: string };

/** A status with the sentence that explains it (null when the status speaks for itself). */
export type StatusWithReason = { status: ConnectionStatus; reason: string | null };

/**
 * The status a doctor run implies, or null when the run says nothing about the connection (it
 * was cancelled). Warnings do not make a working connection unhealthy: they stay in the check
 * report. The expiry is applied later, by connectionHealth.
 */
export function statusFromCheck(result: { ok: boolean; findings: readonly CheckFindingLike[] }): StatusWithReason | null {
  const firstError = result.findings.find((finding) => finding.severity === "error");
  if (result.ok || !firstError) {
    return { status: "HEALTHY", reason: null };
  }
  if (INCONCLUSIVE.has(firstError.id)) {
    return null;
  }
  return { status: statusForFinding(firstError.id), reason: firstError.title };
}

/** The failing status of one error finding. */
export function statusForFinding(findingId: string): ConnectionStatus {
  if (CREDENTIAL_EXPIRED.has(findingId)) {
    return "EXPIRED";
  }
  if (findingId.startsWith("tls_")) {
    return "CERTIFICATE_PROBLEM";
  }
  if (CREDENTIAL_REFUSED.has(findingId)) {
    return "NEEDS_REAUTH";
  }
  return "UNREACHABLE";
}

/**
 * The status a refusal during ordinary use (picker, branches, profile creation) implies, or null
 * when the failure is not about the credential. Network, TLS and server failures are left out on
 * purpose: they are often passing, and only a check (which tries everything) decides those.
 */
export function statusForRefusal(findingId: string): ConnectionStatus | null {
  if (CREDENTIAL_EXPIRED.has(findingId)) {
    return "EXPIRED";
  }
  return CREDENTIAL_REFUSED.has(findingId) ? "NEEDS_REAUTH" : null;
}

// --- 2. What it is now ----------------------------------------------------------------------

export type HealthInput = {
  /** The stored status (what the last check or use found). */
  status: ConnectionStatus;
  statusReason?: string | null;
  /** When the credential stops working (any kind); null: unknown or never. */
  credentialExpiresAt: Date | null;
  /** Who said so: an admin (ENTERED) or Azure DevOps. */
  credentialExpirySource?: "ENTERED" | "AZURE_DEVOPS" | null;
  lastCheckAt: Date | null;
  /** Words for the credential in sentences, e.g. "personal access token" (default "credential"). */
  credentialLabel?: string;
};

export type Health = {
  status: ConnectionStatus;
  label: string;
  tone: "success" | "warning" | "error";
  /** One sentence: why it is not healthy, or what is coming. Null when healthy with nothing to say. */
  reason: string | null;
  expiresAt: Date | null;
  /** Days until the credential expires (≤ 0 once passed); null when the expiry is unknown. */
  daysLeft: number | null;
  /** The reminder threshold reached (30, 7 or 1 days), while it has not expired. */
  tier: ReminderTier | null;
  /**
   * The entered expiry date has passed but Azure DevOps accepted the credential at a check
   * after it: the date is wrong (Azure DevOps wins), the admin should correct it.
   */
  expiryDisputed: boolean;
  needsAttention: boolean;
};

function day(date: Date): string {
  return formatDay(date);
}

/** A connection's status now: the stored one, with the credential's expiry applied (see the file comment). */
export function connectionHealth(input: HealthInput, now: Date = new Date()): Health {
  const expiresAt = input.credentialExpiresAt;
  const daysLeft = expiresAt ? daysUntil(expiresAt, now) : null;
  const what = input.credentialLabel ?? "credential";
  const make = (status: ConnectionStatus, reason: string | null, extra: Partial<Pick<Health, "tier" | "expiryDisputed">> = {}): Health => ({
    status,
    label: statusLabel(status),
    tone: statusTone(status),
    reason,
    expiresAt,
    daysLeft,
    tier: extra.tier ?? null,
    expiryDisputed: extra.expiryDisputed ?? false,
    needsAttention: needsAttention(status),
  });

  // A failure Keel observed stands until a check or an admin's action says otherwise.
  if (input.status !== "HEALTHY" && input.status !== "EXPIRING") {
    return make(input.status, input.statusReason ?? (input.status === "EXPIRED" ? `The ${what} has expired.` : null));
  }
  if (!expiresAt || daysLeft === null) {
    return make("HEALTHY", null);
  }
  if (expiresAt.getTime() <= now.getTime()) {
    // Azure DevOps' word wins over an entered date: it accepted the credential after that date.
    if (input.credentialExpirySource !== "AZURE_DEVOPS" && input.lastCheckAt && input.lastCheckAt.getTime() > expiresAt.getTime()) {
      return make("HEALTHY", `The expiry date entered (${day(expiresAt)}) has passed, but Azure DevOps still accepted the ${what} at the last check. Correct the date so Keel can remind you in time.`, {
        expiryDisputed: true,
      });
    }
    return make("EXPIRED", `The ${what} expired on ${day(expiresAt)}.`);
  }
  const tier = reminderTier(expiresAt, now);
  if (tier !== null) {
    return make("EXPIRING", `The ${what} expires in ${daysLeft} day${daysLeft === 1 ? "" : "s"} (on ${day(expiresAt)}).`, { tier });
  }
  return make("HEALTHY", null);
}
