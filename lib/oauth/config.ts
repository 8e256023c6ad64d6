/**
 * The two OAuth providers Keel can link an Azure DevOps identity with, as plain configuration
 * built from the environment: endpoints, client credentials, the scopes Keel asks for and the
 * callback URL next-auth uses. Framework-free, so the token code and its tests share it.
 *
 * - Azure DevOps OAuth ("azure-devops"): apps registered before Microsoft closed registrations
 *   in April 2025. Authorize with `response_type=Assertion`; the token endpoint takes the client
 *   secret as `client_assertion` and the code (or refresh token) as `assertion` (docs/azure-devops-facts.md §3.1).
 * - Microsoft Entra ID ("microsoft-entra-id"): authorization code + PKCE with the Azure DevOps
 *   resource scopes (`499b84ac-…/vso.*`), `offline_access` for a refresh token and `openid` for
 *   the ID token whose nonce Keel checks (docs/azure-devops-facts.md §3.3).
 */
import type { Env } from "../env";
import { OAUTH_SCOPES, type ScopeInfo } from "../azure-devops/scopes";

export type OAuthProviderId = "azure-devops" | "microsoft-entra-id";

export const OAUTH_PROVIDER_IDS: readonly OAuthProviderId[] = ["microsoft-entra-id", "azure-devops"];

/** The Azure DevOps resource (application) id Entra scopes are qualified with. */
export const AZURE_DEVOPS_RESOURCE_ID = "499b84ac-1321-427f-aa17-267ca6975798";

export type OAuthProviderConfig = {
  id: OAuthProviderId;
  kind: "legacy" | "entra";
  /** What admins call it. */
  label: string;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  /** The profile/accounts host (app.vssps.visualstudio.com), identity for both providers. */
  vsspsUrl: string;
  /** Exactly the callback registered with the provider: `{public URL}/api/auth/callback/{id}`. */
  redirectUri: string;
  /** The scope strings sent to the provider. */
  scopes: string[];
  /** Entra only: the tenant segment and what the ID token must say. */
  entra?: {
    authority: string;
    tenant: string;
    multiTenant: boolean;
    jwksUrl: string;
  };
};

/** What an admin sees for each provider, configured or not (the env var names to set). */
export type OAuthProviderInfo = {
  id: OAuthProviderId;
  label: string;
  configured: boolean;
  envVars: string[];
  note: string;
};

/** Keel's public URL, as next-auth sees it (the launcher sets NEXTAUTH_URL to the same value). */
export function publicUrlOf(env: Pick<Env, "KEEL_PUBLIC_URL" | "PORT">): string {
  return (env.KEEL_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
}

/** The scopes of the consent table: Keel's OAuth scope table (identity included). */
export function requestedScopes(): readonly ScopeInfo[] {
  return OAUTH_SCOPES;
}

/** The provider configuration, or null when its variables are not set. */
export function oauthProviderConfig(id: OAuthProviderId, env: Env): OAuthProviderConfig | null {
  const vssps = (env.AZURE_DEVOPS_VSSPS_URL ?? "https://app.vssps.visualstudio.com").replace(/\/+$/, "");
  const redirectUri = `${publicUrlOf(env)}/api/auth/callback/${id}`;
  const adoScopes = OAUTH_SCOPES.map((scope) => scope.id);
  if (id === "azure-devops") {
    if (!env.AZURE_DEVOPS_OAUTH_CLIENT_ID || !env.AZURE_DEVOPS_OAUTH_CLIENT_SECRET) {
      return null;
    }
    return {
      id,
      kind: "legacy",
      label: "Azure DevOps OAuth",
      clientId: env.AZURE_DEVOPS_OAUTH_CLIENT_ID,
      clientSecret: env.AZURE_DEVOPS_OAUTH_CLIENT_SECRET,
      authorizeUrl: `${vssps}/oauth2/authorize`,
      // Not /oauth2/authorize, which Auth.js's provider posts to by mistake (docs/azure-devops-facts.md §3.6).
      tokenUrl: `${vssps}/oauth2/token`,
      vsspsUrl: vssps,
      redirectUri,
      scopes: adoScopes,
    };
  }
  if (!env.ENTRA_CLIENT_ID || !env.ENTRA_CLIENT_SECRET || !env.ENTRA_TENANT_ID) {
    return null;
  }
  const authority = (env.ENTRA_AUTHORITY_URL ?? "https://login.microsoftonline.com").replace(/\/+$/, "");
  // lib/env refuses common/organizations unless ENTRA_MULTI_TENANT is set on purpose.
  const tenant = env.ENTRA_TENANT_ID;
  return {
    id,
    kind: "entra",
    label: "Microsoft Entra ID",
    clientId: env.ENTRA_CLIENT_ID,
    clientSecret: env.ENTRA_CLIENT_SECRET,
    authorizeUrl: `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/authorize`,
    tokenUrl: `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`,
    vsspsUrl: vssps,
    redirectUri,
    scopes: ["openid", "offline_access", ...adoScopes.map((scope) => `${AZURE_DEVOPS_RESOURCE_ID}/${scope}`)],
    entra: {
      authority,
      tenant,
      multiTenant: env.ENTRA_MULTI_TENANT,
      jwksUrl: `${authority}/${encodeURIComponent(tenant)}/discovery/v2.0/keys`,
    },
  };
}

/** Every provider this Keel has credentials for, Entra ID first (the supported path). */
export function configuredProviderConfigs(env: Env): OAuthProviderConfig[] {
  return OAUTH_PROVIDER_IDS.map((id) => oauthProviderConfig(id, env)).filter((config): config is OAuthProviderConfig => config !== null);
}

/** Both providers with whether they are configured and how to configure them. */
export function oauthProviderInfo(env: Env): OAuthProviderInfo[] {
  return [
    {
      id: "microsoft-entra-id",
      label: "Microsoft Entra ID",
      configured: oauthProviderConfig("microsoft-entra-id", env) !== null,
      envVars: ["ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_TENANT_ID", "ENTRA_MULTI_TENANT (optional)"],
      note: "The supported path: register an app in Microsoft Entra ID (App registrations → New registration) with the redirect URI below and the Azure DevOps delegated permissions listed here, then set these variables and restart Keel.",
    },
    {
      id: "azure-devops",
      label: "Azure DevOps OAuth",
      configured: oauthProviderConfig("azure-devops", env) !== null,
      envVars: ["AZURE_DEVOPS_OAUTH_CLIENT_ID", "AZURE_DEVOPS_OAUTH_CLIENT_SECRET"],
      note: "Only for an Azure DevOps OAuth app registered before April 2025: Microsoft no longer accepts new registrations and plans to retire them in 2026. Its client secret expires every 60 days.",
    },
  ];
}

/** True for the two provider ids (input from URLs and forms). */
export function isOAuthProviderId(value: unknown): value is OAuthProviderId {
  return value === "azure-devops" || value === "microsoft-entra-id";
}

/** A provider as the wizard offers it: name and one line on what it is. */
export function providerChoice(id: OAuthProviderId): { id: OAuthProviderId; label: string; description: string } {
  return id === "microsoft-entra-id"
    ? {
        id,
        label: "Microsoft Entra ID",
        description: "Sign in with the work or school account you use for Azure DevOps. The supported way to connect with OAuth.",
      }
    : {
        id,
        label: "Azure DevOps OAuth",
        description:
          "Keel's Azure DevOps OAuth app, registered before Microsoft closed new registrations (retired in 2026). Needs the organization policy “Third-party application access via OAuth”.",
      };
}

/** The label of a provider id (or the raw value for anything unknown). */
export function providerLabel(id: string | null | undefined): string {
  return isOAuthProviderId(id) ? providerChoice(id).label : "the identity provider";
}
