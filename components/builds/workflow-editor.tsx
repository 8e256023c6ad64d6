"use client";

import { useActionState, useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { TextWithCode } from "@/components/ui/text-with-code";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";
import { ARTIFACTS_VARIABLE, DEFAULT_TIMEOUT_MINUTES, WORKFLOW_LIMITS, type WorkflowStep, type WorkflowVariableView } from "@/lib/shared/workflow";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

type VariableRow = { key: number; name: string; isSecret: boolean; value: string; stored: boolean };
type StepRow = WorkflowStep & { key: number };

const input = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600";

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
  variables: initialVariables,
  version,
  defaults,
  defaultHint,
}: {
  action: Action;
  steps: WorkflowStep[];
  timeoutMinutes: number;
  fetchSubmodules: boolean;
  fetchLfs: boolean;
  artifacts: string[];
  /** Patterns the platform's builds usually need (the empty field's placeholder). */
  artifactExample: string;
  variables: WorkflowVariableView[];
  /** The saved workflow's version as shown (a save re-renders the page, which passes the new one). */
  version: string;
  defaults: WorkflowStep[];
  defaultHint: string;
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [counter, setCounter] = useState(1_000);
  const [steps, setSteps] = useState<StepRow[]>(initialSteps.map((step, index) => ({ ...step, key: index })));
  const [timeout, setTimeoutMinutes] = useState(String(initialTimeout || DEFAULT_TIMEOUT_MINUTES));
  const [submodules, setSubmodules] = useState(initialSubmodules);
  const [lfs, setLfs] = useState(initialLfs);
  const [artifacts, setArtifacts] = useState(initialArtifacts.join("\n"));
  const [variables, setVariables] = useState<VariableRow[]>(initialVariables.map((variable, index) => ({ key: index, name: variable.name, isSecret: variable.isSecret, value: variable.value ?? "", stored: variable.isSecret })));
  const id = useId();
  const next = () => {
    setCounter((value) => value + 1);
    return counter;
  };

  const payload = JSON.stringify({
    steps: steps.map(({ name, command }) => ({ name, command })),
    timeoutMinutes: timeout,
    fetchSubmodules: submodules,
    fetchLfs: lfs,
    artifacts: artifacts.split("\n"),
    variables: variables.map((variable) => ({ name: variable.name, isSecret: variable.isSecret, value: variable.isSecret && variable.stored && variable.value === "" ? null : variable.value })),
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
          <Button type="button" variant="ghost" onClick={() => setSteps(defaults.map((step) => ({ ...step, key: next() })))}>
            Use the default steps
          </Button>
        </div>
        <p className="text-sm text-slate-600">Each step runs with <code>bash -e</code> in the checked-out repository, one after the other; the first that fails ends the build. <TextWithCode text={defaultHint} /></p>
        <ol className="space-y-3">
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
        <Button type="button" variant="secondary" disabled={steps.length >= WORKFLOW_LIMITS.steps} onClick={() => setSteps((current) => [...current, { key: next(), name: "", command: "" }])}>
          Add a step
        </Button>
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

      <section aria-labelledby={`${id}-variables`} className="space-y-3">
        <h2 id={`${id}-variables`} className="text-base font-semibold text-slate-900">
          Environment variables
        </h2>
        <p className="text-sm text-slate-600">
          Every step gets these. A secret value is stored encrypted, never shown again, and replaced by *** wherever it appears in the log. Keel sets CI, HOME, TMPDIR and the KEEL_BUILD_* variables itself.
        </p>
        {variables.length === 0 ? <p className="text-sm text-slate-600">No variables yet.</p> : null}
        <ul className="space-y-3">
          {variables.map((variable, index) => (
            <li key={variable.key} className="grid grid-cols-1 gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-[12rem_1fr_auto_auto] sm:items-end">
              <div>
                <label htmlFor={`${id}-var-${variable.key}`} className="block text-sm text-slate-700">
                  Name
                </label>
                <input
                  id={`${id}-var-${variable.key}`}
                  className={`${input} font-mono`}
                  value={variable.name}
                  maxLength={WORKFLOW_LIMITS.variableName}
                  autoComplete="off"
                  spellCheck={false}
                  onChange={(event) => setVariables((current) => current.map((item) => (item.key === variable.key ? { ...item, name: event.target.value } : item)))}
                />
              </div>
              <div>
                <label htmlFor={`${id}-val-${variable.key}`} className="block text-sm text-slate-700">
                  {variable.isSecret ? "Secret value" : "Value"}
                </label>
                <input
                  id={`${id}-val-${variable.key}`}
                  type={variable.isSecret ? "password" : "text"}
                  className={`${input} font-mono`}
                  value={variable.value}
                  placeholder={variable.isSecret && variable.stored ? "Stored — type a new value to replace it" : ""}
                  maxLength={WORKFLOW_LIMITS.variableValue}
                  autoComplete={variable.isSecret ? "new-password" : "off"}
                  spellCheck={false}
                  onChange={(event) => setVariables((current) => current.map((item) => (item.key === variable.key ? { ...item, value: event.target.value } : item)))}
                />
              </div>
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input
                  type="checkbox"
                  // Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts).
                  defaultChecked={variable.isSecret}
                  onChange={(event) =>
                    setVariables((current) => current.map((item) => (item.key === variable.key ? { ...item, isSecret: event.target.checked, stored: event.target.checked ? item.stored : false, value: event.target.checked ? item.value : item.stored ? "" : item.value } : item)))
                  }
                />
                Secret
              </label>
              <Button type="button" variant="ghost" className="text-red-700" onClick={() => setVariables((current) => current.filter((item) => item.key !== variable.key))} aria-label={`Remove variable ${variable.name || index + 1}`}>
                Remove
              </Button>
            </li>
          ))}
        </ul>
        <Button type="button" variant="secondary" disabled={variables.length >= WORKFLOW_LIMITS.variables} onClick={() => setVariables((current) => [...current, { key: next(), name: "", isSecret: false, value: "", stored: false }])}>
          Add a variable
        </Button>
      </section>

      <div aria-live="polite">
        {state.status === "error" ? (
          <Alert tone="error" title="The workflow was not saved">
            {errors.length > 0 ? (
              <ul className="ml-5 list-disc">
                {errors.map((message) => (
                  <li key={message}>{message}</li>
                ))}
              </ul>
            ) : (
              <p>{state.message}</p>
            )}
          </Alert>
        ) : state.status === "success" ? (
          <Alert tone="success">{state.message}</Alert>
        ) : null}
      </div>
      <SubmitButton pendingLabel="Saving…">Save workflow</SubmitButton>
    </form>
  );
}
