import "server-only";
import { runDoctor, type DoctorCredential, type DoctorResult } from "@/lib/azure-devops/doctor";
import { recordAudit } from "@/lib/data/audit";
import type { CheckRecord } from "@/lib/data/connections";
import { azureDevOpsUrls } from "@/lib/env";
import type { ConnectionStatus } from "@/lib/generated/prisma/client";
import { outboundPolicyFor } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { connectionThrottle, spendOutboundBudget } from "./outbound-throttle";
import type { CheckSummary } from "./summary";

export type CheckTarget = {
  deploymentType: "SERVICES" | "SERVER";
  serverUrl: string;
  pathPrefix: string;
  collection: string;
  caBundlePem: string | null;
};

/** Maps a doctor result to the connection status it implies. */
export function statusFromResult(result: Pick<DoctorResult, "ok" | "findings">, method: "PAT" | "OAUTH"): { status: ConnectionStatus; reason: string | null } {
  const firstError = result.findings.find((finding) => finding.severity === "error");
  if (result.ok) {
    const warning = result.findings.find((finding) => finding.severity === "warning");
    return warning ? { status: "WARNING", reason: warning.title } : { status: "HEALTHY", reason: null };
  }
  // An OAuth grant that no longer works needs the admin to sign in to Azure DevOps again.
  if (method === "OAUTH" && firstError && ["token_invalid", "token_expired", "sign_in_page"].includes(firstError.id)) {
    return { status: "NEEDS_REAUTH", reason: firstError.title };
  }
  return { status: "FAILING", reason: firstError?.title ?? "The last check failed." };
}

/** A stored, display-safe summary of a doctor result. */
export function summarize(result: DoctorResult, calls: number): CheckSummary {
  return {
    ok: result.ok,
    checkedAt: result.checkedAt,
    findings: result.findings.map((finding) => ({
      id: finding.id,
      severity: finding.severity,
      title: finding.title,
      detail: finding.detail,
      fix: finding.fix,
      ...(finding.data ? { data: finding.data } : {}),
    })),
    ...(result.identity ? { identity: { displayName: result.identity.displayName, uniqueName: result.identity.uniqueName } } : {}),
    ...(result.server ? { server: { deploymentType: result.server.deploymentType, product: result.server.product, apiVersion: result.server.apiVersion } } : {}),
    ...(result.projects ? { projects: result.projects } : {}),
    scopes: { present: [...result.scopes.present], missing: [...result.scopes.missing] },
    calls,
  };
}

/**
 * Runs the connection doctor through the guarded client with Keel's outbound policy,
 * audits every outbound call it made (method, host, path, status — no secrets), and
 * returns the summary to show and the record to store.
 */
export async function runConnectionCheck(
  scope: Scope,
  target: CheckTarget,
  credential: DoctorCredential,
  audit: { targetType: "connection" | "connect_draft"; targetId: string; method: "PAT" | "OAUTH" },
): Promise<{ summary: CheckSummary; record: CheckRecord; result: DoctorResult }> {
  // A saved connection is paced as its identity (its Azure DevOps holds, a budget of checks); a
  // wizard draft by its own budget of checks.
  const saved = audit.targetType === "connection";
  await spendOutboundBudget(scope, saved ? "check" : "draftCheck", audit.targetId);
  const calls: { method: string; url: string; status?: number; failureKind?: string; durationMs: number }[] = [];
  const urls = azureDevOpsUrls();
  const result = await runDoctor(
    {
      deploymentType: target.deploymentType === "SERVICES" ? "services" : "server",
      serverUrl: target.serverUrl,
      pathPrefix: target.pathPrefix,
      collection: target.collection,
      credential,
      caBundlePem: target.caBundlePem ?? undefined,
      typedHost: new URL(target.serverUrl).host,
      vsspsUrl: urls.vssps,
    },
    {
      policy: await outboundPolicyFor(scope),
      ...(saved ? { throttle: connectionThrottle(audit.targetId) } : {}),
      recorder: (call) => {
        calls.push({ method: call.method, url: call.url, status: call.status, failureKind: call.failureKind, durationMs: Math.round(call.durationMs) });
      },
    },
  );
  await recordAudit(scope, {
    action: "connection.check_ran",
    targetType: audit.targetType,
    targetId: audit.targetId,
    data: {
      ok: result.ok,
      findings: result.findings.map((finding) => finding.id),
      // Every outbound call: method, URL without query, outcome. Never headers or bodies.
      outboundCalls: calls.slice(0, 200),
    },
  });
  const { status, reason } = statusFromResult(result, audit.method);
  const record: CheckRecord = {
    ok: result.ok,
    status,
    statusReason: reason,
    serverProduct: result.server?.product ?? null,
    apiVersion: result.server?.apiVersion ?? null,
    scopes: [...result.scopes.present],
    summary: summarize(result, calls.length),
  };
  return { summary: summarize(result, calls.length), record, result };
}
