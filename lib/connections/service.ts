import "server-only";
import type { DoctorCredential } from "@/lib/azure-devops/doctor";
import { getConnectionOrThrow, openConnectionToken, recordConnectionCheck, type ConnectionView } from "@/lib/data/connections";
import { AppError } from "@/lib/errors";
import { runConnectionCheck } from "./check";
import type { CheckSummary } from "./summary";

type Scope = { organizationId: string; userId: string };

/** The credential to call Azure DevOps with for a saved connection (opened just before use). */
export async function connectionCredential(scope: Scope, connection: Pick<ConnectionView, "id" | "authMethod">): Promise<DoctorCredential> {
  if (connection.authMethod === "PAT") {
    return { kind: "pat", token: await openConnectionToken(scope.organizationId, connection.id) };
  }
  throw new AppError("PROVIDER_REJECTED", "OAuth connections are not available yet.");
}

/** Runs the doctor on a saved connection and stores the result as its health. */
export async function checkSavedConnection(scope: Scope, id: string): Promise<CheckSummary> {
  const connection = await getConnectionOrThrow(scope.organizationId, id);
  const credential = await connectionCredential(scope, connection);
  const { summary, record } = await runConnectionCheck(
    scope,
    { deploymentType: connection.deploymentType, serverUrl: connection.serverUrl, pathPrefix: connection.pathPrefix, collection: connection.collection, caBundlePem: connection.caBundlePem },
    credential,
    { targetType: "connection", targetId: connection.id, method: connection.authMethod },
  );
  await recordConnectionCheck(scope.organizationId, connection.id, record, scope.userId);
  return summary;
}
