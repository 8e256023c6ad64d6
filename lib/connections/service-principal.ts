import "server-only";
import { X509Certificate } from "node:crypto";
import type { Finding, PrincipalContext } from "@/lib/azure-devops/doctor-findings";
import { recordAudit } from "@/lib/data/audit";
import { openDraftEntraSecret, updateDraft, type Draft } from "@/lib/data/connect-drafts";
import { createServicePrincipalConnection, type CheckRecord } from "@/lib/data/connections";
import { findingForEntraError, tenantPrecheck } from "@/lib/entra/findings";
import { certificateThumbprint, EntraTokenError } from "@/lib/entra/token-client";
import { entraContextOf, isPrincipalTokenFailure, requestPrincipalToken, type PrincipalCredential } from "@/lib/entra/tokens";
import { AppError } from "@/lib/errors";
import type { EntraCredentialKind } from "@/lib/generated/prisma/client";
import type { Scope } from "@/lib/scope";
import { federatedSubjectFor } from "@/lib/shared/entra-setup";
import { runConnectionCheck, statusRecordOf, type CheckTarget, type RunCheckOptions } from "./check";
import type { CheckSummary } from "./summary";

// The wizard's service-principal side and the check of a principal's connection: first the token
// from Microsoft Entra ID (each refusal becomes the doctor's Entra finding), then the doctor with
// that token, which explains the Azure DevOps side for a principal (not added to the
// organization, no project, missing permissions).

/** How the doctor names the principal (an app's service principal, or a managed identity). */
export function principalContextOf(kind: EntraCredentialKind, clientId: string | null, objectId: string | null): PrincipalContext {
  return { kind: kind === "MANAGED_IDENTITY" ? "managedIdentity" : "application", ...(clientId ? { clientId } : {}), ...(objectId ? { objectId } : {}) };
}

/** A check that stopped before Azure DevOps: the one finding that says why, as a summary and a record. */
export function failedCheck(finding: Finding): { summary: CheckSummary; record: CheckRecord } {
  const summary: CheckSummary = {
    ok: false,
    checkedAt: new Date().toISOString(),
    findings: [{ id: finding.id, severity: finding.severity, title: finding.title, detail: finding.detail, fix: finding.fix, ...(finding.data ? { data: finding.data } : {}) }],
    calls: 1,
  };
  return { summary, record: { ok: false, ...statusRecordOf({ ok: false, findings: [finding] }, { credentialExpiresAt: null }), summary } };
}

/** The token a check ran with, and who it says the principal is. */
export type CheckToken = { accessToken: string; objectId: string | null };

export type PrincipalCheck = { summary: CheckSummary; record: CheckRecord; token: CheckToken | null };

/**
 * The whole check of a principal: the tenant pre-check, the token (through `getToken`: uncached
 * in the wizard, the held token for a saved connection), then the doctor with it. Audited as a
 * check run either way.
 */
export async function runPrincipalCheck(
  scope: Scope,
  target: CheckTarget,
  credential: Pick<PrincipalCredential, "kind" | "tenantId" | "clientId" | "federatedSubject">,
  getToken: () => Promise<CheckToken>,
  audit: { targetType: "connection" | "connect_draft"; targetId: string },
  options: Omit<RunCheckOptions, "principal"> = {},
): Promise<PrincipalCheck> {
  const context = entraContextOf(credential, target.collection);
  const stop = async (finding: Finding): Promise<PrincipalCheck> => {
    await recordAudit(scope, { action: "connection.check_ran", targetType: audit.targetType, targetId: audit.targetId, data: { ok: false, findings: [finding.id], method: "SERVICE_PRINCIPAL" } });
    return { ...failedCheck(finding), token: null };
  };
  const precheck = tenantPrecheck(context);
  if (precheck) {
    return stop(precheck);
  }
  let token: CheckToken;
  try {
    token = await getToken();
  } catch (error) {
    if (error instanceof EntraTokenError) {
      return stop(findingForEntraError(error, context));
    }
    if (isPrincipalTokenFailure(error)) {
      return stop(error.finding);
    }
    throw error;
  }
  const { summary, record } = await runConnectionCheck(
    scope,
    target,
    { kind: "bearer", token: token.accessToken },
    { ...audit, method: "SERVICE_PRINCIPAL" },
    { ...options, principal: principalContextOf(credential.kind, credential.clientId, token.objectId) },
  );
  return { summary, record, token };
}

/** The check target of a draft (a Services organization). */
function draftTarget(draft: Draft): CheckTarget {
  if (!draft.serverUrl || !draft.collection) {
    throw new AppError("INVALID_INPUT", "Fill in the connection details first.");
  }
  return { deploymentType: "SERVICES", serverUrl: draft.serverUrl, pathPrefix: "", collection: draft.collection, caBundlePem: null };
}

/** The credential as the draft holds it, its secret or private key opened. */
export async function draftPrincipalCredential(scope: Scope, draft: Draft): Promise<PrincipalCredential> {
  const kind = draft.entraCredentialKind;
  if (!kind || !draft.entraConnectionId) {
    throw new AppError("INVALID_INPUT", "Choose the service principal's credential first.");
  }
  const secret = kind === "CLIENT_SECRET" || kind === "CERTIFICATE" ? await openDraftEntraSecret(scope, draft.id) : null;
  return {
    kind,
    tenantId: draft.entraTenantId,
    clientId: draft.entraClientId,
    clientSecret: kind === "CLIENT_SECRET" ? secret : null,
    certificatePem: kind === "CERTIFICATE" ? draft.entraCertificatePem : null,
    privateKeyPem: kind === "CERTIFICATE" ? secret : null,
    federatedSubject: kind === "FEDERATED" ? federatedSubjectFor(draft.entraConnectionId) : null,
  };
}

/** The doctor for a service-principal draft; stores the result in the draft. */
export async function checkServicePrincipalDraft(scope: Scope, draft: Draft): Promise<CheckSummary> {
  const credential = await draftPrincipalCredential(scope, draft);
  const { summary } = await runPrincipalCheck(scope, draftTarget(draft), credential, () => requestPrincipalToken(credential), { targetType: "connect_draft", targetId: draft.id });
  await updateDraft(scope, draft.id, { lastCheck: summary });
  return summary;
}

/**
 * The service-principal half of the wizard's last step: the check once more, then the connection
 * (idempotent per draft, no owner, the credential sealed in its own row). Throws AppError when
 * nothing was saved.
 */
export async function saveServicePrincipalDraft(scope: Scope, draft: Draft & { name: string }): Promise<string> {
  const credential = await draftPrincipalCredential(scope, draft);
  const target = draftTarget(draft);
  const { summary, record, token } = await runPrincipalCheck(scope, target, credential, () => requestPrincipalToken(credential), { targetType: "connect_draft", targetId: draft.id });
  if (!summary.ok) {
    await updateDraft(scope, draft.id, { lastCheck: summary });
    throw new AppError("PROVIDER_REJECTED", "The connection check failed when saving, so nothing was saved. See the findings below.");
  }
  const certificateExpiry = credential.kind === "CERTIFICATE" && credential.certificatePem ? new Date(new X509Certificate(credential.certificatePem).validTo) : null;
  const saved = await createServicePrincipalConnection(scope, {
    draftId: draft.id,
    id: draft.entraConnectionId!,
    name: draft.name,
    serverUrl: target.serverUrl,
    collection: target.collection,
    kind: credential.kind,
    tenantId: credential.tenantId,
    clientId: credential.clientId,
    clientSecret: credential.clientSecret,
    certificatePem: credential.certificatePem,
    certificateThumbprint: credential.certificatePem ? certificateThumbprint(credential.certificatePem) : null,
    privateKeyPem: credential.privateKeyPem,
    federatedSubject: credential.federatedSubject,
    credentialExpiresAt: credential.kind === "CLIENT_SECRET" ? draft.tokenExpiresAt : certificateExpiry,
    objectId: token?.objectId ?? null,
    check: record,
  });
  return saved.id;
}
