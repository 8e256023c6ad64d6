import "server-only";
import { runDoctor, type DoctorCredential, type DoctorResult } from "@/lib/azure-devops/doctor";
import type { PrincipalContext } from "@/lib/azure-devops/doctor-findings";
import { recordAudit } from "@/lib/data/audit";
import type { CheckRecord } from "@/lib/data/connections";
import { runOnce, type EffectKey } from "@/lib/data/jobs";
import type { Tx } from "@/lib/db";
import { azureDevOpsUrls } from "@/lib/env";
import type { AuthMethod } from "@/lib/generated/prisma/client";
import { getOutboundPolicy } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { connectionHealth, statusFromCheck } from "./status";
import type { CheckSummary } from "./summary";

export type CheckTarget = {
  deploymentType: "SERVICES" | "SERVER";
  serverUrl: string;
  pathPrefix: string;
  collection: string;
  caBundlePem: string | null;
};

/** What the status model needs besides the findings: the credential's expiry (lib/connections/status.ts). */
export type ExpiryContext = {
  credentialExpiresAt: Date | null;
  credentialExpirySource?: "ENTERED" | "AZURE_DEVOPS" | null;
  credentialLabel?: string;
};

/**
 * The stored status of a doctor run (lib/connections/status.ts): what the findings say, with the
 * credential's expiry applied as of now (a working token expiring in 5 days is EXPIRING). A run
 * that says nothing (cancelled) keeps the connection's status: `conclusive` is false.
 */
export function statusRecordOf(result: Pick<DoctorResult, "ok" | "findings">, expiry: ExpiryContext, now = new Date()): Pick<CheckRecord, "status" | "statusReason" | "finding" | "expiredObservedAt" | "conclusive"> {
  const outcome = statusFromCheck(result);
  if (!outcome) {
    return { status: "HEALTHY", statusReason: null, conclusive: false };
  }
  const finding = result.findings.find((candidate) => candidate.severity === "error")?.id;
  if (outcome.status === "EXPIRED") {
    // Azure DevOps said so: its word wins over the entered date (the expiry becomes "now").
    return { status: "EXPIRED", statusReason: outcome.reason, expiredObservedAt: now, ...(finding ? { finding } : {}) };
  }
  if (outcome.status !== "HEALTHY") {
    return { status: outcome.status, statusReason: outcome.reason, ...(finding ? { finding } : {}) };
  }
  const health = connectionHealth({ status: "HEALTHY", credentialExpiresAt: expiry.credentialExpiresAt, credentialExpirySource: expiry.credentialExpirySource ?? null, lastCheckAt: now, ...(expiry.credentialLabel ? { credentialLabel: expiry.credentialLabel } : {}) }, now);
  return { status: health.status, statusReason: health.reason };
}

export type RunCheckOptions = {
  expiry?: ExpiryContext;
  /** A job's key: its retries record the run once. */
  auditEffect?: EffectKey;
  now?: Date;
  /** Set when the bearer token is a service principal's (the doctor explains its findings for it). */
  principal?: PrincipalContext;
};

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
  audit: { targetType: "connection" | "connect_draft"; targetId: string; method: AuthMethod },
  options: RunCheckOptions = {},
): Promise<{ summary: CheckSummary; record: CheckRecord; result: DoctorResult }> {
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
      ...(options.principal ? { principal: options.principal } : {}),
    },
    {
      policy: getOutboundPolicy(),
      ...(options.now ? { now: options.now } : {}),
      recorder: (call) => {
        calls.push({ method: call.method, url: call.url, status: call.status, failureKind: call.failureKind, durationMs: Math.round(call.durationMs) });
      },
    },
  );
  const event = {
    action: "connection.check_ran",
    targetType: audit.targetType,
    targetId: audit.targetId,
    data: {
      ok: result.ok,
      findings: result.findings.map((finding) => finding.id),
      // Every outbound call: method, URL without query, outcome. Never headers or bodies.
      outboundCalls: calls.slice(0, 200),
    },
  };
  const blocked = calls.filter((call) => call.failureKind === "blocked");
  const audits = async (tx?: Tx) => {
    await recordAudit(scope, event, tx);
    if (blocked.length > 0) {
      // An SSRF refusal: Keel's outbound policy stopped a call to an address someone typed.
      await recordAudit(scope, { action: "outbound.refused", targetType: audit.targetType, targetId: audit.targetId, data: { calls: blocked.slice(0, 20).map((call) => ({ method: call.method, url: call.url })) } }, tx);
    }
  };
  if (options.auditEffect) {
    // A job's retry runs the doctor again but records its run once.
    await runOnce(options.auditEffect, audits);
  } else {
    await audits();
  }
  const record: CheckRecord = {
    ok: result.ok,
    ...statusRecordOf(result, options.expiry ?? { credentialExpiresAt: null }, options.now),
    serverProduct: result.server?.product ?? null,
    apiVersion: result.server?.apiVersion ?? null,
    scopes: [...result.scopes.present],
    summary: summarize(result, calls.length),
  };
  return { summary: summarize(result, calls.length), record, result };
}
