import "server-only";
import type { Account, Profile, User } from "next-auth";
import { checkSavedConnection, refusalOfNewAuthorization } from "@/lib/connections/service";
import { recordAudit } from "@/lib/data/audit";
import { bindDraftIdentity, findLinkedAccount, rebindConnectionIdentity, storeConsentTokens, type OrganizationList } from "@/lib/data/oauth";
import { azureDevOpsUrls } from "@/lib/env";
import { logger } from "@/lib/logger";
import { isOAuthProviderId } from "@/lib/oauth/config";
import { noteOAuthFailure } from "@/lib/oauth/flow-context";
import { intentPermission } from "@/lib/oauth/intent";
import { readIntentCookie } from "@/lib/oauth/intent-cookie";
import { listReachableOrganizations } from "@/lib/oauth/organizations";
import { getOutboundPolicy } from "@/lib/outbound";
import { can } from "@/lib/policy";
import { userScope } from "@/lib/scope";
import { getCurrentUser } from "./session";

const log = logger("auth.oauth-link");

// Linking, not signing in. next-auth 4 links an OAuth identity to the user of the session that
// is already there (with JWT sessions it decodes the session cookie); these two hooks make sure
// that is the only thing an OAuth callback can do:
//   - signIn (before anything is stored): a live Keel session of an admin, an intent cookie this
//     admin set for this provider, and an identity that is not linked to somebody else;
//   - events.signIn (after next-auth linked or found the Account): store the consent's tokens
//     sealed, then hand the identity to the draft or the connection the intent names.
// The adapter (lib/data/oauth.ts) refuses to create users or match them by email.

/** The signIn callback for OAuth providers: may this callback link anything? */
export async function authorizeOAuthLink(account: Account): Promise<boolean> {
  const user = await getCurrentUser();
  if (!user) {
    noteOAuthFailure("no_session");
    return false;
  }
  const scope = userScope(user);
  const intent = await readIntentCookie();
  if (!can(scope, intentPermission(intent))) {
    noteOAuthFailure("not_admin");
    return false;
  }
  if (!intent || intent.userId !== user.id || intent.organizationId !== user.organizationId || intent.provider !== account.provider) {
    noteOAuthFailure("no_intent");
    return false;
  }
  const linked = await findLinkedAccount(account.provider, account.providerAccountId);
  if (linked && linked.userId !== user.id) {
    noteOAuthFailure("other_user");
    await recordAudit(scope, { action: "oauth.link_refused", data: { provider: account.provider, reason: "linked_to_other_user" } });
    return false;
  }
  return true;
}

/** events.signIn for OAuth providers: store the tokens sealed and bind the identity. */
export async function completeOAuthLink(account: Account, profile: Profile | User | undefined): Promise<void> {
  const user = await getCurrentUser();
  const intent = await readIntentCookie();
  if (!user || !intent || !isOAuthProviderId(account.provider) || typeof account.access_token !== "string") {
    noteOAuthFailure("failed");
    throw new Error("OAuth link completed without a session, an intent or an access token");
  }
  const scope = userScope(user);
  const linked = profile as { name?: string | null; uniqueName?: string | null } | undefined;
  const accountId = await storeConsentTokens(
    scope,
    { provider: account.provider, providerAccountId: account.providerAccountId },
    {
      accessToken: account.access_token,
      refreshToken: typeof account.refresh_token === "string" ? account.refresh_token : null,
      expiresAt: typeof account.expires_at === "number" ? account.expires_at : Math.floor(Date.now() / 1000) + 3600,
      tokenType: typeof account.token_type === "string" ? account.token_type : null,
      scope: typeof account.scope === "string" ? account.scope : null,
    },
    { displayName: linked?.name ?? null, uniqueName: linked?.uniqueName ?? null },
  );
  await recordAudit(scope, {
    action: "oauth.identity_linked",
    targetType: intent.kind === "draft" ? "connect_draft" : "connection",
    targetId: intent.targetId,
    data: { provider: account.provider, accountId },
  });
  if (intent.kind === "draft") {
    const organizations = await reachableOrganizations(account.access_token, account.providerAccountId);
    await bindDraftIdentity(scope, intent.targetId, accountId, organizations);
    return;
  }
  // The new identity must work for the connection's organization before it replaces the old one.
  const refusal = await refusalOfNewAuthorization(scope, intent.targetId, account.access_token);
  if (refusal !== null) {
    await recordAudit(scope, { action: "connection.reauthorize_refused", targetType: "connection", targetId: intent.targetId, data: { provider: account.provider, reason: refusal.slice(0, 300) } });
    noteOAuthFailure("organization_refused");
    throw new Error("the new authorization does not work for the connection's organization");
  }
  await rebindConnectionIdentity(scope, intent.targetId, accountId, account.provider);
  // The connection's health is decided by the doctor, with the new grant, right away.
  await checkSavedConnection(scope, intent.targetId).catch((error: unknown) => {
    log.warn({ err: error }, "the check after re-authorization failed");
  });
}

/** The organizations an access token reaches, or why they could not be listed. */
export async function reachableOrganizations(accessToken: string, memberId: string): Promise<OrganizationList> {
  const urls = azureDevOpsUrls();
  try {
    return { items: await listReachableOrganizations(accessToken, memberId, { policy: getOutboundPolicy(), vsspsUrl: urls.vssps, servicesUrl: urls.services }), error: null };
  } catch (error) {
    // The identity is linked either way; the organizations page says why and offers "Refresh list".
    log.warn({ err: error }, "listing the organizations failed");
    return { items: [], error: error instanceof Error && "reason" in error ? error.message : "Keel could not list the organizations of this identity." };
  }
}
