import type { ApiContext, RootApiContext } from "./core.js";
import { invalidArgumentError, notFoundError, projectNotFoundError } from "./errors.js";
import { queryBool, queryInt, queryParam, sendJson, sendList, type RequestContext } from "./http.js";
import { guidFrom } from "./ids.js";
import { identityDescriptor, identityOf, identityRefOf } from "./identities.js";
import { locationsFor, productFeatures, RESOURCE_AREAS, type LocationScope } from "./locations.js";
import type { FixtureUser, Product } from "./model.js";
import type { HostRecord, ProjectRecord } from "./store.js";
import { projectUrl, type HostUrls } from "./urls.js";

/** The Location service owner id (docs/azure-devops-facts.md §1.1 example). */
const SERVICE_OWNER = "00025394-6065-48ca-87d9-7f5672854ef7";

/** `GET {base}/_apis/connectionData` (docs/azure-devops-facts.md §1.1). */
export function connectionData(
  ctx: RequestContext,
  user: FixtureUser,
  urls: HostUrls,
  host: HostRecord | undefined,
  apiVersion: string | undefined,
): void {
  const onPremises = ctx.deployment.kind === "server";
  const identity = identityOf(user);
  const connectOptions = Number(queryParam(ctx.url, "connectOptions") ?? "0");
  const locationServiceData: Record<string, unknown> = {
    serviceOwner: SERVICE_OWNER,
    defaultAccessMappingMoniker: "PublicAccessMapping",
    lastChangeId: 62693399,
    lastChangeId64: 62693399,
    clientCacheFresh: false,
    clientCacheTimeToLive: 3600,
  };
  // connectOptions is a flags enum: IncludeServices = 1.
  if ((connectOptions & 1) === 1) {
    // accessPoint + "/" + virtualDirectory is the host's URL; on-prem it is the public URL (docs/azure-devops-facts.md §5.3).
    locationServiceData.accessMappings = [
      {
        displayName: "Public Access Mapping",
        moniker: "PublicAccessMapping",
        accessPoint: urls.root,
        serviceOwner: SERVICE_OWNER,
        virtualDirectory: urls.form === "legacy" || host === undefined ? "" : host.name,
      },
    ];
    locationServiceData.serviceDefinitions = locationsFor(ctx.deployment.product, host === undefined ? "root" : "host").map(
      (location) => ({
        serviceType: location.area,
        identifier: location.id,
        displayName: location.resourceName,
        relativeToSetting: "context",
        relativePath: location.routeTemplate,
        description: `${location.area} ${location.resourceName}`,
        serviceOwner: SERVICE_OWNER,
        resourceVersion: location.resourceVersion,
        minVersion: location.minVersion,
        maxVersion: location.maxVersion,
        releasedVersion: location.releasedVersion,
        locationMappings: [{ accessMappingMoniker: "PublicAccessMapping", location: `${urls.base}/${location.routeTemplate}` }],
      }),
    );
  }
  const body: Record<string, unknown> = {
    authenticatedUser: identity,
    authorizedUser: identity,
    instanceId: host?.id ?? ctx.deployment.deploymentId,
    deploymentId: ctx.deployment.deploymentId,
    deploymentType: onPremises ? "onPremises" : "hosted",
    locationServiceData,
  };
  if (onPremises) {
    body.webApplicationRelativeDirectory = `${new URL(urls.root).pathname.replace(/\/+$/, "")}/`;
  }
  sendJson(ctx, 200, body, { apiVersion });
}

/** `OPTIONS {base}/_apis[/{area}]`: the ApiResourceLocation list (docs/azure-devops-facts.md §4.2). */
export function optionsLocations(ctx: RequestContext, product: Product, scope: LocationScope, area: string | undefined): void {
  const value = locationsFor(product, scope, area);
  sendJson(ctx, 200, { count: value.length, value });
}

/** `GET {base}/_apis/ResourceAreas`: Services points every area at the emulator; on-prem is empty. */
export function resourceAreas(
  ctx: RequestContext,
  urls: HostUrls,
  scope: LocationScope,
  apiVersion: string,
): void {
  if (ctx.deployment.kind === "server") {
    // On-prem shape per a comment in the Node client's WebApi._getResourceAreaUrl (docs/azure-devops-facts.md §0).
    sendJson(ctx, 200, { count: 0, value: null }, { apiVersion });
    return;
  }
  const areaId = ctx.segments[ctx.segments.length - 1]?.toLowerCase();
  const value = RESOURCE_AREAS.filter((area) => scope === "host" || area.scope === "root").map((area) => ({
    id: area.id,
    name: area.name,
    locationUrl: area.scope === "root" ? `${urls.root}/` : `${urls.base}/`,
  }));
  if (areaId !== undefined && areaId !== "resourceareas") {
    const one = value.find((area) => area.id === areaId);
    if (!one) {
      throw notFoundError(`The resource area ${areaId} was not found.`, "ResourceAreaNotFoundException");
    }
    sendJson(ctx, 200, one, { apiVersion });
    return;
  }
  sendList(ctx, value, { apiVersion });
}

/** TeamProjectReference (docs/azure-devops-facts.md §1.2). */
export function projectRef(urls: HostUrls, project: ProjectRecord): Record<string, unknown> {
  const ref: Record<string, unknown> = { id: project.id, name: project.name };
  if (project.description !== undefined) {
    ref.description = project.description;
  }
  ref.url = projectUrl(urls, project);
  ref.state = project.state;
  ref.revision = project.revision;
  ref.visibility = project.visibility;
  if (productFeatures(project.host.product).projectLastUpdateTime) {
    ref.lastUpdateTime = project.lastUpdateTime;
  }
  return ref;
}

const STATE_FILTERS = new Set(["deleting", "new", "wellformed", "createpending", "all", "unchanged", "deleted"]);

/** `GET {base}/_apis/projects` with `$top`, `$skip`, `continuationToken`, `stateFilter`. */
export function listProjects(api: ApiContext): void {
  const { ctx } = api;
  const stateFilter = (queryParam(ctx.url, "stateFilter") ?? "wellFormed").toLowerCase();
  if (!STATE_FILTERS.has(stateFilter)) {
    throw invalidArgumentError(`The value '${stateFilter}' is not valid for stateFilter.`);
  }
  const matching = api.host.projects.filter((project) => {
    if (stateFilter === "all") {
      return project.state !== "deleted";
    }
    return project.state.toLowerCase() === stateFilter;
  });
  const top = queryInt(ctx.url, "$top") ?? 100;
  // continuationToken is an int in 7.1; the emulator uses it as the offset of the next page.
  const start = queryInt(ctx.url, "continuationToken") ?? queryInt(ctx.url, "$skip") ?? 0;
  const page = matching.slice(start, start + top);
  const headers: Record<string, string> = {};
  if (start + top < matching.length) {
    headers["x-ms-continuationtoken"] = String(start + top);
  }
  const withImage = queryBool(ctx.url, "getDefaultTeamImageUrl");
  const value = page.map((project) => {
    const ref = projectRef(api.urls, project);
    if (withImage) {
      ref.defaultTeamImageUrl = `${api.urls.base}/_api/_common/identityImage?id=${project.id}`;
    }
    return ref;
  });
  sendList(ctx, value, { apiVersion: api.apiVersion, headers });
}

/** `GET {base}/_apis/projects/{idOrName}`: TeamProject with `_links` and `defaultTeam`. */
export function getProject(api: ApiContext, idOrName: string): void {
  const project = api.core.store.project(api.host, idOrName);
  if (!project || project.state === "deleted") {
    throw projectNotFoundError(idOrName);
  }
  const body = projectRef(api.urls, project);
  body._links = {
    self: { href: projectUrl(api.urls, project) },
    collection: { href: `${api.urls.base}/_apis/projectCollections/${api.host.id}` },
    web: { href: `${api.urls.base}/${encodeURIComponent(project.name)}` },
  };
  if (queryBool(api.ctx.url, "includeCapabilities")) {
    body.capabilities = {
      versioncontrol: { sourceControlType: "Git", gitEnabled: "True", tfvcEnabled: "False" },
      processTemplate: { templateName: "Agile", templateTypeId: "adcc42ab-9882-485e-a3ed-7678f01f66bc" },
    };
  }
  const teamId = guidFrom(`${project.id}/default-team`);
  body.defaultTeam = {
    id: teamId,
    name: `${project.name} Team`,
    url: `${api.urls.base}/_apis/projects/${project.id}/teams/${teamId}`,
  };
  sendJson(api.ctx, 200, body, { apiVersion: api.apiVersion });
}

/** `GET {base}/_apis/identities?identityIds=…|descriptors=…|searchFilter=General&filterValue=…` (scope vso.identity). */
export function readIdentities(api: ApiContext, singleId: string | undefined): void {
  const { ctx, core } = api;
  const members = [...api.host.members]
    .map((id) => core.store.user(id))
    .filter((user): user is FixtureUser => user !== undefined);
  if (singleId !== undefined) {
    const user = members.find((member) => member.id.toLowerCase() === singleId.toLowerCase());
    if (!user) {
      throw notFoundError(`The identity ${singleId} was not found.`, "IdentityNotFoundException");
    }
    sendJson(ctx, 200, identityOf(user), { apiVersion: api.apiVersion });
    return;
  }
  const ids = queryParam(ctx.url, "identityIds");
  const descriptors = queryParam(ctx.url, "descriptors");
  const filterValue = queryParam(ctx.url, "filterValue");
  let found: FixtureUser[];
  if (ids !== undefined) {
    const wanted = new Set(ids.split(",").map((id) => id.trim().toLowerCase()));
    found = members.filter((user) => wanted.has(user.id.toLowerCase()));
  } else if (descriptors !== undefined) {
    const wanted = new Set(descriptors.split(",").map((descriptor) => descriptor.trim().toLowerCase()));
    found = members.filter((user) => wanted.has(identityDescriptor(user).toLowerCase()));
  } else if (filterValue !== undefined) {
    const needle = filterValue.toLowerCase();
    found = members.filter(
      (user) => user.email.toLowerCase().includes(needle) || user.displayName.toLowerCase().includes(needle),
    );
  } else {
    throw invalidArgumentError("Either identityIds, descriptors or searchFilter/filterValue must be supplied.");
  }
  sendList(ctx, found.map((user) => identityOf(user)), { apiVersion: api.apiVersion });
}

/** `GET {base}/_apis/notification/subscriptions`: a minimal list for the caller (scope vso.notification). */
export function listNotificationSubscriptions(api: ApiContext): void {
  const user = api.principal.user;
  const subscriber = identityRefOf(user, api.urls);
  const make = (id: string, description: string, eventType: string) => ({
    id,
    description,
    status: "enabled",
    flags: "teamSubscription",
    subscriber,
    scope: { id: api.host.id, type: "collection", name: api.host.name },
    filter: { eventType, type: "Expression" },
    channel: { type: "EmailHtml", useCustomAddress: false },
    url: `${api.urls.base}/_apis/notification/Subscriptions/${id}`,
    _links: { self: { href: `${api.urls.base}/_apis/notification/Subscriptions/${id}` } },
    lastModifiedBy: subscriber,
    modifiedDate: "2024-01-02T08:00:00Z",
  });
  sendList(
    api.ctx,
    [
      make("ms.vss-code.code-review-changes-updated-subscription", "A pull request I'm a reviewer on is updated", "ms.vss-code.git-pullrequest-event"),
      make("ms.vss-build.build-completed-personal-subscription", "A build I queued completes", "ms.vss-build.build-completed-event"),
    ],
    { apiVersion: api.apiVersion },
  );
}

/** Connection data for the Services root (vssps role). */
export function rootConnectionData(api: RootApiContext): void {
  connectionData(api.ctx, api.principal.user, api.urls, undefined, api.apiVersion);
}
