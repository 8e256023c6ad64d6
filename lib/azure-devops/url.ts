/**
 * "Paste any URL": turns a browser, clone (HTTPS or SSH) or API URL of Azure DevOps Services or
 * Azure DevOps Server into the fields a connection needs, and builds URLs back from those fields.
 *
 * Pure functions, no I/O: nothing here decides whether a URL may be *called* — that is the job
 * of lib/net (SSRF policy). This module only says what a URL means.
 *
 * How the on-prem path is split into prefix / collection / project (documented heuristics,
 * docs/azure-devops-facts.md §5: `https://{host}[:port]/[tfs/]{collection}`):
 *   1. A first segment literally `tfs` (any case) is the virtual-directory prefix left by servers
 *      upgraded from TFS; the collection follows it. (A collection named "tfs" on a root-vdir
 *      server would be misread; we accept that — it is far rarer than the /tfs prefix.)
 *   2. Otherwise a segment named `DefaultCollection` (any case) before any `_area` segment is the
 *      collection, and every segment before it is the prefix (custom vdirs such as /azuredevops).
 *   3. Otherwise, in a repository URL (`…/_git/{repo}`), collection and project are exactly one
 *      segment each, so with more than two segments before `_git` the extra leading ones are the
 *      prefix. With exactly two we assume no prefix (`{collection}/{project}/_git/{repo}`).
 *   4. Otherwise, with no `_area` segment at all and more than two segments, the last two are
 *      taken as collection/project and the rest as prefix — a guess, so a warning is returned.
 *   5. Otherwise there is no prefix and the first segment is the collection.
 * Segments starting with `_` are Azure DevOps areas (`_git`, `_apis`, `_build`, `_settings`…):
 * project and collection names cannot start with an underscore.
 */

export type AzureDevOpsProvider = "services" | "server";

export type AzureDevOpsUrlForm =
  /** A web-portal page: project home, repo page with a path/branch, builds, settings… */
  | "browser"
  /** Exactly `…/{project}/_git/{repo}` (or the short `…/_git/{repo}`), as shown in "Clone". */
  | "https-clone"
  /** Any SSH clone URL (scp-like or ssh://). */
  | "ssh-clone"
  /** An HTTPS URL on `{org}.visualstudio.com`, whatever page it points at. */
  | "legacy-visualstudio"
  /** Just the organization / collection, e.g. `https://dev.azure.com/fabrikam`. */
  | "collection-root"
  /** A REST URL (`…/_apis/…`). */
  | "api";

export type AzureDevOpsLocation = {
  provider: AzureDevOpsProvider;
  /** Scheme, host and non-default port only, e.g. `https://dev.azure.com`. */
  serverUrl: string;
  /** Path between the origin and the collection, decoded, no slashes at the ends: "" or "tfs". */
  pathPrefix: string;
  /** Organization (Services) or collection (Server) name, decoded. */
  collection: string;
  project?: string;
  repository?: string;
  form: AzureDevOpsUrlForm;
  /** `serverUrl` + prefix + collection, percent-encoded, no trailing slash. */
  collectionUrl: string;
  /** Things the user should double-check (guesses, ignored credentials, SSH without web address). */
  warnings: string[];
};

export type UrlResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export type ParseAzureDevOpsUrlOptions = {
  /**
   * Extra origins that behave like `https://dev.azure.com` (`/{org}/…` paths), e.g. the
   * emulator at `http://127.0.0.1:4601` in tests and demo mode.
   */
  servicesHosts?: string[];
};

export type CollectionLocation = {
  serverUrl: string;
  pathPrefix: string;
  collection: string;
};

const SERVICES_ORIGIN = "https://dev.azure.com";
const SERVICES_HOST = "dev.azure.com";
// Other Services hosts that carry `/{org}/…` paths (REST areas discovered via ResourceAreas).
const SERVICES_AREA_HOSTS = new Set(["vssps.dev.azure.com", "vsrm.dev.azure.com", "pkgs.dev.azure.com", "feeds.dev.azure.com", "almsearch.dev.azure.com"]);
const SERVICES_SSH_HOSTS = new Set(["ssh.dev.azure.com", "vs-ssh.visualstudio.com"]);
const LEGACY_SUFFIX = ".visualstudio.com";
// `{label}.visualstudio.com` hosts that are Microsoft sites, not organizations.
const LEGACY_RESERVED_LABELS = new Set(["app", "www", "marketplace", "my", "go", "aex", "vs-ssh", "status", "login", "docs"]);
const LEGACY_AREA_LABELS = new Set(["vsrm", "vssps", "pkgs", "feeds", "almsearch"]);
// Microsoft domains that are never an on-prem Azure DevOps Server.
const MICROSOFT_DOMAINS = ["azure.com", "visualstudio.com", "microsoft.com", "azure.net", "windows.net", "live.com", "microsoftonline.com"];
const REPO_MARKERS = new Set(["_git", "_ssh"]);
// Organization names are DNS labels (they double as `{org}.visualstudio.com`).
const ORG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// C0 controls, DEL and C1 controls.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE = /\s/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

const EXAMPLE_SERVICES = "https://dev.azure.com/fabrikam";
const EXAMPLE_SERVER = "https://devops.example.com/DefaultCollection";

/** Parses any Azure DevOps URL form into provider, server URL, prefix, collection, project and repository. */
export function parseAzureDevOpsUrl(input: string, options: ParseAzureDevOpsUrlOptions = {}): UrlResult<AzureDevOpsLocation> {
  const trimmed = typeof input === "string" ? input.trim() : "";
  if (trimmed === "") {
    return fail(`Paste the address of your organization, project or repository, e.g. ${EXAMPLE_SERVICES} or ${EXAMPLE_SERVER}.`);
  }
  // The scheme is read first: in `htp:/not a url` the typo is what to fix, not the spaces after it.
  const typo = schemeTypo(trimmed);
  if (typo !== null) {
    return fail(typo);
  }
  const rawProblem = rawInputProblem(trimmed);
  if (rawProblem !== null) {
    return fail(rawProblem);
  }

  const scp = parseScpLike(trimmed);
  if (scp !== null) {
    return fromSsh(scp.host, scp.path);
  }

  const scheme = detectScheme(trimmed);
  if (scheme === "ssh") {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      return fail("This SSH URL could not be read. Copy it again from the Clone dialog, e.g. git@ssh.dev.azure.com:v3/fabrikam/project/repo.");
    }
    if (url.hostname === "") {
      return fail("This SSH URL has no host name. Copy it again from the Clone dialog.");
    }
    return fromSsh(url.hostname, url.pathname);
  }
  if (scheme !== null && scheme !== "http" && scheme !== "https") {
    return fail(`Only https://, http:// and SSH clone URLs are supported, not "${scheme}:". Paste the address from your browser or the Clone dialog.`);
  }

  const warnings: string[] = [];
  const withScheme = scheme === null ? `https://${trimmed}` : trimmed;
  if (!/^https?:\/\/[^/?#]/i.test(withScheme)) {
    return fail(`The URL has no host name. Paste a full address such as ${EXAMPLE_SERVICES}.`);
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(`This is not a valid URL. Paste a full address such as ${EXAMPLE_SERVICES} or ${EXAMPLE_SERVER}.`);
  }
  if (url.hostname === "") {
    return fail(`The URL has no host name. Paste a full address such as ${EXAMPLE_SERVICES}.`);
  }
  if (url.password !== "") {
    // Never keep what came in userinfo: it may be a token.
    warnings.push("The URL contained a password or token, which Keel ignored. Avoid sharing URLs that contain credentials.");
  }

  const segmentsResult = decodeSegments(url.pathname);
  if (!segmentsResult.ok) {
    return segmentsResult;
  }
  const segments = segmentsResult.value;
  const hostname = stripTrailingDot(url.hostname);
  const hasQueryOrFragment = url.search !== "" || url.hash !== "";

  const servicesOrigins = new Set<string>();
  for (const extra of options.servicesHosts ?? []) {
    const normalized = normalizeServerUrl(extra);
    if (normalized.ok) {
      servicesOrigins.add(normalized.value.serverUrl);
    }
  }

  if (servicesOrigins.has(url.origin)) {
    return fromServicesPath(url.origin, segments, hasQueryOrFragment, warnings, null);
  }
  if (hostname === SERVICES_HOST || SERVICES_AREA_HOSTS.has(hostname)) {
    if (url.protocol === "http:") {
      warnings.push("Azure DevOps Services only answers on https; Keel will use https://dev.azure.com.");
    }
    return fromServicesPath(SERVICES_ORIGIN, segments, hasQueryOrFragment, warnings, null);
  }
  if (hostname.endsWith(LEGACY_SUFFIX)) {
    const org = legacyOrgFromHost(hostname);
    if (!org.ok) {
      return org;
    }
    return fromServicesPath(SERVICES_ORIGIN, [org.value, ...dropDefaultCollection(segments)], hasQueryOrFragment, warnings, "legacy-visualstudio");
  }
  if (SERVICES_SSH_HOSTS.has(hostname)) {
    return fail("This host only serves SSH. Paste the SSH URL exactly as shown in the Clone dialog (git@ssh.dev.azure.com:v3/…), or the https address.");
  }
  if (isMicrosoftDomain(hostname)) {
    return fail(`${hostname} is not an Azure DevOps organization address. Paste a URL such as ${EXAMPLE_SERVICES}/project/_git/repo.`);
  }
  return fromServerPath(url.origin, segments, hasQueryOrFragment, warnings, null);
}

/** Canonical server origin: lowercase scheme/host, default port dropped; userinfo, query and fragment are errors. */
export function normalizeServerUrl(raw: string): UrlResult<{ serverUrl: string; pathPrefix: string }> {
  const trimmed = typeof raw === "string" ? raw.trim() : "";
  if (trimmed === "") {
    return fail(`Enter the server address, e.g. ${EXAMPLE_SERVER}.`);
  }
  const typo = schemeTypo(trimmed);
  if (typo !== null) {
    return fail(typo);
  }
  const rawProblem = rawInputProblem(trimmed);
  if (rawProblem !== null) {
    return fail(rawProblem);
  }
  const scheme = detectScheme(trimmed);
  if (scheme !== null && scheme !== "http" && scheme !== "https") {
    return fail(`The server address must start with https:// (or http:// for a server the administrator allowed), not "${scheme}:".`);
  }
  const withScheme = scheme === null ? `https://${trimmed}` : trimmed;
  if (!/^https?:\/\/[^/?#]/i.test(withScheme)) {
    return fail(`The server address has no host name, e.g. ${EXAMPLE_SERVER}.`);
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return fail(`This is not a valid server address. Use the form ${EXAMPLE_SERVER}.`);
  }
  if (url.hostname === "") {
    return fail(`The server address has no host name, e.g. ${EXAMPLE_SERVER}.`);
  }
  if (url.username !== "" || url.password !== "") {
    return fail("Remove the user name or token before the @ from the server address; enter credentials in the token field instead.");
  }
  // `new URL` drops an empty "?" or "#", so look at the raw text too.
  if (url.search !== "" || withScheme.includes("?")) {
    return fail("Remove the query string (the part from ?) from the server address.");
  }
  if (url.hash !== "" || withScheme.includes("#")) {
    return fail("Remove the fragment (the part from #) from the server address.");
  }
  const segments = decodeSegments(url.pathname);
  if (!segments.ok) {
    return segments;
  }
  return { ok: true, value: { serverUrl: url.origin, pathPrefix: segments.value.join("/") } };
}

/**
 * Why a path segment (an organization, a collection, a prefix) cannot be one, or null. `.` and
 * `..` — typed, or encoded as `%2e` — would make the URL built from it name another path
 * (`https://dev.azure.com/..` is the host's root), so they are refused before any URL is built.
 */
export function pathNameProblem(name: string): string | null {
  if (name === "." || name === "..") {
    return `"${name}" is not an organization or collection name: enter the name as Azure DevOps shows it.`;
  }
  if (/%[0-9a-f]{2}/i.test(name)) {
    return `"${name}" looks URL-encoded: enter the name as Azure DevOps shows it (for example "My Collection", not "My%20Collection").`;
  }
  return null;
}

/**
 * `{serverUrl}/{prefix}/{collection}` with each segment percent-encoded, no trailing slash. Throws
 * for a segment that is empty, `.`, `..` or encoded — the forms validate first; this is the
 * last line, so no caller can build a URL that climbs out of the collection.
 */
export function buildCollectionUrl(location: CollectionLocation): string {
  const origin = location.serverUrl.replace(/\/+$/, "");
  const prefix = location.pathPrefix.split("/").filter((segment) => segment !== "");
  for (const segment of [...prefix, location.collection]) {
    const problem = segment === "" ? "The organization or collection name is empty." : pathNameProblem(segment);
    if (problem !== null) {
      throw new Error(`Refused to build an Azure DevOps URL: ${problem}`);
    }
  }
  return [origin, ...prefix.map(encodePathSegment), encodePathSegment(location.collection)].join("/");
}

/**
 * A first name for a connection found from an address: the organization on Azure DevOps
 * Services; on a server its host — and the collection when it is not the usual
 * DefaultCollection, which every server has and so names nothing.
 */
export function suggestedConnectionName(location: { provider: AzureDevOpsProvider; serverUrl: string; collection: string }): string {
  if (location.provider === "services") {
    return location.collection;
  }
  let host: string;
  try {
    host = new URL(location.serverUrl).hostname;
  } catch {
    return location.collection;
  }
  return location.collection.toLowerCase() === "defaultcollection" ? host : `${host} ${location.collection}`;
}

/** True when both URLs have the same scheme, host and effective port (false if either is unparseable). */
export function hostsMatch(a: string | URL, b: string | URL): boolean {
  const left = toUrl(a);
  const right = toUrl(b);
  if (left === null || right === null) {
    return false;
  }
  // `origin` already lowercases the host and drops default ports.
  return stripTrailingDot(left.hostname) === stripTrailingDot(right.hostname) && left.protocol === right.protocol && left.port === right.port;
}

/** True when the URL points at localhost / a loopback address (the on-prem "Public URL" misconfiguration). */
export function pointsToLocalhost(value: string | URL): boolean {
  const url = toUrl(value);
  if (url === null) {
    return false;
  }
  const host = stripTrailingDot(url.hostname).replace(/^\[|\]$/g, "");
  return host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1" || host === "0.0.0.0";
}

/**
 * Rebuilds a URL the server returned (clone URL, web URL) on the collection URL the user
 * configured, keeping only the path after the collection. Why: on-prem servers write their
 * configured "Public URL" into responses — often `http://localhost:8080/tfs` — so their host,
 * scheme, port and prefix cannot be trusted (docs/azure-devops-facts.md §5.3). Userinfo, query and fragment are
 * dropped.
 */
export function rewriteToConfiguredHost(returnedUrl: string, collectionUrl: string): { ok: true; value: string; changed: boolean } | { ok: false; reason: string } {
  const returned = toUrl(returnedUrl);
  const configured = toUrl(collectionUrl);
  if (returned === null || (returned.protocol !== "http:" && returned.protocol !== "https:")) {
    return fail("The server returned an address Keel cannot read.");
  }
  if (configured === null || (configured.protocol !== "http:" && configured.protocol !== "https:")) {
    return fail("The configured collection URL is not a valid http(s) URL.");
  }
  const configuredSegments = configured.pathname.split("/").filter((segment) => segment !== "");
  const collection = configuredSegments.at(-1);
  if (collection === undefined) {
    return fail("The configured collection URL has no collection name.");
  }
  const wanted = safeDecode(collection)?.toLowerCase();
  const returnedSegments = returned.pathname.split("/").filter((segment) => segment !== "");
  // The collection comes before the project and repository, so the first match is the one.
  const index = returnedSegments.findIndex((segment) => safeDecode(segment)?.toLowerCase() === wanted);
  if (index === -1) {
    return fail("The address the server returned does not contain the configured collection name.");
  }
  const rest = returnedSegments.slice(index + 1);
  const base = `${configured.origin}/${configuredSegments.join("/")}`;
  const rebuilt = rest.length === 0 ? base : `${base}/${rest.join("/")}`;
  const original = `${returned.origin}${returned.pathname.replace(/\/+$/, "")}`;
  return { ok: true, value: rebuilt, changed: rebuilt !== original || returned.username !== "" || returned.search !== "" };
}

// ---------------------------------------------------------------------------------------------

type ProjectAndRepo = {
  project?: string;
  repository?: string;
  /** Segments beyond what a clone URL has (pages, files, branches). */
  hasExtra: boolean;
  isApi: boolean;
};

function fromServicesPath(
  serverUrl: string,
  segments: string[],
  hasQueryOrFragment: boolean,
  warnings: string[],
  formOverride: AzureDevOpsUrlForm | null,
): UrlResult<AzureDevOpsLocation> {
  const org = segments[0];
  if (org === undefined || org.startsWith("_")) {
    return fail(`Add your organization name to the URL, e.g. ${EXAMPLE_SERVICES}.`);
  }
  if (!ORG_NAME.test(org)) {
    return fail(`"${org}" is not a valid organization name: use letters, digits and hyphens, as in ${EXAMPLE_SERVICES}.`);
  }
  const rest = readProjectAndRepo(segments.slice(1));
  return build("services", serverUrl, "", org, rest, hasQueryOrFragment, warnings, formOverride);
}

function fromServerPath(
  serverUrl: string,
  segments: string[],
  hasQueryOrFragment: boolean,
  warnings: string[],
  formOverride: AzureDevOpsUrlForm | null,
): UrlResult<AzureDevOpsLocation> {
  const exampleCollection = `${serverUrl}/DefaultCollection`;
  const first = segments[0];
  if (first === undefined || first.startsWith("_")) {
    return fail(`Add the collection name to the URL, e.g. ${exampleCollection} (or ${serverUrl}/tfs/DefaultCollection on servers upgraded from TFS).`);
  }
  const firstMarker = segments.findIndex((segment) => segment.startsWith("_"));
  const beforeMarker = firstMarker === -1 ? segments.length : firstMarker;
  let prefixLength = 0;
  if (first.toLowerCase() === "tfs") {
    prefixLength = 1;
  } else {
    const defaultCollection = segments.findIndex((segment, index) => index < beforeMarker && segment.toLowerCase() === "defaultcollection");
    const marker = firstMarker === -1 ? undefined : segments[firstMarker];
    if (defaultCollection > 0) {
      prefixLength = defaultCollection;
    } else if (marker !== undefined && REPO_MARKERS.has(marker.toLowerCase()) && firstMarker > 2) {
      prefixLength = firstMarker - 2;
    } else if (firstMarker === -1 && segments.length > 2) {
      prefixLength = segments.length - 2;
      warnings.push(
        `Keel guessed that "/${segments.slice(0, prefixLength).join("/")}" is part of the server address and "${segments[prefixLength]}" is the collection. Check the server URL and collection.`,
      );
    }
  }
  const collection = segments[prefixLength];
  if (collection === undefined || collection.startsWith("_")) {
    const prefixUrl = `${serverUrl}/${segments.slice(0, prefixLength).map(encodePathSegment).join("/")}`;
    return fail(`Add the collection name to the URL, e.g. ${prefixUrl}/DefaultCollection.`);
  }
  const rest = readProjectAndRepo(segments.slice(prefixLength + 1));
  const pathPrefix = segments.slice(0, prefixLength).join("/");
  return build("server", serverUrl, pathPrefix, collection, rest, hasQueryOrFragment, warnings, formOverride);
}

function fromSsh(host: string, path: string): UrlResult<AzureDevOpsLocation> {
  const hostname = stripTrailingDot(host.toLowerCase()).replace(/^\[|\]$/g, "");
  // ssh:// is not a "special" scheme, so WHATWG URL keeps its host opaque: check it ourselves.
  if (!/^[a-z0-9.-]+$/.test(hostname) && !/^[0-9a-f:.]+$/.test(hostname)) {
    return fail("The host name in this SSH URL is not valid. Copy it again from the Clone dialog.");
  }
  const decoded = decodeSegments(path);
  if (!decoded.ok) {
    return decoded;
  }
  const segments = decoded.value;
  if (SERVICES_SSH_HOSTS.has(hostname)) {
    // Services SSH paths are exactly v3/{org}/{project}/{repo}.
    if (segments[0]?.toLowerCase() !== "v3" || segments.length !== 4) {
      return fail("This SSH URL is incomplete. Copy it again from the Clone dialog; it looks like git@ssh.dev.azure.com:v3/fabrikam/project/repo.");
    }
    const [, org, project, repository] = segments as [string, string, string, string];
    if (!ORG_NAME.test(org)) {
      return fail(`"${org}" is not a valid organization name: use letters, digits and hyphens.`);
    }
    return build("services", SERVICES_ORIGIN, "", org, { project, repository, hasExtra: false, isApi: false }, false, [], "ssh-clone");
  }
  if (hostname.endsWith(LEGACY_SUFFIX)) {
    // Old form: ssh://{org}@{org}.visualstudio.com:22/DefaultCollection/{project}/_ssh/{repo}
    const org = legacyOrgFromHost(hostname);
    if (!org.ok) {
      return org;
    }
    return fromServicesPath(SERVICES_ORIGIN, [org.value, ...dropDefaultCollection(segments)], false, [], "ssh-clone");
  }
  if (hostname === SERVICES_HOST || isMicrosoftDomain(hostname)) {
    return fail("This SSH URL is not in a form Keel knows. Copy it again from the Clone dialog (git@ssh.dev.azure.com:v3/…).");
  }
  // On-prem SSH: ssh://{host}:22/{collection}/{project}/_git/{repo}. The SSH port says nothing about
  // the web address, so assume https on the default port and ask the user to check.
  const serverUrl = `https://${hostname.includes(":") ? `[${hostname}]` : hostname}`;
  const warnings = ["An SSH URL does not show your server's web address. Check the server URL (https or http, port, and any /tfs prefix)."];
  return fromServerPath(serverUrl, segments, false, warnings, "ssh-clone");
}

function readProjectAndRepo(rest: string[]): ProjectAndRepo {
  const isApi = rest.some((segment) => segment.toLowerCase() === "_apis");
  const first = rest[0];
  if (first === undefined) {
    return { hasExtra: false, isApi };
  }
  if (first.startsWith("_")) {
    const repo = rest[1];
    if (REPO_MARKERS.has(first.toLowerCase()) && repo !== undefined && !repo.startsWith("_")) {
      // Short form `{collection}/_git/{repo}`: the repository is named like its project.
      return { project: repo, repository: repo, hasExtra: rest.length > 2, isApi };
    }
    return { hasExtra: true, isApi };
  }
  const marker = rest[1];
  const repo = rest[2];
  if (marker !== undefined && REPO_MARKERS.has(marker.toLowerCase()) && repo !== undefined && !repo.startsWith("_")) {
    return { project: first, repository: repo, hasExtra: rest.length > 3, isApi };
  }
  // `{project}` alone, `{project}/_build`, or `{project}/{team}/_dashboards`: project only.
  return { project: first, hasExtra: true, isApi };
}

function build(
  provider: AzureDevOpsProvider,
  serverUrl: string,
  pathPrefix: string,
  collection: string,
  rest: ProjectAndRepo,
  hasQueryOrFragment: boolean,
  warnings: string[],
  formOverride: AzureDevOpsUrlForm | null,
): UrlResult<AzureDevOpsLocation> {
  let form: AzureDevOpsUrlForm;
  if (formOverride !== null) {
    form = formOverride;
  } else if (rest.isApi) {
    form = "api";
  } else if (rest.repository !== undefined && !rest.hasExtra && !hasQueryOrFragment) {
    form = "https-clone";
  } else if (rest.project === undefined && !rest.hasExtra && !hasQueryOrFragment) {
    form = "collection-root";
  } else {
    form = "browser";
  }
  const value: AzureDevOpsLocation = {
    provider,
    serverUrl,
    pathPrefix,
    collection,
    form,
    collectionUrl: buildCollectionUrl({ serverUrl, pathPrefix, collection }),
    warnings,
  };
  if (rest.project !== undefined) {
    value.project = rest.project;
  }
  if (rest.repository !== undefined) {
    value.repository = rest.repository;
  }
  return { ok: true, value };
}

function legacyOrgFromHost(hostname: string): UrlResult<string> {
  const labels = hostname.slice(0, -LEGACY_SUFFIX.length).split(".");
  const org = labels[0];
  const valid =
    org !== undefined &&
    org !== "" &&
    !LEGACY_RESERVED_LABELS.has(org) &&
    (labels.length === 1 || (labels.length === 2 && LEGACY_AREA_LABELS.has(labels[1] ?? ""))) &&
    ORG_NAME.test(org);
  if (!valid) {
    return fail(`${hostname} is not an organization address. Use https://{organization}.visualstudio.com or ${EXAMPLE_SERVICES}.`);
  }
  return { ok: true, value: org };
}

function dropDefaultCollection(segments: string[]): string[] {
  return segments[0]?.toLowerCase() === "defaultcollection" ? segments.slice(1) : segments;
}

function parseScpLike(input: string): { user: string; host: string; path: string } | null {
  if (input.includes("://")) {
    return null;
  }
  // user@host:path — git's scp-like syntax. A user is required; `host:8080/x` is a host and port.
  const match = /^([^@/:]+)@([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(.*)$/.exec(input);
  if (match === null) {
    return null;
  }
  const [, user = "", host = "", path = ""] = match;
  return { user, host: host.replace(/^\[|\]$/g, ""), path };
}

function detectScheme(input: string): string | null {
  const match = SCHEME.exec(input);
  if (match === null) {
    return null;
  }
  // `tfs:8080/tfs/DefaultCollection` is a host and port, not a scheme.
  if (/^[^:]+:\d+(?:[/?#]|$)/.test(input)) {
    return null;
  }
  return (match[1] ?? "").toLowerCase();
}

// What a mistyped http(s) scheme looks like: htp, htps, hhtp, ttps, http with a doubled letter…
const HTTP_TYPO = /^(?:h+t*p+s*|h*t+p+s*|h+t+s*|h+t+p*s+)$/;

/** A scheme that is http(s) mistyped, or http(s) with fewer than two slashes: the message that says what was meant. */
function schemeTypo(input: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):(\/*)/.exec(input);
  if (match === null || detectScheme(input) === null) {
    return null;
  }
  const scheme = (match[1] ?? "").toLowerCase();
  const slashes = (match[2] ?? "").length;
  if (scheme === "http" || scheme === "https") {
    return slashes === 2 || slashes === 3 ? null : `Write two slashes after "${scheme}:", as in ${scheme}://devops.example.com.`;
  }
  if (scheme !== "ssh" && HTTP_TYPO.test(scheme)) {
    return `"${scheme}:" is not a web address scheme. Did you mean https://? An address looks like ${EXAMPLE_SERVER}.`;
  }
  return null;
}

function rawInputProblem(input: string): string | null {
  if (CONTROL_CHARACTERS.test(input)) {
    return "The URL contains invisible control characters. Copy it again from the browser's address bar or the Clone dialog.";
  }
  if (WHITESPACE.test(input)) {
    return "The URL contains a space or line break. Copy it again from the browser's address bar or the Clone dialog (spaces in names appear as %20).";
  }
  if (input.includes("\\")) {
    return "The URL contains a backslash (\\). Use forward slashes, as in https://devops.example.com/DefaultCollection.";
  }
  return null;
}

function decodeSegments(pathname: string): UrlResult<string[]> {
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw === "") {
      continue;
    }
    const decoded = safeDecode(raw);
    if (decoded === null) {
      return fail(`The URL has a broken percent-encoding in "${raw}". Copy it again from the browser.`);
    }
    if (decoded.includes("/") || decoded.includes("\\")) {
      return fail(`"${decoded}" contains a slash, which Azure DevOps names cannot contain.`);
    }
    if (CONTROL_CHARACTERS.test(decoded)) {
      return fail("The URL contains encoded control characters. Copy it again from the browser.");
    }
    const problem = pathNameProblem(decoded);
    if (problem !== null) {
      return fail(problem);
    }
    segments.push(decoded);
  }
  return { ok: true, value: segments };
}

function safeDecode(segment: string): string | null {
  try {
    // decodeURIComponent, not form decoding: "+" in a path is a literal plus, never a space.
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

function isMicrosoftDomain(hostname: string): boolean {
  return MICROSOFT_DOMAINS.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`));
}

function stripTrailingDot(hostname: string): string {
  return hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
}

function toUrl(value: string | URL): URL | null {
  if (value instanceof URL) {
    return value;
  }
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
