import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FIXTURE, DEFAULT_MANAGED_IDENTITIES, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANTS, DEFAULT_TENANT_ID, DEFAULT_USERS } from "@/e2e/azure-devops-emulator/fixtures/default";
import { selfSignedCertificate, signingKey } from "@/e2e/azure-devops-emulator/entra-test-support";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { postForm } from "@/e2e/azure-devops-emulator/test-support";
import type { CheckSummary } from "@/lib/connections/summary";
import { resetEnvForTests } from "@/lib/env";
import { getOutboundPolicy } from "@/lib/outbound";
import type { Scope } from "@/lib/scope";
import { federatedSubjectFor, PERSONAL_ACCOUNTS_TENANT_ID } from "@/lib/shared/entra-setup";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { findingForEntraError } from "./findings";
import { principalDraft, startIssuerServer, type TestIssuerServer, type WizardPrincipal } from "./test-support";
import { certificateAssertion, entraError, requestAppToken, tokenEndpoint } from "./token-client";

// Every finding the doctor gives about a service principal, reached against the emulator and then
// fixed the way the finding says — one row each: Microsoft Entra ID's refusals (by AADSTS code),
// the instance metadata endpoint's, and Azure DevOps' (not added, no project, Readers only). The
// wizard's check runs in full each time (token, then the doctor), as the check page would.

const SP = DEFAULT_SERVICE_PRINCIPALS;
const MI = DEFAULT_MANAGED_IDENTITIES;

let database: TestDatabase;
let handle: EmulatorHandle;
let issuer: TestIssuerServer;
let services: string;
let scope: Scope;
const baseEnv: Record<string, string> = {};
/** Another "Keel" at its own URL, publishing keys that are not this Keel's. */
let stranger: { publicUrl: string; server: Server };

async function startStranger(): Promise<{ publicUrl: string; server: Server }> {
  const key = await signingKey("someone-elses-key");
  const server = createHttpServer((req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.url === "/api/oidc/.well-known/openid-configuration") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ issuer: `${base}/api/oidc`, jwks_uri: `${base}/api/oidc/jwks` }));
    } else if (req.url === "/api/oidc/jwks") {
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ keys: [key.jwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { publicUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function closedPortUrl(): Promise<string> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  handle = await startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] } });
  services = handle.servicesUrl ?? "";
  database = await createTestDatabase();
  issuer = await startIssuerServer();
  stranger = await startStranger();
  Object.assign(baseEnv, {
    KEEL_PUBLIC_URL: issuer.publicUrl,
    AZURE_DEVOPS_SERVICES_URL: services,
    AZURE_DEVOPS_VSSPS_URL: services,
    ENTRA_AUTHORITY_URL: services,
    AZURE_INSTANCE_METADATA_URL: services,
    KEEL_MANAGED_IDENTITY: "true",
    KEEL_OUTBOUND_ALLOW_LOOPBACK: "true",
    KEEL_OUTBOUND_ALLOWLIST: "127.0.0.1,localhost",
    KEEL_OUTBOUND_ALLOW_HTTP: "127.0.0.1,localhost",
  });
  resetEnvForTests(baseEnv);
  const organization = await database.prisma.organization.create({ data: { name: "Doctor" } });
  const user = await database.prisma.user.create({ data: { email: "admin@doctor.test", name: "Ada", passwordHash: "x", memberships: { create: { organizationId: organization.id, role: "ADMIN" } } } });
  scope = testScope(organization.id, user.id);
});

beforeEach(() => {
  handle.reset();
  resetEnvForTests(baseEnv);
});

afterAll(async () => {
  stranger.server.closeAllConnections();
  await new Promise<void>((resolve) => stranger.server.close(() => resolve()));
  await issuer.stop();
  await database.drop();
  await handle.stop();
});

let counter = 0;
const secret = (clientId: string, clientSecret: string): WizardPrincipal => ({ kind: "CLIENT_SECRET", tenantId: DEFAULT_TENANT_ID, clientId, clientSecret });

/** The finding ids of a check (errors and warnings). */
const ids = (summary: CheckSummary) => summary.findings.map((finding) => finding.id);

type Row = {
  finding: string;
  /** The principal as first entered; `arrange` breaks the world around it if needed. */
  principal: () => WizardPrincipal;
  organization?: string;
  arrange?: (connectionId: string) => Promise<void> | void;
  /** What the finding must say (its fix names these). */
  says?: (connectionId: string) => string[];
  /** Apply the fix the finding gives; then the check passes. `principal` replaces what was entered. */
  fix: (connectionId: string) => Promise<WizardPrincipal | void> | WizardPrincipal | void;
};

const ROWS: Row[] = [
  {
    finding: "entra_wrong_tenant",
    principal: () => ({ ...secret(SP.pipeline.clientId, SP.pipeline.clientSecret), tenantId: "0c0c0c0c-1d1d-4e2e-8f3f-4a4a4a4a4a4a" }),
    fix: () => secret(SP.pipeline.clientId, SP.pipeline.clientSecret),
  },
  {
    finding: "entra_wrong_tenant",
    principal: () => ({ ...secret(SP.pipeline.clientId, SP.pipeline.clientSecret), tenantId: "organizations" }),
    says: () => ["Directory (tenant) ID"],
    fix: () => secret(SP.pipeline.clientId, SP.pipeline.clientSecret),
  },
  {
    finding: "entra_personal_account",
    principal: () => ({ ...secret(SP.pipeline.clientId, SP.pipeline.clientSecret), tenantId: PERSONAL_ACCOUNTS_TENANT_ID }),
    fix: () => secret(SP.pipeline.clientId, SP.pipeline.clientSecret),
  },
  {
    finding: "entra_app_not_found",
    // The app exists, but in the tenant Keel was not told.
    principal: () => ({ ...secret(SP.pipeline.clientId, SP.pipeline.clientSecret), tenantId: DEFAULT_TENANTS.other.id }),
    says: () => ["Copy the Application (client) ID — not the Object ID — and the Directory (tenant) ID shown on the same page into Keel."],
    fix: () => secret(SP.pipeline.clientId, SP.pipeline.clientSecret),
  },
  {
    finding: "entra_secret_invalid",
    principal: () => secret(SP.pipeline.clientId, "not~the~secret~value"),
    fix: () => secret(SP.pipeline.clientId, SP.pipeline.validSecret),
  },
  {
    finding: "entra_secret_expired",
    principal: () => secret(SP.pipeline.clientId, SP.pipeline.expiredSecret),
    fix: () => secret(SP.pipeline.clientId, handle.control.addClientSecret({ clientId: SP.pipeline.clientId }).value),
  },
  (() => {
    const stranger = selfSignedCertificate("Keel not uploaded");
    return {
      finding: "entra_certificate_not_registered",
      principal: () => ({ kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: stranger.certificatePem, privateKeyPem: stranger.privateKeyPem }),
      fix: () => {
        handle.control.addCertificate({ clientId: SP.pipeline.clientId, certificatePem: stranger.certificatePem });
      },
    } satisfies Row;
  })(),
  (() => {
    const lapsed = selfSignedCertificate("Keel lapsed");
    const fresh = selfSignedCertificate("Keel renewed");
    return {
      finding: "entra_certificate_expired",
      principal: () => ({ kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: lapsed.certificatePem, privateKeyPem: lapsed.privateKeyPem }),
      // Registered with an end date that has passed (the portal's certificate window).
      arrange: () => {
        handle.control.addCertificate({ clientId: SP.pipeline.clientId, certificatePem: lapsed.certificatePem, startsAt: "2023-01-01T00:00:00Z", expiresAt: "2024-01-01T00:00:00Z" });
      },
      fix: () => {
        handle.control.addCertificate({ clientId: SP.pipeline.clientId, certificatePem: fresh.certificatePem });
        return { kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: fresh.certificatePem, privateKeyPem: fresh.privateKeyPem };
      },
    } satisfies Row;
  })(),
  (() => {
    const other = selfSignedCertificate("Another key");
    return {
      finding: "entra_certificate_key_mismatch",
      // The registered certificate with a private key of another one.
      principal: () => ({ kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: SP.pipeline.certificatePem, privateKeyPem: other.privateKeyPem }),
      fix: () => ({ kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: SP.pipeline.certificatePem, privateKeyPem: SP.pipeline.privateKeyPem }),
    } satisfies Row;
  })(),
  {
    finding: "entra_federation_no_match",
    principal: () => ({ kind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId }),
    // A credential for Keel's issuer but another connection's subject (AADSTS700213).
    arrange: () => {
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel-other", issuer: `${issuer.publicUrl}/api/oidc`, subject: "keel:connection:someone-else" });
    },
    says: (connectionId) => [`Issuer: ${issuer.publicUrl}/api/oidc`, `Subject identifier: ${federatedSubjectFor(connectionId)}`, "Audience: api://AzureADTokenExchange"],
    fix: (connectionId) => {
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel", issuer: `${issuer.publicUrl}/api/oidc`, subject: federatedSubjectFor(connectionId) });
    },
  },
  {
    finding: "entra_federation_issuer_unreachable",
    principal: () => ({ kind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId }),
    // KEEL_PUBLIC_URL points where nothing answers; the app trusts that issuer.
    arrange: async (connectionId) => {
      const nowhere = await closedPortUrl();
      resetEnvForTests({ KEEL_PUBLIC_URL: nowhere });
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel-nowhere", issuer: `${nowhere}/api/oidc`, subject: federatedSubjectFor(connectionId) });
    },
    fix: (connectionId) => {
      resetEnvForTests({ KEEL_PUBLIC_URL: issuer.publicUrl });
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel", issuer: `${issuer.publicUrl}/api/oidc`, subject: federatedSubjectFor(connectionId) });
    },
  },
  {
    finding: "entra_federation_key_unknown",
    principal: () => ({ kind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId }),
    // Keel's issuer URL answered by something that publishes other keys (a proxy in front of
    // another installation, say): Entra reads the documents but finds no key for Keel's token.
    arrange: (connectionId) => {
      resetEnvForTests({ KEEL_PUBLIC_URL: stranger.publicUrl });
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel-stranger", issuer: `${stranger.publicUrl}/api/oidc`, subject: federatedSubjectFor(connectionId) });
    },
    fix: (connectionId) => {
      resetEnvForTests({ KEEL_PUBLIC_URL: issuer.publicUrl });
      handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel", issuer: `${issuer.publicUrl}/api/oidc`, subject: federatedSubjectFor(connectionId) });
    },
  },
  {
    finding: "managed_identity_disabled",
    principal: () => ({ kind: "MANAGED_IDENTITY" }),
    arrange: () => resetEnvForTests({ KEEL_MANAGED_IDENTITY: "false" }),
    fix: () => resetEnvForTests({ KEEL_MANAGED_IDENTITY: "true" }),
  },
  {
    finding: "managed_identity_not_found",
    principal: () => ({ kind: "MANAGED_IDENTITY", clientId: MI.user.clientId }),
    arrange: () => handle.control.setManagedIdentityAssigned({ clientId: MI.user.clientId, assigned: false }),
    fix: () => handle.control.setManagedIdentityAssigned({ clientId: MI.user.clientId, assigned: true }),
  },
  {
    finding: "managed_identity_unavailable",
    principal: () => ({ kind: "MANAGED_IDENTITY" }),
    arrange: async () => resetEnvForTests({ AZURE_INSTANCE_METADATA_URL: await closedPortUrl() }),
    fix: () => resetEnvForTests({ AZURE_INSTANCE_METADATA_URL: services }),
  },
  {
    finding: "entra_unreachable",
    principal: () => secret(SP.pipeline.clientId, SP.pipeline.clientSecret),
    arrange: async () => resetEnvForTests({ ENTRA_AUTHORITY_URL: await closedPortUrl() }),
    fix: () => resetEnvForTests({ ENTRA_AUTHORITY_URL: services }),
  },
  {
    finding: "service_principal_not_added",
    principal: () => secret(SP.notAdded.clientId, SP.notAdded.clientSecret),
    says: () => ["In Azure DevOps, open Organization settings for fabrikam → Users → Add users."],
    fix: () => {
      handle.control.setServicePrincipalMembership({ clientId: SP.notAdded.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"] });
    },
  },
  {
    finding: "service_principal_no_projects",
    principal: () => secret(SP.noProjects.clientId, SP.noProjects.clientSecret),
    fix: () => {
      handle.control.setServicePrincipalMembership({ clientId: SP.noProjects.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"] });
    },
  },
  {
    finding: "missing_scope",
    principal: () => secret(SP.mobileOnly.clientId, SP.mobileOnly.clientSecret),
    // Added among the Readers: it may read but not post commit statuses.
    arrange: () => {
      handle.control.setServicePrincipalMembership({ clientId: SP.mobileOnly.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"], access: "readers" });
    },
    says: () => ["In each project Keel should build: Project settings → Permissions → Contributors → Members → Add the service principal."],
    fix: () => {
      handle.control.setServicePrincipalMembership({ clientId: SP.mobileOnly.clientId, organization: "fabrikam", member: true, projects: ["MOBILE_IOS"] });
    },
  },
];

describe("every service-principal finding, reached and fixed", () => {
  it.each(ROWS.map((row, index) => [`${row.finding} (${index + 1})`, row] as const))("%s", async (_label, row) => {
    const wizard = await principalDraft(scope, { name: `Doctor ${++counter}`, organization: row.organization ?? "fabrikam", servicesUrl: services, ...row.principal() });
    await row.arrange?.(wizard.connectionId);
    const refused = await wizard.check();
    expect(refused.ok).toBe(false);
    expect(ids(refused)).toContain(row.finding);
    const finding = refused.findings.find((candidate) => candidate.id === row.finding)!;
    expect(finding.fix.length).toBeGreaterThan(0);
    for (const text of row.says?.(wizard.connectionId) ?? []) {
      expect([finding.title, finding.detail, ...finding.fix].join("\n")).toContain(text);
    }
    // The fix: what the admin changes in Entra, Azure DevOps or Keel's settings, or a corrected
    // entry in the same wizard (a new draft with the values the finding asked for).
    const replacement = await row.fix(wizard.connectionId);
    const fixed = replacement ? await principalDraft(scope, { name: `Doctor ${++counter}`, organization: row.organization ?? "fabrikam", servicesUrl: services, ...replacement }) : wizard;
    const summary = await fixed.check();
    expect(ids(summary), JSON.stringify(summary.findings.map((item) => item.title))).not.toContain(row.finding);
    expect(summary.ok).toBe(true);
  });
});

describe("Entra refusals the wizard cannot produce, from the emulator's real answers", () => {
  it("a client assertion outside its valid time (a wrong clock) → entra_assertion_rejected", async () => {
    const url = tokenEndpoint(services, DEFAULT_TENANT_ID);
    const stale = await certificateAssertion({ clientId: SP.pipeline.clientId, tokenUrl: url, certificatePem: SP.pipeline.certificatePem, privateKeyPem: SP.pipeline.privateKeyPem, now: Date.now() - 3_600_000 });
    const error = await requestAppToken({ authority: services, tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, proof: { kind: "assertion", assertion: stale } }, { policy: getOutboundPolicy() }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "AADSTS700024" });
    const finding = findingForEntraError(error as never, { kind: "CERTIFICATE", organization: "fabrikam", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId });
    expect(finding).toMatchObject({ id: "entra_assertion_rejected" });
    expect(finding.fix.join(" ")).toContain("clock");
  });

  it("consent an administrator must give (AADSTS65001) → entra_admin_consent_required", async () => {
    const issued = await handle.control.issueOAuthToken({ provider: "entra", userId: DEFAULT_USERS.alex.id, scopes: ["vso.code", "offline_access"] });
    const response = await postForm(`${services}/${DEFAULT_TENANT_ID}/oauth2/v2.0/token`, {
      grant_type: "refresh_token",
      client_id: DEFAULT_FIXTURE.oauth.entra[0]!.clientId,
      client_secret: DEFAULT_FIXTURE.oauth.entra[0]!.clientSecret,
      refresh_token: issued.refreshToken,
      scope: "499b84ac-1321-427f-aa17-267ca6975798/vso.code_status",
    });
    const error = entraError(response.status, response.json, "emulator");
    expect(error.code).toBe("AADSTS65001");
    expect(findingForEntraError(error, { kind: "CLIENT_SECRET", organization: "fabrikam", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId })).toMatchObject({ id: "entra_admin_consent_required" });
  });
});
