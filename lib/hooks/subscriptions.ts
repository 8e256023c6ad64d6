import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { AzureDevOpsClient } from "@/lib/azure-devops/client";
import { findingForError } from "@/lib/azure-devops/doctor-findings";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import type { HookSubscription, HookSubscriptionToCreate } from "@/lib/azure-devops/types";
import { getConnection, type ConnectionView } from "@/lib/data/connections";
import {
  createHookSubscriptionRow,
  deleteHookSubscriptionRow,
  listConnectionRepositories,
  listHookSubscriptions,
  listRepositoryProfiles,
  sealedHookPassword,
  updateHookSubscriptionRow,
  type HookSubscriptionView,
} from "@/lib/data/hooks";
import { getEnv } from "@/lib/env";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { JobContext } from "@/lib/jobs/define";
import { enqueue } from "@/lib/jobs/enqueue";
import { syncHooksQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { publicUrlOf } from "@/lib/oauth/config";
import { clientForConnection, findingContextOf } from "@/lib/repositories/connection-client";
import type { Scope } from "@/lib/scope";
import { openSecret, sealSecret } from "@/lib/secrets";
import { commentsStartBuilds, triggersAreAutomatic } from "@/lib/shared/triggers";
import { HOOK_EVENT_TYPES, PR_COMMENT_EVENT } from "./payload";

// The service-hook subscriptions Keel keeps in Azure DevOps (issue 14): one set per repository of
// a connection — git.push, git.pullrequest.created, git.pullrequest.updated, consumer webHooks —
// shared by the repository's profiles, wanted while at least one of them has automatic triggers.
// Each points at {KEEL_PUBLIC_URL}/api/hooks/azure-devops/{key} with Basic credentials made for
// it (the password stored hashed for the receiver and sealed for repairs). The hooks.sync job and
// the scheduled connection check both run `syncRepositoryHooks`, which also heals: a deleted
// subscription is created again, a disabled or probation one enabled, a wrong URL corrected.

const log = logger("hooks.subscriptions");

/** The receiver URL of a subscription. */
export function receiverUrl(urlKey: string): string {
  return `${publicUrlOf(getEnv())}/api/hooks/azure-devops/${urlKey}`;
}

/** SHA-256 (hex) of a Basic password: what the receiver compares. */
export function hashHookPassword(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** The subscription Keel asks Azure DevOps for (docs/azure-devops-facts.md §1.6). */
function definitionOf(row: Pick<HookSubscriptionView, "eventType" | "projectId" | "repositoryId" | "urlKey" | "basicUsername">, password: string): HookSubscriptionToCreate {
  return {
    publisherId: "tfs",
    eventType: row.eventType,
    resourceVersion: "1.0",
    consumerId: "webHooks",
    consumerActionId: "httpRequest",
    publisherInputs: { projectId: row.projectId, repository: row.repositoryId },
    consumerInputs: {
      url: receiverUrl(row.urlKey),
      basicAuthUsername: row.basicUsername,
      basicAuthPassword: password,
      // Keel reads the resource; messages would only make the payload bigger.
      resourceDetailsToSend: "all",
      messagesToSend: "none",
      detailedMessagesToSend: "none",
    },
  };
}

/** What an Azure DevOps administrator creates by hand when Keel may not (shown on the profile page). */
export function manualSubscriptionOf(row: Pick<HookSubscriptionView, "eventType" | "projectId" | "repositoryId" | "urlKey" | "basicUsername">): Omit<HookSubscriptionToCreate, "consumerInputs"> & { consumerInputs: Record<string, string> } {
  const definition = definitionOf(row, "(the password Keel shows once when you choose “Create credentials for a hand-made subscription”)");
  return definition;
}

export type RepositoryHookMode = "none" | "hooks" | "polling" | "failing";

/** The state of a repository's subscriptions in words the profile and connection pages show. */
export function repositoryHookMode(rows: readonly Pick<HookSubscriptionView, "state" | "remoteStatus">[]): RepositoryHookMode {
  if (rows.length === 0) {
    return "none";
  }
  if (rows.some((row) => row.state === "NO_PERMISSION")) {
    return "polling";
  }
  if (rows.some((row) => row.state === "FAILED" || (row.remoteStatus !== null && row.remoteStatus !== "enabled"))) {
    return "failing";
  }
  return "hooks";
}

/** Asks a worker to bring a repository's subscriptions in line with its profiles (best effort: the scheduled check does it too). */
export async function requestHookSync(scope: Scope, input: { connectionId: string | null; projectId: string; repositoryId: string }): Promise<void> {
  if (!input.connectionId) {
    return;
  }
  try {
    await enqueue(syncHooksQueue, { connectionId: input.connectionId, projectId: input.projectId, repositoryId: input.repositoryId }, { scope });
  } catch (error) {
    log.warn({ err: error, connectionId: input.connectionId, repositoryId: input.repositoryId }, "could not queue the hook sync (the next connection check will do it)");
  }
}

/** The hooks.sync job. */
export async function syncHooksJob(payload: { connectionId: string; projectId: string; repositoryId: string }, context: JobContext<"organization">): Promise<void> {
  const connection = await getConnection(context.scope, payload.connectionId);
  if (!connection) {
    log.info({ connectionId: payload.connectionId }, "hook sync skipped: the connection is gone");
    return;
  }
  await syncRepositoryHooks(context.scope, connection, payload.projectId, payload.repositoryId);
}

type SyncResult = { mode: RepositoryHookMode; created: number; repaired: number; removed: number };

function newCredentials(): { urlKey: string; basicUsername: string; password: string } {
  return { urlKey: randomBytes(24).toString("base64url"), basicUsername: `keel-${randomBytes(4).toString("hex")}`, password: randomBytes(32).toString("base64url") };
}

function findingJson(connection: ConnectionView, error: unknown): Prisma.InputJsonValue {
  if (isAzureDevOpsError(error)) {
    const finding = findingForError(error, findingContextOf(connection, connection.authMethod === "PAT" ? "pat" : "bearer"));
    return { id: finding.id, title: finding.title, detail: error.serviceError?.message ?? finding.detail, fix: finding.fix };
  }
  return { id: "hook_failed", title: "Keel could not manage the service hook", detail: error instanceof Error ? error.message : String(error), fix: ["Keel tries again at the next connection check."] };
}

/** True for Azure DevOps' "you may not" answers to a subscription call (403, or a scope the token lacks). */
function isPermissionRefusal(error: unknown): boolean {
  return isAzureDevOpsError(error) && (error.reason.kind === "forbidden" || error.reason.kind === "missing_scope");
}

/** The finding of a refused subscription: what to grant, and that Keel polls meanwhile. */
function noPermissionFinding(connection: ConnectionView, error: unknown): Prisma.InputJsonValue {
  const said = isAzureDevOpsError(error) ? error.serviceError?.message ?? error.message : String(error);
  return {
    id: "hooks_no_permission",
    title: "Azure DevOps does not let this connection create service hooks",
    detail: `Azure DevOps answered: ${said}`,
    fix: [
      connection.authMethod === "PAT"
        ? "Give the token's owner the project permission “Edit subscriptions” and “View subscriptions” (Project settings → Permissions; Project Administrators have them), and make sure the token has Code (Read) or Service Hooks (Read & write)."
        : "Give the connected identity the project permission “Edit subscriptions” and “View subscriptions” (Project settings → Permissions; Project Administrators have them).",
      "Or ask an Azure DevOps administrator to create the subscriptions shown below by hand.",
      "Meanwhile Keel polls the repository for new commits and pull requests.",
    ],
  };
}

/**
 * Makes a repository's subscriptions what its profiles need, and heals them: created when
 * missing, enabled again when Azure DevOps disabled them or put them on probation, pointed at the
 * right URL, removed when no profile of the repository builds by itself any more. Each repair is
 * audited. Throws for transient failures (the job retries); a refusal is recorded on the row.
 */
export async function syncRepositoryHooks(scope: Scope, connection: ConnectionView, projectId: string, repositoryId: string): Promise<SyncResult> {
  const result: SyncResult = { mode: "none", created: 0, repaired: 0, removed: 0 };
  const profiles = await listRepositoryProfiles(scope, connection.id, repositoryId);
  const wanted = getEnv().KEEL_HOOKS === "on" && profiles.some((profile) => triggersAreAutomatic(profile.triggers));
  let rows = await listHookSubscriptions(scope, { connectionId: connection.id, repositoryId });
  if (!wanted && rows.length === 0) {
    return result;
  }
  const { client } = await clientForConnection(scope, connection);
  if (!wanted) {
    for (const row of rows) {
      result.removed += (await removeSubscription(scope, client, row, profiles.length === 0 ? "no profile of the repository is left" : "no profile of the repository builds by itself")) ? 1 : 0;
    }
    return result;
  }
  // Comments are subscribed only where a profile lets them start builds; a subscription no profile needs any more goes.
  const eventTypes: string[] = [...HOOK_EVENT_TYPES, ...(profiles.some((profile) => commentsStartBuilds(profile.triggers)) ? [PR_COMMENT_EVENT] : [])];
  for (const row of rows.filter((row) => !eventTypes.includes(row.eventType))) {
    result.removed += (await removeSubscription(scope, client, row, "no profile of the repository lets pull-request comments start builds")) ? 1 : 0;
  }
  for (const eventType of eventTypes) {
    if (!rows.some((row) => row.eventType === eventType)) {
      const credentials = newCredentials();
      const id = randomUUID();
      await createHookSubscriptionRow(scope, {
        id,
        connectionId: connection.id,
        projectId,
        repositoryId,
        eventType,
        urlKey: credentials.urlKey,
        basicUsername: credentials.basicUsername,
        passwordHash: hashHookPassword(credentials.password),
        passwordSealed: sealSecret({ table: "HookSubscription", column: "passwordSealed" }, id, credentials.password),
      });
    }
  }
  rows = await listHookSubscriptions(scope, { connectionId: connection.id, repositoryId });
  for (const row of rows) {
    const outcome = await ensureSubscription(scope, connection, client, row);
    if (outcome === "created") {
      result.created += 1;
    } else if (outcome === "repaired") {
      result.repaired += 1;
    }
  }
  result.mode = repositoryHookMode(await listHookSubscriptions(scope, { connectionId: connection.id, repositoryId }));
  return result;
}

async function passwordOf(scope: Scope, row: HookSubscriptionView): Promise<string> {
  const sealed = await sealedHookPassword(scope, row.id);
  if (!sealed) {
    throw new Error("the subscription's password is gone");
  }
  return openSecret({ table: "HookSubscription", column: "passwordSealed" }, row.id, sealed);
}

/** Creates, checks or repairs one subscription; returns what it did. */
async function ensureSubscription(scope: Scope, connection: ConnectionView, client: AzureDevOpsClient, row: HookSubscriptionView): Promise<"created" | "repaired" | "ok" | "refused" | "failed"> {
  const now = new Date();
  const auditData = { connectionId: connection.id, connectionName: connection.name, repositoryId: row.repositoryId, eventType: row.eventType };
  let remote: HookSubscription | null = null;
  if (row.remoteId) {
    try {
      remote = await client.getHookSubscription(row.remoteId);
    } catch (error) {
      if (!isAzureDevOpsError(error, "not_found")) {
        await updateHookSubscriptionRow(scope, row.id, { finding: findingJson(connection, error), lastVerifiedAt: now });
        throw error;
      }
    }
  }
  const password = await passwordOf(scope, row);
  const definition = definitionOf(row, password);
  if (!remote) {
    try {
      const created = await client.createHookSubscription(definition);
      const recreated = row.remoteId !== null;
      await updateHookSubscriptionRow(
        scope,
        row.id,
        { remoteId: created.id, state: "ACTIVE", remoteStatus: created.status ?? "enabled", finding: null, lastVerifiedAt: now, ...(recreated ? { lastRepairedAt: now } : {}) },
        { action: recreated ? "hooks.subscription_recreated" : "hooks.subscription_created", data: { ...auditData, remoteId: created.id, ...(recreated ? { previousRemoteId: row.remoteId } : {}) } },
      );
      return recreated ? "repaired" : "created";
    } catch (error) {
      if (isPermissionRefusal(error)) {
        const first = row.state !== "NO_PERMISSION";
        await updateHookSubscriptionRow(
          scope,
          row.id,
          { state: "NO_PERMISSION", remoteId: null, remoteStatus: null, finding: noPermissionFinding(connection, error), lastVerifiedAt: now },
          first ? { action: "hooks.subscription_refused", data: { ...auditData, reason: isAzureDevOpsError(error) ? error.message : String(error) } } : undefined,
        );
        return "refused";
      }
      await updateHookSubscriptionRow(scope, row.id, { state: "FAILED", finding: findingJson(connection, error), lastVerifiedAt: now });
      if (isAzureDevOpsError(error) && (error.reason.kind === "bad_request" || error.reason.kind === "unauthorized")) {
        return "failed";
      }
      throw error;
    }
  }
  const problems: string[] = [];
  if (remote.status && remote.status !== "enabled") {
    problems.push(`it was ${remote.status}`);
  }
  if ((remote.consumerInputs?.url ?? "") !== definition.consumerInputs.url) {
    problems.push("it pointed at another URL");
  }
  if ((remote.publisherInputs?.repository ?? "").toLowerCase() !== row.repositoryId || remote.eventType !== row.eventType) {
    problems.push("its event or repository changed");
  }
  if (problems.length === 0) {
    await updateHookSubscriptionRow(scope, row.id, { state: "ACTIVE", remoteStatus: "enabled", finding: null, lastVerifiedAt: now });
    return "ok";
  }
  try {
    const replaced = await client.replaceHookSubscription(remote.id, { ...definition, status: "enabled" });
    await updateHookSubscriptionRow(
      scope,
      row.id,
      { state: "ACTIVE", remoteStatus: replaced.status ?? "enabled", finding: null, lastVerifiedAt: now, lastRepairedAt: now },
      { action: "hooks.subscription_repaired", data: { ...auditData, remoteId: remote.id, was: remote.status ?? null, problems } },
    );
    log.info({ connectionId: connection.id, subscriptionId: row.id, problems }, "repaired a service-hook subscription");
    return "repaired";
  } catch (error) {
    await updateHookSubscriptionRow(scope, row.id, {
      state: isPermissionRefusal(error) ? "NO_PERMISSION" : "FAILED",
      remoteStatus: remote.status ?? null,
      finding: isPermissionRefusal(error) ? noPermissionFinding(connection, error) : findingJson(connection, error),
      lastVerifiedAt: now,
    });
    if (isPermissionRefusal(error)) {
      return "refused";
    }
    throw error;
  }
}

/** Deletes one subscription in Azure DevOps (gone already is fine) and forgets it; false when Azure DevOps refused. */
async function removeSubscription(scope: Scope, client: AzureDevOpsClient, row: HookSubscriptionView, why: string): Promise<boolean> {
  if (row.remoteId) {
    try {
      await client.deleteHookSubscription(row.remoteId);
    } catch (error) {
      if (!isAzureDevOpsError(error, "not_found")) {
        log.warn({ err: error, subscriptionId: row.id }, "could not delete a service-hook subscription in Azure DevOps");
        if (!isPermissionRefusal(error)) {
          throw error;
        }
      }
    }
  }
  await deleteHookSubscriptionRow(scope, row.id, { action: "hooks.subscription_removed", data: { connectionId: row.connectionId, repositoryId: row.repositoryId, eventType: row.eventType, remoteId: row.remoteId, why } });
  return true;
}

/**
 * Before a connection is deleted: deletes its subscriptions in Azure DevOps while its credential
 * still exists (best effort, bounded: a failure is logged and audited; Azure DevOps then gets 410
 * from the receiver and disables them). The rows go with the connection.
 */
export async function removeConnectionHooks(scope: Scope, connection: ConnectionView): Promise<{ removed: number; failed: number }> {
  const rows = await listHookSubscriptions(scope, { connectionId: connection.id });
  let removed = 0;
  let failed = 0;
  if (rows.length === 0) {
    return { removed, failed };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 15_000);
  try {
    const { client } = await clientForConnection(scope, connection, { signal: controller.signal });
    for (const row of rows) {
      try {
        await removeSubscription(scope, client, row, "its connection is being deleted");
        removed += 1;
      } catch {
        failed += 1;
      }
    }
  } catch (error) {
    log.warn({ err: error, connectionId: connection.id }, "could not remove the connection's service hooks");
    failed = rows.length - removed;
  } finally {
    clearTimeout(timer);
  }
  return { removed, failed };
}

/** Syncs (and heals) every repository of a connection: the scheduled check's part for hooks. */
export async function healConnectionHooks(scope: Scope, connection: ConnectionView): Promise<{ repositories: number; created: number; repaired: number; removed: number; failed: number }> {
  const summary = { repositories: 0, created: 0, repaired: 0, removed: 0, failed: 0 };
  for (const repository of await listConnectionRepositories(scope, connection.id)) {
    summary.repositories += 1;
    try {
      const result = await syncRepositoryHooks(scope, connection, repository.projectId, repository.repositoryId);
      summary.created += result.created;
      summary.repaired += result.repaired;
      summary.removed += result.removed;
    } catch (error) {
      summary.failed += 1;
      log.warn({ err: error, connectionId: connection.id, repositoryId: repository.repositoryId }, "hook check of a repository failed");
    }
  }
  return summary;
}

/** Re-issues the Basic password of a subscription (for a hand-made subscription) and returns it once. */
export async function rotateHookPassword(scope: Scope, row: HookSubscriptionView): Promise<string> {
  const password = randomBytes(32).toString("base64url");
  await updateHookSubscriptionRow(
    scope,
    row.id,
    { passwordHash: hashHookPassword(password), passwordSealed: sealSecret({ table: "HookSubscription", column: "passwordSealed" }, row.id, password) },
    { action: "hooks.credentials_issued", data: { connectionId: row.connectionId, repositoryId: row.repositoryId, eventType: row.eventType } },
  );
  return password;
}
