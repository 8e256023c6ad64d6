/**
 * Build states and their words, shared by pages, client components and the worker. Pure.
 */
import { shortBranchName } from "./names";

export type BuildStatusValue = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "TIMED_OUT" | "ERROR";
export type BuildTriggerValue = "MANUAL" | "PUSH" | "PULL_REQUEST" | "POLL" | "SCHEDULE" | "API" | "TAG" | "AFTER_BUILD" | "COMMENT";
export type BuildStepStatusValue = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "SKIPPED" | "CANCELED";

export const BUILD_STATUSES: readonly BuildStatusValue[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"];

/** States a build never leaves. */
export const FINAL_STATUSES: readonly BuildStatusValue[] = ["SUCCEEDED", "FAILED", "CANCELED", "TIMED_OUT", "ERROR"];

/** True when the build has ended. */
export function isFinal(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

const STATUS_LABELS: Record<BuildStatusValue, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  FAILED: "Failed",
  CANCELED: "Canceled",
  TIMED_OUT: "Timed out",
  ERROR: "Error",
};

/** "TIMED_OUT" → "Timed out". */
export function buildStatusLabel(status: string): string {
  return STATUS_LABELS[status as BuildStatusValue] ?? status;
}

/** The badge tone of a status. */
export function buildStatusTone(status: string): "success" | "error" | "warning" | "info" | "neutral" {
  switch (status) {
    case "SUCCEEDED":
      return "success";
    case "FAILED":
    case "ERROR":
      return "error";
    case "TIMED_OUT":
      return "warning";
    case "RUNNING":
    case "QUEUED":
      return "info";
    default:
      return "neutral";
  }
}

const TRIGGER_LABELS: Record<BuildTriggerValue, string> = { MANUAL: "Manual", PUSH: "Push", PULL_REQUEST: "Pull request", POLL: "Polling", SCHEDULE: "Scheduled", TAG: "Tag", API: "API", AFTER_BUILD: "After a build", COMMENT: "Comment" };

/** What can start a build, in the order the builds list offers them. */
export const BUILD_TRIGGERS = Object.keys(TRIGGER_LABELS) as BuildTriggerValue[];

/** How a broken build ended, in a sentence's words: "ran out of time", "could not run", "failed". */
export function brokenWords(status: string): string {
  return status === "TIMED_OUT" ? "ran out of time" : status === "ERROR" ? "could not run" : status === "CANCELED" ? "was canceled" : "failed";
}

/** "PULL_REQUEST" → "Pull request". */
export function buildTriggerLabel(trigger: string): string {
  return TRIGGER_LABELS[trigger as BuildTriggerValue] ?? trigger;
}

/**
 * What a build built, in words: "pull request 7", "the tag v2.4.0", "the branch main"; null for a
 * pasted commit. A pull request's comes first: its branch is its source branch (a fork's too).
 */
export function builtWords(build: { pullRequestId: number | null; tag: string | null; branch: string | null }): string | null {
  return build.pullRequestId !== null ? `pull request ${build.pullRequestId}` : build.tag !== null ? `the tag ${build.tag}` : build.branch !== null ? `the branch ${shortBranchName(build.branch)}` : null;
}

/** A pull request's build: the branch it merges into, short ("main"); null for any other build. */
export function targetBranchOf(build: { pullRequestId: number | null; targetRef: string | null }): string | null {
  return build.pullRequestId !== null && build.targetRef ? shortBranchName(build.targetRef) : null;
}

/** "3 min 2 s", "850 ms", "1 h 4 min", "30 min" (no "0 s"): a duration for people. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return "—";
  }
  if (ms < 1_000) {
    return `${Math.round(ms)} ms`;
  }
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  }
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** One line of a build log as the page receives it. */
export type LogLineDto = { seq: number; step: number; stream: "OUT" | "ERR" | "SYSTEM"; text: string; at: string };

/** The answer of "Find in the log" (GET /api/builds/{id}/log/search): the first matching lines of the whole stored log, and how many match in all. */
export type LogSearchDto = { total: number; matches: Array<{ seq: number; step: number; text: string }> };

/** Lines one search answers with (the rest are counted). */
export const LOG_SEARCH_LIMIT = 100;

/** A build step as the page receives it. */
export type BuildStepDto = { index: number; name: string; status: BuildStepStatusValue; exitCode: number | null; startedAt: string | null; finishedAt: string | null; always: boolean; continueOnError: boolean; retries: number; tries: number; timeoutMinutes: number | null };

/** The live part of a build page (sent on the event stream whenever it changes). */
export type BuildStateDto = {
  status: BuildStatusValue;
  statusReason: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** 1-based place among queued builds while QUEUED (null otherwise). */
  queuePosition: number | null;
  /** While QUEUED in a profile that runs one build at a time: the number of the build it waits for (null otherwise). */
  waitingFor: number | null;
  /** While QUEUED: an admin moved it to the front of its pool's queue ("Run next"). */
  runNext: boolean;
  /** While QUEUED in a profile an admin paused: who, since when, why (null otherwise); it starts once they resume it. */
  paused: { since: string; by: string | null; reason: string | null } | null;
  /** While QUEUED: when it is likely to start (ISO, `queueStarts`), or null when Keel cannot tell. */
  expectedStartAt: string | null;
  /** The file of the commit its steps come from (keel.yml), or null; its steps appear once read. */
  workflowFile: string | null;
  steps: BuildStepDto[];
  logLines: number;
  logTruncated: boolean;
};

/** How many successful builds an estimate of a profile's usual time needs, and how many of the newest it looks at. */
export const TYPICAL_MIN_BUILDS = 3;
export const TYPICAL_OF_BUILDS = 10;

/** How long a profile's builds usually take (lib/data/insights.ts, typicalDuration): medians in ms, over `builds` successful builds. */
export type TypicalDuration = { ms: number; builds: number; steps: Record<string, number> };

/** A duration to plan with: "under a minute", "8 min", "1 h 5 min" (rounded to the minute). */
export function roundedDuration(ms: number): string {
  if (ms < 60_000) {
    return "under a minute";
  }
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Whether successful builds got slower (the profile's insights): the last 7 days' median against
 * the 7 days' before, in words; within 5 % it is "about as long". Null without this week's builds.
 */
export function weekTrendWords(thisMs: number | null, beforeMs: number | null): string | null {
  if (thisMs === null) {
    return null;
  }
  const now = `Over the last 7 days a successful build took ${formatDuration(thisMs)} (median)`;
  const change = durationChange(thisMs, beforeMs);
  if (change === null) {
    return `${now}; none succeeded in the 7 days before to compare with.`;
  }
  if (change.kind === "same") {
    return `${now}, about as long as in the 7 days before (${formatDuration(beforeMs)}).`;
  }
  return `${now}: ${formatDuration(change.deltaMs)} ${change.kind} than in the 7 days before (${formatDuration(beforeMs)}, ${change.kind === "longer" ? "+" : "−"}${change.percent} %).`;
}

/**
 * How a median duration changed against an earlier one: within 5 % it is the "same"; otherwise
 * "longer" or "shorter" by `deltaMs` (`percent` of the earlier). Null without an earlier one.
 */
export function durationChange(thisMs: number, beforeMs: number | null): { kind: "same" | "longer" | "shorter"; deltaMs: number; percent: number } | null {
  if (beforeMs === null || beforeMs <= 0) {
    return null;
  }
  const change = (thisMs - beforeMs) / beforeMs;
  return { kind: Math.abs(change) < 0.05 ? "same" : change > 0 ? "longer" : "shorter", deltaMs: Math.abs(thisMs - beforeMs), percent: Math.round(Math.abs(change) * 100) };
}

/** A finished build of a branch as its recovery needs it (`branchRecovery`). */
export type BranchOutcome = { id: string; number: number; status: string; finishedAt: Date };

/** A build a red spell began or ended with. */
export type BuildRef = { id: string; number: number };

/** How often a branch broke over a window and how long it stayed broken (a profile's insights). */
export type BranchRecovery = {
  /** Times it went from green (or no build yet) to red within the window. */
  breaks: number;
  /** Time it was red within the window, in ms (a spell begun before the window counts from its start). */
  redMs: number;
  /** How long a fix took: the median, from the failure that broke it to the success that fixed it, over spells that began and ended in the window; null without one. */
  medianFixMs: number | null;
  /** How many spells that began in the window were fixed in it (what the median is of). */
  fixed: number;
  /** The longest red spell in the window (clipped to it; an open one until now); `brokenBy` null when it began before the window, `fixedBy` null while open. */
  longest: { ms: number; brokenBy: BuildRef | null; fixedBy: BuildRef | null } | null;
  /** Red now: since when (the window's start for a spell begun before it) and which build broke it (null then). */
  redNow: { since: Date; brokenBy: BuildRef | null } | null;
};

/**
 * How often a branch went red and how long until it was green again — the time a team could not
 * ship from it. A failure or a time-out (the code's doing) breaks it, a success fixes it;
 * canceled builds and errors (Keel's or the machine's doing) say nothing either way. `before`
 * is the branch's last such build before `since` (is the window's start already red?);
 * `builds` are those finished in the window, in any order.
 */
export function branchRecovery(before: BranchOutcome | null, builds: readonly BranchOutcome[], since: Date, now: Date): BranchRecovery {
  const isRed = (status: string) => status === "FAILED" || status === "TIMED_OUT";
  const ordered = builds.filter((build) => isRed(build.status) || build.status === "SUCCEEDED").sort((a, b) => a.finishedAt.getTime() - b.finishedAt.getTime() || a.number - b.number);
  let open: { since: Date; brokenBy: BuildRef | null } | null = before && isRed(before.status) ? { since, brokenBy: null } : null;
  let breaks = 0;
  let redMs = 0;
  const fixes: number[] = [];
  let longest: BranchRecovery["longest"] = null;
  const close = (end: Date, fixedBy: BuildRef | null) => {
    const ms = end.getTime() - open!.since.getTime();
    redMs += ms;
    if (open!.brokenBy && fixedBy) {
      fixes.push(ms);
    }
    if (!longest || ms > longest.ms) {
      longest = { ms, brokenBy: open!.brokenBy, fixedBy };
    }
  };
  for (const build of ordered) {
    if (isRed(build.status) && !open) {
      open = { since: build.finishedAt, brokenBy: { id: build.id, number: build.number } };
      breaks += 1;
    } else if (build.status === "SUCCEEDED" && open) {
      close(build.finishedAt, { id: build.id, number: build.number });
      open = null;
    }
  }
  if (open) {
    close(now, null);
  }
  fixes.sort((a, b) => a - b);
  const middle = fixes.length / 2;
  const medianFixMs = fixes.length === 0 ? null : fixes.length % 2 === 1 ? fixes[Math.floor(middle)]! : Math.round((fixes[middle - 1]! + fixes[middle]!) / 2);
  return { breaks, redMs, medianFixMs, fixed: fixes.length, longest, redNow: open };
}

/** "main broke 3 times in the last 30 days and was red for 5 h 10 min in all; a fix took 1 h 20 min (median)." (a spell begun before the window counts in the time, not as a break) */
export function recoveryWords(branch: string, recovery: BranchRecovery, days: number): string {
  if (recovery.redMs === 0 && recovery.breaks === 0) {
    return `${branch} did not break in the last ${days} days.`;
  }
  if (recovery.breaks === 0) {
    return `${branch} was already red when the last ${days} days began, and was red for ${formatDuration(recovery.redMs)} of them.`;
  }
  const fix = recovery.medianFixMs === null ? "" : `; a fix took ${formatDuration(recovery.medianFixMs)}${recovery.fixed > 1 ? " (median)" : ""}`;
  return `${branch} broke ${recovery.breaks === 1 ? "once" : `${recovery.breaks} times`} in the last ${days} days and was red for ${formatDuration(recovery.redMs)} in all${fix}.`;
}

/**
 * A running build against the usual time: how far (percent, held at 99 until the build ends, as
 * a build is never done by the clock), what is left and whether it takes longer than usual.
 */
export function buildProgress(elapsedMs: number, typicalMs: number): { percent: number; leftMs: number; over: boolean } {
  const elapsed = Math.max(0, elapsedMs);
  const over = typicalMs <= 0 || elapsed > typicalMs;
  return { percent: over ? 99 : Math.min(99, Math.floor((elapsed / typicalMs) * 100)), leftMs: over ? 0 : typicalMs - elapsed, over };
}

/** The words of a running build's progress bar: its value in short, and the sentence under it. */
export function progressWords(elapsedMs: number, typical: TypicalDuration): { short: string; sentence: string } {
  const { leftMs, over } = buildProgress(elapsedMs, typical.ms);
  const basis = `the median of the last ${typical.builds} successful builds is ${roundedDuration(typical.ms)}`;
  if (over) {
    return { short: "Taking longer than usual", sentence: `Taking longer than usual: ${basis}.` };
  }
  const short = `${leftMs < 60_000 ? "Less than a minute" : `About ${roundedDuration(leftMs)}`} left`;
  return { short, sentence: `${short} (${basis}).` };
}

export type BuildStats = { finished: number; succeeded: number; medianMs: number | null; slowestMs: number | null };

/**
 * How a profile's recent builds went, from their statuses and times (canceled ones left out by
 * the caller): how many succeeded, the median and the slowest duration.
 */
export function buildStats(builds: readonly { status: string; startedAt: Date | null; finishedAt: Date | null }[]): BuildStats {
  const durations = builds
    .filter((build) => build.startedAt && build.finishedAt)
    .map((build) => build.finishedAt!.getTime() - build.startedAt!.getTime())
    .sort((a, b) => a - b);
  const middle = durations.length / 2;
  const medianMs = durations.length === 0 ? null : durations.length % 2 === 1 ? durations[Math.floor(middle)]! : Math.round((durations[middle - 1]! + durations[middle]!) / 2);
  return { finished: builds.length, succeeded: builds.filter((build) => build.status === "SUCCEEDED").length, medianMs, slowestMs: durations.at(-1) ?? null };
}

/** "Last 20 builds: 85 % succeeded · usually 4 min 10 s, at most 9 min". */
export function describeBuildStats(stats: BuildStats): string | null {
  if (stats.finished === 0) {
    return null;
  }
  const rate = Math.round((stats.succeeded / stats.finished) * 100);
  const took = stats.medianMs !== null ? ` · usually ${formatDuration(stats.medianMs)}${stats.slowestMs !== null && stats.slowestMs > stats.medianMs ? `, at most ${formatDuration(stats.slowestMs)}` : ""}` : "";
  return `${stats.finished === 1 ? "Last build" : `Last ${stats.finished} builds`}: ${rate} % succeeded${took}.`;
}

/** What the sweeper does with a build whose worker was lost, when its profile starts such builds again. */
export type LostRetryDecision = { retry: true } | { retry: false; why: string };

/**
 * Whether a lost build is started again (lib/builds/README.md, "A lost worker"): once — never a
 * retry itself —, not when someone asked to cancel it, and not when a newer build of the same
 * branch, pull request, tag or commit (`newer`, its `line` in words) already builds what it would.
 */
export function lostRetryDecision(build: { isRetry: boolean; cancelRequested: boolean; newer: { number: number; line: string } | null }): LostRetryDecision {
  if (build.cancelRequested) {
    return { retry: false, why: "Not started again: someone asked to cancel it." };
  }
  if (build.isRetry) {
    return { retry: false, why: "Not started again: it was itself the start-again of a build whose worker was lost, and Keel tries once. If workers keep vanishing, look at the machines under Settings → Workers." };
  }
  if (build.newer !== null) {
    return { retry: false, why: `Not started again: #${build.newer.number}, a newer build of ${build.newer.line}, is already there.` };
  }
  return { retry: true };
}

/** The most builds one CSV export writes (newest first): a narrower filter, such as a month, gets the rest. */
export const BUILD_EXPORT_MAX = 100_000;

/** A running build's remaining time is never guessed below this: one past its usual time ends "soon", not now. */
export const OVERDUE_REMAINING_MS = 30_000;

/**
 * When each build of a pool's queue (oldest first) is likely to start (lib/builds/README.md, "The
 * queue, as people see it"), in ms from now: the pool's running builds free their workers as their
 * profiles' builds usually take (`typicalMs`, less what they have run); each queued build in turn
 * takes the first free worker for its own profile's usual time. A queue waits only while every
 * worker of the pool is busy, so the running builds are the pool's workers. Unknown usual times
 * take the median of the known ones; null when none is known or nothing runs (no worker: said elsewhere).
 */
export function queueStarts(running: ReadonlyArray<{ elapsedMs: number; typicalMs: number | null }>, queue: ReadonlyArray<{ typicalMs: number | null }>): number[] | null {
  if (running.length === 0) {
    return null;
  }
  const known = [...running, ...queue].map((build) => build.typicalMs).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
  if (known.length === 0) {
    return null;
  }
  const middle = Math.floor(known.length / 2);
  const fallback = known.length % 2 === 1 ? known[middle]! : (known[middle - 1]! + known[middle]!) / 2;
  const free = running.map((build) => Math.max((build.typicalMs ?? fallback) - build.elapsedMs, OVERDUE_REMAINING_MS)).sort((a, b) => a - b);
  return queue.map((build) => {
    const at = free.shift()!;
    const done = at + (build.typicalMs ?? fallback);
    // Keep `free` sorted: a handful of workers, a short insertion.
    const index = free.findIndex((value) => value > done);
    free.splice(index === -1 ? free.length : index, 0, done);
    return Math.round(at);
  });
}

/** A queued build's likely start in words, from its expected moment and now ("in about 12 min"). */
export function etaWords(expectedAt: number, now: number): string {
  const ms = expectedAt - now;
  return ms < 60_000 ? "likely within a minute" : `likely in about ${roundedDuration(ms)}`;
}

/** The build whose success started this one (trigger AFTER_BUILD), as the token API and webhooks name it. */
export function upstreamBuildJson(upstream: { id: string; number: number; profile: { id: string; name: string } } | null) {
  return upstream ? { id: upstream.id, number: upstream.number, profile: { id: upstream.profile.id, name: upstream.profile.name } } : null;
}

/** The step row columns a build's `steps[]` is made of (token API and webhooks). */
export const stepJsonSelect = { name: true, status: true, exitCode: true, startedAt: true, finishedAt: true, always: true, continueOnError: true, tries: true, timeoutMinutes: true } as const;

/**
 * A build's step as the token API and webhooks name it ("Fetch commit" first): a step allowed to
 * fail is FAILED with `continueOnError`; `tries` above 1: it failed and was tried again (0: never
 * ran); `timeoutMinutes`: its own time limit per try, or null for only the build's.
 */
export function stepJson(step: { name: string; status: string; exitCode: number | null; startedAt: Date | null; finishedAt: Date | null; always: boolean; continueOnError: boolean; tries: number; timeoutMinutes: number | null }) {
  return { name: step.name, status: step.status, exitCode: step.exitCode, startedAt: step.startedAt?.toISOString() ?? null, finishedAt: step.finishedAt?.toISOString() ?? null, always: step.always, continueOnError: step.continueOnError, tries: step.tries, timeoutMinutes: step.timeoutMinutes };
}

/** Why a build ran without its profile's secrets, in words (the token API's and webhooks' `secretsWithheldBecause`), or null. */
export function secretsWithheldBecause(build: { secretsWithheld: boolean; secretsWithheldFor?: "FORK" | "REF" | null; secretsWithheldWhy?: string | null }): string | null {
  if (!build.secretsWithheld) {
    return null;
  }
  return build.secretsWithheldFor === "REF" ? (build.secretsWithheldWhy ?? "its branch is not one the profile gives them to") : "a pull request from a fork, built by itself without the profile's secrets";
}
