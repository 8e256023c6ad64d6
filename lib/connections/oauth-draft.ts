import "server-only";
import type { DoctorCredential } from "@/lib/azure-devops/doctor";
import { updateDraft, type Draft } from "@/lib/data/connect-drafts";
import { createOAuthConnection } from "@/lib/data/connections";
import { getAccountProviderAccountId, getLinkedIdentity, setDraftOrganizations, type OrganizationList } from "@/lib/data/oauth";
import { azureDevOpsUrls } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { getAccessTokenForAccount } from "@/lib/oauth/tokens";
import { reachableOrganizations } from "@/lib/auth/oauth-link";
import type { Scope } from "@/lib/scope";
import { runConnectionCheck, type CheckTarget } from "./check";
import type { CheckSummary } from "./summary";

// The wizard's OAuth side: the identity linked to a draft, its organizations, the doctor run
// with its token. Drafts are private to their admin, and so is the identity: the token is only
// ever used for a draft whose admin linked it.

/** The draft's linked identity (Account id) if it is still this admin's; throws otherwise. */
export async function draftIdentity(scope: Scope, draft: Draft): Promise<{ accountId: string; provider: string }> {
  if (!draft.oauthAccountId) {
    throw new AppError("INVALID_INPUT", "Authorize Keel in Azure DevOps first.");
  }
  const identity = await getLinkedIdentity(scope, draft.oauthAccountId);
  if (!identity) {
    throw new AppError("FORBIDDEN", "The Azure DevOps identity of this setup is no longer linked to you. Authorize again.");
  }
  return { accountId: identity.id, provider: identity.provider };
}

/** A bearer credential for the draft's identity (refreshed when needed). */
export async function draftCredential(scope: Scope, draft: Draft, options: { forceRefresh?: boolean } = {}): Promise<DoctorCredential> {
  const { accountId } = await draftIdentity(scope, draft);
  return { kind: "bearer", token: await getAccessTokenForAccount(scope, accountId, options.forceRefresh ? { forceRefresh: true } : {}) };
}

/** Lists the organizations again with the draft's identity and stores the list. */
export async function refreshDraftOrganizations(scope: Scope, draft: Draft): Promise<OrganizationList> {
  const { accountId } = await draftIdentity(scope, draft);
  const memberId = await getAccountProviderAccountId(scope, accountId);
  const token = await getAccessTokenForAccount(scope, accountId);
  const list = await reachableOrganizations(token, memberId);
  await setDraftOrganizations(scope, draft.id, list);
  return list;
}

/** The doctor for an OAuth draft (Services organization, bearer token); stores the result in the draft. */
export async function checkOAuthDraft(scope: Scope, draft: Draft): Promise<CheckSummary> {
  if (!draft.collection) {
    throw new AppError("INVALID_INPUT", "Choose an organization first.");
  }
  const target: CheckTarget = { deploymentType: "SERVICES", serverUrl: draft.serverUrl ?? new URL(azureDevOpsUrls().services).origin, pathPrefix: "", collection: draft.collection, caBundlePem: null };
  const run = async (credential: DoctorCredential) => runConnectionCheck(scope, target, credential, { targetType: "connect_draft", targetId: draft.id, method: "OAUTH" });
  let { summary } = await run(await draftCredential(scope, draft));
  if (summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    // Refused although Keel thought it fresh: one forced refresh, then the verdict stands.
    ({ summary } = await run(await draftCredential(scope, draft, { forceRefresh: true })));
  }
  await updateDraft(scope, draft.id, { lastCheck: summary });
  return summary;
}

/**
 * The OAuth half of the wizard's last step: the doctor once more with the identity's token,
 * then the connection (idempotent per draft). Throws AppError when nothing was saved.
 */
export async function saveOAuthDraft(scope: Scope, draft: Draft & { name: string }, target: CheckTarget): Promise<string> {
  const { accountId, provider } = await draftIdentity(scope, draft);
  const run = async (forceRefresh: boolean) =>
    runConnectionCheck(scope, target, await draftCredential(scope, draft, { forceRefresh }), { targetType: "connect_draft", targetId: draft.id, method: "OAUTH" });
  let { summary, record } = await run(false);
  if (summary.findings.some((finding) => finding.id === "token_invalid" || finding.id === "token_expired")) {
    ({ summary, record } = await run(true));
  }
  if (!summary.ok) {
    await updateDraft(scope, draft.id, { lastCheck: summary });
    throw new AppError("PROVIDER_REJECTED", "The connection check failed when saving, so nothing was saved. See the findings below.");
  }
  const saved = await createOAuthConnection(scope, { draftId: draft.id, name: draft.name, serverUrl: target.serverUrl, collection: target.collection, accountId, provider, check: record });
  return saved.id;
}
