// The environment `npm run demo` gives Keel: test mode (the only mode that accepts
// emulator URLs and loopback calls), its own data directory so the demo never mixes
// with real data, every Azure DevOps / Microsoft base URL pointed at the emulator, and
// the demo fixture's OAuth apps configured for both providers.
import { DEMO_FIXTURE, DEMO_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/demo";

export type DemoPorts = { keelPort: number; servicesUrl: string };

/** OAuth callback paths the demo registers on the emulator's apps (one per provider id Keel may use). */
export const DEMO_CALLBACK_PROVIDERS = ["azure-devops", "azure-ad", "microsoft-entra-id"] as const;

/** Keel's configuration for the demo, pointing at an emulator whose Services listener is `servicesUrl`. */
export function demoEnvironment({ keelPort, servicesUrl }: DemoPorts): Record<string, string> {
  const legacy = DEMO_FIXTURE.oauth.legacy[0]!;
  const entra = DEMO_FIXTURE.oauth.entra[0]!;
  return {
    NODE_ENV: "test",
    KEEL_DEMO: "true",
    PORT: String(keelPort),
    KEEL_PUBLIC_URL: `http://localhost:${keelPort}`,
    KEEL_DATA_DIR: ".data/demo",
    KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
    KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
    KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
    AZURE_DEVOPS_SERVICES_URL: servicesUrl,
    AZURE_DEVOPS_VSSPS_URL: servicesUrl,
    ENTRA_AUTHORITY_URL: servicesUrl,
    AZURE_DEVOPS_OAUTH_CLIENT_ID: legacy.clientId,
    AZURE_DEVOPS_OAUTH_CLIENT_SECRET: legacy.clientSecret,
    ENTRA_CLIENT_ID: entra.clientId,
    ENTRA_CLIENT_SECRET: entra.clientSecret,
    ENTRA_TENANT_ID: DEMO_TENANT_ID,
  };
}

/** Redirect URIs of Keel's OAuth callbacks, registered on the demo fixture's apps. */
export function demoRedirectUris(keelPort: number): string[] {
  return DEMO_CALLBACK_PROVIDERS.flatMap((provider) => [`http://localhost:${keelPort}/api/auth/callback/${provider}`, `http://127.0.0.1:${keelPort}/api/auth/callback/${provider}`]);
}
