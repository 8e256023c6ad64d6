// "What went wrong" (lib/builds/README.md): the lines of a failed step that say why — compiler
// errors, xcodebuild's and Gradle's verdicts, npm, CocoaPods and fastlane complaints — so nobody
// scrolls 20,000 lines of xcodebuild output to find the one that matters. Pure: the pattern
// PostgreSQL scans a step's lines with, and how matches become the list people read.
import { stripAnsi } from "./ansi";

/**
 * The lines worth showing, as a PostgreSQL regular expression (ARE; matched case-sensitively):
 * `file.swift:12:5: error: …` and `fatal:`, Kotlin's `e: …`, xcodebuild's `** BUILD FAILED **`,
 * Gradle's `FAILURE:`, `* What went wrong:` and `> Task … FAILED`, `npm ERR!`, `[!] …` (CocoaPods,
 * fastlane), Dart's `Error: …`, XCTest's `… failed: …` and failed test cases.
 */
export const FAILURE_LINE_PATTERN = String.raw`(^|[^A-Za-z_])(error|fatal):|^e: |\*\* [A-Z ]*FAILED \*\*|FAILURE: |What went wrong:|npm ERR!|^\[!\] |^Error: | FAILED$| failed:|Test Case .* failed|^ERROR: `;

/** When no line matches, the step's last lines are shown instead: what it said before it stopped. */
export const LAST_LINES = 5;

/** At most this many lines are shown (the log has the rest). */
export const MAX_FAILURE_LINES = 15;

export type FailureLine = { seq: number; text: string };

/**
 * The list to show from the matched lines (in log order) and the lines that follow a Gradle "What
 * went wrong:" (its reason is on the next lines): colours removed, repeats dropped (xcodebuild
 * prints an error once per architecture), at most MAX_FAILURE_LINES.
 */
export function failureSummary(matched: readonly FailureLine[], following: ReadonlyMap<number, string>): FailureLine[] {
  const seen = new Set<string>();
  const out: FailureLine[] = [];
  for (const line of matched) {
    const text = stripAnsi(line.text).trimEnd();
    const key = text.trim();
    if (key === "" || seen.has(key)) {
      continue;
    }
    seen.add(key);
    out.push({ seq: line.seq, text });
    if (/What went wrong:\s*$/.test(text)) {
      for (let next = line.seq + 1; next <= line.seq + 3; next += 1) {
        const more = following.get(next);
        if (more === undefined || stripAnsi(more).trim() === "") {
          break;
        }
        out.push({ seq: next, text: stripAnsi(more).trimEnd() });
      }
    }
    if (out.length >= MAX_FAILURE_LINES) {
      break;
    }
  }
  return out.slice(0, MAX_FAILURE_LINES);
}
