import { describe, expect, it } from "vitest";
import { entraSetupScript, entraSetupSteps, entraUserOAuthScript, federatedSubjectFor, setupSlug } from "./entra-setup";

const BASE = { connectionName: "Fabrikam Pipeline", organization: "fabrikam", tenantId: "b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b", today: "2026-12-06" };

describe("the setup steps a service-principal connection shows", () => {
  it("federated: registers the app, adds a federated credential with this connection's exact values, adds it to the organization", () => {
    const subject = federatedSubjectFor("2F1E0D9C-8B7A-4C6D-9E5F-4A3B2C1D0E9F");
    expect(subject).toBe("keel:connection:2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f");
    const steps = entraSetupSteps({ ...BASE, kind: "FEDERATED", issuer: "https://keel.example.com/api/oidc", subject });
    expect(steps.map((step) => step.id)).toEqual(["register", "credential", "organization", "projects"]);
    expect(steps[0]?.commands).toContain('az login --tenant "b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b"');
    expect(steps[0]?.commands).toContain('--display-name "Keel Fabrikam Pipeline"');
    const credential = steps[1]?.commands ?? "";
    expect(credential).toContain("az ad app federated-credential create --id \"$APP_ID\" --parameters '");
    const json = JSON.parse(credential.slice(credential.indexOf("'") + 1, credential.lastIndexOf("'"))) as Record<string, unknown>;
    expect(json).toEqual({ name: "keel-fabrikam-pipeline", issuer: "https://keel.example.com/api/oidc", subject, audiences: ["api://AzureADTokenExchange"], description: "Keel connection Fabrikam Pipeline" });
    expect(steps[2]?.commands).toContain("https://vsaex.dev.azure.com/fabrikam/_apis/serviceprincipalentitlements?api-version=7.1-preview.1");
    expect(steps[2]?.commands).toContain('\\"originId\\":\\"$SP_ID\\"');
    expect(steps[1]?.portal).toEqual(expect.arrayContaining([`Issuer: https://keel.example.com/api/oidc`, `Type: Explicit subject identifier. Value: ${subject}`]));
  });

  it("client secret and certificate: the credential commands and when they expire; a known app id is used as is", () => {
    const secret = entraSetupSteps({ ...BASE, kind: "CLIENT_SECRET", clientId: "2c5a8f3e-0d4b-4e69-a7f2-3a9b1d0e8f54" });
    expect(secret[0]?.commands).toContain('APP_ID="2c5a8f3e-0d4b-4e69-a7f2-3a9b1d0e8f54"');
    expect(secret[0]?.commands).not.toContain("az ad app create");
    expect(secret[1]?.commands).toContain("az ad app credential reset --id \"$APP_ID\" --append");
    expect(secret[1]?.commands).toContain("2027-12-06");
    const certificate = entraSetupSteps({ ...BASE, kind: "CERTIFICATE" });
    expect(certificate[1]?.commands).toContain("openssl req -x509 -newkey rsa:2048");
    expect(certificate[1]?.commands).toContain("--cert @keel-fabrikam-pipeline.crt");
  });

  it("managed identity: no app registration; the machine's identity is added to the organization", () => {
    const system = entraSetupSteps({ ...BASE, kind: "MANAGED_IDENTITY" });
    expect(system.map((step) => step.id)).toEqual(["identity", "organization", "projects"]);
    expect(system[0]?.commands).toContain("az vm identity assign");
    expect(system[1]?.commands).toContain('\\"originId\\":\\"$PRINCIPAL_ID\\"');
    const user = entraSetupSteps({ ...BASE, kind: "MANAGED_IDENTITY", clientId: "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f" });
    expect(user[0]?.commands).toContain("[?clientId=='c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f'].principalId");
  });

  it("values cannot break out of the shell: quotes, dollars and backticks are escaped", () => {
    const hostile = entraSetupScript({ ...BASE, kind: "FEDERATED", connectionName: `A "quoted" $(rm -rf ~) \`x\` 'single'`, issuer: "https://keel.example.com/api/oidc", subject: "s" });
    expect(hostile).toContain('--display-name "Keel A \\"quoted\\" \\$(rm -rf ~) \\`x\\` \'single\'"');
    // Inside the single-quoted JSON a single quote is closed, escaped and reopened.
    expect(hostile).toContain("'\\''single'\\''");
    expect(setupSlug("Ünïcödé Café / Build")).toBe("unicode-cafe-build");
    expect(setupSlug("***")).toBe("connection");
  });

  it("the user sign-in script registers the exact redirect URI and reads each permission's id from Azure DevOps' service principal", () => {
    const script = entraUserOAuthScript({ redirectUri: "https://keel.example.com/api/auth/callback/microsoft-entra-id", scopes: ["vso.code", "vso.profile"] });
    expect(script).toContain('--web-redirect-uris "https://keel.example.com/api/auth/callback/microsoft-entra-id"');
    expect(script).toContain("for scope in vso.code vso.profile; do");
    expect(script).toContain("oauth2PermissionScopes[?value=='$scope'].id | [0]");
    expect(script).toContain('echo "ENTRA_CLIENT_ID=$APP_ID"');
  });
});
