import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FIXTURE, DEFAULT_MANAGED_IDENTITIES, DEFAULT_PROJECTS, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { startEmulator, type EmulatorHandle } from "@/e2e/azure-devops-emulator/index";
import { bearer, request, values } from "@/e2e/azure-devops-emulator/test-support";
import { connectionCredential, checkSavedConnection } from "@/lib/connections/service";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { getConnectionOrThrow } from "@/lib/data/connections";
import { resetEnvForTests } from "@/lib/env";
import { systemScope, type Scope } from "@/lib/scope";
import { federatedSubjectFor } from "@/lib/shared/entra-setup";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { testScope } from "@/lib/testing/scopes";
import { rotateSigningKeys } from "./signing-keys";
import { principalDraft, startIssuerServer, type TestIssuerServer } from "./test-support";
import { getServicePrincipalToken } from "./tokens";

// Service-principal connections end to end without a browser: the wizard's draft, check and save,
// then the connection used the way every feature uses it (connectionCredential), against the
// emulator standing in for Microsoft Entra ID and Azure DevOps, and a real PostgreSQL. Keel's
// issuer documents are served by the real route handlers, so the emulator verifies Keel's
// federated assertions against exactly what Keel publishes.

const SP = DEFAULT_SERVICE_PRINCIPALS;
const MI = DEFAULT_MANAGED_IDENTITIES;

let database: TestDatabase;
let handle: EmulatorHandle;
let issuer: TestIssuerServer;
let services: string;
let organizationId: string;
let adminId: string;
let admin: Scope;

beforeAll(async () => {
  handle = await startEmulator({ fixture: { ...DEFAULT_FIXTURE, servers: [] } });
  services = handle.servicesUrl ?? "";
  database = await createTestDatabase();
  issuer = await startIssuerServer();
  resetEnvForTests({
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
  const organization = await database.prisma.organization.create({ data: { name: "Principals" } });
  organizationId = organization.id;
  const user = await database.prisma.user.create({ data: { email: "admin@principals.test", name: "Ada Admin", passwordHash: "x", memberships: { create: { organizationId, role: "ADMIN" } } } });
  adminId = user.id;
  admin = testScope(organizationId, adminId);
});

beforeEach(() => {
  handle.reset();
});

afterAll(async () => {
  await issuer.stop();
  await database.drop();
  await handle.stop();
});

let counter = 0;
const name = (label: string) => `${label} ${++counter}`;

/** Token requests the emulator answered (Entra's endpoint and the instance metadata endpoint). */
function tokenRequests() {
  return handle.control.requests({}).filter((entry) => /\/oauth2\/v2\.0\/token$|\/metadata\/identity\/oauth2\/token$/.test(entry.path));
}

/** Projects the connection's credential sees in its organization, as every feature would ask. */
async function projectsThrough(scope: Scope, connectionId: string): Promise<string[]> {
  const credential = await connectionCredential(scope, await getConnectionOrThrow(scope, connectionId));
  expect(credential.kind).toBe("bearer");
  const response = await request(`${services}/fabrikam/_apis/projects`, { headers: bearer(credential.token) });
  expect(response.status).toBe(200);
  return values(response).map((project) => String(project.name)).sort();
}

describe("each credential kind through the wizard's check and save", () => {
  it("client secret: saved without an owner, the secret sealed, its expiry where a PAT's lives", async () => {
    const expiresAt = new Date(Date.now() + 120 * 86_400_000);
    const wizard = await principalDraft(admin, { name: name("Secret"), organization: "fabrikam", servicesUrl: services, kind: "CLIENT_SECRET", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, clientSecret: SP.pipeline.validSecret, expiresAt });
    const summary = await wizard.check();
    expect(summary).toMatchObject({ ok: true, identity: { displayName: SP.pipeline.name } });
    expect(summary.projects?.count).toBe(4);
    const id = await wizard.save();
    expect(id).toBe(wizard.connectionId);
    const row = await database.prisma.connection.findUniqueOrThrow({ where: { id }, omit: { tokenSealed: false } });
    expect(row).toMatchObject({ authMethod: "SERVICE_PRINCIPAL", ownerId: null, status: "HEALTHY", tokenSealed: null, tokenLastFour: SP.pipeline.validSecret.slice(-4) });
    expect(row.tokenExpiresAt?.getTime()).toBe(expiresAt.getTime());
    const principal = await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id }, omit: { clientSecretSealed: false } });
    expect(principal).toMatchObject({ kind: "CLIENT_SECRET", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, objectId: SP.pipeline.objectId });
    expect(principal.clientSecretSealed).toMatch(/^v1:/);
    expect(principal.clientSecretSealed).not.toContain(SP.pipeline.validSecret);
    // The draft's sealed copy went with the save.
    expect((await database.prisma.connectDraft.findUniqueOrThrow({ where: { id: wizard.draftId }, omit: { entraSecretSealed: false } })).entraSecretSealed).toBeNull();
    expect(await projectsThrough(admin, id)).toEqual(["Android", "Fabrikam Fiber", "MOBILE_IOS", "Sandbox"]);
  });

  it("certificate: Keel's signed assertion (PS256, x5t#S256) is accepted; the key is sealed", async () => {
    const wizard = await principalDraft(admin, { name: name("Certificate"), organization: "fabrikam", servicesUrl: services, kind: "CERTIFICATE", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, certificatePem: SP.pipeline.certificatePem, privateKeyPem: SP.pipeline.privateKeyPem });
    expect((await wizard.check()).ok).toBe(true);
    const id = await wizard.save();
    const principal = await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id }, omit: { privateKeySealed: false } });
    expect(principal.privateKeySealed).not.toContain("PRIVATE KEY");
    expect(principal.certificateThumbprint).toMatch(/^[0-9A-F]{64}$/);
    const connection = await database.prisma.connection.findUniqueOrThrow({ where: { id } });
    expect(connection.tokenExpiresAt?.getTime()).toBe(new Date(new (await import("node:crypto")).X509Certificate(SP.pipeline.certificatePem).validTo).getTime());
    expect(await projectsThrough(systemScope(organizationId, "test"), id)).toHaveLength(4);
    const sent = tokenRequests().at(-1);
    expect(sent?.body).toMatchObject({ grant_type: "client_credentials", client_assertion: "***" });
    expect(Object.keys(sent?.body as Record<string, string>)).not.toContain("client_secret");
  });

  it("federated: no secret anywhere in the database, the emulator verified Keel's own keys", async () => {
    const wizard = await principalDraft(admin, { name: name("Federated"), organization: "fabrikam", servicesUrl: services, kind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: SP.mobileOnly.clientId });
    const subject = federatedSubjectFor(wizard.connectionId);
    // Before the app trusts Keel: the finding names the exact values to enter.
    const refused = await wizard.check();
    expect(refused.findings.map((finding) => finding.id)).toEqual(["entra_federation_no_match"]);
    expect(refused.findings[0]?.fix).toEqual(expect.arrayContaining([`Issuer: ${issuer.publicUrl}/api/oidc`, `Subject identifier: ${subject}`, "Audience: api://AzureADTokenExchange"]));
    handle.control.addFederatedCredential({ clientId: SP.mobileOnly.clientId, name: "keel", issuer: `${issuer.publicUrl}/api/oidc`, subject });
    expect((await wizard.check()).ok).toBe(true);
    const id = await wizard.save();
    expect(issuer.served).toEqual(expect.arrayContaining(["/api/oidc/.well-known/openid-configuration", "/api/oidc/jwks"]));
    expect(await projectsThrough(admin, id)).toEqual([DEFAULT_PROJECTS.mobileIos.name]);

    // No client secret for this connection: not in the connection, its principal or its draft,
    // and none ever sent to Entra.
    const connection = await database.prisma.connection.findUniqueOrThrow({ where: { id }, omit: { tokenSealed: false } });
    expect(connection).toMatchObject({ tokenSealed: null, tokenLastFour: null, tokenExpiresAt: null });
    const principal = await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id }, omit: { clientSecretSealed: false, privateKeySealed: false } });
    expect(principal).toMatchObject({ kind: "FEDERATED", clientSecretSealed: null, privateKeySealed: null, certificatePem: null, federatedSubject: subject });
    const draft = await database.prisma.connectDraft.findUniqueOrThrow({ where: { id: wizard.draftId }, omit: { tokenSealed: false, entraSecretSealed: false } });
    expect(draft).toMatchObject({ tokenSealed: null, entraSecretSealed: null, entraCertificatePem: null });
    for (const entry of tokenRequests()) {
      expect(Object.keys(entry.body as Record<string, string>)).not.toContain("client_secret");
    }
  });

  it("managed identity: system-assigned sees fabrikam; a user-assigned one only its project; off by default", async () => {
    const system = await principalDraft(admin, { name: name("VM identity"), organization: "fabrikam", servicesUrl: services, kind: "MANAGED_IDENTITY" });
    expect((await system.check()).ok).toBe(true);
    const systemId = await system.save();
    expect(await projectsThrough(admin, systemId)).toHaveLength(4);
    const user = await principalDraft(admin, { name: name("Builds identity"), organization: "fabrikam", servicesUrl: services, kind: "MANAGED_IDENTITY", clientId: MI.user.clientId });
    expect((await user.check()).ok).toBe(true);
    expect(await projectsThrough(admin, await user.save())).toEqual(["MOBILE_IOS"]);
    expect(tokenRequests().every((entry) => entry.path.endsWith("/metadata/identity/oauth2/token"))).toBe(true);

    resetEnvForTests({ KEEL_MANAGED_IDENTITY: "false" });
    try {
      const off = await principalDraft(admin, { name: name("Disabled identity"), organization: "fabrikam", servicesUrl: services, kind: "MANAGED_IDENTITY" });
      expect((await off.check()).findings.map((finding) => finding.id)).toEqual(["managed_identity_disabled"]);
    } finally {
      resetEnvForTests({ KEEL_MANAGED_IDENTITY: "true" });
    }
  });
});

describe("the held token", () => {
  async function savedSecretConnection(): Promise<string> {
    const wizard = await principalDraft(admin, { name: name("Held"), organization: "fabrikam", servicesUrl: services, kind: "CLIENT_SECRET", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, clientSecret: SP.pipeline.clientSecret });
    return wizard.save();
  }

  it("is requested once, reused while fresh, renewed before it expires", async () => {
    const id = await savedSecretConnection();
    handle.control.clearRequests();
    const first = await getServicePrincipalToken(admin, id);
    expect(await getServicePrincipalToken(admin, id)).toBe(first);
    expect(tokenRequests()).toHaveLength(1);
    // Inside the renewal margin (five minutes): a new token, stored sealed.
    await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { accessTokenExpiresAt: new Date(Date.now() + 200_000) } });
    const renewed = await getServicePrincipalToken(admin, id);
    expect(renewed).not.toBe(first);
    expect(tokenRequests()).toHaveLength(2);
    const row = await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id }, omit: { accessTokenSealed: false } });
    expect(row.accessTokenSealed).not.toContain(renewed.slice(0, 20));
    expect(row.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it("single-flight: ten concurrent users of an expired token cause one token request", async () => {
    const id = await savedSecretConnection();
    await getServicePrincipalToken(admin, id);
    await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { accessTokenExpiresAt: new Date(Date.now() - 1_000) } });
    handle.control.clearRequests();
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, index) => getServicePrincipalToken(index % 2 ? admin : systemScope(organizationId, "test"), id)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests()).toHaveLength(1);
  });

  it("a refused credential: concurrent users wait for the one request and all get its finding", async () => {
    const id = await savedSecretConnection();
    // The secret is deleted in Entra after the connection was saved.
    await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { accessTokenExpiresAt: new Date(Date.now() - 1_000) } });
    const { replaceServicePrincipalCredential } = await import("@/lib/data/service-principals");
    await replaceServicePrincipalCredential(admin, id, { kind: "CLIENT_SECRET", clientSecret: "deleted~in~entra~already", expiresAt: null, lastFour: null });
    handle.control.clearRequests();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => getServicePrincipalToken(admin, id)));
    expect(tokenRequests()).toHaveLength(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ finding: { id: "entra_secret_invalid" } });
    }
    expect(await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id } })).toMatchObject({ lastFailureCode: "AADSTS7000215", leaseId: null });
  });

  it("a request that read the row before another one's refusal takes that refusal, not a lease of its own", async () => {
    const id = await savedSecretConnection();
    const { acquirePrincipalLease, getPrincipalTokenState, recordPrincipalFailure } = await import("@/lib/data/service-principals");
    const before = (await getPrincipalTokenState(admin, id))!;
    // Another request takes the lease, and Entra refuses it, after this read.
    const other = crypto.randomUUID();
    expect(await acquirePrincipalLease(admin, id, before, other, 30_000)).toBe(true);
    await recordPrincipalFailure(admin, id, other, "AADSTS7000215");
    expect(await acquirePrincipalLease(admin, id, before, crypto.randomUUID(), 30_000)).toBe(false);
    // Read again, it has seen the refusal: a forced request may now ask Entra afresh.
    const after = (await getPrincipalTokenState(admin, id))!;
    expect(after.lastFailureCode).toBe("AADSTS7000215");
    expect(await acquirePrincipalLease(admin, id, after, crypto.randomUUID(), 30_000)).toBe(true);
  });

  it("a renewal Entra refuses inside the margin keeps the held token until it expires, then says why", async () => {
    const id = await savedSecretConnection();
    const held = await getServicePrincipalToken(admin, id);
    // Four minutes left (inside the five-minute margin), and Entra refuses the renewal.
    await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { clientSecretSealed: (await import("@/lib/secrets")).sealSecret({ table: "ServicePrincipal", column: "clientSecretSealed" }, id, "revoked~in~entra"), accessTokenExpiresAt: new Date(Date.now() + 240_000) } });
    expect(await getServicePrincipalToken(admin, id)).toBe(held);
    expect(await getServicePrincipalToken(systemScope(organizationId, "test"), id)).toBe(held);
    expect((await database.prisma.servicePrincipal.findUniqueOrThrow({ where: { connectionId: id } })).lastFailureCode).toBe("AADSTS7000215");
    await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { accessTokenExpiresAt: new Date(Date.now() + 30_000) } });
    await expect(getServicePrincipalToken(admin, id)).rejects.toMatchObject({ finding: { id: "entra_secret_invalid" } });
  });

  it("a token Azure DevOps refuses early is replaced once, and a second refusal of the same token shares it", async () => {
    const id = await savedSecretConnection();
    const refused = await getServicePrincipalToken(admin, id);
    handle.control.revokeToken(refused);
    const connection = await getConnectionOrThrow(admin, id);
    const [a, b] = await Promise.all([
      connectionCredential(admin, connection, { forceRefresh: true, rejectedToken: refused }),
      connectionCredential(admin, connection, { forceRefresh: true, rejectedToken: refused }),
    ]);
    expect(a.token).not.toBe(refused);
    expect(b.token).toBe(a.token);
    // The picker's client does the same on its own after a 401.
    const { client } = await clientForConnection(systemScope(organizationId, "repositories.list"), connection);
    handle.control.revokeToken(a.token);
    expect((await client.listAllProjects({ max: 10 })).items).toHaveLength(4);
  });
});

describe("a connection that belongs to no person", () => {
  it("keeps working after every human admin is removed from Keel", async () => {
    const wizard = await principalDraft(admin, { name: name("Orphan-proof"), organization: "fabrikam", servicesUrl: services, kind: "CLIENT_SECRET", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId, clientSecret: SP.pipeline.clientSecret });
    const id = await wizard.save();
    const member = await database.prisma.user.create({ data: { email: `member-${counter}@principals.test`, name: "Mo Member", passwordHash: "x", memberships: { create: { organizationId, role: "MEMBER" } } } });
    // Every admin of the organization is gone (the user rows themselves, not just their roles).
    const admins = await database.prisma.membership.findMany({ where: { organizationId, role: "ADMIN" }, select: { userId: true } });
    await database.prisma.user.deleteMany({ where: { id: { in: admins.map((entry) => entry.userId) } } });
    expect(await database.prisma.membership.count({ where: { organizationId, role: "ADMIN" } })).toBe(0);
    try {
      // A job (the scheduled check, a listing) and a member's picker both still work.
      const job = systemScope(organizationId, "connections.check");
      expect((await checkSavedConnection(job, id)).ok).toBe(true);
      expect(await projectsThrough(testScope(organizationId, member.id, "MEMBER"), id)).toHaveLength(4);
      const { client } = await clientForConnection(job, await getConnectionOrThrow(job, id));
      expect((await client.listRepositories(DEFAULT_PROJECTS.mobileIos.id)).map((repository) => repository.name)).toContain("Wallet App");
      expect((await database.prisma.connection.findUniqueOrThrow({ where: { id } })).status).toBe("HEALTHY");
    } finally {
      // Later tests act as an admin again.
      const restored = await database.prisma.user.create({ data: { email: `admin-${counter}@principals.test`, name: "Ada Again", passwordHash: "x", memberships: { create: { organizationId, role: "ADMIN" } } } });
      adminId = restored.id;
      admin = testScope(organizationId, adminId);
    }
  });
});

describe("signing key rotation", () => {
  it("rotates with overlap without one failed token request", async () => {
    const wizard = await principalDraft(admin, { name: name("Rotating"), organization: "fabrikam", servicesUrl: services, kind: "FEDERATED", tenantId: DEFAULT_TENANT_ID, clientId: SP.pipeline.clientId });
    handle.control.addFederatedCredential({ clientId: SP.pipeline.clientId, name: "keel-rotation", issuer: `${issuer.publicUrl}/api/oidc`, subject: federatedSubjectFor(wizard.connectionId) });
    const id = await wizard.save();
    handle.control.clearRequests();
    const kidsUsed: string[] = [];
    const use = async () => {
      await database.prisma.servicePrincipal.update({ where: { connectionId: id }, data: { accessTokenExpiresAt: new Date(Date.now() - 1_000) } });
      await getServicePrincipalToken(admin, id);
      const keys = await database.prisma.federationSigningKey.findMany({ where: { activatesAt: { lte: new Date() } }, orderBy: { activatesAt: "desc" } });
      kidsUsed.push(keys[0]!.id);
    };
    const jwks = async () => ((await (await fetch(`${issuer.publicUrl}/api/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

    await use();
    const first = kidsUsed[0]!;
    // Thirty days on, the rotation publishes the successor two days before it signs.
    const dayMs = 86_400_000;
    const later = new Date(Date.now() + 29 * dayMs);
    const rotation = await rotateSigningKeys({ now: later });
    expect(rotation.created).not.toBeNull();
    const next = rotation.created!;
    await use();
    expect(kidsUsed.at(-1)).toBe(first);
    expect(await jwks()).toEqual([first, next]);
    // Time passes (the keys' dates move back instead of the clock): the successor signs.
    await database.prisma.$executeRawUnsafe(`UPDATE "FederationSigningKey" SET "activatesAt" = "activatesAt" - interval '31 days', "createdAt" = "createdAt" - interval '31 days'`);
    await use();
    expect(kidsUsed.at(-1)).toBe(next);
    // The replaced key stays published while assertions it signed may be in flight…
    expect((await rotateSigningKeys()).retired).toEqual([first]);
    expect(await jwks()).toEqual([first, next]);
    // …and goes after its retention; signing goes on with the successor.
    await database.prisma.$executeRawUnsafe(`UPDATE "FederationSigningKey" SET "retiredAt" = "retiredAt" - interval '3 days' WHERE id = '${first}'`);
    expect((await rotateSigningKeys()).removed).toEqual([first]);
    expect(await jwks()).toEqual([next]);
    await use();
    expect(kidsUsed.at(-1)).toBe(next);

    const answers = tokenRequests().map((entry) => entry.status);
    expect(answers).toHaveLength(4);
    expect(answers.every((status) => status === 200)).toBe(true);
  });
});
