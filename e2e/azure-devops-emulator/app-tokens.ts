import type { EmulatorCore } from "./core.js";
import type { ServicePrincipalRecord } from "./entra-directory.js";
import { randomGuid } from "./ids.js";
import { AZURE_DEVOPS_RESOURCE_ID, FULL_ACCESS } from "./scopes.js";
import type { GrantRecord } from "./store.js";

/**
 * App-only Azure DevOps access tokens for service principals and managed identities (client
 * credentials, instance metadata). Azure DevOps authorizes them by the principal's own
 * permissions, not by scopes, so the token satisfies every scope check (like a full-access
 * PAT); what the principal may see is decided by its organization and project memberships.
 * Like user tokens they are RS256 JWTs accepted only by lookup; `grants/revoke {userId:
 * identityId}` revokes them.
 */

export type AppToken = { accessToken: string; expiresIn: number; expiresOnSeconds: number; notBeforeSeconds: number };

/** How the client authenticated, as the `appidacr` claim says it: 0 none (managed identity), 1 secret, 2 certificate or assertion. */
export type AppIdAcr = "0" | "1" | "2";

/** Issues an app-only access token for the principal. */
export async function issueAppToken(core: EmulatorCore, principal: ServicePrincipalRecord, appidacr: AppIdAcr): Promise<AppToken> {
  const store = core.store;
  // One grant per token: revoking a principal's grants kills its tokens, yet its credentials
  // still get new ones (client credentials have no consent to withdraw).
  const grant: GrantRecord = { id: randomGuid(), provider: "entra", clientId: principal.clientId, userId: principal.identityId, scopes: [FULL_ACCESS], revoked: false };
  store.grants.set(grant.id, grant);
  const nowMs = store.clock.now();
  const lifetime = store.accessTokenLifetimeSeconds;
  const iat = Math.floor(nowMs / 1000);
  const issuer = `https://sts.windows.net/${principal.tenantId}/`;
  const accessToken = await core.keys.sign({
    aud: AZURE_DEVOPS_RESOURCE_ID,
    iss: issuer,
    iat,
    nbf: iat,
    exp: iat + lifetime,
    appid: principal.clientId,
    appidacr,
    idp: issuer,
    idtyp: "app",
    oid: principal.objectId,
    sub: principal.objectId,
    tid: principal.tenantId,
    ver: "1.0",
    jti: randomGuid(),
  });
  store.accessTokens.set(accessToken, {
    token: accessToken,
    provider: "entra",
    grantId: grant.id,
    clientId: principal.clientId,
    userId: principal.identityId,
    scopes: [FULL_ACCESS],
    issuedAt: nowMs,
    expiresAt: nowMs + lifetime * 1000,
    revoked: false,
  });
  return { accessToken, expiresIn: lifetime, expiresOnSeconds: iat + lifetime, notBeforeSeconds: iat };
}
