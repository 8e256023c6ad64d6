import { describe, expect, it } from "vitest";
import { selfSignedCertificate } from "@/e2e/azure-devops-emulator/entra-test-support";
import { DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { checkCertificatePair, replaceCredentialSchema, servicePrincipalSchema } from "./service-principal";

const PIPELINE = DEFAULT_SERVICE_PRINCIPALS.pipeline;
const open = { hasStoredSecret: false, hasStoredCertificate: false, managedIdentityEnabled: true };
const base = { name: "Fabrikam Pipeline", organization: "fabrikam", tenantId: DEFAULT_TENANT_ID, clientId: PIPELINE.clientId, clientSecret: "", secretExpiresAt: "", certificatePem: "", privateKeyPem: "" };
const nextYear = `${new Date().getUTCFullYear() + 1}-06-30`;

function fieldErrors(result: ReturnType<ReturnType<typeof servicePrincipalSchema>["safeParse"]>): Record<string, string[]> {
  if (result.success) {
    return {};
  }
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "");
    (errors[key] ??= []).push(issue.message);
  }
  return errors;
}

describe("the service-principal form", () => {
  it("federated needs tenant and client id only; a managed identity neither", () => {
    expect(servicePrincipalSchema(open).parse({ ...base, credentialKind: "FEDERATED" })).toMatchObject({ credentialKind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: PIPELINE.clientId, clientSecret: null, certificate: null });
    expect(servicePrincipalSchema(open).parse({ ...base, tenantId: "", clientId: "", credentialKind: "MANAGED_IDENTITY" })).toMatchObject({ tenantId: null, clientId: null });
    expect(fieldErrors(servicePrincipalSchema({ ...open, managedIdentityEnabled: false }).safeParse({ ...base, credentialKind: "MANAGED_IDENTITY" })).credentialKind?.[0]).toContain("KEEL_MANAGED_IDENTITY");
  });

  it("names each bad field and its fix", () => {
    const errors = fieldErrors(servicePrincipalSchema(open).safeParse({ ...base, credentialKind: "CLIENT_SECRET", tenantId: "not a tenant", clientId: "Keel Pipeline", clientSecret: "" }));
    expect(errors.tenantId?.[0]).toContain("Directory (tenant) ID is a GUID");
    expect(errors.clientId?.[0]).toContain("Application (client) ID is a GUID");
    const missing = fieldErrors(servicePrincipalSchema(open).safeParse({ ...base, credentialKind: "CLIENT_SECRET" }));
    expect(missing.clientSecret).toEqual(["Client secret is required"]);
    // The Secret ID next to the Value in the portal is a GUID: refused with what to paste instead.
    const id = fieldErrors(servicePrincipalSchema(open).safeParse({ ...base, credentialKind: "CLIENT_SECRET", clientSecret: "5e1f0c2d-4b3a-4c5d-9e8f-7a6b5c4d3e2f", secretExpiresAt: nextYear }));
    expect(id.clientSecret?.[0]).toContain("This is the Secret ID");
    const noExpiry = fieldErrors(servicePrincipalSchema(open).safeParse({ ...base, credentialKind: "CLIENT_SECRET", clientSecret: PIPELINE.validSecret }));
    expect(noExpiry.secretExpiresAt?.[0]).toContain("expiry date");
    const past = fieldErrors(servicePrincipalSchema(open).safeParse({ ...base, credentialKind: "CLIENT_SECRET", clientSecret: PIPELINE.validSecret, secretExpiresAt: "2024-01-01" }));
    expect(past.secretExpiresAt?.[0]).toContain("in the past");
  });

  it("keeps a secret the draft already holds when the field is left empty", () => {
    expect(servicePrincipalSchema({ ...open, hasStoredSecret: true }).parse({ ...base, credentialKind: "CLIENT_SECRET" })).toMatchObject({ clientSecret: null });
  });

  it("a certificate: one PEM certificate, an RSA key without passphrase that belongs to it", () => {
    const parsed = servicePrincipalSchema(open).parse({ ...base, credentialKind: "CERTIFICATE", certificatePem: PIPELINE.certificatePem, privateKeyPem: PIPELINE.privateKeyPem });
    expect(parsed.certificate?.privateKeyPem).toContain("-----BEGIN PRIVATE KEY-----");
    expect(parsed.certificate?.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const other = selfSignedCertificate("Other");
    expect(checkCertificatePair(PIPELINE.certificatePem, other.privateKeyPem)).toMatchObject({ ok: false, field: "privateKeyPem", message: expect.stringContaining("does not belong to the certificate") });
    expect(checkCertificatePair("not a certificate", PIPELINE.privateKeyPem)).toMatchObject({ ok: false, field: "certificatePem" });
    expect(checkCertificatePair(`${PIPELINE.certificatePem}\n${other.certificatePem}`, PIPELINE.privateKeyPem)).toMatchObject({ ok: false, field: "certificatePem", message: expect.stringContaining("one certificate") });
    expect(checkCertificatePair(PIPELINE.certificatePem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nabc\n-----END ENCRYPTED PRIVATE KEY-----")).toMatchObject({ ok: false, message: expect.stringContaining("passphrase") });
    const expired = selfSignedCertificate("Old", new Date("2023-01-01"), new Date("2024-01-01"));
    expect(checkCertificatePair(expired.certificatePem, expired.privateKeyPem)).toMatchObject({ ok: false, field: "certificatePem", message: expect.stringContaining("expired") });
  });

  it("replacing a credential asks for the kind the connection has", () => {
    expect(replaceCredentialSchema("CLIENT_SECRET").safeParse({ clientSecret: PIPELINE.validSecret, secretExpiresAt: nextYear }).success).toBe(true);
    expect(replaceCredentialSchema("CLIENT_SECRET").safeParse({ clientSecret: "", secretExpiresAt: "" }).success).toBe(false);
    expect(replaceCredentialSchema("CERTIFICATE").parse({ certificatePem: PIPELINE.certificatePem, privateKeyPem: PIPELINE.privateKeyPem }).certificate).not.toBeNull();
  });
});
