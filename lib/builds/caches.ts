import "server-only";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { once } from "node:events";
import { addCacheChunk, completeCache, dropCache, findCache, readCacheChunk, startCache, touchCache, type CacheView } from "@/lib/data/caches";
import { isolatedChildEnv } from "@/lib/env";
import type { Scope } from "@/lib/scope";
import { formatDuration } from "@/lib/shared/builds";
import { formatSize } from "@/lib/shared/names";
import { cacheMember, cacheScopeWords } from "@/lib/shared/workflow";
import { ARTIFACT_CHUNK_BYTES } from "./artifacts";
import { giveToUser, type BuildUser } from "./build-user";
import { startProcess, type RunningProcess } from "./process";

// Build caches (lib/builds/README.md, "Caches"): the folders a workflow names are kept after a
// successful build as one gzip'd tar (GNU tar, names sorted, owners and gzip's timestamp left out,
// so the same folders make the same bytes) stored in PostgreSQL in 1 MiB chunks, and restored
// before the steps of the next builds of the branch (or, failing that, of the default branch).
// A cache never fails a build: what goes wrong is said in the log and the build goes on.

export type CacheContext = {
  scope: Scope;
  /** The build's private directory: the archive holds `workspace/…` and `home/…` relative to it. */
  privateDir: string;
  profileId: string;
  paths: string[];
  /** PATH for tar and gzip. */
  pathEnv: string;
  say: (text: string) => void;
  onProcess: (process: RunningProcess) => void;
  /** The build user, when steps run as one: tar packs and unpacks as it, what it may read and write only. */
  user: BuildUser | null;
};

export type Restored = { cache: CacheView; exact: boolean } | null;

/**
 * The key of a build's cache: its folders and the content of its key files (a lock file that
 * changes makes a new key; a missing one counts as missing), as 16 hex characters.
 */
export async function cacheKey(workspace: string, paths: readonly string[], keyFiles: readonly string[]): Promise<string> {
  const files = await Promise.all(
    keyFiles.map(async (file) => {
      try {
        return [file, createHash("sha256").update(await readFile(path.join(workspace, file))).digest("hex")];
      } catch {
        return [file, null];
      }
    }),
  );
  return createHash("sha256").update(JSON.stringify([[...paths].sort(), files])).digest("hex").slice(0, 16);
}

/** Runs tar (its stderr kept for the log line when it fails); resolves with its exit code. */
async function tar(context: CacheContext, args: string[]): Promise<{ code: number | null; problem: string }> {
  const errors: string[] = [];
  const running = startProcess({
    file: "tar",
    args,
    cwd: context.privateDir,
    env: isolatedChildEnv({ PATH: context.pathEnv, LANG: "C.UTF-8" }),
    user: context.user,
    onLine: (stream, text) => {
      if (stream === "ERR" && errors.length < 5) {
        errors.push(text);
      }
    },
  });
  context.onProcess(running);
  const result = await running.done;
  return { code: result.code, problem: errors[0] ?? result.error ?? (result.signal ? `stopped by ${result.signal}` : `exit code ${result.code}`) };
}

/** Where a cache came from, for the log. */
function origin(cache: CacheView): string {
  return `#${cache.buildNumber} on ${cacheScopeWords(cache.branch)}`;
}

/**
 * Restores the build's cache before the steps: the archive is read from PostgreSQL into the
 * private directory, checked against its hash, and unpacked over the workspace and home.
 */
export async function restoreCache(context: CacheContext, where: { branches: readonly string[]; key: string }): Promise<Restored> {
  const started = Date.now();
  const found = await findCache(context.scope, context.profileId, where);
  if (!found) {
    context.say(`No cache to restore yet (${context.paths.join(", ")}): a successful build of ${where.branches[0] ? cacheScopeWords(where.branches[0]) : "a branch"} saves one.`);
    return null;
  }
  const { cache, exact } = found;
  const archive = path.join(context.privateDir, "cache-restore.tar.gz");
  try {
    const hash = createHash("sha256");
    const out = createWriteStream(archive, { mode: 0o600 });
    for (let seq = 0; seq < cache.chunks; seq += 1) {
      const chunk = await readCacheChunk(context.scope, cache.id, seq);
      if (!chunk) {
        throw new Error("a piece of it is missing (it was deleted meanwhile)");
      }
      hash.update(chunk);
      if (!out.write(chunk)) {
        await once(out, "drain");
      }
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (hash.digest("hex") !== cache.sha256) {
      throw new Error("it does not match its hash (damaged)");
    }
    if (context.user) {
      await giveToUser(context.user, [archive]);
    }
    const unpacked = await tar(context, ["-x", "-z", "-f", archive, "--no-same-owner", "-C", context.privateDir]);
    if (unpacked.code !== 0) {
      throw new Error(`tar could not unpack it: ${unpacked.problem}`);
    }
    await touchCache(context.scope, cache.id);
    context.say(
      `Restored the cache of ${origin(cache)} (${formatSize(cache.size)}) in ${formatDuration(Date.now() - started)}${exact ? "." : ": its key files differ from this commit's, so the steps may update it and this build saves a new one if it succeeds."}`,
    );
    return found;
  } catch (error) {
    context.say(`Could not restore the cache of ${origin(cache)}: ${error instanceof Error ? error.message : String(error)}. The build goes on without it.`);
    return null;
  } finally {
    await rm(archive, { force: true });
  }
}

/**
 * Saves the build's cache after its steps succeeded: the named folders that exist are archived;
 * nothing is stored when the archive is what was restored (same key, same bytes), or larger
 * than `maxBytes`. Returns what happened, in the words the log got.
 */
export async function saveCache(context: CacheContext, input: { branch: string; key: string; buildNumber: number; maxBytes: number; restored: Restored }): Promise<void> {
  const started = Date.now();
  const members: string[] = [];
  for (const folder of context.paths) {
    const member = cacheMember(folder);
    if (await lstat(path.join(context.privateDir, member)).then(() => true, () => false)) {
      members.push(member);
    }
  }
  if (members.length === 0) {
    context.say(`Not saving a cache: none of its folders exists after the steps (${context.paths.join(", ")}).`);
    return;
  }
  const staging = path.join(context.privateDir, "cache-save");
  await mkdir(staging, { recursive: true, mode: 0o700 });
  if (context.user) {
    await giveToUser(context.user, [staging]);
  }
  const archive = path.join(staging, "cache.tar.gz");
  try {
    // Names sorted, owners and gzip's own timestamp left out: unchanged folders give the same bytes.
    const packed = await tar(context, ["-c", "-f", archive, "--use-compress-program=gzip -n", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", context.privateDir, "--", ...members]);
    // Exit code 1: a file changed while tar read it; the archive is still whole.
    if (packed.code !== 0 && packed.code !== 1) {
      context.say(`Not saving the cache: tar could not archive its folders (${packed.problem}).`);
      return;
    }
    const size = (await stat(archive)).size;
    if (size > input.maxBytes) {
      context.say(`Not saving the cache: it is ${formatSize(size)}, more than ${formatSize(input.maxBytes)} (KEEL_BUILD_CACHE_MAX_BYTES). Cache fewer folders.`);
      return;
    }
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(archive)) {
      hash.update(chunk as Buffer);
    }
    const sha256 = hash.digest("hex");
    const restored = input.restored;
    if (restored?.exact && restored.cache.branch === input.branch && restored.cache.sha256 === sha256) {
      context.say(`The cache did not change (${formatSize(size)}): the one of ${origin(restored.cache)} stays.`);
      return;
    }
    const cacheId = await startCache(context.scope, { profileId: context.profileId, branch: input.branch, key: input.key, paths: context.paths, buildNumber: input.buildNumber });
    let seq = 0;
    for await (const chunk of createReadStream(archive, { highWaterMark: ARTIFACT_CHUNK_BYTES })) {
      if (!(await addCacheChunk(context.scope, cacheId, seq, chunk as Buffer))) {
        await dropCache(context.scope, cacheId);
        context.say("Not saving the cache: it was deleted while Keel stored it.");
        return;
      }
      seq += 1;
    }
    await completeCache(context.scope, cacheId, size, sha256);
    context.say(`Saved the cache for ${cacheScopeWords(input.branch)} (${members.length === 1 ? "1 folder" : `${members.length} folders`}, ${formatSize(size)}) in ${formatDuration(Date.now() - started)}.`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
