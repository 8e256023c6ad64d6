import { inheritedPath, isolatedChildEnv, type ChildProcessEnv } from "@/lib/env";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataBlock, fixtureStream, initialFiles, signature } from "./git-content.js";
import { ZERO_SHA } from "./ids.js";
import type { CommitRecord, GitData, RefRecord, RepoRecord, Store } from "./store.js";

/**
 * Real git behind every repository: a bare repository on disk per fixture repository, built
 * on first use with `git fast-import` from the deterministic content of git-content.ts, and
 * an in-memory cache (refs, commits) that the REST API reads. Every write (a push through
 * `git http-backend`, a control-API push, a pull request's merge commit) runs under the
 * repository's lock and ends by re-reading the refs from disk, so the REST API always reports
 * exactly the git objects.
 *
 * One backend per Store: `reset()` builds a new store, and the old store's directory goes.
 */

export type RefChange = { name: string; oldObjectId: string; newObjectId: string };

export type GitResult = { code: number; stdout: Buffer; stderr: string };

/** Config of every emulated repository (fetch by commit id, push over smart HTTP, no auto-gc). */
const REPO_CONFIG = `[uploadpack]
\tallowReachableSHA1InWant = true
\tallowFilter = true
[http]
\treceivepack = true
\tuploadpack = true
[gc]
\tauto = 0
[receive]
\tautogc = false
[core]
\tlogAllRefUpdates = false
`;

/** Where every emulator process keeps its repositories: one folder per process. */
const ROOT_PARENT = join(tmpdir(), "azure-devops-emulator-git");

let staleSwept = false;

/** Removes folders of emulator processes that no longer run (crashed or killed test runs). */
function sweepStaleRoots(): void {
  if (staleSwept) {
    return;
  }
  staleSwept = true;
  let entries: string[];
  try {
    entries = readdirSync(ROOT_PARENT);
  } catch {
    return;
  }
  for (const entry of entries) {
    const pid = Number(entry.split("-")[0]);
    if (!Number.isInteger(pid) || pid === process.pid) {
      continue;
    }
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ESRCH") {
        rmSync(join(ROOT_PARENT, entry), { recursive: true, force: true });
      }
    }
  }
}

/** An environment for git that ignores the machine's and user's configuration. */
export function gitEnv(extra: Record<string, string> = {}): ChildProcessEnv {
  return isolatedChildEnv({
    PATH: inheritedPath(),
    HOME: ROOT_PARENT,
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    ...extra,
  });
}

/** Runs git with a clean environment; resolves with the exit code and output (never rejects on exit code). */
export function runGit(args: string[], options: { cwd?: string; input?: Buffer; env?: Record<string, string> } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd: options.cwd, env: gitEnv(options.env), stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  });
}

/** Like runGit, but a non-zero exit is an error naming the command and git's message. */
async function git(args: string[], options: { cwd?: string; input?: Buffer; env?: Record<string, string> } = {}): Promise<Buffer> {
  const result = await runGit(args, options);
  if (result.code !== 0) {
    throw new Error(`git ${args[0] ?? ""} failed (${result.code}): ${result.stderr.trim().slice(0, 500)}`);
  }
  return result.stdout;
}

/** ISO date without milliseconds, the way Azure DevOps writes commit dates. */
function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

const FIELD = "\u001f";

/** Reads commits with `git log` (newest first); `range` is what to list, e.g. `--all` or tips `--not` known tips. */
async function readCommits(dir: string, range: string[]): Promise<CommitRecord[]> {
  if (range.length === 0) {
    return [];
  }
  const format = ["%H", "%T", "%P", "%an", "%ae", "%at", "%cn", "%ce", "%ct", "%B"].join("%x1f");
  const out = await git(["--git-dir", dir, "log", "-z", "--topo-order", `--format=${format}`, ...range, "--"]);
  const commits: CommitRecord[] = [];
  for (const record of out.toString("utf8").split("\u0000")) {
    if (record.length === 0) {
      continue;
    }
    const [id = "", treeId = "", parents = "", an = "", ae = "", at = "0", cn = "", ce = "", ct = "0", ...message] = record.split(FIELD);
    commits.push({
      id,
      treeId,
      parents: parents.length === 0 ? [] : parents.split(" "),
      author: { name: an, email: ae, date: isoSeconds(Number(at)) },
      committer: { name: cn, email: ce, date: isoSeconds(Number(ct)) },
      comment: message.join(FIELD).replace(/\n+$/, ""),
    });
  }
  return commits;
}

/** Every ref on disk: name → object id (and the peeled commit of an annotated tag). */
async function readRefs(dir: string): Promise<Map<string, { objectId: string; peeledObjectId?: string }>> {
  const out = await git(["--git-dir", dir, "for-each-ref", "--format=%(objectname)%09%(*objectname)%09%(refname)"]);
  const refs = new Map<string, { objectId: string; peeledObjectId?: string }>();
  for (const line of out.toString("utf8").split("\n")) {
    if (line.length === 0) {
      continue;
    }
    const [objectId = "", peeled = "", name = ""] = line.split("\t");
    refs.set(name, peeled.length > 0 ? { objectId, peeledObjectId: peeled } : { objectId });
  }
  return refs;
}

/** Commit author/committer environment for plumbing commands (commit-tree). */
export function identityEnv(person: { name: string; email: string }, seconds: number): Record<string, string> {
  const date = `${seconds} +0000`;
  return {
    GIT_AUTHOR_NAME: person.name,
    GIT_AUTHOR_EMAIL: person.email,
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: person.name,
    GIT_COMMITTER_EMAIL: person.email,
    GIT_COMMITTER_DATE: date,
  };
}

/** The git repositories of one Store. */
export class GitBackend {
  private rootDir: string | undefined;
  private readonly loading = new Map<string, Promise<GitData>>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private disposed = false;

  /** The folder holding this store's bare repositories (created on first use). */
  get root(): string {
    if (this.rootDir === undefined) {
      sweepStaleRoots();
      mkdirSync(ROOT_PARENT, { recursive: true });
      this.rootDir = mkdtempSync(join(ROOT_PARENT, `${process.pid}-`));
    }
    return this.rootDir;
  }

  /** The repository's folder name under `root` (what `git http-backend` gets as PATH_INFO). */
  folderOf(repo: RepoRecord): string {
    return `${repo.id.toLowerCase()}.git`;
  }

  /** Absolute path of the repository's bare git directory. */
  dirOf(repo: RepoRecord): string {
    return join(this.root, this.folderOf(repo));
  }

  /** The repository's git data, building the bare repository on first use (concurrent callers share one build). */
  load(repo: RepoRecord): Promise<GitData> {
    if (repo.git) {
      return Promise.resolve(repo.git);
    }
    const key = repo.id.toLowerCase();
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.build(repo).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Runs `fn` with the repository's lock held (writes never interleave), after it is built. */
  async withLock<T>(repo: RepoRecord, fn: (git: GitData, dir: string) => Promise<T>): Promise<T> {
    const git = await this.load(repo);
    const key = repo.id.toLowerCase();
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(() => fn(git, this.dirOf(repo)));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) {
        this.locks.delete(key);
      }
    }
  }

  /** Deletes every repository of this store (reset, stop). */
  dispose(): void {
    this.disposed = true;
    if (this.rootDir !== undefined) {
      rmSync(this.rootDir, { recursive: true, force: true });
      this.rootDir = undefined;
    }
  }

  private async build(repo: RepoRecord): Promise<GitData> {
    if (this.disposed) {
      throw new Error("The emulator was reset or stopped while a repository was being built.");
    }
    const dir = this.dirOf(repo);
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
    }
    await git(["init", "--bare", "--quiet", "--template=", dir]);
    writeFileSync(join(dir, "config"), `${readFileSync(join(dir, "config"), "utf8")}${REPO_CONFIG}`);
    const stream = fixtureStream({
      repoId: repo.id,
      name: repo.initialName,
      project: repo.project.name,
      branches: repo.branchSpecs,
      defaultBranch: repo.defaultBranchName,
      tags: repo.tags,
    });
    if (stream) {
      await git(["--git-dir", dir, "fast-import", "--quiet", "--done"], { input: stream });
    }
    this.writeHead(dir, repo.defaultBranchName);
    const data: GitData = { refs: new Map(), commits: new Map(), statuses: new Map(), nextStatusId: 1, nextPushId: 1, pushes: [] };
    const creatorId = [...repo.host.members][0];
    for (const [name, ref] of await readRefs(dir)) {
      data.refs.set(name, { name, ...ref, creatorId });
    }
    for (const commit of await readCommits(dir, ["--all"])) {
      data.commits.set(commit.id, commit);
    }
    // A build that finished after a reset belongs to nobody: do not attach it.
    if (!this.disposed) {
      repo.git = data;
    }
    return data;
  }

  /** Points HEAD (what clones check out) at the default branch. */
  writeHead(dir: string, branch: string | undefined): void {
    writeFileSync(join(dir, "HEAD"), `ref: refs/heads/${branch ?? "main"}\n`);
  }

  /**
   * Re-reads refs from disk after a write (call with the lock held): updates the cache, reads
   * the commits that are new, and returns what moved plus the new commits (newest first).
   */
  async refresh(repo: RepoRecord, git: GitData): Promise<{ changes: RefChange[]; newCommits: CommitRecord[] }> {
    const dir = this.dirOf(repo);
    const onDisk = await readRefs(dir);
    const changes: RefChange[] = [];
    for (const [name, ref] of onDisk) {
      const old = git.refs.get(name);
      if (old?.objectId !== ref.objectId) {
        changes.push({ name, oldObjectId: old?.objectId ?? ZERO_SHA, newObjectId: ref.objectId });
      }
    }
    for (const name of git.refs.keys()) {
      if (!onDisk.has(name)) {
        changes.push({ name, oldObjectId: git.refs.get(name)?.objectId ?? ZERO_SHA, newObjectId: ZERO_SHA });
      }
    }
    const newTips = changes.filter((change) => change.newObjectId !== ZERO_SHA).map((change) => change.newObjectId);
    const known = [...new Set([...git.refs.values()].map((ref) => ref.peeledObjectId ?? ref.objectId))];
    const newCommits = newTips.length === 0 ? [] : (await readCommits(dir, [...newTips, "--not", ...known])).filter((commit) => !git.commits.has(commit.id));
    for (const commit of newCommits) {
      git.commits.set(commit.id, commit);
    }
    for (const change of changes) {
      const ref = onDisk.get(change.name);
      if (!ref) {
        git.refs.delete(change.name);
        continue;
      }
      const existing: RefRecord | undefined = git.refs.get(change.name);
      git.refs.set(change.name, { name: change.name, ...ref, creatorId: existing?.creatorId });
    }
    return { changes, newCommits };
  }

  /**
   * Appends commits to a branch with fast-import (lock held). Each commit rewrites
   * `src/last-change.txt`; a branch created in an empty repository also gets the README and
   * build script. Returns nothing: call `refresh` to learn the ids.
   */
  async appendCommits(
    repo: RepoRecord,
    branch: string,
    parent: string | undefined,
    commits: ReadonlyArray<{ message: string; author: { name: string; email: string }; seconds: number; files?: ReadonlyArray<{ path: string; content: string }> }>,
  ): Promise<void> {
    const parts: Buffer[] = [];
    let previous = parent;
    for (const [index, commit] of commits.entries()) {
      const who = signature(commit.author, commit.seconds);
      parts.push(Buffer.from(`commit ${branch.startsWith("refs/") ? branch : `refs/heads/${branch}`}\nmark :${index + 1}\nauthor ${who}\ncommitter ${who}\n`, "utf8"));
      parts.push(dataBlock(commit.message));
      if (previous !== undefined) {
        parts.push(Buffer.from(`from ${previous}\n`, "utf8"));
      } else {
        for (const file of initialFiles({ name: repo.initialName, project: repo.project.name })) {
          parts.push(Buffer.from(`M ${file.mode} inline ${file.path}\n`, "utf8"));
          parts.push(dataBlock(file.content));
        }
      }
      parts.push(Buffer.from("M 100644 inline src/last-change.txt\n", "utf8"));
      parts.push(dataBlock(`${commit.message}\n`));
      // Files the test pushes with the commit (a steps file, a changed source), added or replaced.
      for (const file of commit.files ?? []) {
        parts.push(Buffer.from(`M 100644 inline ${file.path}\n`, "utf8"));
        parts.push(dataBlock(file.content));
      }
      parts.push(Buffer.from("\n", "utf8"));
      previous = `:${index + 1}`;
    }
    parts.push(Buffer.from("done\n", "utf8"));
    await git(["--git-dir", this.dirOf(repo), "fast-import", "--quiet", "--done", "--force"], { input: Buffer.concat(parts) });
  }

  /** Deletes a ref on disk (lock held). */
  async deleteRef(repo: RepoRecord, name: string): Promise<void> {
    await git(["--git-dir", this.dirOf(repo), "update-ref", "-d", name]);
  }

  /** Moves a ref on disk to an object (lock held). */
  async updateRef(repo: RepoRecord, name: string, objectId: string): Promise<void> {
    await git(["--git-dir", this.dirOf(repo), "update-ref", name, objectId]);
  }

  /**
   * The merge of `source` into `target` as a new two-parent commit (not on any branch yet),
   * or undefined when they conflict. Uses `git merge-tree --write-tree` (git ≥ 2.38).
   */
  async mergeCommit(
    repo: RepoRecord,
    target: string,
    source: string,
    message: string,
    author: { name: string; email: string },
    seconds: number,
  ): Promise<string | undefined> {
    const dir = this.dirOf(repo);
    const merged = await runGit(["--git-dir", dir, "merge-tree", "--write-tree", "--no-messages", target, source]);
    if (merged.code !== 0) {
      return undefined;
    }
    const tree = merged.stdout.toString("utf8").split("\n")[0]?.trim() ?? "";
    const commit = await git(["--git-dir", dir, "commit-tree", tree, "-p", target, "-p", source, "-F", "-"], {
      input: Buffer.from(`${message}\n`, "utf8"),
      env: identityEnv(author, seconds),
    });
    return commit.toString("utf8").trim();
  }

  /** The best common ancestor of two commits, if any. */
  async mergeBase(repo: RepoRecord, left: string, right: string): Promise<string | undefined> {
    const result = await runGit(["--git-dir", this.dirOf(repo), "merge-base", left, right]);
    return result.code === 0 ? result.stdout.toString("utf8").trim() : undefined;
  }
}

const BACKENDS = new WeakMap<Store, GitBackend>();

/** The git backend of a store (created on first use). */
export function gitBackend(store: Store): GitBackend {
  let backend = BACKENDS.get(store);
  if (!backend) {
    backend = new GitBackend();
    BACKENDS.set(store, backend);
  }
  return backend;
}

/** The repository's git data, building its bare repository on first use. */
export function loadGit(store: Store, repo: RepoRecord): Promise<GitData> {
  return gitBackend(store).load(repo);
}

/** Deletes the store's repositories from disk. */
export function disposeGit(store: Store): void {
  BACKENDS.get(store)?.dispose();
}
