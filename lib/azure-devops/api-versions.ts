/**
 * REST API versions: which product a server is, whether Keel supports it, and which
 * api-version Keel then sends (docs/azure-devops-facts.md §2.3, §2.4, §4.2).
 *
 * Nothing in a response names the product version, so it is inferred from the api-version
 * ceiling: `OPTIONS {base}/_apis/{area}` lists per-resource max/released versions, and a
 * deliberately too-high api-version makes the server name its ceiling in a 400 message.
 */
import { isAzureDevOpsError } from "./errors";
import type { ApiResourceLocation } from "./types";

/** The api-version Keel prefers (the newest released on Services and Server 2022.1). */
export const PREFERRED_API_VERSION = "7.1";

/** The api-version of the ceiling probe: far above anything real, so the server must refuse it. */
export const PROBE_API_VERSION = "99.0";

export type ProductName =
  | "Azure DevOps Services"
  | "Azure DevOps Server"
  | "Azure DevOps Server 2022.1"
  | "Azure DevOps Server 2022"
  | "Azure DevOps Server 2020"
  | "Azure DevOps Server 2019"
  | "Team Foundation Server 2018"
  | "Team Foundation Server 2017"
  | "Team Foundation Server 2015 or older"
  | "Unknown Azure DevOps Server";

/** `deploymentType` of connectionData. */
export type DeploymentKind = "hosted" | "onPremises";

export type ServerVersionInfo = {
  deploymentType: DeploymentKind;
  product: ProductName;
  /** Highest api-version the server accepts, "major.minor"; null when it could not be learned. */
  ceiling: string | null;
  /** Highest released (non-preview) api-version from OPTIONS; null when unknown. */
  released: string | null;
  /** What Keel sends from now on. */
  apiVersion: string;
  /** Where the ceiling came from. */
  source: "options" | "probe" | "both" | "none";
};

/** What detection needs from a client (kept structural so this module does not import the client). */
export type VersionProbeClient = {
  getResourceLocations(area?: string): Promise<ApiResourceLocation[]>;
  probeApiVersionCeiling(): Promise<string | null>;
};

// Released api-version per product, for when OPTIONS could not tell (docs/azure-devops-facts.md §2.4: Server 2020
// names 6.1 as its ceiling but 6.1 is preview there; 6.0 is what it releases).
const RELEASED_BY_PRODUCT: Partial<Record<ProductName, string>> = {
  "Azure DevOps Services": "7.1",
  "Azure DevOps Server": "7.1",
  "Azure DevOps Server 2022.1": "7.1",
  "Azure DevOps Server 2022": "7.0",
  "Azure DevOps Server 2020": "6.0",
  "Azure DevOps Server 2019": "5.0",
};

const SUPPORTED: ReadonlySet<ProductName> = new Set<ProductName>([
  "Azure DevOps Services",
  "Azure DevOps Server",
  "Azure DevOps Server 2022.1",
  "Azure DevOps Server 2022",
  "Azure DevOps Server 2020",
]);

/** Parses "major.minor" (ignoring any `-preview…` suffix); null when it is not a version. */
export function parseApiVersion(text: string | null | undefined): { major: number; minor: number } | null {
  if (typeof text !== "string") {
    return null;
  }
  const match = /^\s*(\d+)\.(\d+)(?:-preview(?:\.\d+)?)?\s*$/i.exec(text);
  if (match === null) {
    return null;
  }
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** Numeric comparison of two "major.minor" versions (unparseable sorts lowest). */
export function compareApiVersions(left: string, right: string): number {
  const a = parseApiVersion(left);
  const b = parseApiVersion(right);
  if (a === null || b === null) {
    return a === null ? (b === null ? 0 : -1) : 1;
  }
  return a.major !== b.major ? a.major - b.major : a.minor - b.minor;
}

/** The highest max and released versions across resource locations (released "0.0" = never released, ignored). */
export function summarizeLocations(locations: readonly ApiResourceLocation[]): { maxVersion: string | null; releasedVersion: string | null } {
  let maxVersion: string | null = null;
  let releasedVersion: string | null = null;
  for (const location of locations) {
    if (parseApiVersion(location.maxVersion) !== null && (maxVersion === null || compareApiVersions(location.maxVersion, maxVersion) > 0)) {
      maxVersion = normalize(location.maxVersion);
    }
    const released = location.releasedVersion;
    if (parseApiVersion(released) !== null && compareApiVersions(released, "0.0") > 0 && (releasedVersion === null || compareApiVersions(released, releasedVersion) > 0)) {
      releasedVersion = normalize(released);
    }
  }
  return { maxVersion, releasedVersion };
}

/** Maps the deployment type and api-version ceiling to a product (docs/azure-devops-facts.md §2.4). */
export function productFromCeiling(deploymentType: DeploymentKind, ceiling: string | null): ProductName {
  if (deploymentType === "hosted") {
    return "Azure DevOps Services";
  }
  const version = parseApiVersion(ceiling);
  if (version === null) {
    return "Unknown Azure DevOps Server";
  }
  const { major, minor } = version;
  if (major > 7 || (major === 7 && minor >= 2)) {
    // The yearless "Azure DevOps Server" (December 2025, Modern Lifecycle Policy) names no year
    // anywhere the API shows; its ceiling (7.2, above 2022.1's 7.1) is what identifies it, and
    // any later server answers at least as high — all of them "2020 or newer".
    return "Azure DevOps Server";
  }
  if (major === 7) {
    return minor === 1 ? "Azure DevOps Server 2022.1" : "Azure DevOps Server 2022";
  }
  if (major === 6) {
    return "Azure DevOps Server 2020";
  }
  if (major === 5) {
    return "Azure DevOps Server 2019";
  }
  if (major === 4) {
    return "Team Foundation Server 2018";
  }
  if (major === 3) {
    return "Team Foundation Server 2017";
  }
  return "Team Foundation Server 2015 or older";
}

/** Keel supports Azure DevOps Services and Azure DevOps Server 2020 or newer. */
export function isSupportedServer(product: ProductName): boolean {
  return SUPPORTED.has(product);
}

/** The api-version to send: min(7.1, released), falling back to what the product is known to release, then the ceiling. */
export function chooseApiVersion(input: { product: ProductName; ceiling: string | null; released: string | null }): string {
  const candidate = input.released ?? RELEASED_BY_PRODUCT[input.product] ?? input.ceiling;
  if (candidate === null || parseApiVersion(candidate) === null) {
    return PREFERRED_API_VERSION;
  }
  return compareApiVersions(candidate, PREFERRED_API_VERSION) < 0 ? normalize(candidate) : PREFERRED_API_VERSION;
}

/**
 * Detects product and api-version with OPTIONS (git area) and the out-of-range probe. Errors
 * that say nothing about versions (network, 401, 429, 5xx) are rethrown when neither source
 * answered, so the caller can report them.
 */
export async function detectServerVersion(client: VersionProbeClient, deploymentType: DeploymentKind): Promise<ServerVersionInfo> {
  let firstError: unknown;
  let fromOptions: { maxVersion: string | null; releasedVersion: string | null } = { maxVersion: null, releasedVersion: null };
  try {
    fromOptions = summarizeLocations(await client.getResourceLocations("git"));
  } catch (error) {
    // Old servers without OPTIONS answer 404; that is what the probe is for.
    if (!isAzureDevOpsError(error, "not_found") && !isAzureDevOpsError(error, "not_azure_devops")) {
      firstError = error;
    }
  }
  let probed: string | null = null;
  try {
    probed = await client.probeApiVersionCeiling();
  } catch (error) {
    firstError ??= error;
  }
  if (probed === null && fromOptions.maxVersion === null && firstError !== undefined) {
    throw firstError;
  }
  // The probe is the server's own statement; OPTIONS may omit resources above some version.
  const ceiling = probed ?? fromOptions.maxVersion;
  const source: ServerVersionInfo["source"] = probed !== null && fromOptions.maxVersion !== null ? "both" : probed !== null ? "probe" : fromOptions.maxVersion !== null ? "options" : "none";
  const product = productFromCeiling(deploymentType, ceiling);
  return {
    deploymentType,
    product,
    ceiling,
    released: fromOptions.releasedVersion,
    apiVersion: chooseApiVersion({ product, ceiling, released: fromOptions.releasedVersion }),
    source,
  };
}

function normalize(version: string): string {
  const parsed = parseApiVersion(version);
  return parsed === null ? version : `${parsed.major}.${parsed.minor}`;
}
