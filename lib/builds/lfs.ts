import "server-only";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, copyFile, lstat, mkdir, readFile, realpath, rm } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { z } from "zod";
import { hostsMatch, rewriteToConfiguredHost } from "@/lib/azure-devops/url";
import { isolatedChildEnv } from "@/lib/env";
import { guardedRequest, type GuardedResult, type HostResolver } from "@/lib/net/guarded-request";
import { withRetry } from "@/lib/net/retry";
import type { OutboundPolicy } from "@/lib/net/ssrf-policy";
import { formatDuration } from "@/lib/shared/builds";
import { formatSize } from "@/lib/shared/names";
import type { PickerProblem as Finding } from "@/lib/shared/problems";

// Git LFS content of the checked-out commit, fetched by Keel itself (lib/builds/README.md,
// "Git LFS"): the pointer files git checked out are found through git's own attributes, their
// objects asked for through the repository's LFS batch API with the connection's credential, and
// each download goes through Keel's outbound guard (policy, pinned address, no redirects, size
// cap), is checked against its sha256, and replaces its pointer file. No git-lfs on the worker,
// and the credential goes only to addresses under the connection's collection URL.

const POINTER_VERSION = "version https://git-lfs.github.com/spec/v1";
/** The specification keeps pointer files under 1024 bytes. */
const MAX_POINTER_BYTES = 1024;
/** Objects per batch request (git-lfs asks for 100 at a time). */
const BATCH_SIZE = 100;
/** Downloads at once. */
const PARALLEL = 4;
/** The slowest transfer allowed before a download counts as stalled: 64 KB/s, plus a minute. */
const FLOOR_BYTES_PER_SECOND = 64 * 1024;

export type LfsPointer = { oid: string; size: number };
export type LfsFile = LfsPointer & { path: string };

/** Thrown when the LFS content cannot be fetched; carries the finding the build shows. */
export class LfsError extends Error {
  constructor(readonly finding: Finding) {
    super(finding.detail);
    this.name = "LfsError";
  }
}

/** Reads a Git LFS pointer file (version line first, then `key value` lines); null for anything else. */
export function parseLfsPointer(text: string): LfsPointer | null {
  if (text.length > MAX_POINTER_BYTES || !text.startsWith(`${POINTER_VERSION}\n`)) {
    return null;
  }
  let oid: string | undefined;
  let size: number | undefined;
  const lines = text.split("\n");
  if (lines.pop() !== "") {
    return null;
  }
  for (const line of lines.slice(1)) {
    const match = /^([a-z0-9.-]+) (\S.*)$/.exec(line);
    if (!match) {
      return null;
    }
    if (match[1] === "oid") {
      oid = /^sha256:([0-9a-f]{64})$/.exec(match[2]!)?.[1];
    } else if (match[1] === "size") {
      size = /^\d{1,15}$/.test(match[2]!) ? Number(match[2]) : undefined;
    }
  }
  return oid !== undefined && size !== undefined ? { oid, size } : null;
}

/** The batch endpoint git-lfs derives from a clone URL: `{url}.git/info/lfs/objects/batch`. */
export function lfsBatchUrl(cloneUrl: string): string {
  const base = cloneUrl.replace(/\/+$/, "");
  return `${/\.git$/i.test(base) ? base : `${base}.git`}/info/lfs/objects/batch`;
}

/** True when `url` is `scope` or under it (same origin, whole path segments, case-insensitive as Azure DevOps paths are). */
function isUnder(url: URL, scope: URL): boolean {
  if (!hostsMatch(url, scope)) {
    return false;
  }
  const base = scope.pathname.replace(/\/+$/, "").toLowerCase();
  const own = url.pathname.toLowerCase();
  return own === base || own.startsWith(`${base}/`);
}

export type DownloadTarget = { url: string; withCredential: boolean; rewritten: boolean };

/**
 * Where an object's download goes, and whether the connection's credential goes with it: an
 * href under the connection's collection URL gets the credential (Azure DevOps answers hrefs on
 * the clone URL with no Authorization of their own); an on-prem href on another address whose
 * path names the collection is the server's configured public URL (often `http://localhost:8080`)
 * and is rebuilt on the connection's address, as clone URLs are; anything else is fetched as
 * given, with only the headers the batch answer gave it.
 */
export function downloadTarget(href: string, connection: { collectionUrl: string; onPrem: boolean }): DownloadTarget | null {
  let url: URL;
  let scope: URL;
  try {
    url = new URL(href);
    scope = new URL(connection.collectionUrl);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return null;
  }
  if (isUnder(url, scope)) {
    return { url: url.href, withCredential: true, rewritten: false };
  }
  if (connection.onPrem) {
    const rebuilt = rewriteToConfiguredHost(href, connection.collectionUrl);
    if (rebuilt.ok && isUnder(new URL(rebuilt.value), scope)) {
      return { url: rebuilt.value, withCredential: true, rewritten: true };
    }
  }
  return { url: url.href, withCredential: false, rewritten: false };
}

/** Runs git in the workspace (no credential in its environment); resolves with its stdout. */
function gitOutput(workspace: string, env: Record<string, string>, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: workspace, env: isolatedChildEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`git ${args[0]} exited with ${code}: ${Buffer.concat(err).toString("utf8").slice(0, 300)}`))));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/**
 * The checked-out commit's Git LFS pointer files: tracked regular files whose `filter` attribute
 * (from any .gitattributes, as git reads them) is `lfs` and whose content is a pointer. A file
 * routed through LFS but committed with its real content is left alone, as git-lfs leaves it.
 */
export async function findLfsPointers(workspace: string, env: Record<string, string>): Promise<LfsFile[]> {
  const entries = (await gitOutput(workspace, env, ["ls-files", "-z", "--stage"])).toString("utf8").split("\0");
  const files: string[] = [];
  const attributes: string[] = [];
  for (const entry of entries) {
    const tab = entry.indexOf("\t");
    if (tab === -1) {
      continue;
    }
    const file = entry.slice(tab + 1);
    const mode = entry.slice(0, 6);
    if (mode !== "100644" && mode !== "100755") {
      continue;
    }
    files.push(file);
    if (path.posix.basename(file) === ".gitattributes") {
      attributes.push(file);
    }
  }
  // Most repositories have no LFS at all: a glance at their .gitattributes saves asking git about every file.
  let mentioned = false;
  for (const file of attributes) {
    if (/\bfilter=lfs\b/.test(await readFile(path.join(workspace, file), "utf8").catch(() => ""))) {
      mentioned = true;
      break;
    }
  }
  if (!mentioned) {
    return [];
  }
  const answer = (await gitOutput(workspace, env, ["check-attr", "-z", "--stdin", "filter"], files.map((file) => `${file}\0`).join(""))).toString("utf8").split("\0");
  const routed: string[] = [];
  for (let index = 0; index + 2 < answer.length; index += 3) {
    if (answer[index + 2] === "lfs") {
      routed.push(answer[index]!);
    }
  }
  const pointers: LfsFile[] = [];
  for (let start = 0; start < routed.length; start += 64) {
    const read = await Promise.all(
      routed.slice(start, start + 64).map(async (file) => {
        const full = path.join(workspace, file);
        const info = await lstat(full);
        if (!info.isFile() || info.size > MAX_POINTER_BYTES) {
          return null;
        }
        const pointer = parseLfsPointer(await readFile(full, "utf8"));
        return pointer ? { path: file, ...pointer } : null;
      }),
    );
    pointers.push(...read.filter((entry): entry is LfsFile => entry !== null));
  }
  return pointers;
}

const batchAnswer = z.object({
  objects: z.array(
    z.object({
      oid: z.string(),
      size: z.number().optional(),
      actions: z.object({ download: z.object({ href: z.string(), header: z.record(z.string(), z.string()).optional() }).optional() }).optional(),
      error: z.object({ code: z.number().optional(), message: z.string().optional() }).optional(),
    }),
  ),
});

type Download = { href: string; header: Record<string, string> };

export type LfsFetchOptions = {
  workspace: string;
  /** A folder outside the workspace for downloads in progress. */
  tempDir: string;
  /** git's environment without the credential. */
  env: Record<string, string>;
  cloneUrl: string;
  /** The connection's collection URL: the credential goes to addresses under it only. */
  collectionUrl: string;
  onPrem: boolean;
  /** The connection's Authorization header value. */
  authorization: string;
  caBundlePem: string | null;
  policy: OutboundPolicy;
  resolve?: HostResolver;
  maxBytes: number;
  signal: AbortSignal;
  onLine: (text: string) => void;
};

function lfsFailure(title: string, detail: string, fix: string[] = []): LfsError {
  return new LfsError({
    id: "lfs_failed",
    title,
    detail,
    fix: [...fix, "If the build does not need the Git LFS files, turn off “Fetch Git LFS files” in the profile's workflow."],
  });
}

/** Names up to three paths, then how many more. */
function namePaths(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(", ");
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/** What a failed guarded call says, for a finding. */
function failureText(result: GuardedResult): string {
  return result.ok ? `it answered ${result.response.status}` : result.failure.message;
}

/**
 * Replaces the commit's LFS pointer files (from findLfsPointers) by their content, saying in the
 * fetch step's log what it fetches and how long it took; throws LfsError with the finding when
 * it cannot.
 */
export async function fetchLfsFiles(options: LfsFetchOptions, pointers: readonly LfsFile[]): Promise<void> {
  const started = Date.now();
  const objects = new Map<string, { size: number; paths: string[] }>();
  for (const pointer of pointers) {
    const entry = objects.get(pointer.oid) ?? { size: pointer.size, paths: [] };
    entry.paths.push(pointer.path);
    objects.set(pointer.oid, entry);
  }
  const total = [...objects.values()].reduce((sum, object) => sum + object.size, 0);
  if (total > options.maxBytes) {
    throw new LfsError({
      id: "lfs_too_large",
      title: "This commit's Git LFS files are larger than a build fetches",
      detail: `${pointers.length} Git LFS files add up to ${formatSize(total)}; a build fetches at most ${formatSize(options.maxBytes)}.`,
      fix: ["Turn off “Fetch Git LFS files” in the profile's workflow and fetch what the build needs in a step.", "An operator raises KEEL_BUILD_LFS_MAX_BYTES on the workers."],
    });
  }
  options.onLine(`Fetching ${pointers.length === 1 ? "1 Git LFS file" : `${pointers.length} Git LFS files`} (${formatSize(total)}) from ${lfsBatchUrl(options.cloneUrl).replace(/\/objects\/batch$/, "")}.`);

  const downloads = new Map<string, Download>();
  const missing: string[] = [];
  const oids = [...objects.keys()];
  for (let start = 0; start < oids.length; start += BATCH_SIZE) {
    const asked = oids.slice(start, start + BATCH_SIZE).map((oid) => ({ oid, size: objects.get(oid)!.size }));
    const result = await withRetry(
      () =>
        guardedRequest({
          url: lfsBatchUrl(options.cloneUrl),
          method: "POST",
          headers: { Authorization: options.authorization, Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" },
          body: JSON.stringify({ operation: "download", transfers: ["basic"], objects: asked, hash_algo: "sha256" }),
          policy: options.policy,
          ...(options.caBundlePem ? { caBundlePem: options.caBundlePem } : {}),
          ...(options.resolve ? { resolve: options.resolve } : {}),
          signal: options.signal,
        }),
      { idempotent: true, signal: options.signal },
    );
    if (!result.ok || result.response.status !== 200) {
      const status = result.ok ? result.response.status : 0;
      if (status === 401 || status === 403) {
        throw lfsFailure("Azure DevOps refused the connection's credential for Git LFS", `The LFS batch request was answered ${status}: the credential cannot read this repository's LFS objects.`, ["An admin checks the connection (Check now); its token needs Code (Read)."]);
      }
      throw lfsFailure("Keel could not ask Azure DevOps for the Git LFS files", `The LFS batch request failed: ${failureText(result)}.`, ["Start the build again; if it keeps failing, check that the worker machines reach the server."]);
    }
    const parsed = batchAnswer.safeParse(result.response.json);
    if (!parsed.success) {
      throw lfsFailure("Azure DevOps answered the Git LFS request with something Keel cannot read", "The LFS batch answer did not list the objects asked for.");
    }
    for (const object of parsed.data.objects) {
      const wanted = objects.get(object.oid);
      if (!wanted || downloads.has(object.oid)) {
        continue;
      }
      const download = object.actions?.download;
      if (download && !object.error) {
        downloads.set(object.oid, { href: download.href, header: download.header ?? {} });
      } else if (object.error && object.error.code !== 404 && object.error.code !== 410) {
        // Not "missing": the server could not give it now (its own words, cut short).
        throw lfsFailure(`Azure DevOps could not give the Git LFS file ${wanted.paths[0]}`, `It answered ${object.error.code ?? "an error"} for it: ${(object.error.message ?? "no reason given").slice(0, 200)}.`, ["Start the build again."]);
      } else if (!missing.includes(wanted.paths[0]!)) {
        missing.push(...wanted.paths);
      }
    }
    for (const { oid } of asked) {
      if (!downloads.has(oid) && !parsed.data.objects.some((object) => object.oid === oid)) {
        missing.push(...objects.get(oid)!.paths);
      }
    }
  }
  if (missing.length > 0) {
    throw new LfsError({
      id: "lfs_missing",
      title: "Azure DevOps does not have some of this commit's Git LFS files",
      detail: `${missing.length === 1 ? "1 file is" : `${missing.length} files are`} in the commit as LFS pointers but not in the repository's LFS store: ${namePaths(missing)}. Whoever pushed them did so without git-lfs uploading their content.`,
      fix: ["Someone with the files runs `git lfs push --all origin` from their clone, then starts the build again.", "If the build does not need the Git LFS files, turn off “Fetch Git LFS files” in the profile's workflow."],
    });
  }

  await mkdir(options.tempDir, { recursive: true, mode: 0o700 });
  const workspace = await realpath(options.workspace);
  const queue = [...downloads.entries()];
  let rewrittenFrom: string | null = null;
  // The first failure stops the other downloads: the build ends with that one.
  const halt = new AbortController();
  const signal = AbortSignal.any([options.signal, halt.signal]);
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined && !signal.aborted; next = queue.shift()) {
      const [oid, download] = next;
      const object = objects.get(oid)!;
      const target = downloadTarget(download.href, options);
      if (!target) {
        throw lfsFailure("Azure DevOps gave an address Keel cannot use for a Git LFS file", `The download address of ${object.paths[0]} is not an http(s) URL.`);
      }
      if (target.rewritten && rewrittenFrom === null) {
        rewrittenFrom = new URL(download.href).origin;
      }
      const temp = path.join(options.tempDir, oid);
      await downloadObject({ ...options, signal }, target, download.header, oid, object.size, temp, object.paths[0]!);
      for (const file of object.paths) {
        await place(workspace, file, temp);
      }
      await rm(temp, { force: true });
    }
  };
  const ends = await Promise.allSettled(
    Array.from({ length: Math.min(PARALLEL, queue.length) }, () =>
      worker().catch((error: unknown) => {
        halt.abort();
        throw error;
      }),
    ),
  );
  const failed = ends.find((end): end is PromiseRejectedResult => end.status === "rejected");
  if (failed) {
    throw failed.reason;
  }
  if (rewrittenFrom !== null) {
    options.onLine(`The server's LFS addresses name ${rewrittenFrom} (its configured public URL); Keel fetched them from the connection's address instead.`);
  }
  // The content now differs from the pointers in the index: git status stays clean for the steps.
  await gitOutput(options.workspace, options.env, ["update-index", "-z", "--assume-unchanged", "--stdin"], pointers.map((pointer) => `${pointer.path}\0`).join(""));
  options.onLine(`Fetched ${pointers.length === 1 ? "1 Git LFS file" : `${pointers.length} Git LFS files`} (${formatSize(total)}) in ${formatDuration(Date.now() - started)}.`);
}

async function downloadObject(options: LfsFetchOptions, target: DownloadTarget, given: Record<string, string>, oid: string, size: number, temp: string, named: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    // Only what a plain download needs; the client sets framing headers itself.
    if (!/^(host|content-length|transfer-encoding|connection|cookie)$/i.test(name)) {
      headers[name] = value;
    }
  }
  if (target.withCredential && !Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) {
    headers.Authorization = options.authorization;
  }
  let digest = "";
  let written = 0;
  const result = await withRetry(
    async () => {
      const hash = createHash("sha256");
      written = 0;
      const file = createWriteStream(temp, { mode: 0o600 });
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          written += chunk.length;
          if (file.write(chunk)) {
            done();
          } else {
            file.once("drain", () => done());
          }
        },
        final(done) {
          file.end(() => done());
        },
      });
      const answer = await guardedRequest({
        url: target.url,
        headers,
        policy: options.policy,
        ...(options.caBundlePem && target.withCredential ? { caBundlePem: options.caBundlePem } : {}),
        ...(options.resolve ? { resolve: options.resolve } : {}),
        accept: "any",
        sink,
        maxResponseBytes: size,
        timeouts: { totalMs: 60_000 + Math.ceil((size / FLOOR_BYTES_PER_SECOND) * 1_000) },
        signal: options.signal,
      });
      if (!answer.ok || answer.response.status !== 200) {
        sink.destroy();
        file.destroy();
      } else {
        digest = hash.digest("hex");
      }
      return answer;
    },
    { idempotent: true, signal: options.signal },
  );
  if (!result.ok || result.response.status !== 200) {
    const status = result.ok ? result.response.status : 0;
    if (status === 401 || status === 403) {
      throw lfsFailure(`The Git LFS storage refused to give ${named}`, `Its download (${new URL(target.url).host}) was answered ${status}${target.withCredential ? " with the connection's credential" : ""}.`, ["An admin checks the connection (Check now); its token needs Code (Read)."]);
    }
    throw lfsFailure(`Keel could not download the Git LFS file ${named}`, `Its download from ${new URL(target.url).host} failed: ${failureText(result)}.`, ["Start the build again; if it keeps failing, an administrator allows the address in Settings → Network."]);
  }
  if (written !== size || digest !== oid) {
    throw new LfsError({
      id: "lfs_corrupt",
      title: `The Git LFS file ${named} did not match its pointer`,
      detail: `Keel received ${formatSize(written)} whose sha256 is not the object id the commit records (${oid.slice(0, 12)}…, ${formatSize(size)}).`,
      fix: ["Start the build again. If it happens again, the object stored in Azure DevOps is damaged: push the file again with git-lfs."],
    });
  }
}

/** Copies the downloaded content over one pointer file, keeping its mode, never through a link or outside the workspace. */
async function place(workspace: string, file: string, temp: string): Promise<void> {
  const full = path.join(workspace, file);
  const parent = await realpath(path.dirname(full));
  const info = await lstat(full);
  if (path.relative(workspace, parent).startsWith("..") || !info.isFile()) {
    throw lfsFailure(`Keel will not write the Git LFS file ${file}`, "Its path leaves the workspace or is not a regular file.");
  }
  await copyFile(temp, full);
  await chmod(full, info.mode & 0o777);
}
