import "server-only";
import type { DoctorCredential } from "@/lib/azure-devops/doctor";
import { getConnectionOrThrow, openConnectionToken, recordConnectionCheck, type ConnectionView } from "@/lib/data/connections";
import { markConnectionNeedsReauth } from "@/lib/data/oauth";
import { AppError } from "@/lib/errors";
import { getServicePrincipal } from "@/lib/data/service-principals";
import { getServicePrincipalToken } from "@/lib/entra/tokens";
import { getAccessTokenForAccount, isNeedsReauthorization } from "@/lib/oauth/tokens";
import type { Scope } from "@/lib/scope";
import { runConnectionCheck } from "./check";
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

/** Runs the doctor on a saved connection and stores the result as its health. */
export async function checkSavedConnection(scope: Scope, id: string): Promise<CheckSummary> {
  const connection = await getConnectionOrThrow(scope, id);
  if (connection.authMethod === "SERVICE_PRINCIPAL") {
    return checkServicePrincipalConnection(scope, connection);
  }
  let credential: DoctorCredential;
  try {
    credential = await connectionCredential(scope, connection);
  } catch (error) {
    if (connection.authMethod === "OAUTH" && (isNeedsReauthorization(error) || (error instanceof AppError && error.details?.needsReauth === true))) {
      return recordNeedsReauth(scope, connection.id, error.message);
    }
    throw error;
  }
  const run = (with_: DoctorCredential) =>
    runConnectionCheck(
      scope,
      { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem },
      with_,
      { targetType: "connection", targetId: connection.id, method: connection.authMethod },
    );
  let { summary, record } = await run(credential);
  if (connection.authMethod === "OAUTH" && summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    // Refused although Keel thought the token fresh (revoked early?): one forced refresh decides.
    try {
      ({ summary, record } = await run(await connectionCredential(scope, connection, { forceRefresh: true })));
    } catch (error) {
      if (isNeedsReauthorization(error)) {
        return recordNeedsReauth(scope, connection.id, error.message);
      }
      throw error;
    }
  }
  await recordConnectionCheck(scope, connection.id, record);
  return summary;
}

/** The doctor for a service-principal connection: the held token (renewed if needed), then Azure DevOps. */
async function checkServicePrincipalConnection(scope: Scope, connection: ConnectionView): Promise<CheckSummary> {
  const principal = await getServicePrincipal(scope, connection.id);
  if (!principal) {
    throw new AppError("NOT_FOUND", "That connection has no service principal in your organization.");
  }
  const target = { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem };
  const audit = { targetType: "connection" as const, targetId: connection.id };
  // Check asks Entra afresh even right after a refusal: the admin may just have fixed the cause.
  const token = async (forceRefresh: boolean) => ({ accessToken: await getServicePrincipalToken(scope, connection.id, { forceRefresh, retryRefused: true }), objectId: principal.objectId });
  let { summary, record } = await runPrincipalCheck(scope, target, principal, () => token(false), audit);
  if (summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    // Refused although it looked fresh (revoked, or another clock): one new token decides.
    ({ summary, record } = await runPrincipalCheck(scope, target, principal, () => token(true), audit));
  }
  await recordConnectionCheck(scope, connection.id, record);
  return summary;
}

/** Stores a check result that says "re-authorize" (the doctor could not even get a token). */
async function recordNeedsReauth(scope: Scope, id: string, message: string): Promise<CheckSummary> {
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
  await recordConnectionCheck(scope, id, { ok: false, status: "NEEDS_REAUTH", statusReason: message, summary });
  return summary;
}
