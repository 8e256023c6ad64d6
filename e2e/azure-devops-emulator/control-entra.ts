import { z } from "zod";
import { issueAppToken } from "./app-tokens.js";
import { ControlError, controlInput, type ControlHost } from "./control.js";
import { certificateRecord, httpCallbackRefusal, isHttpsCallback, type ServicePrincipalRecord } from "./entra-directory.js";
import { sendJson, type RequestContext } from "./http.js";
import { guidFrom, randomGuid, randomOpaque } from "./ids.js";
import type { EntraApp, FederatedIdentityCredential, FixtureManagedIdentity, LegacyOAuthApp } from "./model.js";

/**
 * Control operations for the identity side: register Entra apps and legacy Azure DevOps OAuth
 * apps, manage an app's secrets, certificates, federated credentials and admin consent, add its
 * service principal (or a managed identity) to organizations with or without project access,
 * attach managed identities to the emulated VM, and mint app-only tokens without a token request.
 * HTTP routes live under `/_emulator/entra/…` (and `/_emulator/oauth/legacy-apps`).
 */

export type EntraAppSummary = {
  name: string;
  clientId: string;
  tenantId: string;
  adminConsent: boolean;
  signInAudience?: EntraApp["signInAudience"];
  secrets: Array<{ id: string; expiresAt: string; expired: boolean }>;
  certificates: Array<{ thumbprint: string; startsAt: string; expiresAt: string }>;
  federatedCredentials: FederatedIdentityCredential[];
  servicePrincipal: PrincipalSummary;
};

export type PrincipalSummary = {
  clientId: string;
  objectId: string;
  identityId: string;
  displayName: string;
  /** Organizations it was added to, with the projects it sees there (`all` or names). */
  organizations: Array<{ name: string; projects: string[] | "all" }>;
};

export type ManagedIdentitySummary = PrincipalSummary & { kind: "system" | "user"; resourceId?: string; assigned: boolean; tenantId: string };

export type EntraSummary = {
  tenants: Array<{ id: string; displayName: string }>;
  apps: EntraAppSummary[];
  managedIdentities: ManagedIdentitySummary[];
  /** http callback URLs that legacy Azure DevOps OAuth apps refused (they were offered to every app). */
  refusedLegacyRedirectUris: string[];
};

export type RegisterEntraAppInput = {
  name: string;
  tenantId: string;
  clientId?: string;
  /** Default: a random never-expiring secret. */
  clientSecret?: string;
  redirectUris?: string[];
  scopes?: string[];
  adminConsent?: boolean;
  signInAudience?: EntraApp["signInAudience"];
};

export type EntraControl = {
  entra(): EntraSummary;
  registerEntraApp(input: RegisterEntraAppInput): { clientId: string; clientSecret: string; servicePrincipal: PrincipalSummary };
  addClientSecret(input: { clientId: string; value?: string; id?: string; expiresAt?: string }): { id: string; value: string; expiresAt: string };
  removeClientSecret(input: { clientId: string; id: string }): boolean;
  addCertificate(input: { clientId: string; certificatePem: string; startsAt?: string; expiresAt?: string }): { thumbprint: string; x5t: string; x5tS256: string; startsAt: string; expiresAt: string };
  removeCertificate(input: { clientId: string; thumbprint: string }): boolean;
  addFederatedCredential(input: { clientId: string } & FederatedIdentityCredential): FederatedIdentityCredential;
  removeFederatedCredential(input: { clientId: string; name: string }): boolean;
  setAdminConsent(input: { clientId: string; granted: boolean }): void;
  /** Adds (or removes) an app's service principal or a managed identity to an organization; `projects` limits what it sees (default all), `access` readers = read only. */
  setServicePrincipalMembership(input: { clientId: string; organization: string; member: boolean; projects?: string[] | "all"; access?: "contributors" | "readers" }): PrincipalSummary;
  addManagedIdentity(input: Omit<FixtureManagedIdentity, "clientId"> & { clientId?: string }): ManagedIdentitySummary;
  setManagedIdentityAssigned(input: { clientId: string; assigned: boolean }): void;
  /** An app-only Azure DevOps token for a service principal or managed identity, as client credentials would issue it. */
  issueServicePrincipalToken(input: { clientId: string }): Promise<{ accessToken: string; expiresIn: number }>;
  /** Registers a legacy Azure DevOps OAuth app; an http callback URL is refused (400). */
  registerLegacyApp(input: { name: string; redirectUris: string[]; scopes: string[]; clientId?: string; clientSecret?: string }): LegacyOAuthApp;
};

/** Builds the identity control operations over a running emulator. */
export function createEntraControl(host: ControlHost): EntraControl {
  const app = (clientId: string): EntraApp => {
    const found = host.store.entraApps.get(clientId.toLowerCase());
    if (!found) {
      throw new ControlError(404, `No Entra app with client id '${clientId}'.`);
    }
    return found;
  };
  const principal = (clientId: string): ServicePrincipalRecord => {
    const found = host.store.entra.principal(clientId);
    if (!found) {
      throw new ControlError(404, `No service principal or managed identity with client id '${clientId}'.`);
    }
    return found;
  };
  const principalSummary = (record: ServicePrincipalRecord): PrincipalSummary => ({
    clientId: record.clientId,
    objectId: record.objectId,
    identityId: record.identityId,
    displayName: record.displayName,
    organizations: host.store
      .hostsOf("services")
      .filter((org) => org.members.has(record.identityId))
      .map((org) => {
        const visible = host.store.entra.visibleProjects(org, record.identityId);
        return { name: org.name, projects: visible === undefined ? "all" : org.projects.filter((project) => visible.has(project.id.toLowerCase())).map((project) => project.name) };
      }),
  });
  const managedSummary = (record: ServicePrincipalRecord): ManagedIdentitySummary => ({
    ...principalSummary(record),
    kind: record.managedIdentity?.kind ?? "user",
    resourceId: record.managedIdentity?.resourceId,
    assigned: record.managedIdentity?.assigned ?? false,
    tenantId: record.tenantId,
  });
  const wrap = <T>(action: () => T): T => {
    try {
      return action();
    } catch (error) {
      if (error instanceof ControlError) {
        throw error;
      }
      throw new ControlError(400, error instanceof Error ? error.message : String(error));
    }
  };
  return {
    entra: () => {
      const now = host.store.clock.now();
      return {
        tenants: [...host.store.entra.tenants.values()].map((tenant) => ({ ...tenant })),
        apps: [...host.store.entraApps.values()].map((entry) => ({
          name: entry.name,
          clientId: entry.clientId,
          tenantId: entry.tenantId,
          adminConsent: entry.adminConsent !== false,
          signInAudience: entry.signInAudience,
          secrets: (entry.secrets ?? []).map((secret) => ({ id: secret.id ?? guidFrom(`secret/${secret.value}`), expiresAt: secret.expiresAt, expired: Date.parse(secret.expiresAt) <= now })),
          certificates: (entry.certificates ?? []).map((certificate) => {
            const record = certificateRecord(certificate);
            return { thumbprint: record.thumbprint, startsAt: new Date(record.startsAt).toISOString(), expiresAt: new Date(record.expiresAt).toISOString() };
          }),
          federatedCredentials: (entry.federatedCredentials ?? []).map((credential) => ({ ...credential })),
          servicePrincipal: principalSummary(principal(entry.clientId)),
        })),
        managedIdentities: host.store.entra.managedIdentities().map((record) => managedSummary(record)),
        refusedLegacyRedirectUris: [...host.store.entra.refusedRedirectUris],
      };
    },
    registerEntraApp: (input) =>
      wrap(() => {
        const clientId = input.clientId ?? randomGuid();
        if (host.store.entraApps.has(clientId.toLowerCase())) {
          throw new ControlError(409, `An Entra app with client id '${clientId}' already exists.`);
        }
        const registered: EntraApp = {
          name: input.name,
          tenantId: input.tenantId,
          clientId,
          clientSecret: input.clientSecret ?? randomOpaque(30),
          redirectUris: [...(input.redirectUris ?? [])],
          scopes: [...(input.scopes ?? [])],
          adminConsent: input.adminConsent,
          signInAudience: input.signInAudience,
          secrets: [],
          certificates: [],
          federatedCredentials: [],
        };
        host.store.entraApps.set(clientId.toLowerCase(), registered);
        const record = host.store.entra.addApplication(registered);
        return { clientId, clientSecret: registered.clientSecret, servicePrincipal: principalSummary(record) };
      }),
    addClientSecret: (input) => {
      const target = app(input.clientId);
      const value = input.value ?? randomOpaque(30);
      // The portal's default lifetime for a new client secret is 180 days.
      const expiresAt = input.expiresAt ?? new Date(host.store.clock.now() + 180 * 86_400_000).toISOString();
      if (Number.isNaN(Date.parse(expiresAt))) {
        throw new ControlError(400, `expiresAt is not an ISO-8601 instant: ${expiresAt}`);
      }
      const id = input.id ?? guidFrom(`secret/${value}`);
      target.secrets = [...(target.secrets ?? []), { id, value, expiresAt }];
      return { id, value, expiresAt };
    },
    removeClientSecret: (input) => {
      const target = app(input.clientId);
      const before = target.secrets?.length ?? 0;
      target.secrets = (target.secrets ?? []).filter((secret) => (secret.id ?? guidFrom(`secret/${secret.value}`)) !== input.id);
      return target.secrets.length < before;
    },
    addCertificate: (input) =>
      wrap(() => {
        const target = app(input.clientId);
        const certificate = { certificatePem: input.certificatePem, startsAt: input.startsAt, expiresAt: input.expiresAt };
        let record;
        try {
          record = certificateRecord(certificate);
        } catch {
          throw new ControlError(400, "certificatePem is not a PEM X.509 certificate.");
        }
        target.certificates = [...(target.certificates ?? []), certificate];
        return {
          thumbprint: record.thumbprint,
          x5t: record.x5t,
          x5tS256: record.x5tS256,
          startsAt: new Date(record.startsAt).toISOString(),
          expiresAt: new Date(record.expiresAt).toISOString(),
        };
      }),
    removeCertificate: (input) => {
      const target = app(input.clientId);
      const before = target.certificates?.length ?? 0;
      target.certificates = (target.certificates ?? []).filter((certificate) => certificateRecord(certificate).thumbprint !== input.thumbprint.toUpperCase());
      return target.certificates.length < before;
    },
    addFederatedCredential: (input) => {
      const target = app(input.clientId);
      if ((target.federatedCredentials ?? []).some((credential) => credential.name === input.name)) {
        throw new ControlError(409, `The app already has a federated credential named '${input.name}'.`);
      }
      const credential: FederatedIdentityCredential = { name: input.name, issuer: input.issuer, subject: input.subject, audiences: input.audiences ?? ["api://AzureADTokenExchange"] };
      target.federatedCredentials = [...(target.federatedCredentials ?? []), credential];
      return { ...credential };
    },
    removeFederatedCredential: (input) => {
      const target = app(input.clientId);
      const before = target.federatedCredentials?.length ?? 0;
      target.federatedCredentials = (target.federatedCredentials ?? []).filter((credential) => credential.name !== input.name);
      return target.federatedCredentials.length < before;
    },
    setAdminConsent: (input) => {
      app(input.clientId).adminConsent = input.granted;
    },
    setServicePrincipalMembership: (input) =>
      wrap(() => {
        const record = principal(input.clientId);
        host.store.entra.setMembership(record, input.organization, input.member, input.projects ?? "all", input.access ?? "contributors");
        return principalSummary(record);
      }),
    addManagedIdentity: (input) =>
      wrap(() => {
        const clientId = input.clientId ?? randomGuid();
        if (host.store.entra.principal(clientId)) {
          throw new ControlError(409, `A principal with client id '${clientId}' already exists.`);
        }
        return managedSummary(host.store.entra.addManagedIdentity({ ...input, clientId }));
      }),
    setManagedIdentityAssigned: (input) => {
      const record = principal(input.clientId);
      if (!record.managedIdentity) {
        throw new ControlError(400, `'${input.clientId}' is an app's service principal, not a managed identity.`);
      }
      record.managedIdentity.assigned = input.assigned;
    },
    issueServicePrincipalToken: async (input) => {
      const record = principal(input.clientId);
      const token = await issueAppToken(host, record, record.kind === "managedIdentity" ? "0" : "1");
      return { accessToken: token.accessToken, expiresIn: token.expiresIn };
    },
    registerLegacyApp: (input) => {
      const refused = input.redirectUris.find((uri) => !isHttpsCallback(uri));
      if (refused !== undefined) {
        throw new ControlError(400, httpCallbackRefusal(refused));
      }
      const clientId = input.clientId ?? randomGuid();
      if (host.store.legacyApps.has(clientId.toLowerCase())) {
        throw new ControlError(409, `A legacy OAuth app with client id '${clientId}' already exists.`);
      }
      const registered: LegacyOAuthApp = {
        name: input.name,
        clientId,
        clientSecret: input.clientSecret ?? randomOpaque(40),
        redirectUris: [...input.redirectUris],
        scopes: [...input.scopes],
      };
      host.store.legacyApps.set(clientId.toLowerCase(), registered);
      return { ...registered, redirectUris: [...registered.redirectUris], scopes: [...registered.scopes] };
    },
  };
}

const iso = z.string().refine((value) => !Number.isNaN(Date.parse(value)), "must be an ISO-8601 instant");
const access = z.enum(["contributors", "readers"]);
const memberships = z.array(z.object({ name: z.string().min(1), projects: z.union([z.literal("all"), z.array(z.string())]).optional(), access: access.optional() }));

const schemas = {
  registerApp: z.object({
    name: z.string().min(1),
    tenantId: z.string().min(1),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    redirectUris: z.array(z.string()).optional(),
    scopes: z.array(z.string()).optional(),
    adminConsent: z.boolean().optional(),
    signInAudience: z.enum(["AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount"]).optional(),
  }),
  secret: z.object({ value: z.string().min(1).optional(), id: z.string().min(1).optional(), expiresAt: iso.optional() }),
  certificate: z.object({ certificatePem: z.string().min(1), startsAt: iso.optional(), expiresAt: iso.optional() }),
  federated: z.object({ name: z.string().min(1), issuer: z.string().min(1), subject: z.string().min(1), audiences: z.array(z.string().min(1)).min(1).optional() }),
  consent: z.object({ granted: z.boolean() }),
  membership: z.object({
    clientId: z.string().min(1),
    organization: z.string().min(1),
    member: z.boolean(),
    projects: z.union([z.literal("all"), z.array(z.string())]).optional(),
    access: access.optional(),
  }),
  managedIdentity: z.object({
    name: z.string().min(1),
    tenantId: z.string().min(1),
    clientId: z.string().min(1).optional(),
    kind: z.enum(["system", "user"]),
    resourceId: z.string().min(1).optional(),
    assigned: z.boolean().optional(),
    objectId: z.string().min(1).optional(),
    identityId: z.string().min(1).optional(),
    organizations: memberships.optional(),
  }),
  assignment: z.object({ assigned: z.boolean() }),
  token: z.object({ clientId: z.string().min(1) }),
  legacyApp: z.object({
    name: z.string().min(1),
    redirectUris: z.array(z.string()).min(1),
    scopes: z.array(z.string()),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
  }),
};

/** Handles the identity routes; returns false when the route is not one of them. `segments` are after `_emulator`. */
export async function handleEntraControlRequest(control: EntraControl, ctx: RequestContext, segments: string[]): Promise<boolean> {
  const [area, collection, id, child, childId] = segments;
  const method = ctx.method;
  if (area === "oauth" && collection === "legacy-apps" && segments.length === 2 && method === "POST") {
    sendJson(ctx, 201, control.registerLegacyApp(controlInput(ctx, schemas.legacyApp)));
    return true;
  }
  if (area !== "entra") {
    return false;
  }
  if (segments.length === 1 && method === "GET") {
    sendJson(ctx, 200, control.entra());
    return true;
  }
  if (collection === "apps" && segments.length === 2 && method === "POST") {
    sendJson(ctx, 201, control.registerEntraApp(controlInput(ctx, schemas.registerApp)));
    return true;
  }
  if (collection === "apps" && id !== undefined) {
    if (child === "secrets" && segments.length === 4 && method === "POST") {
      sendJson(ctx, 201, control.addClientSecret({ clientId: id, ...controlInput(ctx, schemas.secret) }));
      return true;
    }
    if (child === "secrets" && childId !== undefined && segments.length === 5 && method === "DELETE") {
      const removed = control.removeClientSecret({ clientId: id, id: childId });
      sendJson(ctx, removed ? 200 : 404, { ok: removed });
      return true;
    }
    if (child === "certificates" && segments.length === 4 && method === "POST") {
      sendJson(ctx, 201, control.addCertificate({ clientId: id, ...controlInput(ctx, schemas.certificate) }));
      return true;
    }
    if (child === "certificates" && childId !== undefined && segments.length === 5 && method === "DELETE") {
      const removed = control.removeCertificate({ clientId: id, thumbprint: childId });
      sendJson(ctx, removed ? 200 : 404, { ok: removed });
      return true;
    }
    if (child === "federated-credentials" && segments.length === 4 && method === "POST") {
      sendJson(ctx, 201, control.addFederatedCredential({ clientId: id, ...controlInput(ctx, schemas.federated) }));
      return true;
    }
    if (child === "federated-credentials" && childId !== undefined && segments.length === 5 && method === "DELETE") {
      const removed = control.removeFederatedCredential({ clientId: id, name: childId });
      sendJson(ctx, removed ? 200 : 404, { ok: removed });
      return true;
    }
    if (child === "consent" && segments.length === 4 && method === "POST") {
      control.setAdminConsent({ clientId: id, granted: controlInput(ctx, schemas.consent).granted });
      sendJson(ctx, 200, { ok: true });
      return true;
    }
  }
  if (collection === "service-principals" && id === "memberships" && segments.length === 3 && method === "POST") {
    sendJson(ctx, 200, control.setServicePrincipalMembership(controlInput(ctx, schemas.membership)));
    return true;
  }
  if (collection === "managed-identities" && segments.length === 2 && method === "POST") {
    sendJson(ctx, 201, control.addManagedIdentity(controlInput(ctx, schemas.managedIdentity)));
    return true;
  }
  if (collection === "managed-identities" && id !== undefined && child === "assignment" && segments.length === 4 && method === "POST") {
    control.setManagedIdentityAssigned({ clientId: id, assigned: controlInput(ctx, schemas.assignment).assigned });
    sendJson(ctx, 200, { ok: true });
    return true;
  }
  if (collection === "tokens" && segments.length === 2 && method === "POST") {
    sendJson(ctx, 201, await control.issueServicePrincipalToken(controlInput(ctx, schemas.token)));
    return true;
  }
  return false;
}
