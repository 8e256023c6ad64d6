import "server-only";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, realpath } from "node:fs/promises";
import path from "node:path";
import { glob } from "tinyglobby";
import { addArtifactChunk, completeArtifact, dropArtifact, startArtifact } from "@/lib/data/artifacts";
import type { Scope } from "@/lib/scope";
import { appIdentity, certificateWords, signingWords, type AppInfo } from "@/lib/shared/app-info";
import { formatSize } from "@/lib/shared/names";
import { AppInfoError, readAabInfo, readApkInfo, readIpaInfo } from "./app-info";

// What a build keeps (lib/builds/README.md, "Artifacts"): every file the steps put in
// $KEEL_BUILD_ARTIFACTS, and the workspace's files matching the workflow's patterns. Only
// regular files inside those two folders count: symbolic links are neither followed nor kept,
// so a step cannot make Keel store a file from elsewhere on the worker.

/** At most this many files per build; the rest are named in the log as not kept. */
export const MAX_ARTIFACT_FILES = 200;
/** The size of a stored chunk. */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024;

export type FoundArtifact = {
  /** As shown and downloaded: relative to the folder it was found in, with `/`. */
  path: string;
  /** Absolute path on the worker. */
  file: string;
  size: number;
};

async function regularFilesUnder(root: string, patterns: string[], options: { dot: boolean; ignore: string[] }): Promise<FoundArtifact[]> {
  const rootReal = await realpath(root);
  // A pattern naming a folder (dist) takes everything in it.
  const matches = await glob(patterns, { cwd: root, onlyFiles: true, followSymbolicLinks: false, dot: options.dot, ignore: options.ignore, expandDirectories: true });
  const found: FoundArtifact[] = [];
  for (const match of matches.sort()) {
    const file = path.join(root, match);
    const stat = await lstat(file).catch(() => null);
    if (!stat?.isFile()) {
      continue;
    }
    // A folder on the way may be a link out of the root even when the file is not.
    const real = await realpath(file).catch(() => null);
    if (!real || !real.startsWith(rootReal + path.sep)) {
      continue;
    }
    found.push({ path: match.split(path.sep).join("/"), file: real, size: stat.size });
  }
  return found;
}

/** The files a build keeps: the artifacts folder's (all of them) first, then the pattern matches; each file once. */
export async function findArtifacts(options: { workspace: string; artifactsDir: string; patterns: string[] }): Promise<{ files: FoundArtifact[]; unmatched: string[] }> {
  // Whatever a step put in the folder, hidden files too: putting it there was the choice.
  const fromDir = await regularFilesUnder(options.artifactsDir, ["**"], { dot: true, ignore: [] });
  const unmatched: string[] = [];
  const fromPatterns: FoundArtifact[] = [];
  for (const pattern of options.patterns) {
    const matched = await regularFilesUnder(options.workspace, [pattern], { dot: false, ignore: [".git/**"] });
    if (matched.length === 0) {
      unmatched.push(pattern);
    }
    fromPatterns.push(...matched);
  }
  const seen = new Set<string>();
  const files: FoundArtifact[] = [];
  for (const found of [...fromDir, ...fromPatterns.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))]) {
    if (!seen.has(found.file)) {
      seen.add(found.file);
      files.push(found);
    }
  }
  return { files, unmatched };
}

export type KeepResult = { kept: number; bytes: number; notKept: number; lost: boolean };

/**
 * Stores the files (in order) until the build's byte budget or the file limit is reached; says
 * in the log what it kept and what it did not, and why. `lost`: the run no longer owns the build.
 */
export async function keepArtifacts(
  scope: Scope,
  target: { buildId: string; runId: string },
  files: FoundArtifact[],
  maxBytes: number,
  say: (text: string) => void,
  stopped: () => boolean = () => false,
): Promise<KeepResult> {
  const result: KeepResult = { kept: 0, bytes: 0, notKept: 0, lost: false };
  for (const [index, found] of files.entries()) {
    if (stopped()) {
      // Canceled or out of time while storing: what is stored stays, the rest is named.
      result.notKept += files.length - index;
      say(`Not kept: ${files.length - index} file${files.length - index === 1 ? "" : "s"} — the build was stopped while Keel stored its artifacts.`);
      break;
    }
    if (index >= MAX_ARTIFACT_FILES) {
      result.notKept += files.length - index;
      say(`Not kept: ${files.length - index} more file${files.length - index === 1 ? "" : "s"} — a build keeps at most ${MAX_ARTIFACT_FILES} (put them in one archive, or narrow the patterns).`);
      break;
    }
    if (result.bytes + found.size > maxBytes) {
      result.notKept += 1;
      say(`Not kept: ${found.path} (${formatSize(found.size)}) — the build's artifacts would pass ${formatSize(maxBytes)} (KEEL_BUILD_ARTIFACT_MAX_BYTES).`);
      continue;
    }
    // An app: what it says about itself (for the testers' page, and installing an iOS app on iPhones from it).
    const ios = /\.ipa$/i.test(found.path);
    const reader = ios ? readIpaInfo : /\.apk$/i.test(found.path) ? readApkInfo : /\.aab$/i.test(found.path) ? readAabInfo : null;
    const app = reader ? await reader(found.file).catch((caught: unknown) => (caught instanceof AppInfoError ? caught : new AppInfoError("it could not be read"))) : null;
    const stored = await storeFile(scope, target, found, app instanceof AppInfoError ? null : app);
    if (stored === "lost") {
      result.lost = true;
      return result;
    }
    if (stored === null) {
      result.notKept += 1;
      say(`Not kept: ${found.path} — it changed or went away while Keel read it.`);
      continue;
    }
    result.kept += 1;
    result.bytes += stored;
    // An .apk installs from a download whatever Keel could read of it; an .ipa needs its identity for the install manifest.
    say(
      app === null || (app instanceof AppInfoError && !ios)
        ? `Kept ${found.path} (${formatSize(stored)}).`
        : app instanceof AppInfoError
          ? `Kept ${found.path} (${formatSize(stored)}); testers cannot install it from a shared link: ${app.message}.`
          : `Kept ${found.path} (${formatSize(stored)}): ${appIdentity(app, ", ")}${app.signing ? `; ${signingWords(app.signing, new Date())}` : ""}${app.certificate ? `; ${certificateWords(app.certificate)}` : ""}.`,
    );
  }
  return result;
}

/** Streams one file into its artifact; its size, null when the file could not be read, "lost" when the run lost its build. */
async function storeFile(scope: Scope, target: { buildId: string; runId: string }, found: FoundArtifact, app: AppInfo | null): Promise<number | null | "lost"> {
  const id = await startArtifact(scope, target.buildId, target.runId, found.path);
  if (!id) {
    return "lost";
  }
  const hash = createHash("sha256");
  let size = 0;
  let seq = 0;
  try {
    if (found.size > 0) {
      // Exactly the size seen when the files were found: a file still growing is cut there.
      for await (const chunk of createReadStream(found.file, { highWaterMark: ARTIFACT_CHUNK_BYTES, start: 0, end: found.size - 1 })) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        if (!(await addArtifactChunk(scope, id, seq, bytes))) {
          return "lost";
        }
        seq += 1;
      }
    }
    if (size !== found.size) {
      await dropArtifact(scope, id);
      return null;
    }
  } catch {
    await dropArtifact(scope, id);
    return null;
  }
  await completeArtifact(scope, id, size, hash.digest("hex"), app);
  return size;
}
