import "server-only";
import type { TokenSet } from "next-auth";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { azureDevOpsUrls, getEnv } from "@/lib/env";
import { configuredProviderConfigs, type OAuthProviderConfig } from "@/lib/oauth/config";
import { noteOAuthFailure } from "@/lib/oauth/flow-context";
import { IdTokenError, verifyEntraIdToken } from "@/lib/oauth/id-token";
import { readAzureDevOpsProfile, type AzureDevOpsIdentity } from "@/lib/oauth/organizations";
import { OAuthTokenError, redeemAuthorizationCode, type OAuthTokens } from "@/lib/oauth/token-endpoint";
import { getOutboundPolicy } from "@/lib/outbound";

// next-auth 4 provider objects for Azure DevOps OAuth and Microsoft Entra ID, written for this
// Keel (next-auth 4 ships neither; Auth.js's Azure DevOps provider posts to the wrong URL).
//
// Both use `token.request` and `userinfo.request`, so every call to Microsoft or Azure DevOps
// goes through Keel's guarded HTTP client. next-auth's own openid-client then makes no HTTP
// call at all: no `wellKnown` (discovery) is configured, the endpoints are given explicitly, and
// the code exchange, ID-token check and profile read are Keel's. openid-client is used only to
// build the authorization URL and parse the callback's query.
//
// Because `token.request` replaces openid-client's callback, the checks openid-client would
// have made are made here: `state` must equal the state next-auth stored in its signed cookie
// (checks.state), the PKCE verifier is sent from checks.code_verifier, and Entra's ID token
// must carry checks.nonce.

type CallbackParams = Record<string, string | undefined>;
type Checks = { state?: string; code_verifier?: string; nonce?: string };

/** The user next-auth builds from the profile: only the id matters (no email, so no matching by email). */
type LinkedProfile = { id: string; name: string | null; email: null; image: null; uniqueName: string | null };

async function exchangeCode(config: OAuthProviderConfig, params: CallbackParams, checks: Checks): Promise<TokenSet> {
  // openid-client's callback would compare these; with a custom token request Keel must.
  if (!params.state || !checks.state || params.state !== checks.state) {
    noteOAuthFailure("state_mismatch");
    throw new Error("OAuth state mismatch");
  }
  if (!params.code) {
    noteOAuthFailure("code_rejected");
    throw new Error("OAuth callback without a code");
  }
  const policy = getOutboundPolicy();
  let tokens: OAuthTokens;
  try {
    tokens = await redeemAuthorizationCode(config, { code: params.code, ...(checks.code_verifier ? { codeVerifier: checks.code_verifier } : {}) }, { policy });
  } catch (error) {
    if (error instanceof OAuthTokenError) {
      const reason = {
        invalid_grant: "code_rejected",
        code_used: "code_rejected",
        pkce_mismatch: "pkce_mismatch",
        invalid_client: "client_rejected",
        unreachable: "unreachable",
        malformed: "unreachable",
        rejected: "provider_error",
      } as const;
      noteOAuthFailure(reason[error.kind], error.providerError);
    }
    throw error;
  }
  if (config.entra) {
    if (!tokens.idToken || !checks.nonce) {
      noteOAuthFailure("nonce_mismatch");
      throw new Error("Entra answered without an ID token");
    }
    try {
      await verifyEntraIdToken(tokens.idToken, { ...config.entra, clientId: config.clientId, nonce: checks.nonce }, { policy });
    } catch (error) {
      noteOAuthFailure(error instanceof IdTokenError && error.reason === "keys_unavailable" ? "unreachable" : "nonce_mismatch");
      throw error;
    }
  }
  // The ID token has done its job (the nonce); it is not handed on, so it is never stored.
  const set: Record<string, unknown> = {
    access_token: tokens.accessToken,
    expires_at: tokens.expiresAt,
    token_type: tokens.tokenType,
  };
  if (tokens.refreshToken !== null) {
    set.refresh_token = tokens.refreshToken;
  }
  if (tokens.scope !== null) {
    set.scope = tokens.scope;
  }
  return set as TokenSet;
}

async function readProfile(tokens: TokenSet): Promise<AzureDevOpsIdentity> {
  const urls = azureDevOpsUrls();
  try {
    // The access token's audience is Azure DevOps, so identity comes from Azure DevOps.
    return await readAzureDevOpsProfile(String(tokens.access_token ?? ""), { policy: getOutboundPolicy(), vsspsUrl: urls.vssps, servicesUrl: urls.services });
  } catch (error) {
    noteOAuthFailure("profile_failed");
    throw error;
  }
}

function linkedProfile(profile: AzureDevOpsIdentity): LinkedProfile {
  return { id: profile.id, name: profile.displayName, email: null, image: null, uniqueName: profile.uniqueName };
}

/** A next-auth provider for one configured provider. */
export function nextAuthProvider(config: OAuthProviderConfig): OAuthConfig<AzureDevOpsIdentity> {
  const common = {
    id: config.id,
    name: config.label,
    type: "oauth" as const,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    token: {
      url: config.tokenUrl,
      request: ({ params, checks }: { params: CallbackParams; checks: Checks }) => exchangeCode(config, params, checks).then((tokens) => ({ tokens })),
    },
    userinfo: { url: `${config.vsspsUrl}/_apis/profile/profiles/me`, request: ({ tokens }: { tokens: TokenSet }) => readProfile(tokens) },
    profile: (profile: AzureDevOpsIdentity) => linkedProfile(profile) as never,
    allowDangerousEmailAccountLinking: false,
  };
  if (config.kind === "legacy") {
    return {
      ...common,
      checks: ["state"],
      authorization: { url: config.authorizeUrl, params: { response_type: "Assertion", scope: config.scopes.join(" ") } },
    } as OAuthConfig<AzureDevOpsIdentity>;
  }
  return {
    ...common,
    checks: ["pkce", "state", "nonce"],
    authorization: { url: config.authorizeUrl, params: { response_type: "code", response_mode: "query", scope: config.scopes.join(" "), prompt: "select_account" } },
    client: { token_endpoint_auth_method: "client_secret_post" },
  } as OAuthConfig<AzureDevOpsIdentity>;
}

/** The next-auth providers for every configured OAuth provider. */
export function configuredNextAuthProviders(): OAuthConfig<AzureDevOpsIdentity>[] {
  return configuredProviderConfigs(getEnv()).map(nextAuthProvider);
}
