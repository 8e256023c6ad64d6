import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { configuredProviderConfigs, oauthProviderConfig, oauthProviderInfo } from "./config";

const legacy = { AZURE_DEVOPS_OAUTH_CLIENT_ID: "legacy-id", AZURE_DEVOPS_OAUTH_CLIENT_SECRET: "legacy-secret" };
const entra = { ENTRA_CLIENT_ID: "entra-id", ENTRA_CLIENT_SECRET: "entra-secret", ENTRA_TENANT_ID: "b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b" };

describe("OAuth providers from the environment", () => {
  it("either, both or none are configured, Entra ID first", () => {
    expect(configuredProviderConfigs(parseEnv({})).map((config) => config.id)).toEqual([]);
    expect(configuredProviderConfigs(parseEnv(legacy)).map((config) => config.id)).toEqual(["azure-devops"]);
    expect(configuredProviderConfigs(parseEnv(entra)).map((config) => config.id)).toEqual(["microsoft-entra-id"]);
    expect(configuredProviderConfigs(parseEnv({ ...legacy, ...entra })).map((config) => config.id)).toEqual(["microsoft-entra-id", "azure-devops"]);
  });

  it("tells an admin which variables configure the rest", () => {
    const info = oauthProviderInfo(parseEnv(legacy));
    expect(info.find((item) => item.id === "microsoft-entra-id")).toMatchObject({ configured: false, envVars: expect.arrayContaining(["ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_TENANT_ID"]) });
    expect(info.find((item) => item.id === "azure-devops")).toMatchObject({ configured: true });
    expect(info.find((item) => item.id === "azure-devops")?.note).toContain("no longer accepts new registrations");
  });

  it("uses the real Microsoft endpoints by default and the explicit tenant", () => {
    const env = parseEnv({ ...legacy, ...entra, KEEL_PUBLIC_URL: "https://keel.example.com/" });
    expect(oauthProviderConfig("azure-devops", env)).toMatchObject({
      authorizeUrl: "https://app.vssps.visualstudio.com/oauth2/authorize",
      tokenUrl: "https://app.vssps.visualstudio.com/oauth2/token",
      redirectUri: "https://keel.example.com/api/auth/callback/azure-devops",
    });
    expect(oauthProviderConfig("microsoft-entra-id", env)).toMatchObject({
      authorizeUrl: "https://login.microsoftonline.com/b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b/oauth2/v2.0/authorize",
      tokenUrl: "https://login.microsoftonline.com/b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b/oauth2/v2.0/token",
      redirectUri: "https://keel.example.com/api/auth/callback/microsoft-entra-id",
      entra: { multiTenant: false, tenant: "b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b" },
    });
  });

  it("multi-tenant only on purpose; base URL overrides are refused in production", () => {
    expect(() => parseEnv({ ...entra, ENTRA_TENANT_ID: "common" })).toThrow(EnvError);
    expect(oauthProviderConfig("microsoft-entra-id", parseEnv({ ...entra, ENTRA_TENANT_ID: "organizations", ENTRA_MULTI_TENANT: "true" }))?.entra?.multiTenant).toBe(true);
    expect(() => parseEnv({ NODE_ENV: "production", ...entra, ENTRA_AUTHORITY_URL: "http://127.0.0.1:4600" })).toThrow(/ENTRA_AUTHORITY_URL/);
    expect(() => parseEnv({ NODE_ENV: "production", ...legacy, AZURE_DEVOPS_VSSPS_URL: "http://127.0.0.1:4600" })).toThrow(/AZURE_DEVOPS_VSSPS_URL/);
  });
});
