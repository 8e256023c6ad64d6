import { authenticate, AuthFailure, requireScopes, wwwAuthenticate, type AuthTarget } from "./auth.js";
import type { EmulatorCore } from "./core.js";
import { ZERO_SHA } from "./ids.js";
import { escapeHtml, queryParam, send, sendHtml, type RequestContext } from "./http.js";
import { defaultBranchRef, gitOf, type HostRecord } from "./store.js";
import { repoRemoteUrl, type HostUrls } from "./urls.js";

/**
 * The clone URL `{base}/{project}/_git/{repo}` exists: a small web page, and the smart-HTTP
 * ref advertisement (`info/refs?service=git-upload-pack`) so `git ls-remote` works. Fetching
 * objects is not emulated (the commits have no content).
 */

/** Encodes one pkt-line. */
function pktLine(text: string): string {
  return `${(text.length + 4).toString(16).padStart(4, "0")}${text}`;
}

const CAPABILITIES = "multi_ack thin-pack side-band side-band-64k ofs-delta shallow no-progress include-tag multi_ack_detailed agent=git/vsts";

/** Handles `[{project}/]_git/{repo}[/info/refs]`; `gitIndex` is where `_git` sits in `segments`. */
export async function handleGitHttp(
  core: EmulatorCore,
  ctx: RequestContext,
  host: HostRecord,
  urls: HostUrls,
  segments: string[],
  gitIndex: number,
): Promise<void> {
  const target: AuthTarget = { host, urls };
  const store = core.store;
  let principal;
  try {
    principal = authenticate(ctx, store, target);
    requireScopes(principal, ["vso.code"]);
  } catch (error) {
    if (!(error instanceof AuthFailure)) {
      throw error;
    }
    // Git clients expect a plain 401 challenge, never the 203 sign-in page.
    send(ctx, 401, error.body.message, {
      "Content-Type": "text/plain; charset=utf-8",
      "WWW-Authenticate": ctx.deployment.kind === "server" ? wwwAuthenticate(ctx, target) : `Basic realm="${urls.root}/"`,
    });
    return;
  }
  const repoName = segments[gitIndex + 1];
  const projectName = gitIndex === 1 ? segments[0] : repoName;
  const project = projectName === undefined ? undefined : store.project(host, projectName);
  const repo = project === undefined || repoName === undefined ? undefined : store.repo(host, project, repoName);
  if (!repo || repo.isDisabled) {
    send(ctx, 404, `TF401019: The Git repository with name or identifier ${repoName ?? ""} does not exist or you do not have permissions for the operation you are attempting.`, {
      "Content-Type": "text/plain; charset=utf-8",
    });
    return;
  }
  const rest = segments.slice(gitIndex + 2).map((segment) => segment.toLowerCase());
  if (rest.length === 0 && (ctx.method === "GET" || ctx.method === "HEAD")) {
    sendHtml(
      ctx,
      200,
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(repo.name)} - Repos</title></head><body><h1>${escapeHtml(repo.name)}</h1><p>Clone: <code>${escapeHtml(repoRemoteUrl(urls, repo))}</code></p></body></html>`,
    );
    return;
  }
  if (rest.join("/") === "info/refs" && queryParam(ctx.url, "service") === "git-upload-pack") {
    const git = gitOf(repo);
    const refs = [...git.refs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    const head = defaultBranchRef(repo);
    const headRef = head === undefined ? undefined : git.refs.get(head);
    let body = `${pktLine("# service=git-upload-pack\n")}0000`;
    if (refs.length === 0) {
      body += pktLine(`${ZERO_SHA} capabilities^{}\u0000${CAPABILITIES}\n`);
    } else {
      const lines: string[] = [];
      if (headRef) {
        lines.push(`${headRef.objectId} HEAD`);
      }
      for (const ref of refs) {
        lines.push(`${ref.objectId} ${ref.name}`);
      }
      const symref = head === undefined ? "" : ` symref=HEAD:${head}`;
      body += lines.map((line, index) => pktLine(index === 0 ? `${line}\u0000${CAPABILITIES}${symref}\n` : `${line}\n`)).join("");
    }
    body += "0000";
    send(ctx, 200, body, { "Content-Type": "application/x-git-upload-pack-advertisement" });
    return;
  }
  send(ctx, 501, "Fetching objects is not emulated.", { "Content-Type": "text/plain; charset=utf-8" });
}
