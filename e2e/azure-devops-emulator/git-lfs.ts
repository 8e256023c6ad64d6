import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GitBackend } from "./git-backend.js";
import { isRecord, parseJsonBody, send, type RequestContext } from "./http.js";
import type { RepoRecord } from "./store.js";
import { repoWebUrl, type HostUrls } from "./urls.js";

/**
 * Git LFS on a repository's clone URL, the way Azure Repos serves it (git-lfs traces against
 * Services and Azure DevOps Server): the batch API at `{clone URL}.git/info/lfs/objects/batch`
 * (also without `.git`), whose download and upload actions point at
 * `{clone URL}/info/lfs/objects/{oid}` on the same address with nothing but an Accept header —
 * the client sends its own credential there. Server writes its configured public URL into the
 * href (so a server set up with `http://localhost:8080/tfs` answers localhost hrefs, as real ones
 * do). Objects are kept per repository beside the bare repositories; an upload is checked against
 * its oid. Authentication happened before this is called (Code (Read); an upload needs write).
 */

const LFS_JSON = { "Content-Type": "application/vnd.git-lfs+json; charset=utf-8" };
const OID = /^[0-9a-f]{64}$/;

type BatchObject = { oid: string; size: number };

/** Where a repository's LFS object lives (its folder is created on demand). */
function objectPath(backend: GitBackend, repo: RepoRecord, oid: string): string {
  return join(backend.root, "lfs", repo.id.toLowerCase(), oid);
}

/** Stores content as the repository's LFS object; returns the pointer file a commit records for it. */
export function storeLfsObject(backend: GitBackend, repo: RepoRecord, content: Buffer): string {
  const oid = createHash("sha256").update(content).digest("hex");
  const file = objectPath(backend, repo, oid);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, content);
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`;
}

function lfsError(ctx: RequestContext, status: number, message: string): void {
  send(ctx, status, JSON.stringify({ message }), LFS_JSON);
}

/** True when `rest` (the lower-cased segments after the repository) is an LFS request. */
export function isLfsPath(rest: readonly string[]): boolean {
  return rest[0] === "info" && rest[1] === "lfs";
}

/** Serves `info/lfs/objects/batch` and `info/lfs/objects/{oid}`. */
export function handleLfs(ctx: RequestContext, backend: GitBackend, urls: HostUrls, repo: RepoRecord, rest: readonly string[], canWrite: boolean): void {
  if (rest[2] !== "objects" || rest.length !== 4) {
    lfsError(ctx, 404, "Not found");
    return;
  }
  const target = rest[3]!;
  if (target === "batch") {
    if (ctx.method !== "POST") {
      lfsError(ctx, 405, "The batch API takes POST.");
      return;
    }
    batch(ctx, backend, urls, repo, canWrite);
    return;
  }
  if (!OID.test(target)) {
    lfsError(ctx, 404, "Not found");
    return;
  }
  const file = objectPath(backend, repo, target);
  if (ctx.method === "GET") {
    if (!existsSync(file)) {
      lfsError(ctx, 404, "Object does not exist on the server");
      return;
    }
    send(ctx, 200, readFileSync(file), { "Content-Type": "application/octet-stream" });
    return;
  }
  if (ctx.method === "PUT") {
    if (!canWrite) {
      lfsError(ctx, 403, "TF401027: You need the Git 'GenericContribute' permission to perform this action.");
      return;
    }
    if (createHash("sha256").update(ctx.body).digest("hex") !== target) {
      lfsError(ctx, 422, "The uploaded content does not match its object id.");
      return;
    }
    storeLfsObject(backend, repo, ctx.body);
    send(ctx, 200, "", {});
    return;
  }
  lfsError(ctx, 405, "Method not allowed");
}

function batch(ctx: RequestContext, backend: GitBackend, urls: HostUrls, repo: RepoRecord, canWrite: boolean): void {
  const body = parseJsonBody(ctx.body);
  const operation = isRecord(body) ? body.operation : undefined;
  const objects = isRecord(body) && Array.isArray(body.objects) ? body.objects : undefined;
  if ((operation !== "download" && operation !== "upload") || objects === undefined || !objects.every(isBatchObject)) {
    lfsError(ctx, 422, "The batch request must name an operation (download or upload) and objects, each with a sha256 oid and a size.");
    return;
  }
  if (operation === "upload" && !canWrite) {
    lfsError(ctx, 403, "TF401027: You need the Git 'GenericContribute' permission to perform this action.");
    return;
  }
  const base = repoWebUrl(urls, repo);
  const answered = objects.map(({ oid, size }) => {
    const file = objectPath(backend, repo, oid);
    const stored = existsSync(file) ? statSync(file).size : null;
    const action = { href: `${base}/info/lfs/objects/${oid}`, header: { Accept: "application/vnd.git-lfs" } };
    if (operation === "upload") {
      return stored === size ? { oid, size } : { oid, size, actions: { upload: action } };
    }
    return stored === size ? { oid, size, actions: { download: action } } : { oid, size, error: { code: 404, message: "Object does not exist on the server" } };
  });
  send(ctx, 200, JSON.stringify({ transfer: "basic", objects: answered }), LFS_JSON);
}

function isBatchObject(value: unknown): value is BatchObject {
  return isRecord(value) && typeof value.oid === "string" && OID.test(value.oid) && Number.isSafeInteger(value.size) && (value.size as number) >= 0;
}
