/**
 * The connection doctor: checks, in order, that Keel can reach the server, trusts its TLS,
 * talks to Azure DevOps (not something else), that the token works for this organization or
 * collection, that the server is new enough, and that the token has every scope Keel needs —
 * then reports who the token is, which product and api-version, and which projects it sees.
 *
 * It never writes: the only POST is the commit-status permission check, whose body is invalid
 * on purpose (no context) so Azure DevOps refuses it after the scope check (400 = allowed).
 * A failure that makes later checks meaningless (network, TLS, token, rate limit) stops the run.
 */
import type { GuardedTimeouts, HostResolver } from "../net/guarded-request";
import type { OutboundPolicy } from "../net/ssrf-policy";
import { detectServerVersion, isSupportedServer, type ProductName, type ServerVersionInfo } from "./api-versions";
import { type AzureDevOpsClient, createAzureDevOpsClient, createVsspsClient } from "./client";
import {
  type Finding,
  type FindingContext,
  checkFailed,
  commitStatusCheckSkipped,
  findingForError,
  missingScopes,
  oauthPolicyDisabled,
  publicUrlMismatch,
  serverTooOld,
  servicePrincipalNoProjects,
  type PrincipalContext,
  versionUnknown,
  wrongOrganization,
} from "./doctor-findings";
import { type AzureDevOpsError, isAzureDevOpsError } from "./errors";
import { OAUTH_SCOPES, REQUIRED_PAT_SCOPES, type ScopeId, scopeInfo } from "./scopes";
import type { AzureDevOpsCredential, OutboundRecorder, OutboundThrottle, RetrySettings } from "./transport";
import type { ConnectionData, GitRepository, TeamProjectReference } from "./types";
import { buildCollectionUrl, hostsMatch, pointsToLocalhost } from "./url";

export type { Finding, FindingId, FindingSeverity } from "./doctor-findings";

export type DoctorCredential = AzureDevOpsCredential;

export type DoctorInput = {
  deploymentType: "services" | "server";
  /** Scheme, host and port, e.g. `https://dev.azure.com` or `https://devops.example.com`. */
  serverUrl: string;
  /** "" or e.g. "tfs". */
  pathPrefix: string;
  /** Organization (Services) or collection (Server). */
  collection: string;
  credential: DoctorCredential;
  caBundlePem?: string;
  /** The host (and port) the admin typed, to compare with the URLs the server returns. */
  typedHost: string;
  /** The profile/accounts host; used only for OAuth tokens on Services. */
  vsspsUrl?: string;
  /** Set when the bearer token is a service principal's or a managed identity's (not a person's). */
  principal?: PrincipalContext;
};

export type DoctorOptions = {
  policy: OutboundPolicy;
  recorder?: OutboundRecorder;
  signal?: AbortSignal;
  /** Per-request timeouts (defaults: lib/net's). */
  timeouts?: Partial<GuardedTimeouts>;
  /** Default: 2 attempts, Retry-After waited up to 5 s. */
  retry?: RetrySettings;
  /** DNS override, for tests. */
  resolve?: HostResolver;
  /** Pacing of the identity checked (a saved connection's), shared with its other calls. */
  throttle?: OutboundThrottle;
  /** The clock for date-dependent advice (default: now). */
  now?: Date;
};

export type DoctorIdentity = { id: string; displayName: string; uniqueName: string };

export type DoctorServer = {
  deploymentType: "hosted" | "onPremises";
  product: ProductName;
  apiVersion: string;
  ceiling: string | null;
};

export type DoctorResult = {
  /** No finding of severity "error". */
  ok: boolean;
  findings: Finding[];
  identity?: DoctorIdentity;
  server?: DoctorServer;
  projects?: { count: number; countIsLowerBound: boolean; first: string[] };
  /** `unchecked`: scopes a failure earlier in the run made impossible to test. */
  scopes: { present: ScopeId[]; missing: ScopeId[]; unchecked: ScopeId[] };
  checkedAt: string;
};

const PROJECT_LIMIT = 500;
const FIRST_PROJECTS = 10;
// How many projects to look through for a repository with a commit (for the refs/status checks).
const PROJECTS_TO_SEARCH = 10;
const DEFAULT_RETRY: RetrySettings = { maxAttempts: 2, maxWaitMs: 5_000 };

/** A failure that ends the run; carries its finding. */
class Stop extends Error {
  constructor(readonly finding: Finding) {
    super(finding.title);
  }
}

type Outcome = "present" | "missing";

/** Runs every check against the server and returns findings plus what was learned; never writes, never throws. */
export async function runDoctor(input: DoctorInput, options: DoctorOptions): Promise<DoctorResult> {
  const findings: Finding[] = [];
  const outcomes = new Map<ScopeId, Outcome>();
  const capabilitiesMissing = new Map<ScopeId, string[]>();
  const probed = input.credential.kind === "pat" ? REQUIRED_PAT_SCOPES.map((scope) => scope.id) : oauthProbedScopes(input);
  const state: Pick<DoctorResult, "identity" | "server" | "projects"> = {};
  const collectionUrl = buildCollectionUrl({ serverUrl: input.serverUrl, pathPrefix: input.pathPrefix, collection: input.collection });
  const context: FindingContext = {
    deploymentType: input.deploymentType,
    credentialKind: input.credential.kind,
    collectionUrl,
    collection: input.collection,
    ...(options.now ? { now: options.now } : {}),
    ...(input.principal ? { principal: input.principal } : {}),
  };
  const clientOptions = {
    credential: input.credential,
    policy: options.policy,
    retry: options.retry ?? DEFAULT_RETRY,
    ...(input.caBundlePem === undefined || input.caBundlePem.trim() === "" ? {} : { caBundlePem: input.caBundlePem }),
    ...(options.recorder === undefined ? {} : { recorder: options.recorder }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
  };

  const record = (scope: ScopeId, outcome: Outcome, capability?: string): void => {
    if (outcome === "missing") {
      outcomes.set(scope, "missing");
      if (capability !== undefined) {
        capabilitiesMissing.set(scope, [...(capabilitiesMissing.get(scope) ?? []), capability]);
      }
      return;
    }
    if (outcomes.get(scope) !== "missing") {
      outcomes.set(scope, "present");
    }
  };

  try {
    const client = createAzureDevOpsClient({ ...clientOptions, collectionUrl });
    const connection = await checkConnection(client, input, context, clientOptions);
    state.identity = identityOf(connection);

    const version = await orStop(detectServerVersion(client, connection.deploymentType === "hosted" ? "hosted" : "onPremises"), context);
    state.server = { deploymentType: version.deploymentType, product: version.product, apiVersion: version.apiVersion, ceiling: version.ceiling };
    if (version.source === "none") {
      findings.push(versionUnknown(version.apiVersion));
    }
    if (version.product !== "Unknown Azure DevOps Server" && !isSupportedServer(version.product)) {
      throw new Stop(serverTooOld(version.product, version.ceiling));
    }
    const api = client.withApiVersion(version.apiVersion);
    const returnedUrls: string[] = [];
    if (version.deploymentType === "onPremises") {
      returnedUrls.push(...publicAccessPoints(connection));
    }

    await checkCapabilities({ api, input, context, version, state, record, findings, returnedUrls, clientOptions });

    const mismatch = publicUrlFinding(returnedUrls, input);
    if (mismatch !== null) {
      findings.push(mismatch);
    }
  } catch (error) {
    findings.push(error instanceof Stop ? error.finding : unexpected(error, context));
  }

  const lacking = probed.filter((scope) => outcomes.get(scope) === "missing");
  if (lacking.length > 0) {
    findings.push(missingScopes(lacking.map(scopeInfo), capabilitiesMissing, context));
  }
  return {
    ok: !findings.some((finding) => finding.severity === "error"),
    findings,
    ...state,
    scopes: {
      present: probed.filter((scope) => outcomes.get(scope) === "present"),
      missing: probed.filter((scope) => outcomes.get(scope) === "missing"),
      unchecked: probed.filter((scope) => !outcomes.has(scope)),
    },
    checkedAt: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------

type ClientOptions = Omit<Parameters<typeof createAzureDevOpsClient>[0], "collectionUrl">;

/** connectionData: reachability, TLS, "is this Azure DevOps", and "does the token work here". */
async function checkConnection(client: AzureDevOpsClient, input: DoctorInput, context: FindingContext, clientOptions: ClientOptions): Promise<ConnectionData> {
  try {
    return await client.getConnectionData({ includeServices: true });
  } catch (error) {
    if (!isAzureDevOpsError(error)) {
      throw error;
    }
    const reason = error.reason;
    if (reason.kind === "unauthorized" && reason.unauthorized === "oauth_policy" && input.principal === undefined) {
      throw new Stop(await explainOAuthRefusal(input, context, clientOptions, reason.userId));
    }
    throw new Stop(findingForError(error, context));
  }
}

/**
 * An OAuth token naming its user was refused: either the org's OAuth policy is off or the user
 * is not a member. The accounts list on the profile host tells which.
 */
async function explainOAuthRefusal(input: DoctorInput, context: FindingContext, clientOptions: ClientOptions, userId: string | undefined): Promise<Finding> {
  if (input.deploymentType !== "services" || input.vsspsUrl === undefined) {
    return oauthPolicyDisabled(context, false);
  }
  try {
    const vssps = createVsspsClient({ ...clientOptions, baseUrl: input.vsspsUrl });
    const profile = await vssps.getMyProfile();
    const accounts = await vssps.listAccounts(profile.id);
    const member = accounts.some((account) => account.accountName.toLowerCase() === input.collection.toLowerCase());
    return member ? oauthPolicyDisabled(context, true) : wrongOrganization(context, userId ?? profile.id);
  } catch {
    // The profile host is only a second opinion; without it the policy is the likelier cause.
    return oauthPolicyDisabled(context, false);
  }
}

type CapabilityArgs = {
  api: AzureDevOpsClient;
  input: DoctorInput;
  context: FindingContext;
  version: ServerVersionInfo;
  state: Pick<DoctorResult, "identity" | "server" | "projects">;
  record: (scope: ScopeId, outcome: Outcome, capability?: string) => void;
  findings: Finding[];
  returnedUrls: string[];
  clientOptions: ClientOptions;
};

/** Probes each capability Keel needs, read-only, and records which scopes are present. */
async function checkCapabilities(args: CapabilityArgs): Promise<void> {
  const { api, input, context, state, record, findings, returnedUrls } = args;
  const isPat = input.credential.kind === "pat";
  const identityId = state.identity?.id;

  if (isPat && identityId !== undefined) {
    const identities = await probe(api.getIdentities({ identityIds: [identityId] }), context);
    if (identities.status !== "skipped") {
      record("vso.identity", identities.status === "ok" ? "present" : "missing", "read identities");
    }
  }
  if (!isPat && input.deploymentType === "services" && input.vsspsUrl !== undefined) {
    const vssps = createVsspsClient({ ...args.clientOptions, baseUrl: input.vsspsUrl });
    const profile = await probe(vssps.getMyProfile(), context);
    if (profile.status !== "skipped") {
      record("vso.profile", profile.status === "ok" ? "present" : "missing", "read your profile");
    }
  }

  // The projects list needs vso.profile or vso.project; a Keel PAT gets vso.profile through
  // Notifications (Read), an OAuth token asks for Project and team (Read).
  const projectScope: ScopeId = isPat ? "vso.notification" : "vso.project";
  let projects: TeamProjectReference[] | undefined;
  const listed = await probe(api.listAllProjects({ max: PROJECT_LIMIT }), context);
  if (listed.status === "ok") {
    record(projectScope, "present");
    projects = [...listed.value.items].sort((a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" }));
    state.projects = { count: projects.length, countIsLowerBound: listed.value.truncated, first: projects.slice(0, FIRST_PROJECTS).map((project) => project.name) };
    if (projects.length === 0 && context.principal) {
      // A principal added to the organization but to no project sees nothing at all; the
      // repository checks below would only repeat that.
      findings.push(servicePrincipalNoProjects(context));
      return;
    }
  } else if (listed.status === "denied") {
    record(projectScope, "missing", "list projects");
  }

  const candidate = await findRepository(api, projects, context, record, returnedUrls, args.version);
  if (candidate.status === "found") {
    const { repository } = candidate;
    const refs = await probe(api.listRefsPage(repository.project.id, repository.id, { filter: (repository.defaultBranch ?? "refs/heads/").replace(/^refs\//, ""), top: 10 }), context);
    if (refs.status === "denied") {
      record("vso.code", "missing", "read branches");
    }
    const tip = refs.status === "ok" ? (refs.value.items.find((ref) => ref.name === repository.defaultBranch) ?? refs.value.items[0]) : undefined;
    if (refs.status === "ok") {
      record("vso.code", "present");
    }
    if (tip !== undefined) {
      const permission = await probe(api.checkCommitStatusPermission(repository.project.id, repository.id, tip.objectId), context);
      if (permission.status === "ok") {
        record("vso.code_status", permission.value.allowed ? "present" : "missing", "create commit statuses");
      } else if (permission.status === "denied") {
        record("vso.code_status", "missing", "create commit statuses");
      }
    } else if (refs.status !== "denied") {
      findings.push(commitStatusCheckSkipped(`The default branch of ${repository.name} could not be read.`));
    }
  } else if (candidate.status === "none") {
    findings.push(commitStatusCheckSkipped("None of the repositories Keel looked at has a commit."));
  }

  const notifications = await probe(api.listNotificationSubscriptions(), context);
  if (notifications.status !== "skipped") {
    record("vso.notification", notifications.status === "ok" ? "present" : "missing", "read notification subscriptions");
  }
}

type RepositorySearch = { status: "found"; repository: GitRepository } | { status: "none" } | { status: "unknown" };

/** Lists repositories (proving Code (Read)) until one has a default branch; collects their URLs. */
async function findRepository(
  api: AzureDevOpsClient,
  projects: TeamProjectReference[] | undefined,
  context: FindingContext,
  record: CapabilityArgs["record"],
  returnedUrls: string[],
  version: ServerVersionInfo,
): Promise<RepositorySearch> {
  // Per project rather than organization-wide: an estate of 50,000 repositories would not fit
  // in one response. Without a project list, the organization-wide list is the only way.
  const scopes: Array<string | undefined> = projects === undefined || projects.length === 0 ? [undefined] : projects.slice(0, PROJECTS_TO_SEARCH).map((project) => project.id);
  let listedAny = false;
  for (const project of scopes) {
    const listed = await probe(api.listRepositories(project), context);
    if (listed.status === "denied") {
      record("vso.code", "missing", "list repositories");
      return { status: "unknown" };
    }
    if (listed.status === "skipped") {
      continue;
    }
    listedAny = true;
    record("vso.code", "present");
    if (version.deploymentType === "onPremises") {
      for (const repository of listed.value.slice(0, 5)) {
        returnedUrls.push(...[repository.url, repository.remoteUrl, repository.webUrl].filter((url): url is string => typeof url === "string"));
      }
    }
    const usable = listed.value.find((repository) => repository.defaultBranch !== undefined && repository.isDisabled !== true && repository.project?.id !== undefined);
    if (usable !== undefined) {
      return { status: "found", repository: usable };
    }
  }
  return listedAny ? { status: "none" } : { status: "unknown" };
}

type Probe<T> = { status: "ok"; value: T } | { status: "denied"; error: AzureDevOpsError } | { status: "skipped"; error: unknown };

/**
 * Runs one capability check. A refusal for the token's own user is "denied" (missing scope);
 * failures that make the rest pointless (network, token, rate limit, 5xx) stop the run;
 * anything else (404, 400) skips just this check.
 */
async function probe<T>(promise: Promise<T>, context: FindingContext): Promise<Probe<T>> {
  try {
    return { status: "ok", value: await promise };
  } catch (error) {
    if (!isAzureDevOpsError(error)) {
      throw error;
    }
    const reason = error.reason;
    const principalMissing = reason.kind === "unauthorized" && reason.unauthorized === "principal_not_added";
    if (!principalMissing && (reason.kind === "missing_scope" || reason.kind === "forbidden" || (reason.kind === "unauthorized" && reason.userId !== undefined && reason.userId !== ""))) {
      return { status: "denied", error };
    }
    if (reason.kind === "network" || reason.kind === "rate_limited" || reason.kind === "server_error" || reason.kind === "unauthorized" || reason.kind === "not_azure_devops") {
      throw new Stop(findingForError(error, context));
    }
    return { status: "skipped", error };
  }
}

async function orStop<T>(promise: Promise<T>, context: FindingContext): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (isAzureDevOpsError(error)) {
      throw new Stop(findingForError(error, context));
    }
    throw error;
  }
}

function unexpected(error: unknown, context: FindingContext): Finding {
  if (isAzureDevOpsError(error)) {
    return findingForError(error, context);
  }
  // Not an Azure DevOps answer: a bug. Its message may carry anything, so do not show it.
  return checkFailed("Keel hit an unexpected error while checking. The details are in Keel's log.");
}

/** Who the token authenticates as, from connectionData. */
function identityOf(connection: ConnectionData): { id: string; displayName: string; uniqueName: string } {
  const user = connection.authenticatedUser;
  const property = (name: string): string | undefined => {
    const value = user.properties?.[name]?.$value;
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const uniqueName = property("Account") ?? property("Mail") ?? user.id;
  const displayName = user.customDisplayName ?? user.providerDisplayName ?? uniqueName;
  return { id: user.id, displayName, uniqueName };
}

/** The URL of the default (public) access mapping: the server's configured Public URL. */
function publicAccessPoints(connection: ConnectionData): string[] {
  const data = connection.locationServiceData;
  const moniker = data?.defaultAccessMappingMoniker ?? "PublicAccessMapping";
  // Other mappings (e.g. ServerAccessMapping on http://localhost:8080) are legitimately internal.
  return (data?.accessMappings ?? []).filter((mapping) => mapping.moniker === moniker && typeof mapping.accessPoint === "string").map((mapping) => mapping.accessPoint);
}

/** Warns when URLs the server returns point at localhost or another host than the one typed. */
function publicUrlFinding(returnedUrls: string[], input: DoctorInput): Finding | null {
  const expected = expectedOrigin(input);
  if (expected === null) {
    return null;
  }
  for (const returned of returnedUrls) {
    let url: URL;
    try {
      url = new URL(returned);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      continue;
    }
    if (!hostsMatch(url, expected)) {
      const prefix = input.pathPrefix.replace(/^\/+|\/+$/g, "");
      const publicUrl = `${expected.origin}${prefix === "" ? "" : `/${prefix}`}`;
      // A localhost URL only works on the server itself, whatever address the admin typed
      // (even a loopback one: then Keel runs on that machine, but build agents do not).
      return publicUrlMismatch(returned, publicUrl, expected.host, pointsToLocalhost(url));
    }
  }
  return null;
}

/** The origin the admin typed: typedHost (host[:port] or a URL) with the server URL's scheme. */
function expectedOrigin(input: DoctorInput): URL | null {
  let server: URL;
  try {
    server = new URL(input.serverUrl);
  } catch {
    return null;
  }
  const typed = input.typedHost.trim();
  if (typed === "") {
    return server;
  }
  try {
    const parsed = new URL(typed.includes("://") ? typed : `${server.protocol}//${typed}`);
    if (parsed.port === "" && server.port !== "" && parsed.hostname === server.hostname) {
      return server;
    }
    return new URL(`${server.protocol}//${parsed.host}`);
  } catch {
    return server;
  }
}

function oauthProbedScopes(input: DoctorInput): ScopeId[] {
  const probed: ScopeId[] = ["vso.code", "vso.code_status", "vso.project", "vso.notification"];
  if (input.deploymentType === "services" && input.vsspsUrl !== undefined) {
    probed.push("vso.profile");
  }
  return OAUTH_SCOPES.map((scope) => scope.id).filter((id) => probed.includes(id));
}
