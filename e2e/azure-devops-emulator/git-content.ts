import { shaFrom } from "./ids.js";
import type { FixtureBranch } from "./model.js";

/**
 * What a fixture repository contains, written as a `git fast-import` stream. Everything is a
 * pure function of the fixture (repository id and name, branch specs): fixed authors,
 * committers, dates and messages, so the same fixture gives the same commit ids on every run
 * and every machine.
 *
 * Every repository carries a README and `build.sh`, a small build script a default
 * workflow can run as it is (`./build.sh setup|build|test`, or `./build.sh` for all three).
 * A branch spec's `build` makes the script fail (`failing`: the test step exits 1) or run
 * for minutes (`slow`: the build step prints a line a second), through `ci/build.conf`.
 */

/** How Keel's default workflows (and anyone else) run the fixture repositories' build. */
export const FIXTURE_BUILD = {
  /** The script at the root of every fixture repository (mode 100755). */
  script: "build.sh",
  /** Runs setup, build and test, then prints `successLine`. */
  command: "./build.sh",
  /** The same work as three steps, e.g. for a default per-platform workflow. */
  steps: [
    { name: "Set up", command: "./build.sh setup" },
    { name: "Build", command: "./build.sh build" },
    { name: "Test", command: "./build.sh test" },
  ],
  /** Last line of a successful `./build.sh` (all steps). */
  successLine: "BUILD SUCCEEDED",
  /** Last line of the test step when all tests pass. */
  testsPassedLine: "All 12 tests passed",
  /** Printed (to stderr) by the test step on a `failing` branch, which then exits 1. */
  failureLine: "BalanceFormatterTests.testNegativeAmounts failed: expected '-€1.00', got '€-1.00'",
  /** How long the build step of a `slow` branch runs, in seconds (one output line a second). */
  slowSeconds: 600,
  /** Environment variable that overrides the slow build's duration in seconds. */
  slowSecondsVariable: "FIXTURE_BUILD_SECONDS",
} as const;

/** The build script (same blob in every repository). */
export const BUILD_SCRIPT = `#!/usr/bin/env bash
# Build script of a test repository served by the Azure DevOps emulator.
#
#   ./build.sh            set up, build and test, then print "${FIXTURE_BUILD.successLine}"
#   ./build.sh STEP       one step: setup | build | test
#
# ci/build.conf (on some branches) may set FAIL_STEP (that step exits 1) and BUILD_SECONDS
# (how long the build step runs, printing a line a second). ${FIXTURE_BUILD.slowSecondsVariable}
# in the environment overrides BUILD_SECONDS.
set -euo pipefail
cd "$(dirname "$0")"

FAIL_STEP=""
BUILD_SECONDS=0
if [ -f ci/build.conf ]; then
  # shellcheck disable=SC1091
  . ci/build.conf
fi
BUILD_SECONDS="\${${FIXTURE_BUILD.slowSecondsVariable}:-$BUILD_SECONDS}"

say() { printf '\\033[1;34m==>\\033[0m %s\\n' "$*"; }
ok() { printf '\\033[32m✔\\033[0m %s\\n' "$*"; }
fail() { printf '\\033[31m✘ %s\\033[0m\\n' "$*" >&2; exit 1; }

step_setup() {
  say "Setting up"
  echo "bash \${BASH_VERSION}"
  echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  ok "toolchain ready"
}

step_build() {
  say "Building $(head -n 1 README.md | sed 's/^# //')"
  if [ "$FAIL_STEP" = "build" ]; then
    fail "compile error in src/PaymentService.swift:42"
  fi
  if [ "$BUILD_SECONDS" -gt 0 ]; then
    # A child process as well, so that a kill missing the process group leaves it behind.
    sleep "$BUILD_SECONDS" &
    i=0
    while [ "$i" -lt "$BUILD_SECONDS" ]; do
      i=$((i + 1))
      echo "compiling module $i of $BUILD_SECONDS"
      sleep 1
    done
    wait
  fi
  mkdir -p build
  wc -l CHANGELOG.md | awk '{print "changes: " $1}' > build/output.txt
  ok "build finished ($(cat build/output.txt))"
}

step_test() {
  say "Testing"
  if [ "$FAIL_STEP" = "test" ]; then
    echo "BalanceFormatterTests.testPositiveAmounts passed"
    fail "${FIXTURE_BUILD.failureLine}"
  fi
  for name in testPositiveAmounts testNegativeAmounts testZero; do
    echo "BalanceFormatterTests.$name passed"
  done
  ok "${FIXTURE_BUILD.testsPassedLine}"
}

case "\${1:-all}" in
  setup) step_setup ;;
  build) step_build ;;
  test) step_test ;;
  all)
    step_setup
    step_build
    step_test
    echo "${FIXTURE_BUILD.successLine}"
    ;;
  *)
    echo "usage: ./build.sh [setup|build|test]" >&2
    exit 2
    ;;
esac
`;

/** `ci/build.conf` per branch kind. */
const BUILD_CONF: Record<"failing" | "slow", string> = {
  failing: "# This branch breaks a test on purpose: the test step exits 1.\nFAIL_STEP=test\n",
  slow: `# This branch has a long build: the build step runs for ${FIXTURE_BUILD.slowSeconds} seconds.\nBUILD_SECONDS=${FIXTURE_BUILD.slowSeconds}\n`,
};

/** Commit message of a build branch's first commit. */
const BUILD_MESSAGES: Record<"failing" | "slow", string> = {
  failing: "Break the balance formatter test on purpose",
  slow: "Add a long-running integration build",
};

/** People who appear as commit authors in generated histories. */
const AUTHORS: ReadonlyArray<{ name: string; email: string }> = [
  { name: "Mona Kane", email: "mona.kane@fabrikam.example" },
  { name: "Jamal Hartnett", email: "jamal.hartnett@fabrikam.example" },
  { name: "Chuck Reinhart", email: "chuck.reinhart@fabrikam.example" },
  { name: "Élodie Fournier", email: "elodie.fournier@fabrikam.example" },
  { name: "Wei Zhang", email: "wei.zhang@fabrikam.example" },
];

const MESSAGES: readonly string[] = [
  "Add onboarding screens",
  "Fix crash when the wallet is empty",
  "Bump Gradle wrapper",
  "Refactor payment service client",
  "Update localisation strings",
  "Add unit tests for balance formatter",
  "Tidy up Fastlane lanes",
  "Improve accessibility labels",
  "Handle expired sessions gracefully",
  "Upgrade Xcode project settings",
  "Cache exchange rates",
  "Document release process",
];

/** Start of every generated history (2024-01-08 09:00 UTC). */
export const HISTORY_START_MS = Date.UTC(2024, 0, 8, 9, 0, 0);
const HOUR_MS = 3_600_000;

export type ContentInput = {
  repoId: string;
  /** The repository's name in the fixture (renames later do not change its history). */
  name: string;
  project: string;
  branches: readonly FixtureBranch[];
  defaultBranch?: string;
  tags: readonly string[];
};

type Person = { name: string; email: string };

/** One fast-import commit: a mark, its branch, parent mark and the files it writes. */
type PlannedCommit = {
  mark: number;
  ref: string;
  parent?: number;
  author: Person;
  dateSeconds: number;
  message: string;
  files: Array<{ path: string; mode: "100644" | "100755"; content: string }>;
};

/** Deterministic author, date and message of the index-th commit of a branch. */
function commitMeta(seed: string, index: number, parentDateMs: number): { author: Person; dateMs: number; message: string } {
  const hash = parseInt(shaFrom(`meta|${seed}|${index}`).slice(0, 8), 16);
  const author = AUTHORS[hash % AUTHORS.length] ?? { name: "Mona Kane", email: "mona.kane@fabrikam.example" };
  const dateMs = parentDateMs + HOUR_MS * (1 + (hash % 9)) + ((hash >>> 8) % 60) * 60_000;
  const message = `${MESSAGES[(hash >>> 4) % MESSAGES.length] ?? "Update"} (#${index + 1})`;
  return { author, dateMs, message };
}

/** The README of a fixture repository. */
function readme(input: ContentInput): string {
  const branches = input.branches.map((branch) => {
    const kind = branch.build === "failing" ? " (its build fails)" : branch.build === "slow" ? " (its build runs for minutes)" : "";
    return `- \`${branch.name}\`${kind}`;
  });
  return [
    `# ${input.name}`,
    "",
    `Test repository of the project ${input.project}, served by the Azure DevOps emulator.`,
    "",
    "## Build",
    "",
    "    ./build.sh          # set up, build and test",
    "    ./build.sh build    # one step: setup | build | test",
    "",
    "## Branches",
    "",
    ...branches,
    "",
  ].join("\n");
}

/** Plans every commit of a repository from its branch specs (empty for an empty repository). */
function planCommits(input: ContentInput): { commits: PlannedCommit[]; tips: Map<string, number> } {
  const commits: PlannedCommit[] = [];
  const ownMarks = new Map<string, number[]>();
  const tips = new Map<string, number>();
  const changelog = new Map<number, string>();
  const dates = new Map<number, number>();
  let nextMark = 1;
  for (const spec of input.branches) {
    let parent: number | undefined;
    let parentDateMs = HISTORY_START_MS;
    if (spec.from !== undefined) {
      const base = ownMarks.get(spec.from) ?? [];
      const forkIndex = Math.min(spec.forkPoint ?? base.length - 1, base.length - 1);
      parent = base[forkIndex] ?? tips.get(spec.from);
      parentDateMs = parent === undefined ? HISTORY_START_MS : (dates.get(parent) ?? HISTORY_START_MS);
    }
    const own: number[] = [];
    const seed = `${input.repoId}|${spec.name}`;
    for (let index = 0; index < spec.commits; index += 1) {
      const meta = commitMeta(seed, index, parentDateMs);
      const buildKind = index === 0 && spec.build !== undefined && spec.build !== "passing" ? spec.build : undefined;
      const message = buildKind === undefined ? meta.message : BUILD_MESSAGES[buildKind];
      const mark = nextMark;
      nextMark += 1;
      const before = parent === undefined ? "# Changelog\n\n" : (changelog.get(parent) ?? "# Changelog\n\n");
      const log = `${before}- ${message}\n`;
      changelog.set(mark, log);
      dates.set(mark, meta.dateMs);
      const files: PlannedCommit["files"] = [];
      if (parent === undefined) {
        files.push({ path: "README.md", mode: "100644", content: readme(input) });
        files.push({ path: FIXTURE_BUILD.script, mode: "100755", content: BUILD_SCRIPT });
      }
      if (buildKind !== undefined) {
        files.push({ path: "ci/build.conf", mode: "100644", content: BUILD_CONF[buildKind] });
      }
      files.push({ path: "CHANGELOG.md", mode: "100644", content: log });
      commits.push({
        mark,
        ref: `refs/heads/${spec.name}`,
        parent,
        author: meta.author,
        dateSeconds: Math.floor(meta.dateMs / 1000),
        message,
        files,
      });
      own.push(mark);
      parent = mark;
      parentDateMs = meta.dateMs;
    }
    ownMarks.set(spec.name, own);
    if (parent !== undefined) {
      tips.set(spec.name, parent);
    }
  }
  return { commits, tips };
}

/** A fast-import `data` block: byte count, then the bytes, then a newline. */
function data(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from(`data ${bytes.length}\n`, "utf8"), bytes, Buffer.from("\n", "utf8")]);
}

/** Formats `Name <email> seconds +0000` for fast-import. */
export function signature(person: Person, seconds: number): string {
  return `${person.name} <${person.email}> ${seconds} +0000`;
}

/** The whole fast-import stream of a fixture repository (undefined when it is empty). */
export function fixtureStream(input: ContentInput): Buffer | undefined {
  const { commits, tips } = planCommits(input);
  if (commits.length === 0) {
    return undefined;
  }
  const parts: Buffer[] = [];
  for (const commit of commits) {
    const who = signature(commit.author, commit.dateSeconds);
    parts.push(Buffer.from(`commit ${commit.ref}\nmark :${commit.mark}\nauthor ${who}\ncommitter ${who}\n`, "utf8"));
    parts.push(data(commit.message));
    if (commit.parent !== undefined) {
      parts.push(Buffer.from(`from :${commit.parent}\n`, "utf8"));
    }
    for (const file of commit.files) {
      parts.push(Buffer.from(`M ${file.mode} inline ${file.path}\n`, "utf8"));
      parts.push(data(file.content));
    }
    parts.push(Buffer.from("\n", "utf8"));
  }
  const defaultTip = input.defaultBranch === undefined ? undefined : tips.get(input.defaultBranch);
  if (defaultTip !== undefined) {
    for (const tag of input.tags) {
      parts.push(Buffer.from(`reset refs/tags/${tag}\nfrom :${defaultTip}\n\n`, "utf8"));
    }
  }
  parts.push(Buffer.from("done\n", "utf8"));
  return Buffer.concat(parts);
}

/** Files of the first commit pushed into an empty repository by the control API. */
export function initialFiles(input: Pick<ContentInput, "name" | "project">): Array<{ path: string; mode: "100644" | "100755"; content: string }> {
  return [
    { path: "README.md", mode: "100644", content: readme({ repoId: "", name: input.name, project: input.project, branches: [], tags: [] }) },
    { path: FIXTURE_BUILD.script, mode: "100755", content: BUILD_SCRIPT },
  ];
}

/** A fast-import `data` block, for other streams. */
export function dataBlock(text: string): Buffer {
  return data(text);
}
