"use client";

import { useRouter } from "next/navigation";
import { useActionState, useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type CSSProperties } from "react";
import CircleCheckIcon from "lucide-react/icons/circle-check";
import CircleDashedIcon from "lucide-react/icons/circle-dashed";
import CircleMinusIcon from "lucide-react/icons/circle-minus";
import CircleStopIcon from "lucide-react/icons/circle-stop";
import CircleXIcon from "lucide-react/icons/circle-x";
import LoaderCircleIcon from "lucide-react/icons/loader-circle";
import { Alert } from "@/components/ui/alert";
import { LogSearch } from "./log-search";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { parseAnsiLine, PLAIN_STYLE, type AnsiSegment, type AnsiStyle } from "@/lib/shared/ansi";
import { buildProgress, buildStatusLabel, buildStatusTone, etaWords, formatDuration, isFinal, progressWords, roundedDuration, type BuildStateDto, type BuildStepDto, type LogLineDto, type TypicalDuration } from "@/lib/shared/builds";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { stepConditionWords } from "@/lib/shared/workflow";
import { FinishNotifier } from "./finish-notifier";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/** Lines kept on the page; the download has them all. */
const MAX_SHOWN = 5_000;

/** A log line as shown: `at`, when the worker wrote it (ms since 1970). */
type ShownLine = { seq: number; step: number; stream: LogLineDto["stream"]; at: number; segments: AnsiSegment[] };

/** A line's time in the build, from its start: 4:07, 1:02:45. */
function sinceStart(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1_000));
  const clock = `${Math.floor((seconds % 3_600) / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  return seconds >= 3_600 ? `${Math.floor(seconds / 3_600)}:${clock.padStart(5, "0")}` : clock;
}

function segmentProps(style: AnsiStyle): { className: string; style?: CSSProperties } {
  const classes: string[] = [];
  const css: CSSProperties = {};
  const [fg, bg] = style.inverse ? [style.bg ?? 0, style.fg ?? 15] : [style.fg, style.bg];
  if (typeof fg === "number") {
    classes.push(`ansi-fg-${fg}`);
  } else if (typeof fg === "string") {
    css.color = fg;
  }
  if (typeof bg === "number") {
    classes.push(`ansi-bg-${bg}`);
  } else if (typeof bg === "string") {
    css.backgroundColor = bg;
  }
  if (style.bold) {
    classes.push("font-bold");
  }
  if (style.dim) {
    classes.push("opacity-70");
  }
  if (style.italic) {
    classes.push("italic");
  }
  if (style.underline) {
    classes.push("underline");
  }
  return Object.keys(css).length > 0 ? { className: classes.join(" "), style: css } : { className: classes.join(" ") };
}

/** A step's status as an icon (decorative: the step's status is also said in words). */
function StepIcon({ status, mayFail }: { status: BuildStepDto["status"]; mayFail: boolean }) {
  const className = "h-4 w-4";
  switch (status) {
    case "SUCCEEDED":
      return <CircleCheckIcon className={`${className} text-emerald-600`} aria-hidden="true" />;
    case "FAILED":
      // A step that may fail failed without failing the build: a warning, not the build's failure.
      return <CircleXIcon className={`${className} ${mayFail ? "text-amber-600" : "text-red-600"}`} aria-hidden="true" />;
    case "RUNNING":
      return <LoaderCircleIcon className={`${className} animate-spin text-brand-600`} aria-hidden="true" />;
    case "CANCELED":
      return <CircleStopIcon className={`${className} text-slate-500`} aria-hidden="true" />;
    case "SKIPPED":
      return <CircleMinusIcon className={`${className} text-slate-400`} aria-hidden="true" />;
    default:
      return <CircleDashedIcon className={`${className} text-slate-400`} aria-hidden="true" />;
  }
}

/** A step's time: how long it took (or runs), and while it has not ended, how long it usually takes. */
function stepDuration(step: BuildStepDto, now: number, usualMs: number | undefined): string | null {
  const usual = usualMs !== undefined && (step.status === "PENDING" || step.status === "RUNNING") ? `usually ${roundedDuration(usualMs)}` : null;
  if (!step.startedAt) {
    return usual;
  }
  const took = formatDuration(Math.max(0, (step.finishedAt ? Date.parse(step.finishedAt) : now) - Date.parse(step.startedAt)));
  return usual ? `${took} · ${usual}` : took;
}

/**
 * A running build's progress against its profile's usual time (a bar with the time left; past
 * the usual time, an amber bar with no value, as nobody knows how much is left).
 */
function BuildProgress({ elapsedMs, typical }: { elapsedMs: number; typical: TypicalDuration }) {
  const { percent, over } = buildProgress(elapsedMs, typical.ms);
  const { short, sentence } = progressWords(elapsedMs, typical);
  return (
    <div className="mt-3 space-y-1.5">
      <div
        role="progressbar"
        aria-label="Build progress"
        aria-valuemin={over ? undefined : 0}
        aria-valuemax={over ? undefined : 100}
        aria-valuenow={over ? undefined : percent}
        aria-valuetext={short}
        className="h-2 overflow-hidden rounded-full bg-slate-100"
      >
        <div className={cn("h-full rounded-full transition-[width] duration-1000", over ? "bg-amber-400" : "bg-brand-600")} style={{ width: `${over ? 100 : Math.max(percent, 2)}%` }} />
      </div>
      <p className="text-xs text-slate-600" data-testid="build-progress">
        {sentence}
      </p>
    </div>
  );
}

// The log's switches ("Follow the log", "Times") are remembered in localStorage, read as an
// external store (no state copy); a change in one tab reaches the others.
const TOGGLE_EVENT = "keel:log-toggle";
function subscribeToggles(callback: () => void): () => void {
  window.addEventListener(TOGGLE_EVENT, callback);
  window.addEventListener("storage", callback);
  return () => {
    window.removeEventListener(TOGGLE_EVENT, callback);
    window.removeEventListener("storage", callback);
  };
}

function subscribeHash(callback: () => void): () => void {
  window.addEventListener("hashchange", callback);
  return () => window.removeEventListener("hashchange", callback);
}

/** The log line the address names (`#L120`: line 120, as the log numbers them), as its seq; null for none. */
function useLinkedLine(): { hash: string; seq: number | null } {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash, () => "");
  const match = /^#L([1-9][0-9]{0,8})$/.exec(hash);
  return { hash, seq: match ? Number(match[1]) - 1 : null };
}

/** A remembered on/off switch of the log, and its setter. */
function useStoredToggle(key: string, fallback: boolean): [boolean, (value: boolean) => void] {
  const value = useSyncExternalStore(
    subscribeToggles,
    () => {
      const stored = window.localStorage.getItem(key);
      return stored === null ? fallback : stored === "on";
    },
    () => fallback,
  );
  const change = useCallback(
    (next: boolean) => {
      window.localStorage.setItem(key, next ? "on" : "off");
      window.dispatchEvent(new Event(TOGGLE_EVENT));
    },
    [key],
  );
  return [value, change];
}

/**
 * The live part of a build page: status, queue position, steps and the log, fed by the
 * build's event stream (SSE; the browser reconnects by itself and continues after the last
 * line it got). Colours are rendered from ANSI codes; "Follow" keeps the newest line in view
 * and is remembered.
 */
export function BuildLive({
  buildId,
  initial,
  cancelAction,
  canCancel,
  runNextAction = null,
  logDeleted = null,
  typical = null,
  title,
}: {
  buildId: string;
  /** "Wallet iOS #42": the tab's title and the notification's. */
  title: string;
  initial: BuildStateDto;
  cancelAction: Action;
  canCancel: boolean;
  /** "Run next" (admins: lib/builds/README.md, "Run next"); null for whoever may not. */
  runNextAction?: Action | null;
  /** How long the profile's builds usually take (null: too few successful builds to tell). */
  typical?: TypicalDuration | null;
  /** Why the log is gone (the retention period passed), or null. */
  logDeleted?: string | null;
}) {
  const router = useRouter();
  const [state, setState] = useState<BuildStateDto>(initial);
  const [lines, setLines] = useState<ShownLine[]>([]);
  const [dropped, setDropped] = useState(0);
  const [connection, setConnection] = useState<"connecting" | "live" | "reconnecting" | "ended">("connecting");
  const [follow, changeFollow] = useStoredToggle("keel.buildLog.follow", true);
  // Each line's time since the build started: where a slow build spends its minutes.
  const [showTimes, changeShowTimes] = useStoredToggle("keel.buildLog.times", false);
  const [now, setNow] = useState(() => Date.parse(initial.startedAt ?? "") || 0);
  const [cancelState, cancelFormAction] = useActionState(cancelAction, idleState as FormState);
  const [runNextState, runNextFormAction] = useActionState(runNextAction ?? (async () => idleState as FormState), idleState as FormState);
  const ansi = useRef<AnsiStyle>(PLAIN_STYLE);
  // A build that had finished when the page was rendered: its feed still ends with "end", but
  // the page already shows everything the end changes, so it is not rendered again.
  const finishedWhenShown = useRef(isFinal(initial.status));
  // The status the server-rendered parts of the page show.
  const shownStatus = useRef(initial.status);
  const logRef = useRef<HTMLDivElement>(null);
  const logSectionRef = useRef<HTMLElement>(null);
  // The step whose lines a click on the steps list brought into view (marked in the log).
  const [shownStep, setShownStep] = useState<number | null>(null);
  const [stepNote, setStepNote] = useState<string | null>(null);
  // The line "Find in the log" jumped to (marked in the log).
  const [foundSeq, setFoundSeq] = useState<number | null>(null);
  // The line the address names (a line number's link, What went wrong's, or one a teammate sent):
  // marked, and scrolled to once it has arrived; following stops for it until Follow is turned on.
  const linked = useLinkedLine();
  const pinned = useRef(false);
  const jumpedFor = useRef<string | null>(null);
  const markedSeq = foundSeq ?? linked.seq;

  const running = state.status === "RUNNING";
  // The clock ticks while something on the page counts with it: a running build's time, a queued one's likely start.
  const ticking = running || (state.status === "QUEUED" && state.expectedStartAt !== null);
  useEffect(() => {
    if (!ticking) {
      return;
    }
    // The first tick comes at once: the server's page knew no clock (it rendered the start time).
    const tick = () => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [ticking]);

  useEffect(() => {
    const source = new EventSource(`/api/builds/${buildId}/events`);
    source.onopen = () => setConnection("live");
    source.onerror = () => setConnection((current) => (current === "ended" ? current : "reconnecting"));
    source.addEventListener("state", (event) => {
      const next = JSON.parse((event as MessageEvent<string>).data) as BuildStateDto;
      setState(next);
      // A queued build that starts: the server-rendered parts (the header's status, Started, the
      // no-worker warning) are rendered again; the end of the build does the same ("end" below).
      if (next.status !== shownStatus.current && !isFinal(next.status)) {
        shownStatus.current = next.status;
        router.refresh();
      }
    });
    source.addEventListener("lines", (event) => {
      const batch = JSON.parse((event as MessageEvent<string>).data) as LogLineDto[];
      const parsed = batch.map((line) => {
        if (line.stream === "SYSTEM") {
          ansi.current = PLAIN_STYLE;
        }
        const result = parseAnsiLine(line.text, ansi.current);
        ansi.current = result.state;
        return { seq: line.seq, step: line.step, stream: line.stream, at: Date.parse(line.at), segments: result.segments };
      });
      setLines((previous) => {
        const known = previous.at(-1)?.seq ?? -1;
        const next = [...previous, ...parsed.filter((line) => line.seq > known)];
        if (next.length > MAX_SHOWN) {
          setDropped((count) => count + next.length - MAX_SHOWN);
          return next.slice(next.length - MAX_SHOWN);
        }
        return next;
      });
    });
    source.addEventListener("end", () => {
      setConnection("ended");
      source.close();
      if (!finishedWhenShown.current) {
        router.refresh();
      }
    });
    source.addEventListener("gone", () => {
      setConnection("ended");
      source.close();
    });
    return () => source.close();
  }, [buildId, router]);

  useLayoutEffect(() => {
    if (follow && !pinned.current && logRef.current) {
      logRef.current.scrollTop = logRef.current.scrollHeight;
    }
  }, [lines, follow]);

  useLayoutEffect(() => {
    const log = logRef.current;
    const element = linked.seq === null ? null : log?.querySelector<HTMLElement>(`[data-seq="${linked.seq}"]`);
    if (!log || !element || jumpedFor.current === linked.hash) {
      return;
    }
    jumpedFor.current = linked.hash;
    pinned.current = true;
    log.scrollTop += element.getBoundingClientRect().top - log.getBoundingClientRect().top - 12;
    logSectionRef.current?.scrollIntoView({ block: "start" });
  }, [linked.hash, linked.seq, lines]);

  const onScroll = () => {
    const element = logRef.current;
    if (!element || !follow) {
      return;
    }
    // Scrolling up to read stops following; the toggle turns it back on.
    if (element.scrollHeight - element.scrollTop - element.clientHeight > 48) {
      changeFollow(false);
    }
  };

  // A step in the list shows its output: the log scrolls to the step's first line, stops
  // following, and takes the focus (so the keys scroll on from there).
  const showStep = (step: BuildStepDto) => {
    const log = logRef.current;
    const first = lines.find((line) => line.step === step.index);
    const element = first ? log?.querySelector<HTMLElement>(`[data-seq="${first.seq}"]`) : null;
    setShownStep(step.index);
    if (!log || !element) {
      setStepNote(
        dropped > 0 && lines.every((line) => line.step > step.index)
          ? `${step.name} wrote its output before the lines shown here; the download has the whole log.`
          : `${step.name} wrote no output.`,
      );
      return;
    }
    setStepNote(null);
    changeFollow(false);
    log.scrollTop += element.getBoundingClientRect().top - log.getBoundingClientRect().top - 12;
    logSectionRef.current?.scrollIntoView({ block: "start" });
    log.focus({ preventScroll: true });
  };

  // "Find in the log" chose a line: the log scrolls to it when the page holds it, and stops following.
  const jumpTo = (seq: number): boolean => {
    const log = logRef.current;
    const element = log?.querySelector<HTMLElement>(`[data-seq="${seq}"]`);
    if (!log || !element) {
      return false;
    }
    changeFollow(false);
    setFoundSeq(seq);
    log.scrollTop += element.getBoundingClientRect().top - log.getBoundingClientRect().top - 12;
    log.focus({ preventScroll: true });
    return true;
  };

  const final = isFinal(state.status);
  // "Times" counts from the build's start (or, before the page knows it, from the first line).
  const logStart = Date.parse(state.startedAt ?? "") || (lines[0]?.at ?? 0);
  return (
    <div className="space-y-6">
      <section aria-label="Status" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex flex-wrap items-center gap-3 text-sm">
            {/* The live region says what changes (status, queue); the clock ticking beside it is not announced. */}
            <p className="flex items-center gap-3" role="status" aria-live="polite">
              <Badge tone={buildStatusTone(state.status)}>{buildStatusLabel(state.status)}</Badge>
              {state.status === "QUEUED" ? (
                <span data-testid="queue-position">
                  {state.paused !== null
                    ? `Waiting: ${state.paused.by ?? "an admin"} paused this profile's builds${state.paused.reason ? ` (“${state.paused.reason}”)` : ""}. It starts once an admin resumes them on the profile's page.`
                    : state.waitingFor !== null
                    ? `Waiting for #${state.waitingFor} of this profile to finish: it runs one build at a time.`
                    : state.queuePosition === null
                      ? "Waiting for a worker…"
                      : state.queuePosition === 1
                        ? "Next in the queue: it starts when a worker is free."
                        : `Position ${state.queuePosition} in the queue (${state.queuePosition - 1} build${state.queuePosition === 2 ? "" : "s"} ahead).`}
                </span>
              ) : null}
              {final && state.statusReason ? <span className="text-slate-700">{state.statusReason}</span> : null}
              {final && !state.statusReason && state.startedAt && state.finishedAt ? <span className="text-slate-700">Took {formatDuration(Date.parse(state.finishedAt) - Date.parse(state.startedAt))}.</span> : null}
            </p>
            {state.status === "RUNNING" && state.startedAt ? <span>Running for {formatDuration(Math.max(0, now - Date.parse(state.startedAt)))}</span> : null}
            {state.status === "QUEUED" && state.expectedStartAt && now > 0 ? (
              // From how long the builds ahead and running usually take (lib/shared/builds.ts, queueStarts); not announced as it ticks.
              <span className="text-slate-600" data-testid="queue-eta">
                Starts {etaWords(Date.parse(state.expectedStartAt), now)}
              </span>
            ) : null}
          </div>
          <div className="flex flex-wrap gap-2">
            {runNextAction && state.status === "QUEUED" && !state.runNext && state.paused === null ? <ButtonForm action={runNextFormAction} label="Run next" pendingLabel="Moving…" /> : null}
            {canCancel && !final ? <ButtonForm action={cancelFormAction} label="Cancel build" pendingLabel="Canceling…" /> : null}
          </div>
        </div>
        {running && state.startedAt && typical ? <BuildProgress elapsedMs={now - Date.parse(state.startedAt)} typical={typical} /> : null}
        <div className="mt-3 empty:hidden">
          <FinishNotifier buildId={buildId} title={title} status={state.status} statusReason={state.statusReason} finishedWhenShown={isFinal(initial.status)} />
        </div>
        {state.status === "QUEUED" && typical ? (
          <p className="mt-2 text-xs text-slate-600">
            Once it starts, builds of this profile usually take {roundedDuration(typical.ms)} (the median of the last {typical.builds} successful builds).
          </p>
        ) : null}
        {state.status === "QUEUED" && state.runNext ? <p className="mt-2 text-xs text-slate-600">An admin moved it to the front of the queue: the next free worker of its pool takes it.</p> : null}
        {[cancelState, runNextState].map((answer, index) =>
          answer.status !== "idle" ? (
            <div key={index} className="mt-3">
              <FormMessage state={answer} />
            </div>
          ) : null,
        )}
      </section>

      <section aria-labelledby="steps-heading" className="rounded-lg border border-slate-200 bg-white shadow-sm">
        <h2 id="steps-heading" className="border-b border-slate-200 px-5 py-3 text-base font-semibold text-slate-900">
          Steps
        </h2>
        <ol className="divide-y divide-slate-100" aria-label="Build steps">
          {state.steps.map((step) => {
            const content = (
              <>
                <span className="flex items-center gap-2">
                  <StepIcon status={step.status} mayFail={step.continueOnError} />
                  <span className={cn("font-medium text-slate-900", step.startedAt ? "underline decoration-slate-300 underline-offset-2 group-hover:decoration-slate-500" : undefined)}>{step.name}</span>
                  <span className="sr-only">: {step.status.toLowerCase()}</span>
                  {step.status === "FAILED" && step.continueOnError ? (
                    <span className="text-xs text-slate-600">allowed to fail: the build goes on</span>
                  ) : stepConditionWords(step) ? (
                    <span className="text-xs text-slate-600">{stepConditionWords(step)}</span>
                  ) : null}
                </span>
                <span className="text-xs text-slate-600">
                  {step.status === "FAILED" && step.exitCode !== null ? `exit code ${step.exitCode} · ` : ""}
                  {step.tries > 1 ? `${step.status === "RUNNING" ? "try" : "tries:"} ${step.tries} of ${step.retries + 1} · ` : ""}
                  {stepDuration(step, now, final ? undefined : typical?.steps[step.name]) ?? (step.status === "SKIPPED" ? "skipped" : "")}
                </span>
              </>
            );
            return (
              <li key={step.index} data-step-status={step.status}>
                {/* A step that ran is a button to its output; one that has not started has none yet. */}
                {step.startedAt ? (
                  <button
                    type="button"
                    onClick={() => showStep(step)}
                    aria-describedby="steps-hint"
                    className={cn("group flex w-full items-center justify-between gap-3 px-5 py-2 text-left text-sm hover:bg-slate-50", shownStep === step.index ? "bg-slate-50" : undefined)}
                  >
                    {content}
                  </button>
                ) : (
                  <div className="flex items-center justify-between gap-3 px-5 py-2 text-sm">{content}</div>
                )}
              </li>
            );
          })}
        </ol>
        {state.workflowFile && state.steps.length === 1 && (state.status === "QUEUED" || state.status === "RUNNING") ? (
          <p className="px-5 pt-2 text-sm text-slate-600">
            Then the steps listed in <code>{state.workflowFile}</code> of this commit, once it is fetched.
          </p>
        ) : null}
        <p id="steps-hint" className="sr-only">
          Shows the step&apos;s output in the log.
        </p>
        <p aria-live="polite" className="px-5 pb-3 text-sm text-slate-700 empty:hidden">
          {stepNote}
        </p>
      </section>

      <section ref={logSectionRef} aria-labelledby="log-heading" className="scroll-mt-4 rounded-lg border border-slate-200 bg-white shadow-sm">
        <div className="sticky top-0 z-10 flex flex-wrap items-center justify-between gap-3 rounded-t-lg border-b border-slate-200 bg-white px-5 py-3">
          <h2 id="log-heading" className="text-base font-semibold text-slate-900">
            Log
          </h2>
          <div className="flex flex-wrap items-center gap-4 text-sm">
            <span className="text-xs text-slate-600" aria-live="polite">
              {connection === "reconnecting" ? "Connection lost — reconnecting…" : connection === "connecting" ? "Connecting…" : connection === "live" && !final ? "Live" : `${state.logLines.toLocaleString("en")} lines`}
            </span>
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                checked={follow}
                onChange={(event) => {
                  pinned.current = false;
                  changeFollow(event.target.checked);
                }}
              />
              Follow the log
            </label>
            <label className="flex items-center gap-2">
              <input type="checkbox" checked={showTimes} onChange={(event) => changeShowTimes(event.target.checked)} aria-describedby="log-times-hint" />
              Times
            </label>
            <span id="log-times-hint" className="sr-only">
              Shows when each line was written, counted from the start of the build.
            </span>
            <a href={`/api/builds/${buildId}/log`} className={buttonClasses("secondary", "py-1.5")} download>
              Download log
            </a>
          </div>
        </div>
        {state.logLines > 0 && !logDeleted ? <LogSearch buildId={buildId} onJump={jumpTo} /> : null}
        {dropped > 0 ? <p className="px-5 pt-3 text-xs text-slate-600">The first {dropped.toLocaleString("en")} lines are not shown here; the download has the whole log.</p> : null}
        {linked.seq !== null && lines.length > 0 && linked.seq < lines[0]!.seq ? (
          <p className="px-5 pt-3 text-xs text-slate-600">Line {(linked.seq + 1).toLocaleString("en")}, which the address names, is before the lines shown here: Find in the log reaches it, and the download has it.</p>
        ) : null}
        {state.logTruncated ? (
          <div className="px-5 pt-3">
            <Alert tone="warning">The build wrote more output than Keel stores; the end of the log says how much was left out.</Alert>
          </div>
        ) : null}
        <div
          ref={logRef}
          onScroll={onScroll}
          tabIndex={0}
          role="log"
          aria-label="Build log"
          aria-live="off"
          className="m-3 max-h-[32rem] overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-5 text-slate-100"
          data-testid="build-log"
        >
          {lines.length === 0 ? (
            <p className="text-slate-400">
              {logDeleted ??
                (state.status === "QUEUED"
                  ? "The log starts when a worker picks the build up."
                  : state.logLines > 0
                    ? // Stored lines not here yet: the stream's first batch is on its way.
                      "Loading the log…"
                    : final
                      ? "This build wrote no output."
                      : "Waiting for output…")}
            </p>
          ) : (
            lines.map((line) => (
              // The text keeps its spaces and tabs (tools align columns with them) and wraps under itself, not under the number.
              <div
                key={line.seq}
                id={`L${line.seq + 1}`}
                className={cn("flex scroll-mt-16", line.stream === "SYSTEM" ? "text-sky-300" : line.stream === "ERR" ? "text-amber-100" : undefined, line.seq === markedSeq ? "bg-slate-800 ring-1 ring-inset ring-amber-300" : line.step === shownStep ? "bg-slate-800/70" : undefined)}
                data-seq={line.seq}
                data-step={line.step}
                data-shown-step={line.step === shownStep ? "" : undefined}
                data-found={line.seq === markedSeq ? "" : undefined}
              >
                {/* The number links to its line (#L120), to send; the numbers are hidden from screen readers, as the log's own text says it all. */}
                <span className="mr-3 w-10 shrink-0 select-none text-right" aria-hidden="true">
                  <a href={`#L${line.seq + 1}`} tabIndex={-1} className="text-slate-400 hover:text-slate-100 hover:underline" onClick={() => setFoundSeq(null)}>
                    {line.seq + 1}
                  </a>
                </span>
                {showTimes ? (
                  <span className="mr-3 w-14 shrink-0 select-none text-right tabular-nums text-slate-500" data-line-time title={new Date(line.at).toISOString().replace("T", " ").slice(0, 19) + " UTC"}>
                    {sinceStart(line.at - logStart)}
                  </span>
                ) : null}
                <span className="min-w-0 flex-1 whitespace-pre-wrap [overflow-wrap:anywhere]" data-line-text>
                  {line.segments.length === 0 ? " " : line.segments.map((segment, index) => <span key={index} {...segmentProps(segment.style)}>{segment.text}</span>)}
                </span>
              </div>
            ))
          )}
        </div>
      </section>
    </div>
  );
}

/** A one-button form of the status card (Cancel build, Run next): its action's answer is shown below the card's line. */
function ButtonForm({ action, label, pendingLabel }: { action: (formData: FormData) => void; label: string; pendingLabel: string }) {
  return (
    <form action={action}>
      <SubmitButton variant="secondary" pendingLabel={pendingLabel}>
        {label}
      </SubmitButton>
    </form>
  );
}

