"use client";

import { useActionState } from "react";
import { FieldErrors, SelectField, TextAreaField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { WEEKDAYS } from "@/lib/shared/schedule";
import { afterOf, buildsDrafts, forkMode, scheduleOf, tagsOf, type ForkMode, type ProfileTriggers } from "@/lib/shared/triggers";

/** Monday first, as calendars in most of the world show a week. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0] as const;

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * Edits a profile's triggers: automatic (push and pull-request branch patterns, tags, paths, a
 * schedule, after another profile's builds: `siblings`, the organization's other profiles) or manual only.
 */
export function TriggersForm({
  action,
  triggers,
  defaultBranch,
  timeZones,
  siblings = [],
}: {
  action: Action;
  triggers: ProfileTriggers;
  defaultBranch: string | null;
  timeZones: string[];
  siblings?: { id: string; name: string; repositoryName: string; sameRepository: boolean }[];
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const { choice: mode, radio } = useRadioChoice(triggers.mode);
  const errors = state.status === "error" ? state.fieldErrors : {};
  // React resets the form after each answer: a refused save shows what was sent, not the saved triggers.
  const sent = state.status === "error" ? state.values : null;
  const push = sent ? sent.push === "on" : triggers.push.enabled;
  const pullRequest = sent ? sent.pullRequest === "on" : triggers.pullRequest.enabled;
  const skipDrafts = sent ? sent.pullRequestSkipDrafts === "on" : !buildsDrafts(triggers);
  const comments = sent ? sent.pullRequestComments === "on" : triggers.pullRequest.comments === true;
  const forks: ForkMode = sent ? ((["withoutSecrets", "withSecrets"] as const).find((mode) => sent.pullRequestForks === mode) ?? "wait") : forkMode(triggers);
  const tags = sent ? sent.tags === "on" : tagsOf(triggers).enabled;
  const after = afterOf(triggers);
  const afterOn = sent ? sent.after === "on" : after.enabled;
  // A field of patterns, one per line: what was sent after a refused save, else what is saved; read-only in manual mode.
  const patternsField = (name: string, saved: readonly string[]) => ({
    name,
    rows: 2,
    defaultValue: sent?.[name] ?? saved.join("\n"),
    readOnly: mode === "manual",
    errors: errors[name],
  });
  const emptyMeans = `Empty: the default branch${defaultBranch ? ` (${defaultBranch})` : ""}.`;
  const schedule = scheduleOf(triggers);
  const scheduled = sent ? sent.schedule === "on" : schedule.enabled;
  const onDay = (day: number) => (sent ? sent[`scheduleDay${day}`] === "on" : schedule.days.includes(day));
  const onlyWhenChanged = sent ? sent.scheduleOnlyWhenChanged === "on" : schedule.onlyWhenChanged;
  return (
    <form action={formAction} className="space-y-4" aria-label="Build triggers">
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Builds start</legend>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="radio" name="mode" {...radio("automatic")} />
          By themselves: on pushes, pull requests, tags or a schedule
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="radio" name="mode" {...radio("manual")} />
          Only when someone starts one (manual only)
        </label>
      </fieldset>
      {/* Two columns on a wide screen: what a push or pull request starts; tags, paths, older builds and the schedule. */}
      <div className={`grid grid-cols-1 items-start gap-4 lg:grid-cols-2 lg:gap-x-8${mode === "manual" ? " opacity-60" : ""}`}>
        <div className="space-y-4">
          <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
            <input type="checkbox" name="push" defaultChecked={push} disabled={mode === "manual"} />
            Build pushes to these branches
          </label>
          <TextAreaField
            label="Push branches"
            {...patternsField("pushBranches", triggers.push.branches)}
            hint={`One per line: main, release/* (one level), feature/** (any depth), !release/old (exclude). ${emptyMeans}`}
          />
          <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
            <input type="checkbox" name="pullRequest" defaultChecked={pullRequest} disabled={mode === "manual"} />
            Build pull requests (created or updated) into these branches
          </label>
          <TextAreaField
            label="Pull request target branches"
            {...patternsField("pullRequestBranches", triggers.pullRequest.branches)}
            hint={`The branch a pull request merges into. ${emptyMeans}`}
          />
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="pullRequestSkipDrafts" className="mt-1" defaultChecked={skipDrafts} disabled={mode === "manual"} aria-describedby="skip-drafts-hint" />
            Wait until a draft pull request is published
          </label>
          <p id="skip-drafts-hint" className="-mt-2 text-xs text-slate-600">
            Draft pull requests are work in progress: waiting keeps the workers for the ones ready for review. Publishing the draft starts its build.
          </p>
          <fieldset className="space-y-1" aria-describedby="forks-hint">
            <legend className="text-sm text-slate-800">Pull requests from forks</legend>
            <p id="forks-hint" className="text-xs text-slate-600">
              Anyone who can read the repository can fork it and open a pull request, and its build runs that code on your workers. Someone who read the change can always start its build (Start build → Pull request).
            </p>
            {(
              [
                ["wait", "Wait for someone who read the change to start the build"],
                ["withoutSecrets", "Build them by themselves, without this profile's secret variables and files (only on workers whose steps run as a build user, KEEL_BUILD_USER)"],
                ["withSecrets", "Build them by themselves, with its secrets: everyone who can fork the repository is trusted"],
              ] as const
            ).map(([value, label]) => (
              <label key={value} className="flex items-start gap-2 text-sm text-slate-800">
                <input type="radio" name="pullRequestForks" value={value} className="mt-1" defaultChecked={forks === value} disabled={mode === "manual"} />
                {label}
              </label>
            ))}
          </fieldset>
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="pullRequestComments" className="mt-1" defaultChecked={comments} disabled={mode === "manual"} aria-describedby="comments-hint" />
            Members start a pull request&apos;s build with a comment: <code>/keel build</code>
          </label>
          <p id="comments-hint" className="-mt-2 text-xs text-slate-600">
            From the pull request in Azure DevOps — a fork&apos;s change they read, or a flaky build run again. Keel knows a member by the e-mail they sign in to Azure DevOps with; anyone else&apos;s comment starts nothing. Keel subscribes to the repository&apos;s comments for it.
          </p>
          {siblings.length > 0 ? (
            <>
              <label className="flex items-start gap-2 text-sm font-medium text-slate-800">
                <input type="checkbox" name="after" className="mt-1" defaultChecked={afterOn} disabled={mode === "manual"} />
                Build after another profile&apos;s builds succeed
              </label>
              <SelectField
                label="Build after the profile"
                name="afterProfile"
                defaultValue={sent?.afterProfile ?? after.profileId ?? ""}
                errors={errors.afterProfile}
                hint="When one of its builds of a branch succeeds: a profile of this repository makes this one build the same commit (a release lane after the tests); one of another repository makes it build its default branch (an app after its shared library). Pull-request and tag builds start nothing."
              >
                <option value="">Choose a profile</option>
                {[true, false].map((same) =>
                  siblings.some((sibling) => sibling.sameRepository === same) ? (
                    <optgroup key={String(same)} label={same ? "This repository" : "Other repositories"}>
                      {siblings
                        .filter((sibling) => sibling.sameRepository === same)
                        .map((sibling) => (
                          <option key={sibling.id} value={sibling.id}>
                            {same ? sibling.name : `${sibling.name} (${sibling.repositoryName})`}
                          </option>
                        ))}
                    </optgroup>
                  ) : null,
                )}
              </SelectField>
              <TextAreaField
                label="Branches it builds after"
                {...patternsField("afterBranches", after.branches)}
                hint={`The branches of the other profile's successful builds, one pattern per line. ${emptyMeans}`}
              />
            </>
          ) : null}
        </div>
        <div className="space-y-4">
          <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
            <input type="checkbox" name="tags" defaultChecked={tags} disabled={mode === "manual"} />
            Build tags pushed with these names (releases)
          </label>
          <TextAreaField
            label="Tags"
            {...patternsField("tagPatterns", tagsOf(triggers).patterns)}
            optional
            hint="One per line: v* (every version tag), release/**, !v*-beta (exclude). Empty: every tag. The commit a tag names is built, whatever files it changed; the build's steps get the tag in KEEL_BUILD_TAG."
          />
          <TextAreaField
            label="Paths"
            {...patternsField("paths", triggers.paths ?? [])}
            optional
            hint="Only pushes and pull requests (not tags) that change a file here start a build — for a repository with several apps, e.g. ios/** for the iOS app. One pattern per line from the repository's root: * within a folder, ** at any depth, ! to ignore (!docs/**). Empty: any change. Whatever the paths, a commit whose message says [skip ci] is not built by a push or pull request."
          />
          <SelectField
            label="When a newer commit of the same branch or pull request is built"
            name="supersede"
            defaultValue={sent?.supersede ?? triggers.supersede ?? "off"}
            errors={errors.supersede}
            hint="Mobile builds are long: canceling the older ones frees workers for the commit people are waiting for. The same goes for a pull request completed or abandoned: its builds are canceled. Builds started by hand or by the schedule are never canceled this way."
          >
            <option value="off">Let the older builds run</option>
            <option value="queued">Cancel older builds still waiting in the queue</option>
            <option value="running">Cancel older builds, running ones too</option>
          </SelectField>
          <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
            {/* Never disabled (a disabled box is not sent): in manual mode the schedule is kept and does not run. */}
            <input type="checkbox" name="schedule" defaultChecked={scheduled} aria-describedby="field-schedule-error" />
            Build on a schedule (nightly builds)
          </label>
          <FieldErrors id="field-schedule-error" errors={errors.schedule} />
          <fieldset className="space-y-1">
            <legend className="text-sm text-slate-800">Days</legend>
            <div className="flex flex-wrap gap-x-3 gap-y-1">
              {WEEK_ORDER.map((day) => (
                <label key={day} className="flex items-center gap-1.5 text-sm text-slate-800">
                  <input type="checkbox" name={`scheduleDay${day}`} defaultChecked={onDay(day)} />
                  <abbr title={WEEKDAYS[day]} className="no-underline">
                    {WEEKDAYS[day]!.slice(0, 3)}
                  </abbr>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="grid grid-cols-1 gap-3 sm:grid-cols-[8rem_1fr]">
            <TextField label="Time" name="scheduleTime" type="time" step={60} required defaultValue={sent?.scheduleTime ?? schedule.time} errors={errors.scheduleTime} />
            <SelectField label="Time zone" name="scheduleTimeZone" defaultValue={sent?.scheduleTimeZone ?? schedule.timeZone} errors={errors.scheduleTimeZone}>
              {timeZones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </SelectField>
          </div>
          <TextField label="Scheduled branch" name="scheduleBranch" defaultValue={sent?.scheduleBranch ?? schedule.branch} errors={errors.scheduleBranch} hint={`One branch, no wildcards. ${emptyMeans}`} spellCheck={false} autoComplete="off" />
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="scheduleOnlyWhenChanged" defaultChecked={onlyWhenChanged} className="mt-1" />
            Only when the branch has new commits since the last scheduled build
          </label>
        </div>
      </div>
      {mode === "manual" ? (
        <>
          {/* Disabled boxes are not sent: keep what was set, so switching back restores it. */}
          {push ? <input type="hidden" name="push" value="on" /> : null}
          {pullRequest ? <input type="hidden" name="pullRequest" value="on" /> : null}
          {afterOn ? <input type="hidden" name="after" value="on" /> : null}
        </>
      ) : null}
      <SubmitButton pendingLabel="Saving triggers…">Save triggers</SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
