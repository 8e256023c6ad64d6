import { createHash, X509Certificate, type KeyObject } from "node:crypto";
import { guidFrom } from "./ids.js";
import type {
  EntraApp,
  EntraCertificate,
  Fixture,
  FixtureManagedIdentity,
  FixtureServicePrincipal,
  FixtureTenant,
  FixtureUser,
  PrincipalAccess,
} from "./model.js";
import type { HostRecord, Store } from "./store.js";

/**
 * The Microsoft Entra side of the emulator's state: tenants, every app's service principal,
 * managed identities, and where Azure DevOps knows those principals (organizations and the
 * projects they may see). Rebuilt with the store on reset.
 *
 * A service principal is also a `FixtureUser` of kind `servicePrincipal` in `store.users`, so
 * the REST API's existing authentication, membership and identity code serves it unchanged.
 */

export type ServicePrincipalRecord = {
  kind: "application" | "managedIdentity";
  clientId: string;
  tenantId: string;
  /** Entra object id of the service principal. */
  objectId: string;
  /** Azure DevOps identity id. */
  identityId: string;
  displayName: string;
  user: FixtureUser;
  /** Managed identities only. */
  managedIdentity?: { kind: "system" | "user"; resourceId?: string; assigned: boolean };
};

/** A certificate registered on an app, with what client assertions name it by. */
export type CertificateRecord = {
  /** Upper-case hex SHA-1 thumbprint (what the portal shows). */
  thumbprint: string;
  /** base64url SHA-1 / SHA-256 of the DER: the `x5t` / `x5t#S256` assertion headers. */
  x5t: string;
  x5tS256: string;
  publicKey: KeyObject;
  startsAt: number;
  expiresAt: number;
};

/** The emulator's only Azure DevOps resource: app id and the URI form (docs/azure-devops-facts.md §3.3). */
export const AZURE_DEVOPS_RESOURCES = ["499b84ac-1321-427f-aa17-267ca6975798", "https://app.vssps.visualstudio.com"] as const;

/** Azure DevOps OAuth apps accept only https callbacks; https://localhost is allowed (docs/azure-devops-facts.md §3.1). */
export function isHttpsCallback(uri: string): boolean {
  try {
    return new URL(uri).protocol === "https:";
  } catch {
    return false;
  }
}

/** The refusal for an http callback, at registration and at /oauth2/authorize (emulator's wording). */
export function httpCallbackRefusal(uri: string): string {
  return `The callback URL '${uri}' is not allowed: Azure DevOps OAuth apps require an https callback URL (https://localhost is allowed for local development).`;
}

/** The parsed certificate of a registration. */
export function certificateRecord(certificate: EntraCertificate): CertificateRecord {
  const x509 = new X509Certificate(certificate.certificatePem);
  const der = x509.raw;
  return {
    thumbprint: createHash("sha1").update(der).digest("hex").toUpperCase(),
    x5t: createHash("sha1").update(der).digest("base64url"),
    x5tS256: createHash("sha256").update(der).digest("base64url"),
    publicKey: x509.publicKey,
    startsAt: Date.parse(certificate.startsAt ?? x509.validFrom),
    expiresAt: Date.parse(certificate.expiresAt ?? x509.validTo),
  };
}

/** Deterministic ids of an app's service principal (Entra object id, Azure DevOps identity id). */
export function servicePrincipalIds(clientId: string, given: FixtureServicePrincipal | undefined): { objectId: string; identityId: string } {
  return {
    objectId: given?.objectId ?? guidFrom(`entra/service-principal/${clientId.toLowerCase()}`),
    identityId: given?.identityId ?? guidFrom(`azure-devops/service-principal/${clientId.toLowerCase()}`),
  };
}

export class EntraDirectory {
  readonly tenants = new Map<string, FixtureTenant>();
  /** By client id (lower case). */
  readonly principals = new Map<string, ServicePrincipalRecord>();
  /** Callback URLs offered to every app that a legacy Azure DevOps app refused (http). */
  readonly refusedRedirectUris: string[] = [];
  /** `deployment/host` (lower case) → identity id (lower case) → visible project ids (lower case). */
  private readonly projectAccess = new Map<string, Map<string, Set<string>>>();
  /** `deployment/host/identity` (lower case) of principals that are Readers there (may not write). */
  private readonly readers = new Set<string>();
  private readonly store: Store;

  constructor(store: Store, fixture: Fixture, extraRedirectUris: readonly string[]) {
    this.store = store;
    for (const tenant of fixture.tenants ?? []) {
      this.tenants.set(tenant.id.toLowerCase(), tenant);
    }
    this.enforceHttpsCallbacks(fixture, extraRedirectUris);
    for (const app of store.entraApps.values()) {
      // The store's copy shares these arrays with the fixture: copy them so run-time changes
      // (control API) never leak into the next reset.
      app.secrets = (app.secrets ?? []).map((secret) => ({ ...secret }));
      app.certificates = (app.certificates ?? []).map((certificate) => ({ ...certificate }));
      app.federatedCredentials = (app.federatedCredentials ?? []).map((credential) => ({ ...credential, audiences: credential.audiences === undefined ? undefined : [...credential.audiences] }));
      this.addApplication(app);
    }
    for (const identity of fixture.managedIdentities ?? []) {
      this.addManagedIdentity(identity);
    }
  }

  /** Legacy apps: an http callback in the fixture is an error; http callbacks offered to every app are refused. */
  private enforceHttpsCallbacks(fixture: Fixture, extraRedirectUris: readonly string[]): void {
    for (const app of fixture.oauth.legacy) {
      const bad = app.redirectUris.find((uri) => !isHttpsCallback(uri));
      if (bad !== undefined) {
        throw new Error(`Legacy OAuth app '${app.name}': ${httpCallbackRefusal(bad)}`);
      }
    }
    const refused = extraRedirectUris.filter((uri) => !isHttpsCallback(uri));
    if (refused.length === 0) {
      return;
    }
    this.refusedRedirectUris.push(...refused);
    for (const app of this.store.legacyApps.values()) {
      app.redirectUris = app.redirectUris.filter((uri) => isHttpsCallback(uri));
    }
  }

  /** Adds (or replaces) an app's service principal and applies its organization memberships. */
  addApplication(app: EntraApp): ServicePrincipalRecord {
    const ids = servicePrincipalIds(app.clientId, app.servicePrincipal);
    const record = this.register({
      kind: "application",
      clientId: app.clientId,
      tenantId: app.tenantId,
      ...ids,
      displayName: app.name,
    });
    for (const membership of app.servicePrincipal?.organizations ?? []) {
      this.setMembership(record, membership.name, true, membership.projects ?? "all", membership.access);
    }
    return record;
  }

  /** Adds (or replaces) a managed identity. */
  addManagedIdentity(identity: FixtureManagedIdentity): ServicePrincipalRecord {
    const ids = servicePrincipalIds(identity.clientId, identity);
    const record = this.register({
      kind: "managedIdentity",
      clientId: identity.clientId,
      tenantId: identity.tenantId,
      ...ids,
      displayName: identity.name,
      managedIdentity: { kind: identity.kind, resourceId: identity.resourceId, assigned: identity.assigned ?? true },
    });
    for (const membership of identity.organizations ?? []) {
      this.setMembership(record, membership.name, true, membership.projects ?? "all", membership.access);
    }
    return record;
  }

  private register(input: Omit<ServicePrincipalRecord, "user">): ServicePrincipalRecord {
    const user: FixtureUser = {
      id: input.identityId,
      displayName: input.displayName,
      email: "",
      kind: "servicePrincipal",
      tenantId: input.tenantId,
      appId: input.clientId,
      objectId: input.objectId,
    };
    const record: ServicePrincipalRecord = { ...input, user };
    this.principals.set(input.clientId.toLowerCase(), record);
    this.store.users.set(user.id.toLowerCase(), user);
    return record;
  }

  /** A service principal or managed identity by client id. */
  principal(clientId: string): ServicePrincipalRecord | undefined {
    return this.principals.get(clientId.toLowerCase());
  }

  /** The service principal behind an Azure DevOps identity id. */
  principalByIdentity(identityId: string): ServicePrincipalRecord | undefined {
    const wanted = identityId.toLowerCase();
    return [...this.principals.values()].find((record) => record.identityId.toLowerCase() === wanted);
  }

  /** Managed identities of the emulated VM. */
  managedIdentities(): ServicePrincipalRecord[] {
    return [...this.principals.values()].filter((record) => record.kind === "managedIdentity");
  }

  /** True when the tenant segment names a tenant the emulator hosts. */
  knownTenant(tenant: string): boolean {
    const lower = tenant.toLowerCase();
    if (this.tenants.has(lower)) {
      return true;
    }
    return (
      [...this.store.entraApps.values()].some((app) => app.tenantId.toLowerCase() === lower) ||
      [...this.store.users.values()].some((user) => user.tenantId?.toLowerCase() === lower)
    );
  }

  /** A tenant's display name (its id when the fixture names none). */
  tenantName(tenant: string): string {
    return this.tenants.get(tenant.toLowerCase())?.displayName ?? tenant;
  }

  /**
   * Adds or removes a principal from an organization (Services); `projects` limits what it sees
   * there, `group` whether it may write (Contributors) or only read (Readers).
   */
  setMembership(record: ServicePrincipalRecord, organization: string, member: boolean, projects: readonly string[] | "all" = "all", group: PrincipalAccess = "contributors"): HostRecord {
    const host = this.store.host("services", organization);
    if (!host) {
      throw new Error(`No organization '${organization}' in the Services deployment.`);
    }
    const key = `${host.deployment}/${host.name}`.toLowerCase();
    const access = this.projectAccess.get(key) ?? new Map<string, Set<string>>();
    this.projectAccess.set(key, access);
    const identity = record.identityId.toLowerCase();
    if (member && group === "readers") {
      this.readers.add(`${key}/${identity}`);
    } else {
      this.readers.delete(`${key}/${identity}`);
    }
    if (!member) {
      host.members.delete(record.identityId);
      access.delete(identity);
      return host;
    }
    host.members.add(record.identityId);
    if (projects === "all") {
      access.delete(identity);
      return host;
    }
    const visible = new Set<string>();
    for (const name of projects) {
      const project = this.store.project(host, name);
      if (!project) {
        throw new Error(`No project '${name}' in '${organization}'.`);
      }
      visible.add(project.id.toLowerCase());
    }
    access.set(identity, visible);
    return host;
  }

  /** True when the principal is only a Reader in the host (it may not write). */
  isReader(host: HostRecord, identityId: string): boolean {
    return this.readers.has(`${host.deployment}/${host.name}/${identityId}`.toLowerCase());
  }

  /** The projects a principal may see in a host, or undefined when it sees all of them. */
  visibleProjects(host: HostRecord, identityId: string): ReadonlySet<string> | undefined {
    return this.projectAccess.get(`${host.deployment}/${host.name}`.toLowerCase())?.get(identityId.toLowerCase());
  }
}

/**
 * The host as a principal sees it: without the projects (and their repositories) it has no
 * access to. Azure DevOps answers for those exactly as for projects that do not exist.
 */
export function visibleHost(store: Store, host: HostRecord, user: FixtureUser): HostRecord {
  const visible = store.entra.visibleProjects(host, user.id);
  if (visible === undefined) {
    return host;
  }
  const projects = host.projects.filter((project) => visible.has(project.id.toLowerCase()));
  const allowed = new Set(projects);
  return {
    ...host,
    projects,
    projectsById: new Map([...host.projectsById].filter(([, project]) => allowed.has(project))),
    projectsByName: new Map([...host.projectsByName].filter(([, project]) => allowed.has(project))),
    reposById: new Map([...host.reposById].filter(([, repo]) => allowed.has(repo.project))),
  };
}
