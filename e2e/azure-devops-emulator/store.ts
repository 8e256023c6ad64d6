import { Clock } from "./clock.js";
import { EntraDirectory } from "./entra-directory.js";
import { guidFrom, randomPat, shaFrom, ZERO_SHA } from "./ids.js";
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

export type RefRecord = { name: string; objectId: string; creatorId?: string };

export type GitData = {
  refs: Map<string, RefRecord>;
  commits: Map<string, CommitRecord>;
  statuses: Map<string, StatusRecord[]>;
  nextStatusId: number;
  nextPushId: number;
};

export type RepoRecord = {
  id: string;
  name: string;
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
  /** Built on first use so that tens of thousands of repositories cost little at start-up. */
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

/** People who appear as commit authors in generated histories. */
const AUTHORS: ReadonlyArray<{ name: string; email: string }> = [
  { name: "Mona Kane", email: "mona.kane@fabrikam.example" },
  { name: "Jamal Hartnett", email: "jamal.hartnett@fabrikam.example" },
  { name: "Chuck Reinhart", email: "chuck.reinhart@fabrikam.example" },
  { name: "Élodie Fournier", email: "elodie.fournier@fabrikam.example" },
  { name: "Wei Zhang", email: "wei.zhang@fabrikam.example" },
];

const MESSAGES: readonly string[] = [
  "Add onboarding screens",
  "Fix crash when the wallet is empty",
  "Bump Gradle wrapper",
  "Refactor payment service client",
  "Update localisation strings",
  "Add unit tests for balance formatter",
  "Tidy up Fastlane lanes",
  "Improve accessibility labels",
  "Handle expired sessions gracefully",
  "Upgrade Xcode project settings",
  "Cache exchange rates",
  "Document release process",
];

const HISTORY_START_MS = Date.UTC(2024, 0, 8, 9, 0, 0);
const HOUR_MS = 3_600_000;
/** Creation time of fixture PATs (before any generated history). */
const HISTORY_START_ISO = new Date(HISTORY_START_MS - 30 * 86_400_000).toISOString();
/** Creation time of fixture PATs (before any generated history). */
/** Builds a commit's deterministic metadata. */
function makeCommit(id: string, parents: string[], index: number, parentDateMs: number, seed: string): CommitRecord {
  const hash = parseInt(shaFrom(`meta|${seed}|${index}`).slice(0, 8), 16);
  const author = AUTHORS[hash % AUTHORS.length] ?? { name: "Mona Kane", email: "mona.kane@fabrikam.example" };
  const dateMs = parentDateMs + HOUR_MS * (1 + (hash % 9)) + ((hash >> 8) % 60) * 60_000;
  const date = new Date(dateMs).toISOString().replace(".000Z", "Z");
  const message = `${MESSAGES[(hash >> 4) % MESSAGES.length] ?? "Update"} (#${index + 1})`;
  return {
    id,
    parents,
    treeId: shaFrom(`tree|${id}`),
    author: { ...author, date },
    committer: { ...author, date },
    comment: message,
  };
}

/** Builds refs and commits of a repository from its branch specs (deterministic). */
export function buildGitData(repo: RepoRecord): GitData {
  const git: GitData = { refs: new Map(), commits: new Map(), statuses: new Map(), nextStatusId: 1, nextPushId: 1 };
  const ownCommits = new Map<string, string[]>();
  const creatorId = [...repo.host.members][0];
  for (const spec of repo.branchSpecs) {
    let parent: string | undefined;
    let parentDateMs = HISTORY_START_MS;
    if (spec.from !== undefined) {
      const base = ownCommits.get(spec.from) ?? [];
      const forkIndex = Math.min(spec.forkPoint ?? base.length - 1, base.length - 1);
      parent = base[forkIndex] ?? git.refs.get(`refs/heads/${spec.from}`)?.objectId;
      const parentCommit = parent === undefined ? undefined : git.commits.get(parent);
      if (parentCommit) {
        parentDateMs = Date.parse(parentCommit.author.date);
      }
    }
    const own: string[] = [];
    for (let index = 0; index < spec.commits; index += 1) {
      const seed = `${repo.id}|${spec.name}`;
      const id = shaFrom(`${seed}|${index}`);
      const commit = makeCommit(id, parent === undefined ? [] : [parent], index, parentDateMs, seed);
      git.commits.set(id, commit);
      own.push(id);
      parent = id;
      parentDateMs = Date.parse(commit.author.date);
    }
    ownCommits.set(spec.name, own);
    if (parent !== undefined) {
      const name = `refs/heads/${spec.name}`;
      git.refs.set(name, { name, objectId: parent, creatorId });
    }
  }
  const defaultRef = repo.defaultBranchName === undefined ? undefined : git.refs.get(`refs/heads/${repo.defaultBranchName}`);
  if (defaultRef) {
    for (const tag of repo.tags) {
      const name = `refs/tags/${tag}`;
      git.refs.set(name, { name, objectId: defaultRef.objectId, creatorId });
    }
  }
  return git;
}

/** The repository's git data, building it on first use. */
export function gitOf(repo: RepoRecord): GitData {
  if (!repo.git) {
    repo.git = buildGitData(repo);
  }
  return repo.git;
}

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

  /** Appends commits to a branch (creating it when missing) and returns the ref update. */
  pushCommits(
    repo: RepoRecord,
    branch: string,
    commits: ReadonlyArray<{ comment: string; authorName: string; authorEmail: string }>,
  ): { oldObjectId: string; newObjectId: string; commits: CommitRecord[]; pushId: number; created: boolean } {
    const git = gitOf(repo);
    const refName = `refs/heads/${branch}`;
    const existing = git.refs.get(refName);
    const created = existing === undefined;
    // A new branch starts from the default branch's tip, like `git push origin HEAD:new`.
    const defaultRef = defaultBranchRef(repo);
    const startFrom = existing?.objectId ?? (defaultRef === undefined ? undefined : git.refs.get(defaultRef)?.objectId);
    const pushId = git.nextPushId;
    git.nextPushId += 1;
    const made: CommitRecord[] = [];
    let parent = startFrom;
    const nowMs = this.clock.now();
    for (const [index, input] of commits.entries()) {
      const id = shaFrom(`push|${repo.id}|${branch}|${pushId}|${index}|${parent ?? ""}`);
      const date = new Date(nowMs - (commits.length - index) * 1000).toISOString();
      const commit: CommitRecord = {
        id,
        parents: parent === undefined ? [] : [parent],
        treeId: shaFrom(`tree|${id}`),
        author: { name: input.authorName, email: input.authorEmail, date },
        committer: { name: input.authorName, email: input.authorEmail, date },
        comment: input.comment,
        pushId,
      };
      git.commits.set(id, commit);
      made.push(commit);
      parent = id;
    }
    const newObjectId = parent ?? ZERO_SHA;
    git.refs.set(refName, { name: refName, objectId: newObjectId, creatorId: existing?.creatorId });
    if (repo.defaultBranchName === undefined) {
      // The first push into an empty repository makes that branch the default.
      repo.defaultBranchName = branch;
    }
    return { oldObjectId: existing?.objectId ?? ZERO_SHA, newObjectId, commits: made, pushId, created };
  }

  /** Deletes a branch and returns the ref update (newObjectId = 40 zeros). */
  deleteBranch(repo: RepoRecord, branch: string): { oldObjectId: string; newObjectId: string; pushId: number } | undefined {
    const git = gitOf(repo);
    const refName = `refs/heads/${branch}`;
    const existing = git.refs.get(refName);
    if (!existing) {
      return undefined;
    }
    git.refs.delete(refName);
    const pushId = git.nextPushId;
    git.nextPushId += 1;
    return { oldObjectId: existing.objectId, newObjectId: ZERO_SHA, pushId };
  }
}

