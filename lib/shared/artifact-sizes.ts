import { formatSize } from "./names";

// How a build's files grew or shrank against the last successful build of its line
// (lib/builds/README.md, "Artifacts": size against the last good build). An app that grows a few
// megabytes a release is what mobile teams watch — store limits, cellular download caps — and
// the file size is the one number Keel has of every build. Pure, safe in client components.

/** File kinds matched by kind when their paths differ between builds (a version in the name). */
const APP_EXTENSIONS = [".ipa", ".apk", ".aab"];

const extensionOf = (path: string) => APP_EXTENSIONS.find((extension) => path.toLowerCase().endsWith(extension)) ?? null;

/**
 * For each of `current`'s files, the earlier build's file it compares with: the one at the same
 * path, else — for an app (.ipa, .apk, .aab) whose name changed — the earlier build's one app of
 * that kind when each build has exactly one. Files with nothing to compare with are left out.
 */
export function matchSizes<T extends { id: string; path: string }>(current: T[], earlier: Array<{ path: string; size: number }>): Map<string, { path: string; size: number }> {
  const byPath = new Map(earlier.map((file) => [file.path, file]));
  const only = (files: Array<{ path: string }>, extension: string) => files.filter((file) => extensionOf(file.path) === extension);
  const matches = new Map<string, { path: string; size: number }>();
  for (const file of current) {
    const same = byPath.get(file.path);
    const extension = extensionOf(file.path);
    if (same) {
      matches.set(file.id, same);
    } else if (extension && only(current, extension).length === 1) {
      const earlierApps = only(earlier, extension);
      if (earlierApps.length === 1) {
        matches.set(file.id, earlierApps[0] as { path: string; size: number });
      }
    }
  }
  return matches;
}

/** "+1.3 MB (+2.8 %)", "−200 KB (−0.4 %)", or "same size": a file's change from `before` to `after` bytes. */
export function sizeChange(before: number, after: number): string {
  const difference = after - before;
  if (difference === 0) {
    return "same size";
  }
  const sign = difference > 0 ? "+" : "−";
  const percent = before > 0 ? Math.abs((difference / before) * 100) : null;
  const percentText = percent === null ? "" : ` (${sign}${percent < 0.1 ? "<0.1" : percent < 10 ? percent.toFixed(1) : Math.round(percent)} %)`;
  return `${sign}${formatSize(Math.abs(difference))}${percentText}`;
}
