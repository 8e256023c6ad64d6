import { shortBranchName } from "./names";

/**
 * A build profile's workflow as every layer sees it (data, worker, forms, pages): ordered
 * steps, a time limit, and the defaults per platform. Pure, safe in client components.
 */

/**
 * A step. `always`: it runs even when an earlier step failed (uploading logs, test results, a
 * message); `continueOnError`: its failure does not fail the build (a linter the team is still
 * cleaning up). Each is stored only when true, so steps without them compare and print as before.
 * lib/builds/README.md, "Steps that run after a failure, steps that may fail, flaky steps".
 */
export type WorkflowStep = { name: string; command: string; always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number };

/** How many more times a failing step may be tried (Azure Pipelines' retryCountOnTaskFailure): a flaky simulator, a mirror that times out. */
export const MAX_STEP_RETRIES = 3;

/** A step with its conditions kept only when true (what is stored, compared and sent to workers). */
export function cleanStep(step: { name: string; command: string; always?: boolean | null; continueOnError?: boolean | null; retries?: number | null; timeoutMinutes?: number | null }): WorkflowStep {
  return {
    name: step.name,
    command: step.command,
    ...(step.always === true ? { always: true } : {}),
    ...(step.continueOnError === true ? { continueOnError: true } : {}),
    ...(typeof step.retries === "number" && step.retries > 0 ? { retries: step.retries } : {}),
    ...(typeof step.timeoutMinutes === "number" && step.timeoutMinutes > 0 ? { timeoutMinutes: step.timeoutMinutes } : {}),
  };
}

/** A step's retries in words: "tried again once if it fails", "tried again up to 3 times if it fails". */
export function retriesWords(retries: number): string {
  return retries === 1 ? "tried again once if it fails" : `tried again up to ${retries} times if it fails`;
}

/** A step's conditions in words ("runs even after a failure · may fail"), or null when it has none. */
export function stepConditionWords(step: { always?: boolean; continueOnError?: boolean; retries?: number; timeoutMinutes?: number | null }): string | null {
  const conditions = [step.timeoutMinutes ? `at most ${step.timeoutMinutes} min` : null, step.retries ? retriesWords(step.retries) : null, step.always ? "runs even after a failure" : null, step.continueOnError ? "may fail" : null].filter((item) => item !== null);
  return conditions.length > 0 ? conditions.join(" · ") : null;
}

/** A step's name with its conditions, as the audit log says it: "Upload logs (runs even after a failure)". */
export function stepLabel(step: WorkflowStep): string {
  const conditions = stepConditionWords(step);
  return conditions ? `${step.name} (${conditions.replaceAll(" · ", ", ")})` : step.name;
}

/** A variable as pages and forms see it: a secret one never carries its value. */
export type WorkflowVariableView = { name: string; isSecret: boolean; value: string | null };

/** Limits of a workflow (the form and the server use the same ones). */
export const WORKFLOW_LIMITS = {
  steps: 30,
  stepName: 100,
  command: 10_000,
  variables: 100,
  variableName: 100,
  variableValue: 4_096,
  /** Secret values shorter than this could not be masked in logs without hiding ordinary output. */
  secretMin: 4,
  timeoutMinutes: { min: 1, max: 360 },
  artifactPatterns: 20,
  artifactPattern: 300,
  /** Secret files per profile, and the size of one (signing keys and provisioning profiles are a few KB). */
  secretFiles: 20,
  secretFileBytes: 256 * 1024,
  secretFileName: 200,
  /** Variable groups one profile uses, and groups per organization. */
  variableGroups: 20,
  groupsPerOrganization: 200,
  groupName: 100,
  groupDescription: 500,
  /** Cache folders and key files per workflow, and the length of one. */
  cachePaths: 10,
  cacheKeyFiles: 10,
  cachePath: 300,
} as const;

/** The directory every build's steps can put files in to keep them (its path is in this variable). */
export const ARTIFACTS_VARIABLE = "KEEL_BUILD_ARTIFACTS";

/**
 * The variables Keel gives every build's steps (the worker sets them: lib/builds/runner.ts), as the
 * workflow editor lists them. `only`: set for pull-request or tag builds alone.
 */
export const BUILD_VARIABLES: ReadonlyArray<{ name: string; meaning: string; only?: "pull request" | "tag" }> = [
  { name: "KEEL_BUILD_NUMBER", meaning: "The build's number in its profile, only ever going up: the app's build number (CFBundleVersion, versionCode)." },
  { name: "KEEL_BUILD_ID", meaning: "The build's id in Keel." },
  { name: "KEEL_BUILD_URL", meaning: "The build's page in Keel." },
  { name: "KEEL_BUILD_COMMIT", meaning: "The commit being built; for a pull request, the merge commit Azure DevOps made of it." },
  { name: "KEEL_BUILD_BRANCH", meaning: "The branch, without refs/heads/ (empty for a tag or a bare commit). A pull request's is its source branch — a fork's, named as the fork named it." },
  { name: "KEEL_BUILD_PULL_REQUEST", meaning: "The pull request's number. A step that ships (TestFlight, Google Play) should run only when this is not set.", only: "pull request" },
  { name: "KEEL_BUILD_TARGET_BRANCH", meaning: "The branch the pull request merges into.", only: "pull request" },
  { name: "KEEL_BUILD_TAG", meaning: "The tag a release build was started by, such as v2.4.0.", only: "tag" },
  { name: "KEEL_BUILD_TRIGGER", meaning: "What started it: MANUAL, PUSH, PULL_REQUEST, TAG, SCHEDULE, API, POLL, AFTER_BUILD (another profile's success) or COMMENT (a member's /keel build on the pull request)." },
  { name: "KEEL_BUILD_PROFILE", meaning: "The build profile's name." },
  { name: "KEEL_BUILD_PLATFORM", meaning: "The profile's platform: IOS, ANDROID, REACT_NATIVE, FLUTTER, DOTNET_MAUI or OTHER." },
  { name: "KEEL_BUILD_POOL", meaning: "The build pool of the worker running it." },
  { name: "KEEL_BUILD_WORKSPACE", meaning: "The repository's folder, where the steps start." },
  { name: "KEEL_BUILD_STEP_TRY", meaning: "Which try of the step this is: 1, or more when the step is tried again after failing (If it fails, try again) — a retried step can clean up first, such as erasing the simulator." },
  { name: ARTIFACTS_VARIABLE, meaning: "A folder: files a step copies here are kept with the build, like those the artifact patterns match." },
  { name: "KEEL_BUILD_CHANGELOG", meaning: "A file listing the commits since the last successful build, one “- message (author)” line each: release notes." },
  { name: "CI", meaning: "Always true." },
  { name: "HOME", meaning: "A home folder of the build's own, deleted with it." },
  { name: "TMPDIR", meaning: "A temporary folder of the build's own, deleted with it." },
];

/** Patterns the workflow editor suggests per platform (what the platform's builds usually produce). */
export const ARTIFACT_EXAMPLES: Record<string, string> = {
  IOS: "build/**/*.ipa\nbuild/**/*.dSYM.zip",
  ANDROID: "app/build/outputs/**/*.apk\napp/build/outputs/**/*.aab",
  REACT_NATIVE: "android/app/build/outputs/**/*.apk\nios/build/**/*.ipa",
  FLUTTER: "build/app/outputs/**/*.apk\nbuild/ios/ipa/*.ipa",
  DOTNET_MAUI: "**/bin/Release/**/*-Signed.apk\n**/bin/Release/**/*.ipa",
  OTHER: "dist/**\nreports/*.xml",
};

/** What a platform's builds usually cache (the empty fields' placeholders): folders, then key files. */
export const CACHE_EXAMPLES: Record<string, { paths: string; keyFiles: string }> = {
  IOS: { paths: "Pods\n$HOME/Library/Caches/CocoaPods", keyFiles: "Podfile.lock" },
  ANDROID: { paths: "$HOME/.gradle/caches\n$HOME/.gradle/wrapper", keyFiles: "gradle/wrapper/gradle-wrapper.properties\ngradle/libs.versions.toml" },
  REACT_NATIVE: { paths: "node_modules\nios/Pods\n$HOME/.gradle/caches", keyFiles: "package-lock.json\nios/Podfile.lock" },
  FLUTTER: { paths: "$HOME/.pub-cache\nios/Pods", keyFiles: "pubspec.lock\nios/Podfile.lock" },
  DOTNET_MAUI: { paths: "$HOME/.nuget/packages", keyFiles: "packages.lock.json" },
  OTHER: { paths: "node_modules", keyFiles: "package-lock.json" },
};

/**
 * Why an artifact pattern cannot be used, or null. Patterns are globs relative to the workspace
 * (`*` within a folder, `**` across folders, `{a,b}`); they never reach outside it.
 */
export function artifactPatternProblem(pattern: string): string | null {
  if (pattern.length > WORKFLOW_LIMITS.artifactPattern) {
    return `must be at most ${WORKFLOW_LIMITS.artifactPattern} characters`;
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(pattern)) {
    return "must not contain control characters";
  }
  if (pattern.startsWith("!")) {
    return "Keel keeps what the patterns match and has no exclusions: remove the leading !";
  }
  if (pattern.startsWith("/") || pattern.startsWith("~") || /^[A-Za-z]:/.test(pattern)) {
    return "must be relative to the workspace (e.g. build/*.ipa), not an absolute path";
  }
  if (pattern.includes("\\")) {
    return "use / between folders";
  }
  if (pattern.split("/").some((part) => part === "..")) {
    return "must stay inside the workspace: remove the .. folder";
  }
  return null;
}

/** The length of a cache folder's home prefix: `$HOME/`, or the tilde-slash shells know; 0 for none. */
function homePrefix(folder: string): number {
  return folder.startsWith("$HOME/") ? 6 : folder.startsWith("~/") ? 2 : 0;
}

/**
 * What is wrong with a cache folder or key file (null: nothing): a plain relative path, no
 * patterns, no `..`; a cache folder may start with `$HOME/` (or the tilde form) for the build's home.
 */
export function cachePathProblem(value: string, kind: "folder" | "keyFile"): string | null {
  if (value.length > WORKFLOW_LIMITS.cachePath) {
    return `must be at most ${WORKFLOW_LIMITS.cachePath} characters`;
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    return "must not contain control characters";
  }
  const home = kind === "folder" ? homePrefix(value) : 0;
  const rest = value.slice(home);
  if (rest.startsWith("/") || rest.startsWith("~") || /^[A-Za-z]:/.test(rest)) {
    return kind === "folder" ? "must be relative to the repository (Pods), or to the build's home ($HOME/.gradle/caches)" : "must be relative to the repository (e.g. Podfile.lock)";
  }
  if (rest.includes("\\")) {
    return "use / between folders";
  }
  if (/[*?[\]{}]/.test(rest)) {
    return "name it exactly: patterns are not allowed here";
  }
  const parts = rest.split("/").filter((part) => part !== "");
  if (parts.length === 0) {
    return kind === "folder" ? "name a folder, not the whole repository or home" : "name a file";
  }
  if (parts.some((part) => part === ".." || part === ".")) {
    return "must not contain . or .. folders";
  }
  if (kind === "folder" && home === 0 && parts[0] === ".git") {
    return "the repository's .git folder is fetched fresh for every build";
  }
  return null;
}

/** Where a cache folder is in a build's private directory (`workspace/Pods`, `home/.gradle/caches`): its name in the cache's archive. */
export function cacheMember(folder: string): string {
  const home = homePrefix(folder);
  const parts = folder.slice(home).split("/").filter((part) => part !== "");
  return `${home > 0 ? "home" : "workspace"}/${parts.join("/")}`;
}

/**
 * Where a build's cache is saved (lib/builds/README.md, "Caches"): a branch build's under its
 * branch; a pull request's under the pull request (`refs/pull/{id}/merge`, the ref Azure DevOps
 * keeps its merge in), never under its source branch — whose name, for a fork, is the fork's, so
 * its code could otherwise fill the cache the repository's own branch of that name restores.
 */
export function cacheScopeOf(build: { pullRequestId: number | null; branch: string | null }): string | null {
  return build.pullRequestId !== null ? `refs/pull/${build.pullRequestId}/merge` : build.branch;
}

/**
 * The caches a build restores, best first: its own scope's, then — for a pull request — those of
 * the branch it merges into, then the default branch's. No other branch's or pull request's.
 */
export function cacheScopesToRestore(build: { pullRequestId: number | null; branch: string | null; targetRef: string | null }, defaultBranch: string | null): string[] {
  const scopes = [cacheScopeOf(build), build.pullRequestId !== null ? build.targetRef : null, defaultBranch];
  return [...new Set(scopes.filter((scope): scope is string => scope !== null))];
}

/** A cache's scope in words: "main", "pull request 7". */
export function cacheScopeWords(scope: string): string {
  const pullRequest = /^refs\/pull\/(\d+)\/merge$/.exec(scope);
  return pullRequest ? `pull request ${pullRequest[1]}` : shortBranchName(scope);
}

export const DEFAULT_TIMEOUT_MINUTES = 30;

/** The file of the repository a workflow's steps come from when an admin chooses so (lib/builds/README.md). */
export const DEFAULT_WORKFLOW_FILE = "keel.yml";

/** The largest steps file a build reads (a few hundred lines of YAML is already a lot). */
export const WORKFLOW_FILE_MAX_BYTES = 256 * 1024;

/**
 * The steps as a steps file's text (the editor offers it to start keel.yml from the page's steps):
 * each name a quoted string, each command a quoted string or, over several lines, a literal block.
 */
export function stepsFileText(steps: readonly WorkflowStep[]): string {
  const lines = ["# Keel: this profile's build steps (each runs with bash -e in the repository, in order)", "steps:"];
  for (const step of steps) {
    lines.push(`  - name: ${JSON.stringify(step.name)}`);
    if (step.always) {
      lines.push("    always: true");
    }
    if (step.continueOnError) {
      lines.push("    continueOnError: true");
    }
    if (step.retries) {
      lines.push(`    retries: ${step.retries}`);
    }
    if (step.timeoutMinutes) {
      lines.push(`    timeoutMinutes: ${step.timeoutMinutes}`);
    }
    const command = step.command.replace(/\r\n?/g, "\n");
    if (command.includes("\n")) {
      lines.push("    run: |-", ...command.split("\n").map((line) => (line === "" ? "" : `      ${line}`)));
    } else {
      lines.push(`    run: ${JSON.stringify(command)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Why a steps file's path cannot be used, or null: relative to the repository, YAML, no . or .. folders. */
export function workflowFileProblem(value: string): string | null {
  if (value.length > 200) {
    return "must be at most 200 characters";
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
    return "must not contain control characters";
  }
  if (value.startsWith("/") || value.startsWith("~") || /^[A-Za-z]:/.test(value)) {
    return "must be relative to the repository's root (keel.yml, or ci/keel.yml)";
  }
  if (value.includes("\\")) {
    return "use / between folders";
  }
  const parts = value.split("/");
  if (parts.some((part) => part === "" || part === "." || part === "..")) {
    return "must name a file in the repository, without . or .. folders";
  }
  if (parts[0] === ".git") {
    return "must not be inside the .git folder";
  }
  if (!/\.ya?ml$/i.test(value)) {
    return "must be a YAML file (.yml or .yaml)";
  }
  return null;
}

/**
 * Defaults per platform: every platform starts from the repository's own build script
 * (`./build.sh setup|build|test`, which the demo's repositories carry), so a new profile builds
 * as it is; the hint says what a real project of that platform usually runs instead.
 */
const SCRIPT_STEPS: readonly WorkflowStep[] = [
  { name: "Set up", command: "./build.sh setup" },
  { name: "Build", command: "./build.sh build" },
  { name: "Test", command: "./build.sh test" },
];

const HINTS: Record<string, string> = {
  IOS: "iOS projects usually run `xcodebuild -scheme App build test` (or a Fastlane lane) on a macOS worker.",
  ANDROID: "Android projects usually run `./gradlew assembleDebug` and `./gradlew test`.",
  REACT_NATIVE: "React Native projects usually run `npm ci`, `npx react-native bundle …` and `npm test`.",
  FLUTTER: "Flutter projects usually run `flutter pub get`, `flutter build apk` and `flutter test`.",
  DOTNET_MAUI: ".NET MAUI projects usually run `dotnet restore`, `dotnet build -f net8.0-android` and `dotnet test`.",
  OTHER: "Replace the commands with your project's build and test commands.",
};

/** The default steps of a platform (a copy: callers may change it). */
export function defaultWorkflowSteps(platform: string): WorkflowStep[] {
  void platform;
  return SCRIPT_STEPS.map((step) => ({ ...step }));
}

/** What the default workflow of a platform is for, and what real projects run instead. */
export function defaultWorkflowHint(platform: string): string {
  return `The default runs the repository's ./build.sh in three steps. ${HINTS[platform] ?? HINTS.OTHER}`;
}

/** Variable names: shell identifiers. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names Keel sets itself for every step (KEEL_* as a prefix). */
export const RESERVED_VARIABLES = ["CI", "HOME", "TMPDIR"] as const;

/** Why a variable name may not be used, or null. */
export function reservedVariableReason(name: string): string | null {
  if (name.toUpperCase().startsWith("KEEL_")) {
    return "names starting with KEEL_ are set by Keel for every build";
  }
  if ((RESERVED_VARIABLES as readonly string[]).includes(name)) {
    return `${name} is set by Keel for every build`;
  }
  if (name.toUpperCase().startsWith("GIT_CONFIG")) {
    return "GIT_CONFIG variables would change how Keel's git behaves";
  }
  return null;
}
