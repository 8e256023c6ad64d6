import "server-only";
import { recordCredentialRefused } from "@/lib/data/connections";
import type { AuthMethod, ConnectionStatus } from "@/lib/generated/prisma/client";
import { requestNoticeEmails } from "@/lib/notifications/request";
import { logger } from "@/lib/logger";
import type { PickerProblem } from "@/lib/shared/problems";
import type { Scope } from "@/lib/scope";
import { checkSavedConnection } from "./service";
import { statusForRefusal } from "./status";

const log = logger("connections.health");

/**
 * After a picker or branch call failed: when the failure says the credential itself was
 * refused, the connection's health changes to say so (connections list, profile pages).
 * Never throws: the user is already being shown the problem, bookkeeping must not hide it.
 */
export async function noteUseFailure(scope: Scope, connection: { id: string; authMethod: AuthMethod }, problem: PickerProblem | null): Promise<void> {
  if (!problem) {
    return;
  }
  const status = statusForRefusal(problem.id);
  if (!status) {
    return;
  }
  try {
    if (await recordCredentialRefused(scope, connection.id, status, problem.title, problem.id)) {
      await requestNoticeEmails();
    }
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
  if (connection.status !== "EXPIRED" && connection.status !== "NEEDS_REAUTH") {
    return;
  }
  try {
    await checkSavedConnection(scope, connection.id);
  } catch (error) {
    log.warn({ err: error, connectionId: connection.id }, "could not re-check the connection after a successful listing");
  }
}
