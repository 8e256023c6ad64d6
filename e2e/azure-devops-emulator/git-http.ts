import { spawn } from "node:child_process";
import { authenticate, AuthFailure, requireScopes, wwwAuthenticate, type AuthTarget, type Principal } from "./auth.js";
import { visibleHost } from "./entra-directory.js";
import type { EmulatorCore } from "./core.js";
import { gitBackend, gitEnv } from "./git-backend.js";
import { afterPush } from "./git-events.js";
import { handleLfs, isLfsPath } from "./git-lfs.js";
import { escapeHtml, queryParam, send, sendHtml, type RequestContext } from "./http.js";
import type { HostRecord, RepoRecord } from "./store.js";
import { repoRemoteUrl, type HostUrls } from "./urls.js";

/**
 * The clone URL `{base}/{project}/_git/{repo}` (and `{base}/_git/{repo}` when the project is
 * named like the repository): a small web page, and git's smart HTTP protocol served by
 * Debian's `git http-backend` (CGI) behind the emulator's authentication — `git clone`,
 * `fetch` and `push` work with a PAT (Basic, any user name) or, on Services, an OAuth bearer
 * token, and get a 401 challenge without. A push that moves refs is recorded like every
 * other push (git-events.ts): pushes API, `creator`, git.push, pull-request iterations.
 * Git LFS (`{clone URL}.git/info/lfs/…`) is served by git-lfs.ts behind the same authentication.
 */

const TEXT = { "Content-Type": "text/plain; charset=utf-8" };

/** The smart-HTTP request a path is, or undefined (the dumb protocol is not served, as on Azure DevOps). */
function smartService(ctx: RequestContext, rest: string[]): { service: "git-upload-pack" | "git-receive-pack"; advertisement: boolean } | undefined {
  const path = rest.join("/");
  if (path === "info/refs" && (ctx.method === "GET" || ctx.method === "HEAD")) {
    const service = queryParam(ctx.url, "service");
    return service === "git-upload-pack" || service === "git-receive-pack" ? { service, advertisement: true } : undefined;
  }
  if (ctx.method === "POST" && (path === "git-upload-pack" || path === "git-receive-pack")) {
    return { service: path, advertisement: false };
  }
  return undefined;
}

type CgiResponse = { status: number; headers: Record<string, string>; body: Buffer };

/** Splits a CGI header block (`Status:` plus headers) from the body. */
function parseCgiHeaders(block: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      status = Number(value.split(" ")[0]) || 500;
      continue;
    }
    headers[name] = value;
  }
  return { status, headers };
}

/**
 * Runs `git http-backend` for one request. With `stream`, the response goes straight to the
 * client as it is produced (fetches); otherwise it is returned whole (pushes, so the refs can
 * be re-read before the client hears that the push is done).
 */
function runHttpBackend(core: EmulatorCore, ctx: RequestContext, repo: RepoRecord, principal: Principal, subPath: string, stream: boolean): Promise<CgiResponse | undefined> {
  const backend = gitBackend(core.store);
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: "CGI/1.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    REQUEST_METHOD: ctx.method === "HEAD" ? "GET" : ctx.method,
    QUERY_STRING: ctx.url.search.replace(/^\?/, ""),
    PATH_INFO: `/${backend.folderOf(repo)}/${subPath}`,
    GIT_PROJECT_ROOT: backend.root,
    GIT_HTTP_EXPORT_ALL: "1",
    REMOTE_USER: principal.user.email,
    REMOTE_ADDR: ctx.req.socket.remoteAddress ?? "127.0.0.1",
  };
  const contentType = ctx.req.headers["content-type"];
  if (contentType !== undefined) {
    env.CONTENT_TYPE = contentType;
  }
  if (ctx.method === "POST") {
    env.CONTENT_LENGTH = String(ctx.body.length);
  }
  const encoding = ctx.req.headers["content-encoding"];
  if (encoding !== undefined) {
    env.HTTP_CONTENT_ENCODING = encoding;
  }
  const protocol = ctx.req.headers["git-protocol"];
  if (typeof protocol === "string") {
    env.GIT_PROTOCOL = protocol;
  }
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["http-backend"], { env: gitEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let header: { status: number; headers: Record<string, string> } | undefined;
    let pending = Buffer.alloc(0);
    const bodyChunks: Buffer[] = [];
    const stderr: Buffer[] = [];
    const startStreaming = (parsed: { status: number; headers: Record<string, string> }, first: Buffer): void => {
      ctx.log.status = parsed.status;
      if (!ctx.res.headersSent) {
        ctx.res.writeHead(parsed.status, { ...parsed.headers, ...(ctx.deployment.kind === "server" ? { Server: "Microsoft-IIS/10.0" } : {}) });
      }
      if (first.length > 0 && ctx.method !== "HEAD") {
        ctx.res.write(first);
      }
    };
    child.stdout.on("data", (chunk: Buffer) => {
      if (header) {
        if (stream) {
          if (ctx.method !== "HEAD") {
            ctx.res.write(chunk);
          }
        } else {
          bodyChunks.push(chunk);
        }
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const crlf = pending.indexOf("\r\n\r\n");
      const lf = pending.indexOf("\n\n");
      const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 4 : lf !== -1 ? lf + 2 : -1;
      if (end === -1) {
        return;
      }
      header = parseCgiHeaders(pending.subarray(0, end).toString("latin1"));
      const rest = pending.subarray(end);
      pending = Buffer.alloc(0);
      if (stream) {
        startStreaming(header, rest);
      } else {
        bodyChunks.push(rest);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (!header) {
        reject(new Error(`git http-backend failed (${code ?? "signal"}): ${Buffer.concat(stderr).toString("utf8").slice(0, 500)}`));
        return;
      }
      if (stream) {
        ctx.res.end();
        resolve(undefined);
        return;
      }
      resolve({ status: header.status, headers: header.headers, body: Buffer.concat(bodyChunks) });
    });
    // A client that goes away takes the backend with it.
    ctx.res.on("close", () => {
      if (child.exitCode === null) {
        child.kill();
      }
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(ctx.method === "POST" ? ctx.body : undefined);
  });
}

/** Handles `[{project}/]_git/{repo}[/…]`; `gitIndex` is where `_git` sits in `segments`. */
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
  let principal: Principal;
  try {
    principal = authenticate(ctx, store, target);
    requireScopes(principal, ["vso.code"]);
  } catch (error) {
    if (!(error instanceof AuthFailure)) {
      throw error;
    }
    // Git clients get a 401 challenge, never the 203 sign-in page.
    send(ctx, 401, error.body.message, { ...TEXT, "WWW-Authenticate": wwwAuthenticate(ctx, target) });
    return;
  }
  // A service principal limited to some projects sees git exactly as the REST API shows them:
  // the other projects' repositories do not exist for it.
  const visible = visibleHost(store, host, principal.user);
  const rest = segments.slice(gitIndex + 2).map((segment) => segment.toLowerCase());
  // Git LFS clients derive their endpoint by appending `.git/info/lfs` to the clone URL.
  const named = segments[gitIndex + 1];
  const repoName = named !== undefined && isLfsPath(rest) && /\.git$/i.test(named) ? named.slice(0, -4) : named;
  const projectName = gitIndex === 1 ? segments[0] : repoName;
  const project = projectName === undefined ? undefined : store.project(visible, projectName);
  const repo = project === undefined || repoName === undefined ? undefined : store.repo(visible, project, repoName);
  if (!repo || repo.isDisabled) {
    send(ctx, 404, `TF401019: The Git repository with name or identifier ${repoName ?? ""} does not exist or you do not have permissions for the operation you are attempting.`, TEXT);
    return;
  }
  if (isLfsPath(rest)) {
    handleLfs(ctx, gitBackend(store), urls, repo, rest, hasWriteScope(principal));
    return;
  }
  if (rest.length === 0 && (ctx.method === "GET" || ctx.method === "HEAD")) {
    sendHtml(
      ctx,
      200,
      `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(repo.name)} - Repos</title></head><body><h1>${escapeHtml(repo.name)}</h1><p>Clone: <code>${escapeHtml(repoRemoteUrl(urls, repo))}</code></p></body></html>`,
    );
    return;
  }
  const smart = smartService(ctx, rest);
  if (!smart) {
    send(ctx, 404, "Not found: Azure DevOps serves git over the smart HTTP protocol only.", TEXT);
    return;
  }
  if (smart.service === "git-receive-pack" && !hasWriteScope(principal)) {
    // Emulator choice: a token without Code (Read & write) is refused like a missing permission.
    send(ctx, 403, `TF401027: You need the Git 'GenericContribute' permission to perform this action. Details: identity '${principal.user.displayName}', scope 'repository'.`, TEXT);
    return;
  }
  const backend = gitBackend(store);
  await backend.load(repo);
  const subPath = smart.advertisement ? "info/refs" : smart.service;
  if (smart.service !== "git-receive-pack" || smart.advertisement) {
    await runHttpBackend(core, ctx, repo, principal, subPath, true);
    return;
  }
  // A push: run it under the repository's lock, re-read the refs, record it (pushes, creator,
  // pull-request iterations; hooks are queued), then answer — so when `git push` returns, the
  // REST API already shows everything the push changed.
  const { response, changes, newCommits } = await backend.withLock(repo, async (git) => {
    const result = await runHttpBackend(core, ctx, repo, principal, subPath, false);
    const refreshed = await backend.refresh(repo, git);
    return { response: result, ...refreshed };
  });
  try {
    await afterPush({ core, deployment: ctx.deployment, host, repo }, principal.user, changes, newCommits);
  } finally {
    // The push itself happened: git hears its result even if the bookkeeping failed.
    if (response) {
      send(ctx, response.status, response.body, response.headers);
    }
  }
}

/** True when the principal may push (Code read & write, or more). */
function hasWriteScope(principal: Principal): boolean {
  try {
    requireScopes(principal, ["vso.code_write"]);
    return true;
  } catch {
    return false;
  }
}
