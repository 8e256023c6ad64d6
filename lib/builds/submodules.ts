import { buildCollectionUrl, parseAzureDevOpsUrl } from "@/lib/azure-devops/url";

// Where a build fetches the submodules of its commit from (lib/builds/README.md, "Submodules").
// Pure, so that the rules are tested without git.

/** A submodule as `.gitmodules` names it. */
export type SubmoduleEntry = { name: string; path: string; url: string };

/** The connection a build fetches with: its address decides which submodules get its credential. */
export type SubmoduleConnection = { deploymentType: "SERVICES" | "SERVER"; serverUrl: string; pathPrefix: string; collection: string };

/**
 * Reads `git config --file .gitmodules --get-regexp '^submodule\..*\.(path|url)$'` output
 * (`submodule.<name>.<key> <value>`, a name may hold dots) into the submodules that have both.
 */
export function parseGitmodules(lines: readonly string[]): SubmoduleEntry[] {
  const byName = new Map<string, { path?: string; url?: string }>();
  for (const line of lines) {
    const match = /^submodule\.(.+)\.(path|url) (.*)$/.exec(line);
    if (!match) {
      continue;
    }
    const [, name, key, value] = match as unknown as [string, string, "path" | "url", string];
    byName.set(name, { ...byName.get(name), [key]: value.trim() });
  }
  return [...byName.entries()].flatMap(([name, entry]) => (entry.path && entry.url ? [{ name, path: entry.path, url: entry.url }] : []));
}

/**
 * Where git fetches a submodule from, and whether with the connection's credential.
 * - A relative URL (`../ios-sdk`, as Azure DevOps recommends) resolves against the repository's
 *   own URL, the way git resolves it against a remote.
 * - Any Azure DevOps address (https with or without a user name, or SSH) of a repository in the
 *   connection's own organization or collection becomes its https URL on the connection's
 *   address: Keel's credential is an https one, and this is the only place it is sent.
 * - Another https (or http) address is fetched as it is, without the credential (it must be
 *   public to the worker); any other protocol is refused, with the reason.
 */
export function submoduleFetchUrl(raw: string, repositoryUrl: string, connection: SubmoduleConnection): { ok: true; url: string; withCredential: boolean } | { ok: false; reason: string } {
  const text = raw.trim();
  let absolute = text;
  if (text.startsWith("./") || text.startsWith("../")) {
    absolute = new URL(text, `${repositoryUrl.replace(/\/+$/, "")}/`).toString();
  }
  const parsed = parseAzureDevOpsUrl(absolute, { servicesHosts: connection.deploymentType === "SERVICES" ? [connection.serverUrl] : [] });
  if (parsed.ok && parsed.value.project && parsed.value.repository && namesConnection(parsed.value, connection)) {
    const url = `${buildCollectionUrl(connection)}/${encodeURIComponent(parsed.value.project)}/_git/${encodeURIComponent(parsed.value.repository)}`;
    return { ok: true, url, withCredential: true };
  }
  let url: URL;
  try {
    url = new URL(absolute);
  } catch {
    return { ok: false, reason: `“${text}” is not an address Keel can fetch: use an https URL, or a relative one (../repository) for a repository of the same organization.` };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `“${text}” uses ${url.protocol.replace(/:$/, "")}: Keel fetches submodules over https only. Use the repository's https URL, or a relative one (../repository) for a repository of the same organization.` };
  }
  url.username = "";
  url.password = "";
  return { ok: true, url: url.toString(), withCredential: false };
}

/** Whether a parsed Azure DevOps address is in the connection's organization or collection. */
function namesConnection(location: { provider: "services" | "server"; serverUrl: string; pathPrefix: string; collection: string }, connection: SubmoduleConnection): boolean {
  if (location.collection.toLowerCase() !== connection.collection.toLowerCase()) {
    return false;
  }
  if (connection.deploymentType === "SERVICES") {
    return location.provider === "services";
  }
  // A Server's SSH address has another scheme and port: the host and the path prefix decide.
  const trim = (prefix: string) => prefix.replace(/^\/+|\/+$/g, "").toLowerCase();
  return location.provider === "server" && new URL(location.serverUrl).hostname === new URL(connection.serverUrl).hostname && trim(location.pathPrefix) === trim(connection.pathPrefix);
}
