import "server-only";
import { getEnv } from "@/lib/env";

export type OAuthProviderId = "azure-devops" | "microsoft-entra-id";

/** The OAuth providers this Keel has credentials for (either, both or none). */
export function configuredOAuthProviders(): OAuthProviderId[] {
  const env = getEnv();
  const providers: OAuthProviderId[] = [];
  if (env.ENTRA_CLIENT_ID && env.ENTRA_CLIENT_SECRET && env.ENTRA_TENANT_ID) {
    providers.push("microsoft-entra-id");
  }
  if (env.AZURE_DEVOPS_OAUTH_CLIENT_ID && env.AZURE_DEVOPS_OAUTH_CLIENT_SECRET) {
    providers.push("azure-devops");
  }
  return providers;
}
