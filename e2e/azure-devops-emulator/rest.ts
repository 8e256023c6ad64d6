import {
  connectionData,
  getProject,
  listNotificationSubscriptions,
  listProjects,
  optionsLocations,
  readIdentities,
  resourceAreas,
  rootConnectionData,
} from "./api-core.js";
import { createStatus, getCommit, getCommitDiffs, getRepository, listCommits, listRefs, listRepositories, listStatuses } from "./api-git.js";
import {
  createSubscription,
  deleteSubscription,
  getNotification,
  getSubscription,
  listNotifications,
  listSubscriptions,
  queryNotifications,
  replaceSubscription,
} from "./api-hooks.js";
import {
  createComment,
  createPullRequestRoute,
  createPullRequestStatus,
  createThread,
  deleteComment,
  deletePullRequestStatus,
  getComment,
  getIteration,
  getPullRequest,
  getPullRequestStatus,
  getPush,
  getThread,
  listComments,
  listIterations,
  listPullRequests,
  listPullRequestStatuses,
  listPushes,
  listThreads,
  patchPullRequest,
  updateComment,
  updateThread,
} from "./api-pulls.js";
import { getProfile, listAccounts } from "./api-profile.js";
import { authenticate, AuthFailure, requireScopes, sendAuthFailure, type AuthTarget, type Principal } from "./auth.js";
import type { ApiContext, EmulatorCore, RootApiContext } from "./core.js";
import {
  contentTypeNotSupportedError,
  invalidVersionError,
  notFoundError,
  previewRequiredError,
  projectNotFoundError,
  ServiceError,
  versionNotSpecifiedError,
  versionOutOfRangeError,
  versionOutOfRouteRangeError,
  wrapped,
} from "./errors.js";
import { visibleHost } from "./entra-directory.js";
import { handleGitHttp } from "./git-http.js";
import { escapeHtml, mediaType, queryParam, sendHtml, sendList, sendServiceError, sendWrapped, type RequestContext } from "./http.js";
import {
  compareVersions,
  locationById,
  parseApiVersion,
  PRODUCT_VERSIONS,
  type LocationDefinition,
} from "./locations.js";
import type { Product } from "./model.js";
import type { HostRecord } from "./store.js";
import type { HostUrls } from "./urls.js";

/**
 * REST routing for an organization/collection and for the Services root (vssps role).
 * Order per request: authenticate → match route → api-version → scopes → resources → body.
 * Scopes are checked before any body validation so a client can probe "may this token create
 * statuses?" with an invalid body (docs/azure-devops-facts.md §1.5, "Permission before body").
 */

type Params = Record<string, string>;

type HostRoute = {
  methods: string[];
  pattern: string[];
  /** Whether `{project}/` may prefix the route. */
  project: "none" | "optional";
  locationId?: string;
  scopes: string[];
  handler: (api: ApiContext, params: Params) => void | Promise<void>;
};

type RootRoute = {
  methods: string[];
  pattern: string[];
  locationId?: string;
  scopes: string[];
  handler: (api: RootApiContext, params: Params) => void | Promise<void>;
};

const LOC = {
  pushes: "ea98d07b-3c87-4971-8ede-a613694ffb55",
  pullRequests: "9946fd70-0d40-406e-b686-b4744cbbcc37",
  pullRequestsByProject: "a5d28130-9cd2-40fa-9f08-902e7daa9efb",
  pullRequestById: "01a46dea-7d46-4d40-bc84-319e7c260d99",
  iterations: "d43911ee-6958-46b0-a42b-8445b8a0d004",
  pullRequestStatuses: "b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35",
  iterationStatuses: "75cf11c5-979f-4038-a76e-058a06adf2bf",
  threads: "ab6e2e5d-a0b7-4153-b64a-a4efe0d49449",
  comments: "965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b",
  notifications: "0c62d343-21b0-4732-997b-017fde84dc28",
  notificationsQuery: "1a57562f-160a-4b5c-9185-905e95b39d36",
  builds: "0cd358e1-9217-4d94-8269-1c1ee6f93dcf",
  buildDefinitions: "dbeaf647-6167-421a-bda9-c9327b25e2e6",
  policyConfigurations: "dad91cbe-d183-45f8-9c6e-9c1164472121",
  connectionData: "00d9565f-ed9c-4a06-9a50-00e7896ccab4",
  resourceAreas: "e81700f7-3be2-46de-8624-2eb35882fcaa",
  projects: "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
  repositories: "225f7195-f9c7-4d14-ab28-a83f7ff77e1f",
  refs: "2d874a60-a811-4f62-9c9f-963a6ea0a55b",
  commits: "c2570c3b-5b3f-41b8-98bf-5407bfde8d58",
  statuses: "428dd4fb-fda5-4722-af02-9313b80305da",
  hooks: "fc50d02a-849f-41fb-8af1-0a5216103269",
  notification: "70f911d6-abac-488c-85b3-a206bf57e165",
  identities: "28010c54-d0c0-4c89-a5b0-1c9e188b9fb7",
  profile: "f83735dc-483f-4238-a291-d45f6080a9af",
  accounts: "229a6a53-b428-4ffb-a835-e8f36b5b4b1e",
};

const CODE_READ = ["vso.code"];
const CODE_WRITE = ["vso.code_write"];
const STATUS_READ = ["vso.code", "vso.code_status"];
const STATUS_WRITE = ["vso.code_write", "vso.code_status"];
const THREADS_READ = ["vso.code", "vso.threads_full"];
const THREADS_WRITE = ["vso.code_write", "vso.threads_full"];
const REPO_PR = ["_apis", "git", "repositories", ":repo", "pullRequests", ":id"];
const HOOKS_READ = ["vso.hooks", "vso.work", "vso.build", "vso.code"];
const HOOKS_WRITE = ["vso.hooks_write", "vso.work", "vso.build", "vso.code"];

/** The organization/collection routes. Patterns start after `{base}[/{project}]`. */
const HOST_ROUTES: HostRoute[] = [
  {
    methods: ["GET"],
    pattern: ["_apis", "connectionData"],
    project: "none",
    locationId: LOC.connectionData,
    scopes: [],
    handler: (api) => connectionData(api.ctx, api.principal.user, api.urls, api.host, api.apiVersion),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "ResourceAreas", "*areaId"],
    project: "none",
    locationId: LOC.resourceAreas,
    scopes: [],
    handler: (api) => resourceAreas(api.ctx, api.urls, "host", api.apiVersion),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "projects"],
    project: "none",
    locationId: LOC.projects,
    scopes: ["vso.profile", "vso.project"],
    handler: (api) => listProjects(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "projects", ":projectId"],
    project: "none",
    locationId: LOC.projects,
    scopes: ["vso.profile", "vso.project"],
    handler: (api, params) => getProject(api, params.projectId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories"],
    project: "optional",
    locationId: LOC.repositories,
    scopes: CODE_READ,
    handler: (api) => listRepositories(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo"],
    project: "optional",
    locationId: LOC.repositories,
    scopes: CODE_READ,
    handler: (api, params) => getRepository(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "refs", "*filter"],
    project: "optional",
    locationId: LOC.refs,
    scopes: CODE_READ,
    handler: (api, params) => listRefs(api, params.repo ?? "", params.filter === "" ? undefined : params.filter),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "commits"],
    project: "optional",
    locationId: LOC.commits,
    scopes: CODE_READ,
    handler: (api, params) => listCommits(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "diffs", "commits"],
    project: "optional",
    scopes: CODE_READ,
    handler: (api, params) => getCommitDiffs(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "commits", ":commitId"],
    project: "optional",
    locationId: LOC.commits,
    scopes: CODE_READ,
    handler: (api, params) => getCommit(api, params.repo ?? "", params.commitId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: ["_apis", "git", "repositories", ":repo", "commits", ":commitId", "statuses"],
    project: "optional",
    locationId: LOC.statuses,
    scopes: ["vso.code_write", "vso.code_status"],
    handler: (api, params) => createStatus(api, params.repo ?? "", params.commitId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "commits", ":commitId", "statuses"],
    project: "optional",
    locationId: LOC.statuses,
    scopes: ["vso.code", "vso.code_status"],
    handler: (api, params) => listStatuses(api, params.repo ?? "", params.commitId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "pushes"],
    project: "optional",
    locationId: LOC.pushes,
    scopes: CODE_READ,
    handler: (api, params) => listPushes(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "pushes", ":pushId"],
    project: "optional",
    locationId: LOC.pushes,
    scopes: CODE_READ,
    handler: (api, params) => getPush(api, params.repo ?? "", params.pushId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: ["_apis", "git", "repositories", ":repo", "pullRequests"],
    project: "optional",
    locationId: LOC.pullRequests,
    scopes: CODE_WRITE,
    handler: (api, params) => createPullRequestRoute(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "repositories", ":repo", "pullRequests"],
    project: "optional",
    locationId: LOC.pullRequests,
    scopes: CODE_READ,
    handler: (api, params) => listPullRequests(api, params.repo ?? ""),
  },
  {
    methods: ["GET"],
    pattern: REPO_PR,
    project: "optional",
    locationId: LOC.pullRequests,
    scopes: CODE_READ,
    handler: (api, params) => getPullRequest(api, params.repo ?? "", params.id ?? ""),
  },
  {
    methods: ["PATCH"],
    pattern: REPO_PR,
    project: "optional",
    locationId: LOC.pullRequests,
    scopes: CODE_WRITE,
    handler: (api, params) => patchPullRequest(api, params.repo ?? "", params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "pullRequests"],
    project: "optional",
    locationId: LOC.pullRequestsByProject,
    scopes: CODE_READ,
    handler: (api) => listPullRequests(api, undefined),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "git", "pullRequests", ":id"],
    project: "optional",
    locationId: LOC.pullRequestById,
    scopes: CODE_READ,
    handler: (api, params) => getPullRequest(api, undefined, params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "iterations"],
    project: "optional",
    locationId: LOC.iterations,
    scopes: CODE_READ,
    handler: (api, params) => listIterations(api, params.repo ?? "", params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "iterations", ":iterationId"],
    project: "optional",
    locationId: LOC.iterations,
    scopes: CODE_READ,
    handler: (api, params) => getIteration(api, params.repo ?? "", params.id ?? "", params.iterationId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: [...REPO_PR, "statuses"],
    project: "optional",
    locationId: LOC.pullRequestStatuses,
    scopes: STATUS_WRITE,
    handler: (api, params) => createPullRequestStatus(api, params.repo ?? "", params.id ?? "", undefined),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "statuses"],
    project: "optional",
    locationId: LOC.pullRequestStatuses,
    scopes: STATUS_READ,
    handler: (api, params) => listPullRequestStatuses(api, params.repo ?? "", params.id ?? "", undefined),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "statuses", ":statusId"],
    project: "optional",
    locationId: LOC.pullRequestStatuses,
    scopes: STATUS_READ,
    handler: (api, params) => getPullRequestStatus(api, params.repo ?? "", params.id ?? "", undefined, params.statusId ?? ""),
  },
  {
    methods: ["DELETE"],
    pattern: [...REPO_PR, "statuses", ":statusId"],
    project: "optional",
    locationId: LOC.pullRequestStatuses,
    scopes: STATUS_WRITE,
    handler: (api, params) => deletePullRequestStatus(api, params.repo ?? "", params.id ?? "", undefined, params.statusId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: [...REPO_PR, "iterations", ":iterationId", "statuses"],
    project: "optional",
    locationId: LOC.iterationStatuses,
    scopes: STATUS_WRITE,
    handler: (api, params) => createPullRequestStatus(api, params.repo ?? "", params.id ?? "", params.iterationId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "iterations", ":iterationId", "statuses"],
    project: "optional",
    locationId: LOC.iterationStatuses,
    scopes: STATUS_READ,
    handler: (api, params) => listPullRequestStatuses(api, params.repo ?? "", params.id ?? "", params.iterationId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "iterations", ":iterationId", "statuses", ":statusId"],
    project: "optional",
    locationId: LOC.iterationStatuses,
    scopes: STATUS_READ,
    handler: (api, params) => getPullRequestStatus(api, params.repo ?? "", params.id ?? "", params.iterationId ?? "", params.statusId ?? ""),
  },
  {
    methods: ["DELETE"],
    pattern: [...REPO_PR, "iterations", ":iterationId", "statuses", ":statusId"],
    project: "optional",
    locationId: LOC.iterationStatuses,
    scopes: STATUS_WRITE,
    handler: (api, params) => deletePullRequestStatus(api, params.repo ?? "", params.id ?? "", params.iterationId ?? "", params.statusId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: [...REPO_PR, "threads"],
    project: "optional",
    locationId: LOC.threads,
    scopes: THREADS_WRITE,
    handler: (api, params) => createThread(api, params.repo ?? "", params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "threads"],
    project: "optional",
    locationId: LOC.threads,
    scopes: THREADS_READ,
    handler: (api, params) => listThreads(api, params.repo ?? "", params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "threads", ":threadId"],
    project: "optional",
    locationId: LOC.threads,
    scopes: THREADS_READ,
    handler: (api, params) => getThread(api, params.repo ?? "", params.id ?? "", params.threadId ?? ""),
  },
  {
    methods: ["PATCH"],
    pattern: [...REPO_PR, "threads", ":threadId"],
    project: "optional",
    locationId: LOC.threads,
    scopes: THREADS_WRITE,
    handler: (api, params) => updateThread(api, params.repo ?? "", params.id ?? "", params.threadId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: [...REPO_PR, "threads", ":threadId", "comments"],
    project: "optional",
    locationId: LOC.comments,
    scopes: THREADS_WRITE,
    handler: (api, params) => createComment(api, params.repo ?? "", params.id ?? "", params.threadId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "threads", ":threadId", "comments"],
    project: "optional",
    locationId: LOC.comments,
    scopes: THREADS_READ,
    handler: (api, params) => listComments(api, params.repo ?? "", params.id ?? "", params.threadId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: [...REPO_PR, "threads", ":threadId", "comments", ":commentId"],
    project: "optional",
    locationId: LOC.comments,
    scopes: THREADS_READ,
    handler: (api, params) => getComment(api, params.repo ?? "", params.id ?? "", params.threadId ?? "", params.commentId ?? ""),
  },
  {
    methods: ["PATCH"],
    pattern: [...REPO_PR, "threads", ":threadId", "comments", ":commentId"],
    project: "optional",
    locationId: LOC.comments,
    scopes: THREADS_WRITE,
    handler: (api, params) => updateComment(api, params.repo ?? "", params.id ?? "", params.threadId ?? "", params.commentId ?? ""),
  },
  {
    methods: ["DELETE"],
    pattern: [...REPO_PR, "threads", ":threadId", "comments", ":commentId"],
    project: "optional",
    locationId: LOC.comments,
    scopes: THREADS_WRITE,
    handler: (api, params) => deleteComment(api, params.repo ?? "", params.id ?? "", params.threadId ?? "", params.commentId ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "hooks", "subscriptions", ":id", "notifications"],
    project: "none",
    locationId: LOC.notifications,
    scopes: HOOKS_READ,
    handler: (api, params) => listNotifications(api, params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "hooks", "subscriptions", ":id", "notifications", ":notificationId"],
    project: "none",
    locationId: LOC.notifications,
    scopes: HOOKS_READ,
    handler: (api, params) => getNotification(api, params.id ?? "", params.notificationId ?? ""),
  },
  {
    methods: ["POST"],
    pattern: ["_apis", "hooks", "notificationsQuery"],
    project: "none",
    locationId: LOC.notificationsQuery,
    scopes: HOOKS_READ,
    handler: (api) => queryNotifications(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "build", "builds"],
    project: "optional",
    locationId: LOC.builds,
    scopes: ["vso.build"],
    handler: (api) => sendList(api.ctx, [], { apiVersion: api.apiVersion }),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "build", "builds", ":buildId"],
    project: "optional",
    locationId: LOC.builds,
    scopes: ["vso.build"],
    handler: (api, params) => {
      throw notFoundError(`The requested build ${params.buildId ?? ""} could not be found.`, "BuildNotFoundException");
    },
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "build", "definitions"],
    project: "optional",
    locationId: LOC.buildDefinitions,
    scopes: ["vso.build"],
    handler: (api) => sendList(api.ctx, [], { apiVersion: api.apiVersion }),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "policy", "configurations"],
    project: "optional",
    locationId: LOC.policyConfigurations,
    scopes: CODE_READ,
    handler: (api) => sendList(api.ctx, [], { apiVersion: api.apiVersion }),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "policy", "configurations", ":configurationId"],
    project: "optional",
    locationId: LOC.policyConfigurations,
    scopes: CODE_READ,
    handler: (api, params) => {
      throw notFoundError(`The policy configuration ${params.configurationId ?? ""} does not exist.`, "PolicyConfigurationNotFoundException");
    },
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "hooks", "subscriptions"],
    project: "none",
    locationId: LOC.hooks,
    scopes: HOOKS_READ,
    handler: (api) => listSubscriptions(api),
  },
  {
    methods: ["POST"],
    pattern: ["_apis", "hooks", "subscriptions"],
    project: "none",
    locationId: LOC.hooks,
    scopes: HOOKS_WRITE,
    handler: (api) => createSubscription(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "hooks", "subscriptions", ":id"],
    project: "none",
    locationId: LOC.hooks,
    scopes: HOOKS_READ,
    handler: (api, params) => getSubscription(api, params.id ?? ""),
  },
  {
    methods: ["PUT"],
    pattern: ["_apis", "hooks", "subscriptions", ":id"],
    project: "none",
    locationId: LOC.hooks,
    scopes: HOOKS_WRITE,
    handler: (api, params) => replaceSubscription(api, params.id ?? ""),
  },
  {
    methods: ["DELETE"],
    pattern: ["_apis", "hooks", "subscriptions", ":id"],
    project: "none",
    locationId: LOC.hooks,
    scopes: HOOKS_WRITE,
    handler: (api, params) => deleteSubscription(api, params.id ?? ""),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "notification", "subscriptions"],
    project: "none",
    locationId: LOC.notification,
    scopes: ["vso.notification"],
    handler: (api) => listNotificationSubscriptions(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "identities"],
    project: "none",
    locationId: LOC.identities,
    scopes: ["vso.identity"],
    handler: (api) => readIdentities(api, undefined),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "identities", ":id"],
    project: "none",
    locationId: LOC.identities,
    scopes: ["vso.identity"],
    handler: (api, params) => readIdentities(api, params.id),
  },
];

/** Services-root routes (the app.vssps.visualstudio.com role). */
const ROOT_ROUTES: RootRoute[] = [
  {
    methods: ["GET"],
    pattern: ["_apis", "connectionData"],
    locationId: LOC.connectionData,
    scopes: [],
    handler: (api) => rootConnectionData(api),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "ResourceAreas", "*areaId"],
    locationId: LOC.resourceAreas,
    scopes: [],
    handler: (api) => resourceAreas(api.ctx, api.urls, "root", api.apiVersion),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "profile", "profiles", ":id"],
    locationId: LOC.profile,
    scopes: ["vso.profile"],
    handler: (api, params) => getProfile(api, params.id ?? "me"),
  },
  {
    methods: ["GET"],
    pattern: ["_apis", "accounts"],
    locationId: LOC.accounts,
    scopes: ["vso.profile"],
    handler: (api) => listAccounts(api),
  },
];

/** Matches path segments against a pattern (literals case-insensitive, `:x` one segment, `*x` the rest). */
function matchPattern(pattern: readonly string[], segments: readonly string[]): Params | undefined {
  const params: Params = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const token = pattern[index] ?? "";
    if (token.startsWith("*")) {
      params[token.slice(1)] = segments.slice(index).join("/");
      return params;
    }
    const segment = segments[index];
    if (segment === undefined) {
      return undefined;
    }
    if (token.startsWith(":")) {
      params[token.slice(1)] = segment;
      continue;
    }
    if (token.toLowerCase() !== segment.toLowerCase()) {
      return undefined;
    }
  }
  return segments.length === pattern.length ? params : undefined;
}

/** The api-version the request asked for: `?api-version=` or the Accept header (docs/azure-devops-facts.md §0). */
export function requestedApiVersion(ctx: RequestContext): string | undefined {
  const fromQuery = queryParam(ctx.url, "api-version");
  if (fromQuery !== undefined && fromQuery.length > 0) {
    return fromQuery;
  }
  const accept = ctx.req.headers.accept ?? "";
  const match = /api-version\s*=\s*([^;,\s]+)/i.exec(accept);
  return match?.[1];
}

/** Checks the api-version against the product and resource; returns the version to echo. */
export function checkApiVersion(ctx: RequestContext, product: Product, location: LocationDefinition | undefined): string {
  const versions = PRODUCT_VERSIONS[product];
  const requested = requestedApiVersion(ctx);
  if (requested === undefined) {
    if (ctx.method === "POST" || ctx.method === "PUT" || ctx.method === "PATCH") {
      throw versionNotSpecifiedError(ctx.method);
    }
    // GETs without a version are served (WebApi.connect() sends none).
    return versions.released;
  }
  const parsed = parseApiVersion(requested);
  if (!parsed) {
    throw invalidVersionError(requested);
  }
  if (compareVersions(parsed.version, versions.max) > 0) {
    throw versionOutOfRangeError(parsed.version, versions.max);
  }
  if (location && compareVersions(parsed.version, location.minVersion) < 0) {
    throw versionOutOfRouteRangeError(parsed.raw, location.routeTemplate);
  }
  if (location && !parsed.isPreview && (location.previewOnly || compareVersions(parsed.version, versions.released) > 0)) {
    throw previewRequiredError(parsed.raw);
  }
  return parsed.raw;
}

/** Writes whatever a handler threw. */
function sendThrown(ctx: RequestContext, error: unknown, target: AuthTarget): void {
  if (error instanceof AuthFailure) {
    sendAuthFailure(ctx, error, target);
    return;
  }
  if (error instanceof ServiceError) {
    sendServiceError(ctx, error);
    return;
  }
  throw error;
}

/**
 * 404 for an unknown route: the HTML page ASP.NET MVC answers on Azure DevOps ("The
 * controller for path … was not found or does not implement IController", "404 - Page not
 * found", as clients report it); the page around those texts is the emulator's.
 */
function routeNotFound(ctx: RequestContext): void {
  const title = `The controller for path '${ctx.url.pathname}' was not found or does not implement IController.`;
  sendHtml(
    ctx,
    404,
    `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<div class="error-page">
  <div class="title">404 - Page not found</div>
  <div class="details">The page you are looking for doesn't exist or an other error occurred.</div>
</div>
</body>
</html>`,
  );
}

/** Media types every REST action accepts for a body (the service's RequestContentTypeRestriction defaults). */
const ALLOWED_CONTENT_TYPES = ["application/json", "application/json-patch+json"];

/**
 * Refuses a body of an unsupported Content-Type on POST/PUT/PATCH/DELETE with 400
 * VssRequestContentTypeNotSupportedException. A request without a body and without a
 * Content-Type passes, as on the service.
 */
function checkContentType(ctx: RequestContext): void {
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(ctx.method)) {
    return;
  }
  const type = mediaType(ctx.req);
  if (ctx.body.length === 0 && type.length === 0) {
    return;
  }
  if (!ALLOWED_CONTENT_TYPES.includes(type)) {
    throw contentTypeNotSupportedError(ctx.req.headers["content-type"]?.split(";")[0]?.trim() ?? "", ctx.method, ALLOWED_CONTENT_TYPES);
  }
}

/** 405 when the path exists but not for this method. */
function methodNotAllowed(ctx: RequestContext, allowed: string[]): void {
  sendWrapped(
    ctx,
    405,
    wrapped(
      `The requested resource does not support http method '${ctx.method}'.`,
      "Microsoft.VisualStudio.Services.WebApi.VssResourceNotFoundException, Microsoft.VisualStudio.Services.WebApi",
      "VssResourceNotFoundException",
    ),
    { Allow: allowed.join(", ") },
  );
}

/** Handles `{base}/…` of an organization or collection. `segments` are after the base. */
export async function handleHostRequest(
  core: EmulatorCore,
  ctx: RequestContext,
  host: HostRecord,
  urls: HostUrls,
  segments: string[],
): Promise<void> {
  const target: AuthTarget = { host, urls };
  try {
    const gitIndex = segments.findIndex((segment) => segment.toLowerCase() === "_git");
    if (gitIndex === 0 || gitIndex === 1) {
      await handleGitHttp(core, ctx, host, urls, segments, gitIndex);
      return;
    }
    const principal: Principal = authenticate(ctx, core.store, target);
    // A principal limited to some projects (a service principal added without access to the
    // others) sees the host without them: they answer like projects that do not exist.
    const visible = visibleHost(core.store, host, principal.user);
    let projectSegment: string | undefined;
    let rest = segments;
    if (segments.length >= 2 && (segments[0] ?? "").toLowerCase() !== "_apis" && (segments[1] ?? "").toLowerCase() === "_apis") {
      projectSegment = segments[0];
      rest = segments.slice(1);
    }
    if (ctx.method === "OPTIONS" && projectSegment === undefined && (rest[0] ?? "").toLowerCase() === "_apis" && rest.length <= 2) {
      optionsLocations(ctx, host.product, "host", rest[1]);
      return;
    }
    const allowed: string[] = [];
    for (const route of HOST_ROUTES) {
      if (projectSegment !== undefined && route.project === "none") {
        continue;
      }
      const params = matchPattern(route.pattern, rest);
      if (!params) {
        continue;
      }
      if (!route.methods.includes(ctx.method === "HEAD" ? "GET" : ctx.method)) {
        allowed.push(...route.methods);
        continue;
      }
      const location = route.locationId === undefined ? undefined : locationById(route.locationId);
      const apiVersion = checkApiVersion(ctx, host.product, location);
      requireScopes(principal, route.scopes);
      checkContentType(ctx);
      const api: ApiContext = { core, ctx, host: visible, urls, principal, apiVersion };
      if (projectSegment !== undefined) {
        const project = core.store.project(visible, projectSegment);
        if (!project) {
          throw projectNotFoundError(projectSegment);
        }
        api.project = project;
      }
      await route.handler(api, params);
      return;
    }
    if (allowed.length > 0) {
      methodNotAllowed(ctx, allowed);
      return;
    }
    routeNotFound(ctx);
  } catch (error) {
    sendThrown(ctx, error, target);
  }
}

/** Handles the Services root: profile, accounts, connectionData, ResourceAreas, OPTIONS. */
export async function handleRootRequest(core: EmulatorCore, ctx: RequestContext, urls: HostUrls, segments: string[]): Promise<void> {
  const target: AuthTarget = { urls };
  try {
    const principal = authenticate(ctx, core.store, target);
    if (ctx.method === "OPTIONS" && (segments[0] ?? "").toLowerCase() === "_apis" && segments.length <= 2) {
      optionsLocations(ctx, "services", "root", segments[1]);
      return;
    }
    const allowed: string[] = [];
    for (const route of ROOT_ROUTES) {
      const params = matchPattern(route.pattern, segments);
      if (!params) {
        continue;
      }
      if (!route.methods.includes(ctx.method === "HEAD" ? "GET" : ctx.method)) {
        allowed.push(...route.methods);
        continue;
      }
      const location = route.locationId === undefined ? undefined : locationById(route.locationId);
      const apiVersion = checkApiVersion(ctx, "services", location);
      requireScopes(principal, route.scopes);
      checkContentType(ctx);
      await route.handler({ core, ctx, urls, principal, apiVersion }, params);
      return;
    }
    if (allowed.length > 0) {
      methodNotAllowed(ctx, allowed);
      return;
    }
    routeNotFound(ctx);
  } catch (error) {
    sendThrown(ctx, error, target);
  }
}
