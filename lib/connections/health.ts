import "server-only";
import { recordCredentialRefused } from "@/lib/data/connections";
import type { AuthMethod, ConnectionStatus } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/logger";
import type { PickerProblem } from "@/lib/shared/problems";
import type { Scope } from "@/lib/scope";
import { checkSavedConnection } from "./service";

const log = logger("connections.health");

/**
 * Findings that mean "this credential no longer works for this organization", whatever was
 * being read. Network, TLS and server failures are left out on purpose: they are often
 * passing, and only Check (which tries everything) should call a connection failing for them.
 */
const CREDENTIAL_REFUSED = new Set([
  "token_expired",
  "token_invalid",
  "token_wrong_organization",
  "sign_in_page",
  "oauth_policy_disabled",
  "credentials_unusable",
  // A service principal: Entra refused its credential, or Azure DevOps does not know it.
  "service_principal_not_added",
  "entra_wrong_tenant",
  "entra_personal_account",
  "entra_app_not_found",
  "entra_secret_invalid",
  "entra_secret_expired",
  "entra_certificate_not_registered",
  "entra_certificate_expired",
  "entra_certificate_key_mismatch",
  "entra_federation_no_match",
  "entra_admin_consent_required",
  "managed_identity_disabled",
  "managed_identity_not_found",
]);

/** The status a refused credential implies: OAuth needs a new consent, a PAT a new token. */
export function statusForRefusal(problemId: string, method: AuthMethod): ConnectionStatus | null {
  if (!CREDENTIAL_REFUSED.has(problemId)) {
    return null;
  }
  if (problemId === "oauth_policy_disabled") {
    return "FAILING";
  }
  return method === "OAUTH" ? "NEEDS_REAUTH" : "FAILING";
}

/**
 * After a picker or branch call failed: when the failure says the credential itself was
 * refused, the connection's health changes to say so (connections list, profile pages).
 * Never throws: the user is already being shown the problem, bookkeeping must not hide it.
 */
export async function noteUseFailure(scope: Scope, connection: { id: string; authMethod: AuthMethod }, problem: PickerProblem | null): Promise<void> {
  if (!problem) {
    return;
  }
  const status = statusForRefusal(problem.id, connection.authMethod);
  if (!status) {
    return;
  }
  try {
    await recordCredentialRefused(scope, connection.id, status, problem.title, problem.id);
  } catch (error) {
    log.warn({ err: error, connectionId: connection.id }, "could not record the connection's health after a refused credential");
  }
}

/**
 * After a picker listing succeeded on a connection whose health says its credential fails
 * (an admin turned the OAuth policy on, the token works again): the credential evidently
 * works, so the doctor runs once and its result becomes the health — Check's own verdict,
 * not a guess. Never throws, like noteUseFailure.
 */
export async function noteUseSuccess(scope: Scope, connection: { id: string; status: ConnectionStatus }): Promise<void> {
  if (connection.status !== "FAILING" && connection.status !== "NEEDS_REAUTH") {
    return;
  }
  try {
    await checkSavedConnection(scope, connection.id);
  } catch (error) {
    log.warn({ err: error, connectionId: connection.id }, "could not re-check the connection after a successful listing");
  }
}
