import type { EmulatorCore } from "./core.js";
import { randomGuid, randomOpaque } from "./ids.js";
import { AZURE_DEVOPS_RESOURCE_ID } from "./scopes.js";
import type { GrantRecord, OAuthProvider } from "./store.js";

/**
 * Access tokens are RS256 JWTs (signed with the key at the JWKS endpoint) so they look and
 * decode like the real ones, but the REST API accepts them only by lookup in the emulator's
 * token table: that is what makes expiry (controllable clock) and revocation work.
 * Refresh tokens are opaque and rotate on every use.
 */
export type IssuedTokens = {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  grantId: string;
  scopes: string[];
};

export type IssueInput = {
  provider: OAuthProvider;
  clientId: string;
  userId: string;
  /** Azure DevOps scopes without resource prefix (`vso.code`). */
  scopes: string[];
  redirectUri: string;
  /** Continue an existing grant (refresh); default a new grant. */
  grantId?: string;
};

/** Creates (or continues) a grant and issues an access token plus a refresh token. */
export async function issueTokens(core: EmulatorCore, input: IssueInput): Promise<IssuedTokens> {
  const store = core.store;
  let grant: GrantRecord | undefined = input.grantId === undefined ? undefined : store.grants.get(input.grantId);
  if (!grant) {
    grant = {
      id: randomGuid(),
      provider: input.provider,
      clientId: input.clientId,
      userId: input.userId,
      scopes: [...input.scopes],
      revoked: false,
    };
    store.grants.set(grant.id, grant);
  }
  const user = store.user(input.userId);
  const nowMs = store.clock.now();
  const lifetime = store.accessTokenLifetimeSeconds;
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + lifetime;
  const jti = randomGuid();
  const tenantId = user?.tenantId ?? "9188040d-6c67-4c5b-b112-36a304b66dad";
  const payload =
    input.provider === "legacy"
      ? {
          nameid: input.userId,
          scp: input.scopes.join(" "),
          aui: grant.id,
          appid: input.clientId,
          iss: "app.vstoken.visualstudio.com",
          aud: `app.vstoken.visualstudio.com|vso:${input.userId}`,
          nbf: iat,
          exp,
          jti,
        }
      : {
          aud: AZURE_DEVOPS_RESOURCE_ID,
          iss: `https://sts.windows.net/${tenantId}/`,
          iat,
          nbf: iat,
          exp,
          appid: input.clientId,
          name: user?.displayName,
          oid: input.userId,
          tid: tenantId,
          upn: user?.email,
          unique_name: user?.email,
          scp: input.scopes.join(" "),
          ver: "1.0",
          jti,
        };
  const accessToken = await core.keys.sign(payload);
  store.accessTokens.set(accessToken, {
    token: accessToken,
    provider: input.provider,
    grantId: grant.id,
    clientId: input.clientId,
    userId: input.userId,
    scopes: [...input.scopes],
    issuedAt: nowMs,
    expiresAt: nowMs + lifetime * 1000,
    revoked: false,
  });
  const refreshToken = `${input.provider === "legacy" ? "rt" : "0.A"}${randomOpaque(48)}`;
  store.refreshTokens.set(refreshToken, {
    token: refreshToken,
    provider: input.provider,
    grantId: grant.id,
    clientId: input.clientId,
    userId: input.userId,
    scopes: [...input.scopes],
    redirectUri: input.redirectUri,
    used: false,
    revoked: false,
    expiresAt: nowMs + store.refreshTokenLifetimeSeconds * 1000,
  });
  return { accessToken, refreshToken, expiresIn: lifetime, grantId: grant.id, scopes: [...input.scopes] };
}

/** Revokes every grant of a user (optionally for one client): their access and refresh tokens stop working. */
export function revokeGrants(core: EmulatorCore, userId: string, clientId?: string): number {
  let count = 0;
  for (const grant of core.store.grants.values()) {
    if (grant.userId.toLowerCase() !== userId.toLowerCase()) {
      continue;
    }
    if (clientId !== undefined && grant.clientId.toLowerCase() !== clientId.toLowerCase()) {
      continue;
    }
    if (!grant.revoked) {
      grant.revoked = true;
      count += 1;
    }
  }
  return count;
}
