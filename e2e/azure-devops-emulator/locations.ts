import type { Product } from "./model.js";

/**
 * API resource locations: what `OPTIONS {base}/_apis[/{area}]` returns and what the
 * api-version checks use. Ids and route templates per docs/azure-devops-facts.md §4.2/§4.3.
 */

export type ProductVersions = {
  /** Highest api-version the product accepts (the number its out-of-range error names). */
  max: string;
  /** Highest released (non-preview) api-version. */
  released: string;
  /** Human name for README/CLI output. */
  label: string;
};

/**
 * Ceilings per product (docs/azure-devops-facts.md §2.4). Server 2020 names 6.1 in its out-of-range error
 * (docs/azure-devops-facts.md §2.3), so it accepts 6.1 as preview and 6.0 as released.
 */
export const PRODUCT_VERSIONS: Record<Product, ProductVersions> = {
  services: { max: "7.2", released: "7.1", label: "Azure DevOps Services" },
  // The yearless Azure DevOps Server (RTW 2025-12-09, file version 20.x): Microsoft's version
  // table lists it ("vNext") at 7.2; a stable 7.2 is refused there, so 7.1 is its released version.
  "azure-devops-server": { max: "7.2", released: "7.1", label: "Azure DevOps Server" },
  "server2022.1": { max: "7.1", released: "7.1", label: "Azure DevOps Server 2022.1" },
  server2020: { max: "6.1", released: "6.0", label: "Azure DevOps Server 2020" },
  server2019: { max: "5.0", released: "5.0", label: "Azure DevOps Server 2019" },
  tfs2018: { max: "4.1", released: "4.1", label: "Team Foundation Server 2018 Update 2" },
};

/**
 * Response fields that only newer products serialize (their DataContracts grew). Taken from
 * the per-version specs: Server 2019 (5.0) has no GitRepository.webUrl/isDisabled/
 * isInMaintenance and no TeamProjectReference.lastUpdateTime; Server 2020 (6.0) has no
 * isDisabled/isInMaintenance. TFS 2018 is treated like 2019 (no 4.1 spec is available).
 */
export type ProductFeatures = {
  repoWebUrl: boolean;
  repoDisabledFlags: boolean;
  projectLastUpdateTime: boolean;
  /** IdentityRefWithVote.hasDeclined/isFlagged (6.0 and later). */
  reviewerFlags: boolean;
};

/** The response features of a product. */
export function productFeatures(product: Product): ProductFeatures {
  switch (product) {
    case "services":
    case "azure-devops-server":
    case "server2022.1":
      return { repoWebUrl: true, repoDisabledFlags: true, projectLastUpdateTime: true, reviewerFlags: true };
    case "server2020":
      return { repoWebUrl: true, repoDisabledFlags: false, projectLastUpdateTime: true, reviewerFlags: true };
    default:
      return { repoWebUrl: false, repoDisabledFlags: false, projectLastUpdateTime: false, reviewerFlags: false };
  }
}

/** Where a location is served: at an organization/collection, or at the Services root (vssps). */
export type LocationScope = "host" | "root";

export type LocationDefinition = {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  /** Never released: `releasedVersion` is "0.0" and non-preview versions are refused. */
  previewOnly: boolean;
  scopes: LocationScope[];
  /** Only served by Services (profile, accounts). */
  servicesOnly?: boolean;
};

/** Every resource location the emulator implements. */
export const LOCATIONS: readonly LocationDefinition[] = [
  {
    id: "00d9565f-ed9c-4a06-9a50-00e7896ccab4",
    area: "Location",
    resourceName: "ConnectionData",
    routeTemplate: "_apis/{resource}",
    resourceVersion: 1,
    minVersion: "1.0",
    previewOnly: true,
    scopes: ["host", "root"],
  },
  {
    id: "e81700f7-3be2-46de-8624-2eb35882fcaa",
    area: "Location",
    resourceName: "ResourceAreas",
    routeTemplate: "_apis/{resource}/{areaId}",
    resourceVersion: 1,
    minVersion: "3.2",
    previewOnly: true,
    scopes: ["host", "root"],
  },
  {
    id: "603fe2ac-9723-48b9-88ad-09305aa6c6e1",
    area: "core",
    resourceName: "projects",
    routeTemplate: "_apis/{resource}/{*projectId}",
    resourceVersion: 4,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "225f7195-f9c7-4d14-ab28-a83f7ff77e1f",
    area: "git",
    resourceName: "repositories",
    routeTemplate: "{project}/_apis/{area}/{resource}/{repositoryId}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "2d874a60-a811-4f62-9c9f-963a6ea0a55b",
    area: "git",
    resourceName: "refs",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{*filter}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "c2570c3b-5b3f-41b8-98bf-5407bfde8d58",
    area: "git",
    resourceName: "commits",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{commitId}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "428dd4fb-fda5-4722-af02-9313b80305da",
    area: "git",
    resourceName: "statuses",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/commits/{commitId}/{resource}",
    resourceVersion: 2,
    minVersion: "2.1",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "fc50d02a-849f-41fb-8af1-0a5216103269",
    area: "hooks",
    resourceName: "subscriptions",
    routeTemplate: "_apis/{area}/{resource}/{subscriptionId}",
    resourceVersion: 1,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "70f911d6-abac-488c-85b3-a206bf57e165",
    area: "notification",
    resourceName: "subscriptions",
    routeTemplate: "_apis/{area}/{resource}/{subscriptionId}",
    resourceVersion: 1,
    minVersion: "3.2",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "ea98d07b-3c87-4971-8ede-a613694ffb55",
    area: "git",
    resourceName: "pushes",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{pushId}",
    resourceVersion: 3,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "9946fd70-0d40-406e-b686-b4744cbbcc37",
    area: "git",
    resourceName: "pullRequests",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/{resource}/{pullRequestId}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "a5d28130-9cd2-40fa-9f08-902e7daa9efb",
    area: "git",
    resourceName: "pullRequests",
    routeTemplate: "{project}/_apis/{area}/{resource}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "01a46dea-7d46-4d40-bc84-319e7c260d99",
    area: "git",
    resourceName: "pullRequests",
    routeTemplate: "{project}/_apis/{area}/{resource}/{pullRequestId}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "d43911ee-6958-46b0-a42b-8445b8a0d004",
    area: "git",
    resourceName: "iterations",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{iterationId}",
    resourceVersion: 2,
    minVersion: "2.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35",
    area: "git",
    resourceName: "statuses",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{statusId}",
    resourceVersion: 2,
    minVersion: "4.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "75cf11c5-979f-4038-a76e-058a06adf2bf",
    area: "git",
    resourceName: "statuses",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/iterations/{iterationId}/{resource}/{statusId}",
    resourceVersion: 2,
    minVersion: "4.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "ab6e2e5d-a0b7-4153-b64a-a4efe0d49449",
    area: "git",
    resourceName: "threads",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/{resource}/{threadId}",
    resourceVersion: 1,
    minVersion: "3.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b",
    area: "git",
    resourceName: "comments",
    routeTemplate: "{project}/_apis/{area}/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/{resource}/{commentId}",
    resourceVersion: 1,
    minVersion: "3.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    // Notifications history (hooks). Ids and template from a captured OPTIONS payload and
    // Microsoft's Go/Python/.NET clients.
    id: "0c62d343-21b0-4732-997b-017fde84dc28",
    area: "hooks",
    resourceName: "notifications",
    routeTemplate: "_apis/{area}/subscriptions/{subscriptionId}/{resource}/{notificationId}",
    resourceVersion: 1,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "1a57562f-160a-4b5c-9185-905e95b39d36",
    area: "hooks",
    resourceName: "notificationsQuery",
    routeTemplate: "_apis/{area}/{resource}",
    resourceVersion: 1,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    // Build and policy: only the lists, empty (no pipelines, no branch policies), so that
    // Microsoft's client finds the areas instead of failing; see README.
    id: "0cd358e1-9217-4d94-8269-1c1ee6f93dcf",
    area: "build",
    resourceName: "Builds",
    routeTemplate: "{project}/_apis/build/{resource}/{buildId}",
    resourceVersion: 7,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "dbeaf647-6167-421a-bda9-c9327b25e2e6",
    area: "build",
    resourceName: "Definitions",
    routeTemplate: "{project}/_apis/build/{resource}/{definitionId}",
    resourceVersion: 7,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "dad91cbe-d183-45f8-9c6e-9c1164472121",
    area: "policy",
    resourceName: "configurations",
    routeTemplate: "{project}/_apis/{area}/{resource}/{configurationId}",
    resourceVersion: 1,
    minVersion: "2.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    // Identity read (IMS). Location id as used by Microsoft's Python/Go clients for
    // read_identities (docs/azure-devops-facts.md §4.3); Microsoft's own pages do not list it.
    id: "28010c54-d0c0-4c89-a5b0-1c9e188b9fb7",
    area: "IMS",
    resourceName: "Identities",
    routeTemplate: "_apis/{resource}/{identityId}",
    resourceVersion: 2,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["host"],
  },
  {
    id: "f83735dc-483f-4238-a291-d45f6080a9af",
    area: "Profile",
    resourceName: "profiles",
    routeTemplate: "_apis/{area}/{resource}/{id}",
    resourceVersion: 3,
    minVersion: "1.0",
    // Released: the 7.1 spec's Profiles_Get takes api-version "7.1" (Auth.js used 6.0).
    previewOnly: false,
    scopes: ["root"],
    servicesOnly: true,
  },
  {
    id: "229a6a53-b428-4ffb-a835-e8f36b5b4b1e",
    area: "Account",
    resourceName: "Accounts",
    routeTemplate: "_apis/{resource}/{accountId}",
    resourceVersion: 1,
    minVersion: "1.0",
    previewOnly: false,
    scopes: ["root"],
    servicesOnly: true,
  },
];

/** Resource areas with known ids (docs/azure-devops-facts.md §4.3) and where they live. */
export const RESOURCE_AREAS: ReadonlyArray<{ id: string; name: string; scope: LocationScope }> = [
  { id: "79134c72-4a58-4b42-976c-04e7115f32bf", name: "core", scope: "host" },
  { id: "4e080c62-fa21-4fbc-8fef-2a10a2b38049", name: "git", scope: "host" },
  // Ids as Microsoft's Node client knows them (BuildApi/PolicyApi.RESOURCE_AREA_ID).
  { id: "965220d5-5bb9-42cf-8d67-9b146df2a5a4", name: "build", scope: "host" },
  { id: "fb13a388-40dd-4a04-b530-013a739c72ef", name: "policy", scope: "host" },
  { id: "8ccfef3d-2b87-4e99-8ccb-66e343d2daa8", name: "Profile", scope: "root" },
  { id: "0d55247a-1c47-4462-9b1f-5e2125590ee6", name: "Account", scope: "root" },
];

export type ApiResourceLocation = {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  maxVersion: string;
  releasedVersion: string;
};

/** Compares two "major.minor" strings numerically. */
export function compareVersions(left: string, right: string): number {
  const [lMajor = 0, lMinor = 0] = left.split(".").map((part) => Number(part));
  const [rMajor = 0, rMinor = 0] = right.split(".").map((part) => Number(part));
  if (lMajor !== rMajor) {
    return lMajor - rMajor;
  }
  return lMinor - rMinor;
}

/** The locations a product serves at a scope, with its version numbers filled in. */
export function locationsFor(product: Product, scope: LocationScope, area?: string): ApiResourceLocation[] {
  const versions = PRODUCT_VERSIONS[product];
  const wanted = area?.toLowerCase();
  return LOCATIONS.filter((location) => location.scopes.includes(scope))
    .filter((location) => !location.servicesOnly || product === "services")
    .filter((location) => compareVersions(location.minVersion, versions.max) <= 0)
    .filter((location) => wanted === undefined || location.area.toLowerCase() === wanted)
    .map((location) => ({
      id: location.id,
      area: location.area,
      resourceName: location.resourceName,
      routeTemplate: location.routeTemplate,
      resourceVersion: location.resourceVersion,
      minVersion: location.minVersion,
      maxVersion: versions.max,
      releasedVersion: location.previewOnly ? "0.0" : versions.released,
    }));
}

/** The location definition by id. */
export function locationById(id: string): LocationDefinition | undefined {
  return LOCATIONS.find((location) => location.id === id);
}

export type ParsedApiVersion = {
  raw: string;
  version: string;
  isPreview: boolean;
  resourceVersion?: number;
};

/** Parses `{major}.{minor}[-preview[.{resourceVersion}]]`; undefined when malformed. */
export function parseApiVersion(raw: string): ParsedApiVersion | undefined {
  const match = /^(\d+)\.(\d+)(-preview(\.(\d+))?)?$/i.exec(raw.trim());
  if (!match) {
    return undefined;
  }
  const resourceVersion = match[5] === undefined ? undefined : Number(match[5]);
  return {
    raw: raw.trim(),
    version: `${Number(match[1])}.${Number(match[2])}`,
    isPreview: match[3] !== undefined,
    resourceVersion,
  };
}
