import "server-only";
import { createAzureDevOpsClient, type AzureDevOpsClient, type OutboundRecorder } from "@/lib/azure-devops/client";
import { findingForError, type FindingContext } from "@/lib/azure-devops/doctor-findings";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { connectionCredential } from "@/lib/connections/service";
import type { ConnectionView } from "@/lib/data/connections";
import { isPrincipalTokenFailure } from "@/lib/entra/tokens";
import { isAppError } from "@/lib/errors";
import { getOutboundPolicy } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import type { PickerProblem } from "@/lib/shared/problems";

export type ConnectionTarget = Pick<ConnectionView, "id" | "authMethod" | "deploymentType" | "serverUrl" | "pathPrefix" | "collection" | "apiVersion" | "caBundlePem">;

export type ConnectionClient = { client: AzureDevOpsClient; context: FindingContext; collectionUrl: string };

/**
 * A typed Azure DevOps client for a saved connection: its credential (opened right now,
 * through the one place that knows how), Keel's outbound policy, its CA bundle and the
 * api-version its last check settled on.
 */
export async function clientForConnection(
  scope: Scope,
  connection: ConnectionTarget,
  options: { recorder?: OutboundRecorder; signal?: AbortSignal } = {},
): Promise<ConnectionClient> {
  const credential = await connectionCredential(scope, connection);
  const collectionUrl = buildCollectionUrl(connection);
  const client = createAzureDevOpsClient({
    collectionUrl,
    credential,
    // An OAuth or service-principal token refused before its time (revoked early, the server's
    // clock): renew once and carry on, instead of failing a listing half-way.
    ...(connection.authMethod !== "PAT" ? { renewCredential: (rejected) => connectionCredential(scope, connection, { forceRefresh: true, rejectedToken: rejected.token }) } : {}),
    policy: getOutboundPolicy(),
    ...(connection.apiVersion ? { apiVersion: connection.apiVersion } : {}),
    ...(connection.caBundlePem ? { caBundlePem: connection.caBundlePem } : {}),
    ...(options.recorder ? { recorder: options.recorder } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { client, context: findingContextOf(connection, credential.kind), collectionUrl };
}

/** What the doctor's explanations need to know about a connection. */
export function findingContextOf(connection: ConnectionTarget, credentialKind: "pat" | "bearer"): FindingContext {
  return {
    deploymentType: connection.deploymentType === "SERVICES" ? "services" : "server",
    credentialKind,
    collectionUrl: buildCollectionUrl(connection),
    collection: connection.collection,
    // The explanations speak of the service principal's permissions, not of a person's token.
    ...(connection.authMethod === "SERVICE_PRINCIPAL" ? { principal: { kind: "application" as const } } : {}),
  };
}

/**
 * Turns anything a picker call can throw into what the user sees: the doctor's own finding
 * for Azure DevOps errors (expired token, re-authorize, unreachable, …), the AppError's
 * message for conditions Keel knows (no token, unreadable token), null for real bugs.
 */
export function problemFromError(error: unknown, connection: ConnectionTarget): PickerProblem | null {
  if (isAzureDevOpsError(error)) {
    const kind = connection.authMethod === "PAT" ? "pat" : "bearer";
    const finding = findingForError(error, findingContextOf(connection, kind));
    return { id: finding.id, title: finding.title, detail: finding.detail, fix: finding.fix };
  }
  if (isPrincipalTokenFailure(error)) {
    // Microsoft Entra ID refused the principal's credential: the doctor's Entra finding says why.
    return { id: error.finding.id, title: error.finding.title, detail: error.finding.detail, fix: error.finding.fix };
  }
  if (isAppError(error)) {
    return {
      id: error.code === "PROVIDER_REJECTED" ? "credentials_unusable" : "connection_unusable",
      title: error.message,
      detail:
        connection.authMethod === "PAT"
          ? "Keel needs a working Personal Access Token for this connection before it can list repositories."
          : "Keel needs a working Azure DevOps sign-in for this connection before it can list repositories.",
      fix:
        connection.authMethod === "PAT"
          ? ["An admin opens the connection and enters a new Personal Access Token."]
          : connection.authMethod === "SERVICE_PRINCIPAL"
            ? ["An admin opens the connection, runs Check now and follows what it says about the service principal."]
            : ["An admin opens the connection and re-authorizes it with Azure DevOps."],
    };
  }
  return null;
}
