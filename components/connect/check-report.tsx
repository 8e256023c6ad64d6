import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import type { CheckFinding, CheckSummary } from "@/lib/connections/summary";
import { OAUTH_SCOPES, REQUIRED_PAT_SCOPES } from "@/lib/azure-devops/scopes";
import { formatTime } from "@/lib/shared/dates";
import { problemForViewer, type ProblemViewer } from "@/lib/shared/problems";

// Findings a firewall can cause: each links to the page listing Keel's outgoing addresses.
const NETWORK_FINDINGS = new Set(["unreachable_dns", "unreachable_refused", "unreachable_timeout", "unreachable_reset", "unreachable_network", "blocked_by_policy"]);

/** The scopes the check probed, each ✓ (the token has it) or ✗ (it lacks it). */
function ScopeChecklist({ scopes }: { scopes: NonNullable<CheckSummary["scopes"]> }) {
  const rows = [...scopes.present.map((id) => ({ id, ok: true })), ...scopes.missing.map((id) => ({ id, ok: false }))].sort((a, b) => Number(a.ok) - Number(b.ok));
  return (
    <ul className="mt-2 space-y-1 text-sm" aria-label="Scopes Keel checked">
      {rows.map(({ id, ok }) => (
        <li key={id} className="flex items-center gap-2" data-scope={id} data-present={ok}>
          <span aria-hidden="true" className={ok ? "font-bold text-emerald-700" : "font-bold text-red-700"}>
            {ok ? "✓" : "✗"}
          </span>
          <span className="text-slate-900">{scopeLabelOf(id)}</span>
          <span className="font-mono text-xs text-slate-600">{id}</span>
          <span className={ok ? "text-emerald-800" : "font-medium text-red-800"}>{ok ? "granted" : "missing"}</span>
        </li>
      ))}
    </ul>
  );
}

function scopeLabelOf(id: string): string {
  return [...REQUIRED_PAT_SCOPES, ...OAUTH_SCOPES].find((scope) => scope.id === id)?.label ?? id;
}

function FindingItem({ finding: raw, viewer, scopes, networkLink }: { finding: CheckFinding; viewer?: ProblemViewer | null; scopes?: CheckSummary["scopes"]; networkLink: boolean }) {
  // A saved connection's reader is told who fixes a refused credential (lib/shared/problems.ts).
  const shown = problemForViewer(raw, viewer);
  const finding = { ...raw, fix: shown.fix };
  const tone = finding.severity === "error" ? "border-red-200 bg-red-50" : "border-amber-300 bg-amber-50";
  return (
    <li className={`rounded-md border p-4 ${tone}`} data-finding={finding.id}>
      <div className="flex items-start gap-2">
        <Badge tone={finding.severity === "error" ? "error" : "warning"}>{finding.severity === "error" ? "Problem" : "Warning"}</Badge>
        <h3 className="font-semibold text-slate-900">{finding.title}</h3>
      </div>
      <p className="mt-2 text-sm text-slate-800">{finding.detail}</p>
      {finding.id === "missing_scope" && scopes && scopes.missing.length > 0 ? <ScopeChecklist scopes={scopes} /> : null}
      {finding.fix.length > 0 ? (
        <div className="mt-2 text-sm text-slate-800">
          <p className="font-medium">How to fix it</p>
          <ol className="mt-1 list-decimal space-y-1 pl-5">
            {finding.fix.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      ) : null}
      {shown.action ? (
        <p className="mt-2 text-sm">
          <Link href={shown.action.href} className="font-medium text-brand-700 underline">
            {shown.action.label}
          </Link>
        </p>
      ) : null}
      {networkLink && NETWORK_FINDINGS.has(finding.id) ? (
        <p className="mt-2 text-sm">
          <Link href="/settings/network" className="font-medium text-brand-700 underline">
            Which addresses Keel calls from (for firewall allowlists)
          </Link>
        </p>
      ) : null}
    </li>
  );
}

/**
 * The doctor's report: what works, what does not, and how to fix it. `saved`: the last check of a
 * saved connection (which worked when it was saved), whose page states the problem in its own
 * banner — the heading then only counts, instead of saying "does not work yet" once more.
 * `networkLink`: the reader may open the network settings (admins only).
 */
export function CheckReport({ summary, saved = false, viewer, networkLink = true }: { summary: CheckSummary; saved?: boolean; viewer?: ProblemViewer | null; networkLink?: boolean }) {
  const errors = summary.findings.filter((finding) => finding.severity === "error");
  const warnings = summary.findings.filter((finding) => finding.severity === "warning");
  return (
    <section aria-labelledby="check-heading" className="space-y-4">
      <div role={summary.ok || saved ? "status" : "alert"} className={`rounded-md border p-4 ${summary.ok ? "border-emerald-200 bg-emerald-50" : "border-red-200 bg-red-50"}`}>
        <h2 id="check-heading" className="text-base font-semibold text-slate-900">
          {summary.ok
            ? warnings.length
              ? "The connection works, with warnings"
              : "The connection works"
            : saved
              ? `Last check: ${errors.length} problem${errors.length === 1 ? "" : "s"}`
              : `The connection does not work yet (${errors.length} problem${errors.length === 1 ? "" : "s"})`}
        </h2>
        <p className="mt-1 text-sm text-slate-700">Checked {formatTime(new Date(summary.checkedAt))}.</p>
      </div>
      {summary.identity || summary.server || summary.projects ? (
        <dl className="grid grid-cols-1 gap-3 rounded-md border border-slate-200 bg-white p-4 text-sm sm:grid-cols-3">
          {summary.identity ? (
            <div>
              <dt className="text-slate-500">Signed in as</dt>
              <dd className="font-medium text-slate-900">
                {summary.identity.displayName}
                {summary.identity.uniqueName ? <span className="block font-normal text-slate-600">{summary.identity.uniqueName}</span> : null}
              </dd>
            </div>
          ) : null}
          {summary.server ? (
            <div>
              <dt className="text-slate-500">Server</dt>
              <dd className="font-medium text-slate-900">
                {summary.server.product}
                {summary.server.apiVersion ? <span className="block font-normal text-slate-600">REST API {summary.server.apiVersion}</span> : null}
              </dd>
            </div>
          ) : null}
          {summary.projects ? (
            <div>
              <dt className="text-slate-500">Projects visible</dt>
              <dd className="font-medium text-slate-900">
                {summary.projects.count}
                {summary.projects.countIsLowerBound ? "+" : ""}
                {summary.projects.first.length > 0 ? <span className="block font-normal text-slate-600">{summary.projects.first.join(", ")}</span> : null}
              </dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {summary.findings.length > 0 ? (
        <ul className="space-y-3" aria-label="Findings">
          {[...errors, ...warnings].map((finding) => (
            <FindingItem networkLink={networkLink} key={`${finding.id}-${finding.title}`} finding={finding} viewer={viewer} scopes={summary.scopes} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
