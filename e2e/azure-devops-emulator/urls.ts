import { isIP } from "node:net";
import type { DeploymentRuntime, RequestContext } from "./http.js";
import type { HostRecord, ProjectRecord, RepoRecord } from "./store.js";

/**
 * URL forms the emulator writes into responses (docs/azure-devops-facts.md §0, §1.3, §5).
 * Services follows the request's Host (new form `/{org}` or legacy `{org}.visualstudio.com`);
 * Server always uses its configured public URL, whatever Host the client used.
 */
export type HostUrls = {
  form: "services" | "legacy" | "server";
  scheme: string;
  /** host[:port] as it appears in URLs. */
  authority: string;
  /** Organization or collection base, e.g. `https://dev.azure.com/fabrikam`, `http://localhost:8080/tfs/DefaultCollection`. */
  base: string;
  /** Services root (the vssps role) or the server's public URL without collection. */
  root: string;
  hostName: string;
};

/** Encodes one path segment the way the service does (spaces as %20, UTF-8 escapes). */
export function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** Host name without port (IPv6 brackets kept). */
function hostNameOf(authority: string): string {
  if (authority.startsWith("[")) {
    const end = authority.indexOf("]");
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  return authority.split(":")[0] ?? authority;
}

/** Services URLs for a request that named the organization in the path (`/{org}/…`). */
export function servicesUrls(ctx: RequestContext, org: HostRecord | undefined): HostUrls {
  const root = `${ctx.scheme}://${ctx.hostHeader}`;
  return {
    form: "services",
    scheme: ctx.scheme,
    authority: ctx.hostHeader,
    base: org === undefined ? root : `${root}/${enc(org.name)}`,
    root,
    hostName: hostNameOf(ctx.hostHeader),
  };
}

/** Services URLs for a request through the legacy host `{org}.visualstudio.com`. */
export function legacyUrls(ctx: RequestContext): HostUrls {
  const root = `${ctx.scheme}://${ctx.hostHeader}`;
  return { form: "legacy", scheme: ctx.scheme, authority: ctx.hostHeader, base: root, root, hostName: hostNameOf(ctx.hostHeader) };
}

/** The listener's own URL with the given host name. */
export function listenerOrigin(deployment: DeploymentRuntime, hostName = deployment.publicHost): string {
  const scheme = deployment.tls ? "https" : "http";
  const host = isIP(hostName) === 6 ? `[${hostName}]` : hostName;
  return `${scheme}://${host}:${deployment.port}`;
}

/** The server's public URL (configured, or the listener's own plus the path prefix). */
export function serverPublicUrl(deployment: DeploymentRuntime): string {
  if (deployment.publicUrl !== undefined) {
    return deployment.publicUrl.replace(/\/+$/, "");
  }
  return `${listenerOrigin(deployment)}${deployment.pathPrefix}`;
}

/** Server URLs for a collection: always from the public URL (docs/azure-devops-facts.md §5.3). */
export function serverUrls(deployment: DeploymentRuntime, collection: HostRecord | undefined): HostUrls {
  const root = serverPublicUrl(deployment);
  const parsed = new URL(root);
  return {
    form: "server",
    scheme: parsed.protocol.replace(":", ""),
    authority: parsed.host,
    base: collection === undefined ? root : `${root}/${enc(collection.name)}`,
    root,
    hostName: parsed.hostname,
  };
}

/** The organization's primary URL (new form), used by service-hook payloads (docs/azure-devops-facts.md §0). */
export function primaryUrls(deployment: DeploymentRuntime, host: HostRecord): HostUrls {
  if (deployment.kind === "server") {
    return serverUrls(deployment, host);
  }
  const root = listenerOrigin(deployment);
  const parsed = new URL(root);
  return {
    form: "services",
    scheme: parsed.protocol.replace(":", ""),
    authority: parsed.host,
    base: `${root}/${enc(host.name)}`,
    root,
    hostName: parsed.hostname,
  };
}

/** REST URL of a project (`…/_apis/projects/{id}`). */
export function projectUrl(urls: HostUrls, project: ProjectRecord): string {
  return `${urls.base}/_apis/projects/${project.id}`;
}

/** REST URL of a repository, with the project GUID (docs/azure-devops-facts.md §1.3). */
export function repoApiUrl(urls: HostUrls, repo: RepoRecord): string {
  return `${urls.base}/${repo.project.id}/_apis/git/repositories/${repo.id}`;
}

/** Web URL of a repository (no userinfo). */
export function repoWebUrl(urls: HostUrls, repo: RepoRecord): string {
  return `${urls.base}/${enc(repo.project.name)}/_git/${enc(repo.name)}`;
}

/** HTTPS clone URL: Services new form carries `{org}@` userinfo (docs/azure-devops-facts.md §1.3, §5.2). */
export function repoRemoteUrl(urls: HostUrls, repo: RepoRecord): string {
  if (urls.form !== "services") {
    return repoWebUrl(urls, repo);
  }
  const org = enc(repo.host.name);
  return `${urls.scheme}://${org}@${urls.authority}/${org}/${enc(repo.project.name)}/_git/${enc(repo.name)}`;
}

/** SSH clone URL (docs/azure-devops-facts.md §5.2): `git@ssh.{host}:v3/…`, legacy `{org}@vs-ssh.…`, Server `ssh://host:22/…/_git/…`. */
export function repoSshUrl(urls: HostUrls, repo: RepoRecord): string {
  const project = enc(repo.project.name);
  const name = enc(repo.name);
  if (urls.form === "server") {
    const path = new URL(urls.root).pathname.replace(/\/+$/, "");
    return `ssh://${urls.hostName}:22${path}/${enc(repo.host.name)}/${project}/_git/${name}`;
  }
  const org = enc(repo.host.name);
  if (urls.form === "legacy") {
    // fabrikam.visualstudio.com → vs-ssh.visualstudio.com
    const suffix = urls.hostName.split(".").slice(1).join(".");
    return `${org}@vs-ssh.${suffix}:v3/${org}/${project}/${name}`;
  }
  const sshHost = isIP(urls.hostName) !== 0 || urls.hostName === "localhost" ? urls.hostName : `ssh.${urls.hostName}`;
  return `git@${sshHost}:v3/${org}/${project}/${name}`;
}

/** REST URL of an identity. */
export function identityUrl(urls: HostUrls, id: string): string {
  return `${urls.base}/_apis/Identities/${id}`;
}

/** Legacy identity image URL. */
export function identityImageUrl(urls: HostUrls, id: string): string {
  return `${urls.base}/_api/_common/identityImage?id=${id}`;
}
