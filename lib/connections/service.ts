import "server-only";
import type { DoctorCredential } from "@/lib/azure-devops/doctor";
import { getConnectionOrThrow, listConnectionStatusInputs, listPossibleOwners, openConnectionToken, recordConnectionCheck, type CheckRecord, type ConnectionView } from "@/lib/data/connections";
import { can } from "@/lib/policy";
import type { ProblemViewer } from "@/lib/shared/problems";
import { markConnectionNeedsReauth } from "@/lib/data/oauth";
import { AppError } from "@/lib/errors";
import { getServicePrincipal } from "@/lib/data/service-principals";
import { getServicePrincipalToken } from "@/lib/entra/tokens";
import { getAccessTokenForAccount, isNeedsReauthorization } from "@/lib/oauth/tokens";
import type { Scope } from "@/lib/scope";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { runConnectionCheck } from "./check";
import { connectionHealth } from "./status";
import { runPrincipalCheck } from "./service-principal";
import type { CheckSummary } from "./summary";

export type CredentialOptions = {
  /**
   * OAUTH and SERVICE_PRINCIPAL: renew even if the held access token looks valid. Pass it once
   * after the API answered 401 with a token Keel thought was fresh; PATs ignore it.
   */
  forceRefresh?: boolean;
  /** With forceRefresh: the access token Azure DevOps refused (no second refresh if it was already replaced). */
  rejectedToken?: string;
};

/**
 * The credential to call Azure DevOps with for a saved connection (opened just before use) —
 * the one place every feature gets it (doctor, repository picker, build profiles).
 *
 * PAT: the sealed token, opened. OAUTH: the linked identity's access token, refreshed first
 * when it is about to expire (single-flight across instances, the rotated refresh token stored
 * before the new access token is returned — lib/oauth/tokens.ts). When only a new consent can
 * help (grant revoked, identity unlinked, tokens unreadable) the connection is marked "needs
 * re-authorization" and a NeedsReauthorizationError (AppError PROVIDER_REJECTED) is thrown.
 * SERVICE_PRINCIPAL: the principal's app-only token from Microsoft Entra ID (client secret,
 * certificate, Keel's federated assertion or the machine's managed identity), held sealed and
 * renewed single-flight before it expires (lib/entra/tokens.ts); a refusal throws a
 * PrincipalTokenFailure carrying the doctor's Entra finding. No person is involved: it works
 * for a job, a member and an admin alike, whoever created the connection.
 */
export async function connectionCredential(
  scope: Scope,
  connection: Pick<ConnectionView, "id" | "authMethod"> & { accountId?: string | null },
  options: CredentialOptions = {},
): Promise<DoctorCredential> {
  if (connection.authMethod === "PAT") {
    return { kind: "pat", token: await openConnectionToken(scope, connection.id) };
  }
  if (connection.authMethod === "SERVICE_PRINCIPAL") {
    return {
      kind: "bearer",
      token: await getServicePrincipalToken(scope, connection.id, options.forceRefresh ? { forceRefresh: true, ...(options.rejectedToken ? { rejectedToken: options.rejectedToken } : {}) } : {}),
    };
  }
  // Re-read the binding through the organization-scoped loader: the caller's copy may be stale.
  const { accountId } = connection.accountId === undefined ? await getConnectionOrThrow(scope, connection.id) : { accountId: connection.accountId };
  if (!accountId) {
    await markConnectionNeedsReauth(scope, connection.id, "The Azure DevOps identity of this connection was removed. An admin must re-authorize.");
    throw new AppError("PROVIDER_REJECTED", "The Azure DevOps identity of this connection was removed. An admin must re-authorize.", { details: { needsReauth: true } });
  }
  return {
    kind: "bearer",
    token: await getAccessTokenForAccount(scope, accountId, options.forceRefresh ? { forceRefresh: true, ...(options.rejectedToken ? { rejectedAccessToken: options.rejectedToken } : {}) } : {}),
  };
}

export type SavedCheckOptions = {
  /** "scheduled_check" for the job engine's checks (audit and notices say so). */
  source?: "check" | "scheduled_check";
  /** A job's id: its retries record the run, the status and the reminders once. */
  jobId?: string;
  queue?: string;
  now?: Date;
};

/** The words for a connection's credential in status sentences and reminders. */
export function credentialLabelOf(connection: Pick<ConnectionView, "authMethod">): string {
  return connection.authMethod === "PAT" ? "personal access token" : "authorization";
}

/**
 * Runs the doctor on a saved connection and stores the result as its health: the status (with
 * the credential's expiry applied, lib/connections/status.ts), a change audited and told once,
 * and an expiry reminder when one is due. Returns the summary shown on the page.
 */
export async function checkSavedConnection(scope: Scope, id: string, options: SavedCheckOptions = {}): Promise<CheckSummary> {
  const connection = await getConnectionOrThrow(scope, id);
  const effect = options.jobId ? { queue: options.queue ?? "connections.check", jobId: options.jobId, organizationId: scope.organizationId } : null;
  if (connection.authMethod === "SERVICE_PRINCIPAL") {
    return checkServicePrincipalConnection(scope, connection, options, effect);
  }
  let credential: DoctorCredential;
  try {
    credential = await connectionCredential(scope, connection);
  } catch (error) {
    if (connection.authMethod === "OAUTH" && (isNeedsReauthorization(error) || (error instanceof AppError && error.details?.needsReauth === true))) {
      return recordNeedsReauth(scope, connection.id, error.message, options, effect);
    }
    throw error;
  }
  const expiry = { credentialExpiresAt: connection.credentialExpiresAt, credentialExpirySource: connection.credentialExpirySource, credentialLabel: credentialLabelOf(connection) };
  const run = (with_: DoctorCredential, attempt: number) =>
    runConnectionCheck(
      scope,
      { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem },
      with_,
      { targetType: "connection", targetId: connection.id, method: connection.authMethod },
      { expiry, ...(options.now ? { now: options.now } : {}), ...(effect ? { auditEffect: { ...effect, key: `audit:connection.check_ran:${effect.jobId}:${attempt}` } } : {}) },
    );
  let { summary, record } = await run(credential, 1);
  if (connection.authMethod === "OAUTH" && summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    // Refused although Keel thought the token fresh (revoked early?): one forced refresh decides.
    try {
      ({ summary, record } = await run(await connectionCredential(scope, connection, { forceRefresh: true }), 2));
    } catch (error) {
      if (isNeedsReauthorization(error)) {
        return recordNeedsReauth(scope, connection.id, error.message, options, effect);
      }
      throw error;
    }
  }
  return storeSavedCheck(scope, connection, summary, record, options, effect);
}

type CheckEffect = { queue: string; jobId: string; organizationId: string };

/**
 * Stores a saved connection's check as its health, whatever its sign-in: the status with the
 * credential's expiry applied, a change audited and told once, and an expiry reminder when due.
 */
async function storeSavedCheck(scope: Scope, connection: ConnectionView, summary: CheckSummary, record: CheckRecord, options: SavedCheckOptions, effect: CheckEffect | null): Promise<CheckSummary> {
  const now = options.now ?? new Date();
  const health = connectionHealth({ status: record.status, credentialExpiresAt: connection.credentialExpiresAt, credentialExpirySource: connection.credentialExpirySource, lastCheckAt: now }, now);
  const reminder = record.status === "EXPIRING" && health.tier !== null && connection.credentialExpiresAt && health.daysLeft !== null ? { tier: health.tier, expiresAt: connection.credentialExpiresAt, daysLeft: health.daysLeft } : undefined;
  const saved = await recordConnectionCheck(scope, connection.id, record, {
    source: options.source ?? "check",
    ...(effect ? { effect: { ...effect, key: `check:${connection.id}:${effect.jobId}` } } : {}),
    ...(reminder ? { reminder } : {}),
  });
  if (saved.statusChanged || saved.reminderCreated) {
    await requestNoticeEmails();
  }
  return summary;
}

/** The doctor for a service-principal connection: the held token (renewed if needed), then Azure DevOps. */
async function checkServicePrincipalConnection(scope: Scope, connection: ConnectionView, options: SavedCheckOptions, effect: CheckEffect | null): Promise<CheckSummary> {
  const principal = await getServicePrincipal(scope, connection.id);
  if (!principal) {
    throw new AppError("NOT_FOUND", "That connection has no service principal in your organization.");
  }
  const target = { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem };
  const audit = { targetType: "connection" as const, targetId: connection.id };
  const expiry = { credentialExpiresAt: connection.credentialExpiresAt, credentialExpirySource: connection.credentialExpirySource, credentialLabel: credentialLabelOf(connection) };
  const checkOptions = (attempt: number) => ({ expiry, ...(options.now ? { now: options.now } : {}), ...(effect ? { auditEffect: { ...effect, key: `audit:connection.check_ran:${effect.jobId}:${attempt}` } } : {}) });
  // Check asks Entra afresh even right after a refusal: the admin may just have fixed the cause.
  const token = async (forceRefresh: boolean) => ({ accessToken: await getServicePrincipalToken(scope, connection.id, { forceRefresh, retryRefused: true }), objectId: principal.objectId });
  let { summary, record } = await runPrincipalCheck(scope, target, principal, () => token(false), audit, checkOptions(1));
  if (summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    // Refused although it looked fresh (revoked, or another clock): one new token decides.
    ({ summary, record } = await runPrincipalCheck(scope, target, principal, () => token(true), audit, checkOptions(2)));
  }
  return storeSavedCheck(scope, connection, summary, record, options, effect);
}

/** Stores a check result that says "re-authorize" (the doctor could not even get a token). */
async function recordNeedsReauth(scope: Scope, id: string, message: string, options: SavedCheckOptions, effect: CheckEffect | null): Promise<CheckSummary> {
  const summary: CheckSummary = {
    ok: false,
    checkedAt: new Date().toISOString(),
    findings: [
      {
        id: "oauth_reauthorization_needed",
        severity: "error",
        title: "Keel's authorization in Azure DevOps no longer works",
        detail: `${message} Build profiles that use this connection keep their repository; they work again once it is re-authorized.`,
        fix: ["Choose Re-authorize and approve Keel's access in Azure DevOps again.", "Keel checks the connection again right after."],
      },
    ],
  };
  const saved = await recordConnectionCheck(
    scope,
    id,
    { ok: false, status: "NEEDS_REAUTH", statusReason: message, finding: "oauth_reauthorization_needed", summary },
    { source: options.source ?? "check", ...(effect ? { effect: { ...effect, key: `check:${id}:${effect.jobId}` } } : {}) },
  );
  // Also when this write changed nothing: the refresh that found the grant gone has just recorded
  // the change (and its notice) itself.
  if (saved.recorded) {
    await requestNoticeEmails();
  }
  return summary;
}

/**
 * Before a re-authorization (or the switch to Microsoft Entra ID) replaces a connection's
 * identity: runs the doctor with the new access token on the connection's organization. A token
 * Azure DevOps refuses there (not a member, policy, scopes) is not bound, so the connection keeps
 * its working authorization. Returns the refusal's title, or null when the token may be used.
 */
export async function refusalOfNewAuthorization(scope: Scope, connectionId: string, accessToken: string): Promise<string | null> {
  const connection = await getConnectionOrThrow(scope, connectionId);
  const { record } = await runConnectionCheck(
    scope,
    { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem },
    { kind: "bearer", token: accessToken },
    { targetType: "connection", targetId: connection.id, method: "OAUTH" },
  );
  return record.status === "NEEDS_REAUTH" || record.status === "EXPIRED" ? (record.statusReason ?? "Azure DevOps refused the new authorization.") : null;
}

/** A saved connection's status now (lib/connections/status.ts connectionHealth), for pages and the header. */
export function healthOfConnection(
  connection: Pick<ConnectionView, "authMethod" | "status" | "statusReason" | "credentialExpiresAt" | "credentialExpirySource" | "lastCheckAt">,
  now: Date = new Date(),
) {
  return connectionHealth(
    {
      status: connection.status,
      statusReason: connection.statusReason,
      credentialExpiresAt: connection.credentialExpiresAt,
      credentialExpirySource: connection.credentialExpirySource,
      lastCheckAt: connection.lastCheckAt,
      credentialLabel: credentialLabelOf(connection),
    },
    now,
  );
}

/** How many connections of the scope's organization need attention now (the admins' header count). */
export async function countConnectionsNeedingAttention(scope: Scope): Promise<number> {
  const now = new Date();
  return (await listConnectionStatusInputs(scope)).filter((connection) => healthOfConnection(connection, now).needsAttention).length;
}

/**
 * Who reads a problem of this connection (lib/shared/problems.ts problemForViewer): whether they
 * may fix its credential, and otherwise which admins to ask, by name.
 */
export async function problemViewerFor(scope: Scope, connection: Pick<ConnectionView, "id" | "authMethod">): Promise<ProblemViewer> {
  const canFix = can(scope, connection.authMethod === "OAUTH" ? "connection.reauthorize" : "connection.update");
  const admins = canFix ? [] : (await listPossibleOwners(scope)).map((admin) => admin.name);
  return { connectionId: connection.id, authMethod: connection.authMethod, canFix, admins };
}
