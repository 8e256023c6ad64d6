"use client";

import Link from "next/link";
import { useActionState, useId, useState } from "react";
import { SaveAnswer } from "@/components/ui/save-answer";
import { TextWithCode } from "@/components/ui/text-with-code";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";
import { CopyBlock } from "@/components/ui/copy-block";
import { ARTIFACTS_VARIABLE, BUILD_VARIABLES, DEFAULT_TIMEOUT_MINUTES, DEFAULT_WORKFLOW_FILE, MAX_STEP_RETRIES, stepsFileText, WORKFLOW_LIMITS, type WorkflowStep, type WorkflowVariableView } from "@/lib/shared/workflow";
import { inputClass as input, useVariableRows, VariableRows, variablesPayload } from "./variable-rows";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { DEFAULT_POOL, POOL_NAME, poolWorkerCommand } from "@/lib/shared/build-pools";
import { withPatterns, type LibraryStep } from "@/lib/shared/step-library";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

type StepRow = WorkflowStep & { key: number };


/**
 * The workflow form (admins): ordered steps, the time limit, environment variables. Secret
 * values are write-only: a stored secret shows as "stored" and is kept unless a new value is
 * typed. The whole workflow is sent as one JSON field (the server checks every part), with the
 * version it started from: a save over someone else's newer one is refused, edits kept here.
 */
export function WorkflowEditor({
  action,
  steps: initialSteps,
  timeoutMinutes: initialTimeout,
  fetchSubmodules: initialSubmodules,
  fetchLfs: initialLfs,
  artifacts: initialArtifacts,
  artifactExample,
  cachePaths: initialCachePaths,
  cacheKeyFiles: initialCacheKeyFiles,
  cacheExample,
  variables: initialVariables,
  variableGroups: initialGroups,
  groups,
  pool: initialPool,
  oneAtATime: initialOneAtATime,
  retryLostBuilds: initialRetryLost,
  workflowFile: initialWorkflowFile,
  livePools,
  version,
  defaults,
  defaultHint,
  library = [],
}: {
  action: Action;
  steps: WorkflowStep[];
  timeoutMinutes: number;
  fetchSubmodules: boolean;
  fetchLfs: boolean;
  artifacts: string[];
  /** Patterns the platform's builds usually need (the empty field's placeholder). */
  artifactExample: string;
  cachePaths: string[];
  cacheKeyFiles: string[];
  /** What the platform's builds usually cache (the empty fields' placeholders). */
  cacheExample: { paths: string; keyFiles: string };
  variables: WorkflowVariableView[];
  /** Ids of the variable groups the workflow uses. */
  variableGroups: string[];
  /** The organization's variable groups, to choose from. */
  groups: Array<{ id: string; name: string; description: string; variables: number; secrets: number }>;
  /** The build pool its builds run in ("Runs on"). */
  pool: string;
  /** Whether a build waits while another of the profile runs. */
  oneAtATime: boolean;
  /** Whether a build whose worker was lost is started again once. */
  retryLostBuilds: boolean;
  /** The file of the commit the steps come from, or null (the steps on this page). */
  workflowFile: string | null;
  /** The build pools live workers build for now (suggestions, and a warning for a pool none serves). */
  livePools: string[];
  /** The saved workflow's version as shown (a save re-renders the page, which passes the new one). */
  version: string;
  defaults: WorkflowStep[];
  defaultHint: string;
  /** The common steps of the profile's platform, offered beside Add a step. */
  library?: LibraryStep[];
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [counter, setCounter] = useState(1_000);
  const [steps, setSteps] = useState<StepRow[]>(initialSteps.map((step, index) => ({ ...step, key: index })));
  const [timeout, setTimeoutMinutes] = useState(String(initialTimeout || DEFAULT_TIMEOUT_MINUTES));
  const [submodules, setSubmodules] = useState(initialSubmodules);
  const [lfs, setLfs] = useState(initialLfs);
  const [artifacts, setArtifacts] = useState(initialArtifacts.join("\n"));
  const [cachePaths, setCachePaths] = useState(initialCachePaths.join("\n"));
  const [cacheKeyFiles, setCacheKeyFiles] = useState(initialCacheKeyFiles.join("\n"));
  const [variables, setVariables] = useVariableRows(initialVariables, version);
  const [chosenGroups, setChosenGroups] = useState<string[]>(initialGroups);
  const [pool, setPool] = useState(initialPool);
  const [oneAtATime, setOneAtATime] = useState(initialOneAtATime);
  const [retryLost, setRetryLost] = useState(initialRetryLost);
  const [fromFile, setFromFile] = useState(initialWorkflowFile !== null);
  const [workflowFile, setWorkflowFile] = useState(initialWorkflowFile ?? DEFAULT_WORKFLOW_FILE);
  const [chosenStep, setChosenStep] = useState("");
  const [libraryNote, setLibraryNote] = useState("");
  const typedPool = pool.trim().toLowerCase();
  const id = useId();
  const next = () => {
    setCounter((value) => value + 1);
    return counter;
  };

  /** Adds the chosen common step at the end, and what it produces to Artifacts (lib/shared/step-library.ts). */
  const addLibraryStep = () => {
    const step = library.find((entry) => entry.id === chosenStep);
    if (!step) {
      return;
    }
    setSteps((current) => [...current, { key: next(), name: step.name, command: step.command }]);
    const kept = withPatterns(artifacts, step.keeps);
    setArtifacts(kept.field);
    setChosenStep("");
    setLibraryNote(
      `Added “${step.name}” as step ${steps.length + 1}: read its first lines for what it needs.${kept.added.length > 0 ? ` Artifacts now also keep ${kept.added.join(", ")}.` : ""} Save the workflow to use it.`,
    );
  };

  const payload = JSON.stringify({
    steps: steps.map(({ key: _key, ...step }) => step),
    timeoutMinutes: timeout,
    fetchSubmodules: submodules,
    fetchLfs: lfs,
    artifacts: artifacts.split("\n"),
    cachePaths: cachePaths.split("\n"),
    cacheKeyFiles: cacheKeyFiles.split("\n"),
    variables: variablesPayload(variables),
    variableGroups: chosenGroups,
    pool,
    oneAtATime,
    retryLostBuilds: retryLost,
    workflowFile: fromFile ? workflowFile : null,
    basedOn: version,
  });
  const errors = state.status === "error" ? [...(state.fieldErrors.workflow ?? []), ...(state.fieldErrors._form ?? [])] : [];

  const move = (index: number, by: number) =>
    setSteps((current) => {
      const copy = [...current];
      const [item] = copy.splice(index, 1);
      copy.splice(index + by, 0, item!);
      return copy;
    });

  return (
    // noValidate: the server checks every step and variable at once and names each in its message
    // (the browser's bubbles stop at the first field and do not say which step it is).
    <form action={formAction} noValidate className="space-y-6" aria-label="Workflow">
      <input type="hidden" name="workflow" value={payload} />
      <section aria-labelledby={`${id}-steps`} className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id={`${id}-steps`} className="text-base font-semibold text-slate-900">
            Steps
          </h2>
          {fromFile ? null : (
            <Button type="button" variant="ghost" onClick={() => setSteps(defaults.map((step) => ({ ...step, key: next() })))}>
              Use the default steps
            </Button>
          )}
        </div>
        <p className="text-sm text-slate-600">Each step runs with <code>bash -e</code> in the checked-out repository, one after the other; the first that fails ends the build — after it run only the steps marked to run even when an earlier step failed (uploading logs or test results), a step marked so the build goes on may fail without failing it, and a flaky one (a simulator that does not boot, a mirror that times out) can be tried again in the same folder — with a time limit of its own, a hung try ends long before the build&apos;s. {fromFile ? null : <TextWithCode text={defaultHint} />}</p>
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800">Where the steps are written</legend>
          {/* One radio group that the form does not send (its choice travels in the workflow's JSON): the
              radios name a form that does not exist, so they have no form owner, yet still group by name. */}
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="radio" name="steps-source" form={`${id}-unsent`} className="mt-1" checked={!fromFile} onChange={() => setFromFile(false)} />
            <span>On this page</span>
          </label>
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="radio" name="steps-source" form={`${id}-unsent`} className="mt-1" checked={fromFile} onChange={() => setFromFile(true)} aria-describedby={`${id}-source-hint`} />
            <span>In a file of the repository</span>
          </label>
          <p id={`${id}-source-hint`} className="ml-6 text-xs text-slate-600">
            Each build runs the steps the file lists in the commit it builds, so a change to the build is reviewed with the code. Variables, secrets and everything below stay here.
          </p>
        </fieldset>
        {fromFile ? (
          <div className="space-y-3 rounded-md border border-slate-200 p-3">
            <label htmlFor={`${id}-file`} className="block text-sm font-medium text-slate-800">
              Steps file
            </label>
            <input
              id={`${id}-file`}
              className={`${input.replace("w-full", "w-80")} font-mono`}
              value={workflowFile}
              maxLength={200}
              spellCheck={false}
              autoCapitalize="none"
              aria-describedby={`${id}-file-hint`}
              onChange={(event) => setWorkflowFile(event.target.value)}
            />
            <p id={`${id}-file-hint`} className="text-sm text-slate-600">
              A YAML file, from the repository&apos;s root. A commit without it, or with a mistake in it, fails its build with the line to fix.
            </p>
            <CopyBlock label={`Steps file ${workflowFile}`} heading={<span className="text-sm text-slate-700">To start it from the steps written here, commit this as <code>{workflowFile || DEFAULT_WORKFLOW_FILE}</code>:</span>} text={stepsFileText(steps.map(({ key: _key, ...step }) => step))} />
          </div>
        ) : null}
        <ol className={fromFile ? "hidden" : "space-y-3"}>
          {steps.map((step, index) => (
            <li key={step.key} className="rounded-md border border-slate-200 p-3">
              <fieldset className="space-y-2">
                <legend className="text-sm font-medium text-slate-800">Step {index + 1}</legend>
                <label className="block text-sm text-slate-700" htmlFor={`${id}-name-${step.key}`}>
                  Name
                </label>
                <input
                  id={`${id}-name-${step.key}`}
                  className={input}
                  value={step.name}
                  maxLength={WORKFLOW_LIMITS.stepName}
                  onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, name: event.target.value } : item)))}
                />
                <label className="block text-sm text-slate-700" htmlFor={`${id}-command-${step.key}`}>
                  Command
                </label>
                <textarea
                  id={`${id}-command-${step.key}`}
                  className={`${input} font-mono`}
                  rows={Math.min(8, Math.max(2, step.command.split("\n").length))}
                  value={step.command}
                  maxLength={WORKFLOW_LIMITS.command}
                  spellCheck={false}
                  onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, command: event.target.value } : item)))}
                />
                <div className="flex flex-wrap gap-x-6 gap-y-1 text-sm text-slate-700">
                  {/* lib/builds/README.md, "Steps that run after a failure, steps that may fail, flaky steps". */}
                  <label className="flex items-center gap-2">
                    <input type="checkbox" checked={step.always === true} onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, always: event.target.checked } : item)))} />
                    Run even when an earlier step failed
                  </label>
                  <label className="flex items-center gap-2">
                    <input type="checkbox" checked={step.continueOnError === true} onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, continueOnError: event.target.checked } : item)))} />
                    The build goes on if this step fails
                  </label>
                  <label className="flex items-center gap-2">
                    If it fails, try again
                    <select
                      className={input.replace("w-full", "w-28")}
                      value={step.retries ?? 0}
                      onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, retries: Number(event.target.value) } : item)))}
                    >
                      {Array.from({ length: MAX_STEP_RETRIES + 1 }, (_, retries) => (
                        <option key={retries} value={retries}>
                          {["never", "once", "twice", `${retries} times`][Math.min(retries, 3)]}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="flex items-center gap-2">
                    Its own time limit
                    <input
                      type="number"
                      inputMode="numeric"
                      min={WORKFLOW_LIMITS.timeoutMinutes.min}
                      max={WORKFLOW_LIMITS.timeoutMinutes.max}
                      placeholder="none"
                      className={input.replace("w-full", "w-24")}
                      value={step.timeoutMinutes ?? ""}
                      onChange={(event) => setSteps((current) => current.map((item) => (item.key === step.key ? { ...item, timeoutMinutes: event.target.value === "" ? undefined : Number(event.target.value) } : item)))}
                    />
                    minutes
                  </label>
                </div>
                <div className="flex flex-wrap gap-2">
                  <Button type="button" variant="ghost" disabled={index === 0} onClick={() => move(index, -1)} aria-label={`Move step ${index + 1} up`}>
                    Move up
                  </Button>
                  <Button type="button" variant="ghost" disabled={index === steps.length - 1} onClick={() => move(index, 1)} aria-label={`Move step ${index + 1} down`}>
                    Move down
                  </Button>
                  <Button type="button" variant="ghost" className="text-red-700" onClick={() => setSteps((current) => current.filter((item) => item.key !== step.key))} aria-label={`Remove step ${index + 1}`}>
                    Remove
                  </Button>
                </div>
              </fieldset>
            </li>
          ))}
        </ol>
        {fromFile ? null : (
          <div className="flex flex-wrap items-end gap-x-4 gap-y-2">
            <Button type="button" variant="secondary" disabled={steps.length >= WORKFLOW_LIMITS.steps} onClick={() => setSteps((current) => [...current, { key: next(), name: "", command: "" }])}>
              Add a step
            </Button>
            {library.length > 0 ? (
              <div className="flex flex-wrap items-end gap-2">
                <div>
                  <label htmlFor={`${id}-library`} className="block text-sm text-slate-700">
                    Or add a common step
                  </label>
                  <select id={`${id}-library`} className={input.replace("w-full", "w-80 max-w-full")} value={chosenStep} onChange={(event) => setChosenStep(event.target.value)}>
                    <option value="">Choose one…</option>
                    {library.map((step) => (
                      <option key={step.id} value={step.id}>
                        {step.name}
                      </option>
                    ))}
                  </select>
                </div>
                <Button type="button" variant="secondary" disabled={!chosenStep || steps.length >= WORKFLOW_LIMITS.steps} onClick={addLibraryStep}>
                  Add it
                </Button>
              </div>
            ) : null}
          </div>
        )}
        <p role="status" className="text-sm text-slate-700">
          {libraryNote}
        </p>
      </section>

      <section aria-labelledby={`${id}-limit`} className="space-y-2">
        <h2 id={`${id}-limit`} className="text-base font-semibold text-slate-900">
          Time limit
        </h2>
        <label htmlFor={`${id}-timeout`} className="block text-sm text-slate-700">
          Minutes a build may take, fetching included ({WORKFLOW_LIMITS.timeoutMinutes.min}–{WORKFLOW_LIMITS.timeoutMinutes.max}); then Keel stops it as timed out.
        </label>
        <input
          id={`${id}-timeout`}
          type="number"
          inputMode="numeric"
          min={WORKFLOW_LIMITS.timeoutMinutes.min}
          max={WORKFLOW_LIMITS.timeoutMinutes.max}
          className={input.replace("w-full", "w-32")}
          value={timeout}
          onChange={(event) => setTimeoutMinutes(event.target.value)}
        />
      </section>

      <section id="runs-on" aria-labelledby={`${id}-pool-title`} className="scroll-mt-6 space-y-2">
        <h2 id={`${id}-pool-title`} className="text-base font-semibold text-slate-900">
          Runs on
        </h2>
        <label htmlFor={`${id}-pool`} className="block text-sm text-slate-700">
          The build pool whose workers run these builds: <code>{DEFAULT_POOL}</code>, or a pool of machines with what the builds need — a Mac with Xcode for iOS.
        </label>
        <input
          id={`${id}-pool`}
          className={`${input.replace("w-full", "w-64")} font-mono`}
          value={pool}
          list={`${id}-pools`}
          maxLength={30}
          spellCheck={false}
          autoCapitalize="none"
          aria-describedby={`${id}-pool-hint`}
          onChange={(event) => setPool(event.target.value)}
        />
        <datalist id={`${id}-pools`}>
          {[...new Set([DEFAULT_POOL, ...livePools])].map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <p id={`${id}-pool-hint`} className="text-sm text-slate-600">
          A worker builds for the pools in its <code>KEEL_BUILD_POOLS</code> (<code>{poolWorkerCommand("macos")}</code> on a Mac); other workers never take these builds. {livePools.length === 0 ? "No worker is running right now." : `Workers running now build for: ${livePools.join(", ")}.`}{" "}
          <Link href="/settings/workers" className="font-medium text-brand-700 underline">
            Workers and build pools
          </Link>
          {typedPool !== "" && POOL_NAME.test(typedPool) && !livePools.includes(typedPool) ? (
            <strong className="font-medium text-amber-800"> No running worker builds for “{typedPool}”: its builds will wait until one is started with <code>KEEL_BUILD_POOLS={typedPool}</code>.</strong>
          ) : null}
        </p>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          {/* Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts). */}
          <input type="checkbox" className="mt-1" defaultChecked={oneAtATime} onChange={(event) => setOneAtATime(event.target.checked)} aria-describedby={`${id}-one-hint`} />
          One build at a time
        </label>
        <p id={`${id}-one-hint`} className="text-sm text-slate-600">
          A build of this profile waits while another of its builds runs, and they start in the order they were queued — for release builds that bump a version number or upload to a store, which must not overlap. Off, builds run side by side as workers are free.
        </p>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          {/* Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts). */}
          <input type="checkbox" className="mt-1" defaultChecked={retryLost} onChange={(event) => setRetryLost(event.target.checked)} aria-describedby={`${id}-retry-hint`} />
          Start again when its worker is lost
        </label>
        <p id={`${id}-retry-hint`} className="text-sm text-slate-600">
          When the machine running a build dies, or its worker is killed or shut down mid-build (a spot instance taken back, a Mac restarted for an update), Keel queues the build once more: the same commit, variables and steps, under the same status in Azure DevOps. Once only, and never after someone canceled it or when a newer build of its branch is there. Leave it off for steps that must never run twice, such as an upload that a second run would repeat.
        </p>
      </section>

      <section aria-labelledby={`${id}-fetch`} className="space-y-2">
        <h2 id={`${id}-fetch`} className="text-base font-semibold text-slate-900">
          Fetching the code
        </h2>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          {/* Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts). */}
          <input type="checkbox" className="mt-1" defaultChecked={submodules} onChange={(event) => setSubmodules(event.target.checked)} aria-describedby={`${id}-submodules-hint`} />
          Fetch submodules
        </label>
        <p id={`${id}-submodules-hint`} className="text-sm text-slate-600">
          When the commit has a <code>.gitmodules</code> file, Keel fetches each submodule at the commit the repository records (nested ones too). Submodules in this connection&apos;s organization or collection — relative URLs like <code>../ios-sdk</code>, or its https and SSH addresses — are fetched with the connection&apos;s credential; any other must be public and reachable over https.
        </p>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input type="checkbox" className="mt-1" defaultChecked={lfs} onChange={(event) => setLfs(event.target.checked)} aria-describedby={`${id}-lfs-hint`} />
          Fetch Git LFS files
        </label>
        <p id={`${id}-lfs-hint`} className="text-sm text-slate-600">
          When the commit keeps files in Git LFS (its <code>.gitattributes</code> says <code>filter=lfs</code>), Keel downloads their content from the repository&apos;s LFS store with the connection&apos;s credential, checks each file against its pointer, and puts it in place before the steps run. Off, the steps see the small pointer files instead.
        </p>
      </section>

      <section id="artifacts" aria-labelledby={`${id}-artifacts-title`} className="scroll-mt-6 space-y-2">
        <h2 id={`${id}-artifacts-title`} className="text-base font-semibold text-slate-900">
          Artifacts
        </h2>
        <label htmlFor={`${id}-artifacts`} className="block text-sm text-slate-700">
          Files to keep after the steps have run, one pattern per line, relative to the repository&apos;s root (<code>*</code> within a folder, <code>**</code> across folders; a folder keeps everything in it).
        </label>
        <textarea
          id={`${id}-artifacts`}
          className={`${input} font-mono`}
          rows={Math.min(8, Math.max(3, artifacts.split("\n").length))}
          value={artifacts}
          placeholder={artifactExample}
          spellCheck={false}
          aria-describedby={`${id}-artifacts-hint`}
          onChange={(event) => setArtifacts(event.target.value)}
        />
        <p id={`${id}-artifacts-hint`} className="text-sm text-slate-600">
          Files a step copies into <code>${ARTIFACTS_VARIABLE}</code> are kept too. They are kept after a failed step as well (test reports explain failures), up to {WORKFLOW_LIMITS.artifactPatterns} patterns; anyone in the organization downloads them from the build&apos;s page. JUnit XML reports among them (Gradle&apos;s <code>build/test-results</code>, fastlane scan&apos;s <code>report.junit</code>) are summarised on the build&apos;s Tests card.
        </p>
      </section>

      <section id="caches" aria-labelledby={`${id}-caches-title`} className="scroll-mt-6 space-y-2">
        <h2 id={`${id}-caches-title`} className="text-base font-semibold text-slate-900">
          Caches
        </h2>
        <label htmlFor={`${id}-cache-paths`} className="block text-sm text-slate-700">
          Folders to keep between builds, one per line: relative to the repository&apos;s root, or to the build&apos;s home with <code>$HOME/</code>.
        </label>
        <textarea
          id={`${id}-cache-paths`}
          className={`${input} font-mono`}
          rows={Math.min(6, Math.max(2, cachePaths.split("\n").length))}
          value={cachePaths}
          placeholder={cacheExample.paths}
          spellCheck={false}
          aria-describedby={`${id}-caches-hint`}
          onChange={(event) => setCachePaths(event.target.value)}
        />
        <label htmlFor={`${id}-cache-keys`} className="block text-sm text-slate-700">
          Key files, one per line: when one of them changes (a lock file), the build starts from the nearest cache and saves a new one.
        </label>
        <textarea
          id={`${id}-cache-keys`}
          className={`${input} font-mono`}
          rows={Math.min(6, Math.max(2, cacheKeyFiles.split("\n").length))}
          value={cacheKeyFiles}
          placeholder={cacheExample.keyFiles}
          spellCheck={false}
          aria-describedby={`${id}-caches-hint`}
          onChange={(event) => setCacheKeyFiles(event.target.value)}
        />
        <p id={`${id}-caches-hint`} className="text-sm text-slate-600">
          Before the steps, Keel restores the newest cache of the build&apos;s branch (a pull request: its own, else its target branch&apos;s), else of the default branch; after every step succeeded it saves the folders again if they changed — a pull request&apos;s for that pull request only. Up to {WORKFLOW_LIMITS.cachePaths} folders; a cache no build uses for a week is deleted.
        </p>
      </section>

      <section aria-labelledby={`${id}-variables`} className="space-y-3">
        <h2 id={`${id}-variables`} className="text-base font-semibold text-slate-900">
          Environment variables
        </h2>
        <p className="text-sm text-slate-600">
          Every step gets these. A secret value is stored encrypted, never shown again, and replaced by *** wherever it appears in the log. Keel sets CI, HOME, TMPDIR and the KEEL_BUILD_* variables itself.
        </p>
        <details className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
          <summary className="cursor-pointer font-medium text-slate-800">Variables every build gets from Keel</summary>
          <dl className="mt-2 space-y-1.5">
            {BUILD_VARIABLES.map((variable) => (
              <div key={variable.name}>
                <dt className="inline font-mono text-xs text-slate-900">{variable.name}</dt>
                <dd className="inline text-slate-700">
                  {" "}
                  — {variable.only ? `${variable.only === "tag" ? "A tag build" : "A pull request"} only. ` : ""}
                  {variable.meaning}
                </dd>
              </div>
            ))}
          </dl>
        </details>
        <VariableRows rows={variables} onChange={setVariables} />
      </section>

      <section aria-labelledby={`${id}-groups`} className="space-y-3">
        <h2 id={`${id}-groups`} className="text-base font-semibold text-slate-900">
          Variable groups
        </h2>
        <p className="text-sm text-slate-600">
          Values several profiles share, kept once in Settings → Variable groups. Every step gets the variables of the groups chosen here; when two groups set the same name, the group later in the alphabet wins, and this workflow&apos;s own variables win over every group.
        </p>
        {groups.length === 0 ? (
          <p className="text-sm text-slate-600">
            Your organization has no variable groups yet. <Link href="/settings/variable-groups" className="font-medium text-brand-700 underline">Create one</Link> for values several profiles share, such as a signing password or a store API key.
          </p>
        ) : (
          <ul className="space-y-2">
            {groups.map((group) => (
              <li key={group.id}>
                <label className="flex items-start gap-2 text-sm text-slate-800">
                  <input
                    type="checkbox"
                    className="mt-1"
                    // Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts).
                    defaultChecked={chosenGroups.includes(group.id)}
                    onChange={(event) => setChosenGroups((current) => (event.target.checked ? [...current, group.id] : current.filter((chosen) => chosen !== group.id)))}
                    aria-describedby={`${id}-group-${group.id}`}
                  />
                  {group.name}
                </label>
                <p id={`${id}-group-${group.id}`} className="ml-6 text-sm text-slate-600">
                  {group.variables === 0 ? "No variables yet" : `${group.variables} variable${group.variables === 1 ? "" : "s"}${group.secrets > 0 ? `, ${group.secrets} secret` : ""}`}
                  {group.description ? ` · ${group.description}` : ""}
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>

      <SaveAnswer state={state} problems={errors} failedTitle="The workflow was not saved" />
      <SubmitButton pendingLabel="Saving…">Save workflow</SubmitButton>
    </form>
  );
}
