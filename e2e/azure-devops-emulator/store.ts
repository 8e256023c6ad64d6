import { Clock } from "./clock.js";
import { EntraDirectory } from "./entra-directory.js";
import { guidFrom, randomPat } from "./ids.js";
import type {
  EntraApp,
  Fixture,
  FixtureBranch,
  FixtureHost,
  FixturePat,
  FixtureProject,
  FixtureRepository,
  FixtureUser,
  LegacyOAuthApp,
  Product,
  ProjectState,
} from "./model.js";

/**
 * The emulator's mutable state, built from a fixture. `reset()` on the emulator throws the
 * whole store away and builds a fresh one, so nothing here needs an undo log.
 */

export type GitUserDate = { name: string; email: string; date: string };

export type CommitRecord = {
  id: string;
  parents: string[];
  treeId: string;
  author: GitUserDate;
  committer: GitUserDate;
  comment: string;
  pushId?: number;
};

export type StatusRecord = {
  id: number;
  state: string;
  description?: string;
  targetUrl?: string;
  context: { name: string; genre?: string };
  creationDate: string;
  updatedDate: string;
  createdById: string;
  iterationId?: number;
};

export type RefRecord = { name: string; objectId: string; creatorId?: string; /** The commit an annotated tag points at. */ peeledObjectId?: string };

/** A push: through git (http-backend) or the control API. */
export type PushRecord = {
  pushId: number;
  date: string;
  pushedById: string;
  refUpdates: Array<{ name: string; oldObjectId: string; newObjectId: string }>;
  /** New commits of the push, newest first. */
  commitIds: string[];
};

export type GitData = {
  refs: Map<string, RefRecord>;
  commits: Map<string, CommitRecord>;
  statuses: Map<string, StatusRecord[]>;
  nextStatusId: number;
  nextPushId: number;
  pushes: PushRecord[];
};

export type RepoRecord = {
  id: string;
  name: string;
  /** The name in the fixture: the generated history depends on it, not on later renames. */
  initialName: string;
  project: ProjectRecord;
  host: HostRecord;
  isDisabled: boolean;
  isInMaintenance: boolean;
  hidden: boolean;
  sizeHint?: number;
  forkOf?: { project: string; repository: string };
  branchSpecs: FixtureBranch[];
  defaultBranchName?: string;
  tags: string[];
  /** Read from the bare repository built on first use (git-backend.ts), so large estates start fast. */
  git?: GitData;
};

export type ProjectRecord = {
  id: string;
  name: string;
  description?: string;
  visibility: "private" | "public";
  state: ProjectState;
  lastUpdateTime: string;
  revision: number;
  host: HostRecord;
  repos: RepoRecord[];
};

export type SubscriptionRecord = {
  id: string;
  publisherId: string;
  eventType: string;
  resourceVersion: string;
  consumerId: string;
  consumerActionId: string;
  publisherInputs: Record<string, string>;
  consumerInputs: Record<string, string>;
  status: string;
  createdById: string;
  createdDate: string;
  modifiedById: string;
  modifiedDate: string;
  /** Failed retries while on probation (service-hook delivery, hooks.ts). */
  probationRetries?: number;
  lastProbationRetryDate?: string;
};

export type HostRecord = {
  kind: "organization" | "collection";
  deployment: string;
  product: Product;
  name: string;
  id: string;
  members: Set<string>;
  oauthPolicy: boolean;
  tenantId?: string;
  /** Sorted by name (case-insensitive), the order list endpoints return. */
  projects: ProjectRecord[];
  projectsById: Map<string, ProjectRecord>;
  projectsByName: Map<string, ProjectRecord>;
  reposById: Map<string, RepoRecord>;
  subscriptions: Map<string, SubscriptionRecord>;
  /**
   * Users who may not manage service-hook subscriptions (the project-level "Edit subscriptions"
   * permission, which Project Administrators have): create, replace and delete answer 403.
   */
  hookEditorsDenied: Set<string>;
};

export type PatRecord = FixturePat & { createdAt: string; revoked: boolean };

export type OAuthProvider = "legacy" | "entra";

export type GrantRecord = {
  id: string;
  provider: OAuthProvider;
  clientId: string;
  userId: string;
  scopes: string[];
  revoked: boolean;
};

export type AccessTokenRecord = {
  token: string;
  provider: OAuthProvider;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
};

export type RefreshTokenRecord = {
  token: string;
  provider: OAuthProvider;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  /** Rotation: a refresh token works once; its successor replaces it. */
  used: boolean;
  revoked: boolean;
  expiresAt: number;
};

export type AuthCodeRecord = {
  code: string;
  provider: OAuthProvider;
  clientId: string;
  userId: string;
  scopes: string[];
  redirectUri: string;
  expiresAt: number;
  used: boolean;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  tenantId?: string;
};

const HISTORY_START_MS = Date.UTC(2024, 0, 8, 9, 0, 0);
/** Creation time of fixture PATs (before any generated history). */
const HISTORY_START_ISO = new Date(HISTORY_START_MS - 30 * 86_400_000).toISOString();

/** The full default branch ref name, or undefined for an empty repository. */
export function defaultBranchRef(repo: RepoRecord): string | undefined {
  if (repo.defaultBranchName === undefined) {
    return undefined;
  }
  const name = `refs/heads/${repo.defaultBranchName}`;
  // A default branch that a simulated push deleted no longer exists.
  if (repo.git && !repo.git.refs.has(name)) {
    return undefined;
  }
  return name;
}

const GENERATED_WORDS = ["api", "web", "ios", "android", "infra", "docs", "payments", "search", "auth", "design"];

/** Expands a host's generated projects (compact spec) into fixture projects. */
function generatedProjects(host: FixtureHost): FixtureProject[] {
  const spec = host.generated;
  if (!spec) {
    return [];
  }
  const seed = spec.seed ?? host.name;
  const prefix = spec.projectPrefix ?? "Project";
  const branchesPerRepo = Math.max(1, spec.branchesPerRepo ?? 3);
  const commitsPerBranch = Math.max(1, spec.commitsPerBranch ?? 4);
  const branches: FixtureBranch[] = [{ name: "main", commits: commitsPerBranch }];
  for (let b = 1; b < branchesPerRepo; b += 1) {
    branches.push({ name: `feature/change-${b}`, commits: 1 + (b % 3), from: "main" });
  }
  const width = String(spec.projects).length < 4 ? 4 : String(spec.projects).length;
  const projects: FixtureProject[] = [];
  for (let p = 0; p < spec.projects; p += 1) {
    const number = String(p + 1).padStart(width, "0");
    const name = `${prefix}-${number}`;
    const repositories: FixtureRepository[] = [];
    for (let r = 0; r < spec.reposPerProject; r += 1) {
      const word = GENERATED_WORDS[r % GENERATED_WORDS.length] ?? "repo";
      const repoName = `${prefix.toLowerCase()}-${number}-${word}-${String(r + 1).padStart(2, "0")}`;
      repositories.push({ id: guidFrom(`${seed}/repo/${p}/${r}`), name: repoName, branches });
    }
    projects.push({
      id: guidFrom(`${seed}/project/${p}`),
      name,
      description: `Generated project ${number}`,
      repositories,
    });
  }
  return projects;
}

/** Case-insensitive name comparison used for sorting like the service does. */
export function byName(a: { name: string }, b: { name: string }): number {
  const left = a.name.toLowerCase();
  const right = b.name.toLowerCase();
  if (left < right) {
    return -1;
  }
  if (left > right) {
    return 1;
  }
  return 0;
}

/** Builds the runtime record of one organization or collection. */
function buildHost(fixture: FixtureHost, deployment: string, product: Product): HostRecord {
  const host: HostRecord = {
    kind: product === "services" ? "organization" : "collection",
    deployment,
    product,
    name: fixture.name,
    id: fixture.id,
    members: new Set(fixture.members),
    oauthPolicy: fixture.oauthPolicy ?? true,
    tenantId: fixture.tenantId,
    projects: [],
    projectsById: new Map(),
    projectsByName: new Map(),
    reposById: new Map(),
    subscriptions: new Map(),
    hookEditorsDenied: new Set(),
  };
  const allProjects = [...fixture.projects, ...generatedProjects(fixture)];
  for (const [index, spec] of allProjects.entries()) {
    const project: ProjectRecord = {
      id: spec.id,
      name: spec.name,
      description: spec.description,
      visibility: spec.visibility ?? "private",
      state: spec.state ?? "wellFormed",
      lastUpdateTime: spec.lastUpdateTime ?? new Date(HISTORY_START_MS - (index + 1) * 86_400_000).toISOString(),
      revision: 400 + index * 7,
      host,
      repos: [],
    };
    for (const repoSpec of spec.repositories) {
      const branchSpecs = repoSpec.branches ?? [];
      const repo: RepoRecord = {
        id: repoSpec.id,
        name: repoSpec.name,
        initialName: repoSpec.name,
        project,
        host,
        isDisabled: repoSpec.isDisabled ?? false,
        isInMaintenance: repoSpec.isInMaintenance ?? false,
        hidden: repoSpec.hidden ?? false,
        sizeHint: repoSpec.size,
        forkOf: repoSpec.forkOf,
        branchSpecs,
        defaultBranchName: branchSpecs.length === 0 ? undefined : (repoSpec.defaultBranch ?? branchSpecs[0]?.name),
        tags: repoSpec.tags ?? [],
      };
      project.repos.push(repo);
      host.reposById.set(repo.id.toLowerCase(), repo);
    }
    project.repos.sort(byName);
    host.projects.push(project);
    host.projectsById.set(project.id.toLowerCase(), project);
    host.projectsByName.set(project.name.toLowerCase(), project);
  }
  host.projects.sort(byName);
  return host;
}

/** The emulator's state for one fixture. */
export class Store {
  readonly fixture: Fixture;
  readonly clock: Clock;
  readonly users = new Map<string, FixtureUser>();
  /** deployment name → lower-case host name → host. */
  readonly hosts = new Map<string, Map<string, HostRecord>>();
  readonly pats = new Map<string, PatRecord>();
  readonly legacyApps = new Map<string, LegacyOAuthApp>();
  readonly entraApps = new Map<string, EntraApp>();
  readonly codes = new Map<string, AuthCodeRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly grants = new Map<string, GrantRecord>();
  /** Entra tenants, service principals, managed identities and their Azure DevOps memberships. */
  readonly entra: EntraDirectory;
  /** Lifetime of newly issued OAuth access tokens. */
  accessTokenLifetimeSeconds = 3600;
  /** Lifetime of newly issued refresh tokens (Entra's default inactivity window is 90 days). */
  refreshTokenLifetimeSeconds = 90 * 86_400;
  nextNotificationId = 1;

  constructor(fixture: Fixture, clock: Clock, extraRedirectUris: readonly string[] = []) {
    this.fixture = fixture;
    this.clock = clock;
    for (const user of fixture.users) {
      this.users.set(user.id.toLowerCase(), user);
    }
    if (fixture.services) {
      const hosts = new Map<string, HostRecord>();
      for (const org of fixture.services.organizations) {
        hosts.set(org.name.toLowerCase(), buildHost(org, "services", "services"));
      }
      this.hosts.set("services", hosts);
    }
    for (const server of fixture.servers ?? []) {
      const hosts = new Map<string, HostRecord>();
      for (const collection of server.collections) {
        hosts.set(collection.name.toLowerCase(), buildHost(collection, server.name, server.product));
      }
      this.hosts.set(server.name, hosts);
    }
    for (const pat of fixture.pats) {
      this.pats.set(pat.token, { ...pat, createdAt: HISTORY_START_ISO, revoked: pat.revoked ?? false });
    }
    for (const app of fixture.oauth.legacy) {
      this.legacyApps.set(app.clientId.toLowerCase(), { ...app, redirectUris: [...app.redirectUris, ...extraRedirectUris] });
    }
    for (const app of fixture.oauth.entra) {
      this.entraApps.set(app.clientId.toLowerCase(), { ...app, redirectUris: [...app.redirectUris, ...extraRedirectUris] });
    }
    this.entra = new EntraDirectory(this, fixture, extraRedirectUris);
  }

  /** A user by id (case-insensitive). */
  user(id: string | undefined): FixtureUser | undefined {
    if (id === undefined) {
      return undefined;
    }
    return this.users.get(id.toLowerCase());
  }

  /** An organization or collection of a deployment by name (case-insensitive). */
  host(deployment: string, name: string): HostRecord | undefined {
    return this.hosts.get(deployment)?.get(name.toLowerCase());
  }

  /** Every organization/collection of a deployment. */
  hostsOf(deployment: string): HostRecord[] {
    return [...(this.hosts.get(deployment)?.values() ?? [])];
  }

  /** A project by GUID or name (case-insensitive). */
  project(host: HostRecord, idOrName: string): ProjectRecord | undefined {
    const key = idOrName.toLowerCase();
    return host.projectsById.get(key) ?? host.projectsByName.get(key);
  }

  /** A repository by GUID (anywhere in the host) or by name within a project. */
  repo(host: HostRecord, project: ProjectRecord | undefined, idOrName: string): RepoRecord | undefined {
    const key = idOrName.toLowerCase();
    const byId = host.reposById.get(key);
    if (byId && (project === undefined || byId.project === project)) {
      return byId;
    }
    if (project === undefined) {
      return undefined;
    }
    return project.repos.find((repo) => repo.name.toLowerCase() === key);
  }

  /** The parent repository of a fork, if any. */
  parentOf(repo: RepoRecord): RepoRecord | undefined {
    if (!repo.forkOf) {
      return undefined;
    }
    const project = this.project(repo.host, repo.forkOf.project);
    if (!project) {
      return undefined;
    }
    return this.repo(repo.host, project, repo.forkOf.repository);
  }

  /** Creates a PAT at run time (control API). */
  createPat(input: Omit<FixturePat, "token"> & { token?: string }): PatRecord {
    const record: PatRecord = {
      ...input,
      token: input.token ?? randomPat(),
      createdAt: this.clock.nowIso(),
      revoked: input.revoked ?? false,
    };
    this.pats.set(record.token, record);
    return record;
  }
}
