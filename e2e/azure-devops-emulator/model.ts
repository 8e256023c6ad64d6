/**
 * Fixture format: the data an emulator run starts from. Everything here is plain data so
 * fixtures can be written as literals, generated, or sent over the wire.
 */

/**
 * Which product a deployment emulates; decides the api-version ceiling and on-prem behaviour.
 * `azure-devops-server` is the yearless "Azure DevOps Server" Microsoft shipped in December
 * 2025 (file version 20.x; REST API ceiling 7.2): its name has no year, so neither has this id.
 */
export type Product = "services" | "tfs2018" | "server2019" | "server2020" | "server2022.1" | "azure-devops-server";

/** On-premises products only. */
export type ServerProduct = Exclude<Product, "services">;

export type FixtureUser = {
  /** Identity id; also the profile id / publicAlias / memberId on Services. */
  id: string;
  displayName: string;
  /** Sign-in name: email for cloud users, used as uniqueName / preferred_username. */
  email: string;
  /**
   * `work` = Microsoft Entra ID account, `personal` = Microsoft account (MSA), `onPremises` =
   * Windows account, `servicePrincipal` = an Entra app's service principal or a managed identity
   * (never listed in `Fixture.users`: the emulator derives it from the app registration).
   */
  kind: "work" | "personal" | "onPremises" | "servicePrincipal";
  /** Entra tenant of a work account. */
  tenantId?: string;
  /** Windows account of an on-premises user, e.g. `FABRIKAM\\jdoe`. */
  domainAccount?: string;
  /** Service principals: the application (client) id and the Entra object id of the principal. */
  appId?: string;
  objectId?: string;
};

export type FixtureBranch = {
  /** Short name without `refs/heads/`, e.g. `main` or `feature/login`. */
  name: string;
  /** Number of commits this branch adds on top of its fork point (or from the root). */
  commits: number;
  /** Branch this one forks from (its first commit's parent is a commit of that branch). */
  from?: string;
  /** 0-based index in `from`'s own commits that is the fork point; default its last commit. */
  forkPoint?: number;
  /**
   * What the repository's build script does on this branch (default `passing`): `failing`
   * makes its test step exit 1, `slow` makes its build step run for minutes (see
   * git-content.ts). The branch's first commit writes `ci/build.conf` accordingly.
   */
  build?: "passing" | "failing" | "slow";
};

export type FixtureRepository = {
  id: string;
  name: string;
  /** No branches = an empty repository: no defaultBranch, no refs, no commits. */
  branches?: FixtureBranch[];
  /** Short branch name; default the first branch. */
  defaultBranch?: string;
  /** Lightweight tags on the default branch's tip. */
  tags?: string[];
  isDisabled?: boolean;
  isInMaintenance?: boolean;
  /** Hidden repositories (e.g. a project wiki) appear only with `includeHidden=true`. */
  hidden?: boolean;
  /** Marks a fork: parent repository by project name and repository name in the same host. */
  forkOf?: { project: string; repository: string };
  /** Compressed size in bytes; default derived from the commit count. */
  size?: number;
};

export type ProjectState = "deleting" | "new" | "wellFormed" | "createPending" | "unchanged" | "deleted";

export type FixtureProject = {
  id: string;
  name: string;
  description?: string;
  visibility?: "private" | "public";
  state?: ProjectState;
  lastUpdateTime?: string;
  repositories: FixtureRepository[];
};

/** Compact description of many generated projects/repositories (built lazily at start-up). */
export type GeneratedProjects = {
  projects: number;
  reposPerProject: number;
  branchesPerRepo?: number;
  commitsPerBranch?: number;
  /** Prefix for project names; default `Project`. */
  projectPrefix?: string;
  /** Seed for ids; default the host name. */
  seed?: string;
};

/** An organization (Services) or a project collection (Server). */
export type FixtureHost = {
  name: string;
  id: string;
  /** User ids that belong to this organization/collection. */
  members: string[];
  projects: FixtureProject[];
  /** Extra generated projects appended after `projects`. */
  generated?: GeneratedProjects;
  /** Organization policy "Third-party application access via OAuth" (Services only); default true. */
  oauthPolicy?: boolean;
  /** Entra tenant backing the organization (Services only). */
  tenantId?: string;
};

export type FaultScope = {
  /** Deployment name; omitted = every deployment. */
  deployment?: string;
  /** Only requests whose path starts with this (case-insensitive). */
  pathPrefix?: string;
  /** Only this HTTP method. */
  method?: string;
};

/** A fault applied to matching requests; see faults.ts. The control API never gets faults. */
export type FaultSpec = FaultScope &
  (
    | { kind: "latency"; ms: number }
    | { kind: "error"; status?: number; every?: number; times?: number }
    | { kind: "rateLimit"; after: number; retryAfterSeconds?: number; windowSeconds?: number; warnWithin?: number }
    | { kind: "reset"; every?: number; times?: number }
    | { kind: "hang"; every?: number; times?: number }
  );

export type FixtureServices = {
  organizations: FixtureHost[];
  tls?: boolean;
};

export type FixtureServer = {
  /** Deployment name, e.g. `server2022`. */
  name: string;
  product: ServerProduct;
  /** Virtual directory, `/tfs` or empty for the web site root. */
  pathPrefix?: string;
  /**
   * The server's configured public URL (TfsConfig /publicURL), without the collection,
   * e.g. `http://localhost:8080/tfs`. Default: the listener's own URL plus pathPrefix.
   */
  publicUrl?: string;
  tls?: boolean;
  collections: FixtureHost[];
};

export type FixturePat = {
  token: string;
  /** Human label (the PAT's display name). */
  label: string;
  userId: string;
  /** `full` = "Full access"; otherwise vso.* scopes. */
  scopes: string[] | "full";
  /** `services` or a server deployment name. */
  deployment: string;
  /** Organization/collection names, or `all` (Services: "All accessible organizations"). */
  organizations: string[] | "all";
  expiresAt: string;
  revoked?: boolean;
};

export type LegacyOAuthApp = {
  name: string;
  /** Application (client) id, a GUID. */
  clientId: string;
  clientSecret: string;
  /** Registered callback URLs; `/oauth2/authorize` requires an exact match. */
  redirectUris: string[];
  /** Registered scopes; a request may ask for these or fewer. */
  scopes: string[];
};

export type EntraApp = {
  name: string;
  tenantId: string;
  clientId: string;
  /** A client secret that never expires (`secrets` adds ones with an expiry). */
  clientSecret: string;
  redirectUris: string[];
  /** Azure DevOps delegated permissions configured on the app (what `/.default` grants). */
  scopes: string[];
  /** More client secrets ("Certificates & secrets"), each with its expiry. */
  secrets?: EntraClientSecret[];
  /** Certificates registered on the app (public part only); client assertions signed with their keys authenticate it. */
  certificates?: EntraCertificate[];
  /** Federated identity credentials: external issuers whose tokens the app accepts as client assertions. */
  federatedCredentials?: FederatedIdentityCredential[];
  /** Admin consent granted in the tenant for the app's delegated permissions; default true. */
  adminConsent?: boolean;
  /** Supported account types; default `AzureADMultipleOrgs` (any work account, no personal accounts). */
  signInAudience?: "AzureADMyOrg" | "AzureADMultipleOrgs" | "AzureADandPersonalMicrosoftAccount";
  /** The app's service principal in its tenant and the Azure DevOps organizations it was added to. */
  servicePrincipal?: FixtureServicePrincipal;
};

export type EntraClientSecret = {
  /** The secret's id (the portal's "Secret ID"); default derived from the value. */
  id?: string;
  value: string;
  /** ISO instant. */
  expiresAt: string;
};

export type EntraCertificate = {
  /** PEM of the X.509 certificate (no private key). */
  certificatePem: string;
  /** Registration window; default the certificate's own notBefore/notAfter. */
  startsAt?: string;
  expiresAt?: string;
};

export type FederatedIdentityCredential = {
  name: string;
  /** Exact `iss` of the external token; its OpenID configuration and JWKS are fetched from here. */
  issuer: string;
  /** Exact `sub` of the external token. */
  subject: string;
  /** Default `["api://AzureADTokenExchange"]`. */
  audiences?: string[];
};

/** Where Azure DevOps knows a service principal or managed identity. */
export type FixtureServicePrincipal = {
  /** Entra object id of the service principal (not of the app registration); default derived. */
  objectId?: string;
  /** Its Azure DevOps identity id (what connectionData and profiles report); default derived. */
  identityId?: string;
  /**
   * Organizations (Services) it was added to, the projects it can see there (default all), and
   * its group there: `contributors` (default) may write, `readers` may only read (no commit
   * statuses, pull-request threads or pushes).
   */
  organizations?: Array<{ name: string; projects?: string[] | "all"; access?: PrincipalAccess }>;
};

/** A principal's group in an organization's projects: Contributors, or Readers (read only). */
export type PrincipalAccess = "contributors" | "readers";

/** A managed identity the emulated Azure VM can use through the instance metadata endpoint. */
export type FixtureManagedIdentity = FixtureServicePrincipal & {
  name: string;
  tenantId: string;
  /** The identity's client (application) id. */
  clientId: string;
  /** `system`: the VM's own identity (chosen when the request names none); `user`: user-assigned. */
  kind: "system" | "user";
  /** Azure resource id of a user-assigned identity (the `msi_res_id` selector). */
  resourceId?: string;
  /** Attached to the emulated VM; default true. */
  assigned?: boolean;
};

/** An Entra tenant (directory); its display name appears in AADSTS messages. */
export type FixtureTenant = { id: string; displayName: string };

export type Fixture = {
  name: string;
  description?: string;
  users: FixtureUser[];
  services?: FixtureServices;
  servers?: FixtureServer[];
  pats: FixturePat[];
  oauth: { legacy: LegacyOAuthApp[]; entra: EntraApp[] };
  faults?: FaultSpec[];
  /** Entra tenants with display names (others are known by id only). */
  tenants?: FixtureTenant[];
  /** Managed identities of the emulated Azure VM (instance metadata endpoint). */
  managedIdentities?: FixtureManagedIdentity[];
};
