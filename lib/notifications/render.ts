// The words of a notice (lib/data/notifications.ts): one subject and a plain-text body per
// kind, for the e-mail and for pages. Pure; every value comes from the notice's data, which
// never holds a secret.
import { isConnectionStatus, statusLabel } from "@/lib/connections/status";

export type RenderedNotice = { subject: string; text: string };

function str(data: Record<string, unknown>, key: string): string | null {
  const value = data[key];
  return typeof value === "string" && value !== "" ? value : null;
}

function num(data: Record<string, unknown>, key: string): number | null {
  const value = data[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function label(value: string | null): string {
  return value && isConnectionStatus(value) ? statusLabel(value) : (value ?? "unknown");
}

const WHAT_TO_DO: Record<string, string> = {
  EXPIRED: "Replace the token (or re-authorize) on the connection's page.",
  NEEDS_REAUTH: "Re-authorize the connection (OAuth) or replace its token (PAT) on the connection's page.",
  UNREACHABLE: "Open the connection's page and run Check: the findings say what to fix (address, network, server).",
  CERTIFICATE_PROBLEM: "Open the connection's page: upload the server's CA certificate or have the certificate renewed.",
  CREDENTIALS_UNREADABLE: "Enter the token again (or re-authorize): Keel cannot decrypt the stored one.",
  CREDENTIALS_MISSING: "Enter a token for the connection's new address.",
  EXPIRING: "Replace the token before it expires: Azure DevOps will not accept it afterwards.",
  HEALTHY: "Nothing to do: builds that use it work again.",
};

/** Subject and text of a notice; `link` is the connection's page in Keel (absolute URL). */
export function renderNotice(kind: string, raw: unknown, link: string | null): RenderedNotice {
  const data = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const name = str(data, "name") ?? "A connection";
  const footer = link ? `\n\nOpen it in Keel: ${link}\n` : "\n";
  if (kind === "connection.expiry_reminder") {
    const days = num(data, "daysLeft") ?? num(data, "tier") ?? 0;
    const when = str(data, "expiresAt")?.slice(0, 10) ?? "soon";
    const what = str(data, "authMethod") === "PAT" ? "personal access token" : "credential";
    return {
      subject: `Keel: the ${what} of "${name}" expires in ${days} day${days === 1 ? "" : "s"}`,
      text: `The ${what} of the connection "${name}" expires on ${when} (in ${days} day${days === 1 ? "" : "s"}). Build profiles that use it stop working then.\n\n${WHAT_TO_DO.EXPIRING} Azure DevOps does not let an expired token be extended: create a new one (scoped to the organization) and paste it in Keel with Replace token.${footer}`,
    };
  }
  if (kind === "connection.owner_changed") {
    const to = str(data, "toName") ?? "another admin";
    return {
      subject: `Keel: ${to} now owns the connection "${name}"`,
      text: `${to} is now the owner of the connection "${name}"${str(data, "fromName") ? ` (before: ${str(data, "fromName")})` : ""}. It keeps signing in with its current token or identity until the new owner replaces the token or re-authorizes with their own.${footer}`,
    };
  }
  const to = str(data, "to");
  const reason = str(data, "reason");
  return {
    subject: `Keel: "${name}" is now ${label(to)}`,
    text: `The connection "${name}" changed from ${label(str(data, "from")).toLowerCase()} to ${label(to).toLowerCase()}.${reason ? `\n\n${reason}` : ""}\n\n${(to && WHAT_TO_DO[to]) ?? "Open the connection's page for details."}${footer}`,
  };
}
