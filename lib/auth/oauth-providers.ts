import "server-only";
import { getEnv } from "@/lib/env";
import { configuredProviderConfigs, oauthProviderConfig, oauthProviderInfo, type OAuthProviderConfig, type OAuthProviderId, type OAuthProviderInfo } from "@/lib/oauth/config";

export type { OAuthProviderId } from "@/lib/oauth/config";

/** The OAuth providers this Keel has credentials for (either, both or none), Entra ID first. */
export function configuredOAuthProviders(): OAuthProviderId[] {
  return configuredProviderConfigs(getEnv()).map((config) => config.id);
}

/** One provider's configuration from this process's environment, or null when not configured. */
export function getOAuthProviderConfig(id: OAuthProviderId): OAuthProviderConfig | null {
  return oauthProviderConfig(id, getEnv());
}

/** Both providers, configured or not, with the variables that configure them. */
export function listOAuthProviderInfo(): OAuthProviderInfo[] {
  return oauthProviderInfo(getEnv());
}
