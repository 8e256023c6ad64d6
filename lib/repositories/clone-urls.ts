/**
 * Clone URLs of a profile's repository: as Azure DevOps reported them, and corrected when an
 * on-prem server writes a public URL nobody else can reach (`localhost`, another host).
 *
 * Why: Azure DevOps Server builds every URL it returns from its configured Public URL, not
 * from the address Keel called (docs/azure-devops-facts.md §5.3); a server left on `http://localhost:8080/tfs`
 * hands out clone URLs that only work on itself. The connection's own base URL (server URL,
 * path prefix, collection) is what Keel verified, so the path after the collection is kept
 * and everything before it is rebuilt from the connection. Services URLs follow the request's
 * host (docs/azure-devops-facts.md §0) and are shown as reported.
 */
import { buildCollectionUrl, hostsMatch, pointsToLocalhost, rewriteToConfiguredHost, type CollectionLocation } from "@/lib/azure-devops/url";

export type CloneUrl = {
  /** The URL to use. */
  url: string;
  /** What Azure DevOps reported, when Keel changed it. */
  reported?: string;
  /** Why it was changed. */
  reason?: string;
};

export type CloneUrls = { https: CloneUrl | null; ssh: CloneUrl | null; web: CloneUrl | null };

type Connection = CollectionLocation & { deploymentType: "SERVICES" | "SERVER" };

/** The HTTPS, SSH and web URLs of a repository, corrected for on-prem servers that leak another host. */
export function cloneUrlsFor(connection: Connection, reported: { remoteUrl: string | null; sshUrl: string | null; webUrl: string | null }): CloneUrls {
  const collectionUrl = buildCollectionUrl(connection);
  return {
    https: reported.remoteUrl ? correctHttp(connection, collectionUrl, reported.remoteUrl) : null,
    ssh: reported.sshUrl ? correctSsh(connection, reported.sshUrl) : null,
    web: reported.webUrl ? correctHttp(connection, collectionUrl, reported.webUrl) : null,
  };
}

function leakReason(reportedHost: string, localhost: boolean, connectionHost: string): string {
  return localhost
    ? `The server reported ${reportedHost}, which only works on the server itself (its Public URL is misconfigured); Keel uses the address of this connection, ${connectionHost}.`
    : `The server reported ${reportedHost}, not the address of this connection (${connectionHost}); Keel uses the connection's address.`;
}

function correctHttp(connection: Connection, collectionUrl: string, reported: string): CloneUrl {
  if (connection.deploymentType !== "SERVER") {
    return { url: reported };
  }
  let parsed: URL;
  try {
    parsed = new URL(reported);
  } catch {
    return { url: reported };
  }
  // The connection's own address is right even when it is a loopback one (Keel on the server's
  // machine): only another host, or a loopback one Keel did not call, is corrected.
  if (hostsMatch(parsed, connection.serverUrl)) {
    return { url: reported };
  }
  const localhost = pointsToLocalhost(parsed);
  const rebuilt = rewriteToConfiguredHost(reported, collectionUrl);
  if (!rebuilt.ok) {
    return { url: reported };
  }
  return { url: rebuilt.value, reported, reason: leakReason(parsed.host, localhost, new URL(connection.serverUrl).host) };
}

/**
 * On-prem SSH URLs look like `ssh://host:22/[tfs/]{collection}/{project}/_git/{repo}`. Only
 * the host is replaced: the SSH port is its own setting on the server and is kept.
 */
function correctSsh(connection: Connection, reported: string): CloneUrl {
  if (connection.deploymentType !== "SERVER") {
    return { url: reported };
  }
  let parsed: URL;
  try {
    parsed = new URL(reported);
  } catch {
    return { url: reported };
  }
  if (parsed.protocol !== "ssh:") {
    return { url: reported };
  }
  const connectionHost = new URL(connection.serverUrl).hostname;
  if (parsed.hostname.toLowerCase() === connectionHost.toLowerCase()) {
    return { url: reported };
  }
  const localhost = pointsToLocalhost(`http://${parsed.host}`);
  const corrected = new URL(reported);
  corrected.hostname = connectionHost;
  return { url: corrected.toString(), reported, reason: leakReason(parsed.host, localhost, connectionHost) };
}
