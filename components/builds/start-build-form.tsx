"use client";

import { useActionState, useEffect, useId, useState } from "react";
import { fetchJson, query } from "@/components/picker/fetch-json";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { TextAreaField, TextField } from "@/components/ui/field";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import type { BranchPageDto, PullRequestDto, PullRequestListDto, TagListDto } from "@/lib/shared/repository-dto";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { describeSecretRefs, secretsDecision, type SecretRefs } from "@/lib/shared/secret-refs";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * "Start build": a branch from the repository's live list (searched on Azure DevOps as you
 * type, offered as suggestions), a pasted commit id, a pull request by number (the active
 * ones offered as suggestions, loaded when that choice is made), or a tag (its tags offered
 * the same way). The form carries an
 * idempotency key made when it appears, so a double click queues one build.
 */
export function StartBuildForm({
  profileId,
  defaultBranch,
  action,
  idempotencyKey,
  pullRequest,
  caches = false,
  secretRefs = null,
}: {
  profileId: string;
  defaultBranch: string | null;
  action: Action;
  idempotencyKey: string;
  /** The workflow keeps caches: offer a build without them. */
  caches?: boolean;
  /** Which builds get the profile's secrets (null: every build): the form says before a build starts without them. */
  secretRefs?: SecretRefs | null;
  /** A pull request to start with (a link from Keel's status on a fork's pull request). */
  pullRequest?: number | null;
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const { choice: source, radio } = useRadioChoice<"branch" | "commit" | "pullRequest" | "tag">(pullRequest ? "pullRequest" : "branch");
  const [branch, setBranch] = useState(defaultBranch ?? "");
  const [options, setOptions] = useState<string[]>([]);
  const [listState, setListState] = useState<"idle" | "loading" | "ready" | "error">("idle");
  const [pullRequests, setPullRequests] = useState<{ state: "idle" | "error" } | { state: "ready"; items: PullRequestDto[] }>({ state: "idle" });
  const [tags, setTags] = useState<{ state: "idle" | "error" } | { state: "ready"; items: string[] }>({ state: "idle" });
  const listId = useId();
  const fieldErrors = state.status === "error" ? state.fieldErrors : {};
  const values = state.status === "error" ? state.values : {};
  const [typedPullRequest, setTypedPullRequest] = useState(pullRequest ? String(pullRequest) : "");
  // A pull request from a fork runs someone else's code with the profile's secrets: say so before it starts.
  const fromFork = pullRequests.state === "ready" ? pullRequests.items.find((pr) => pr.fork !== null && String(pr.id) === typedPullRequest.trim().replace(/^!/, "")) : undefined;
  // A branch or pull request the profile gives no secrets: said before the build starts without them.
  const withheld =
    secretRefs && (source === "pullRequest" || (source === "branch" && branch.trim() !== ""))
      ? secretsDecision(secretRefs, { branch: source === "branch" ? branch.trim() : null, tag: null, pullRequest: source === "pullRequest" }, defaultBranch)
      : null;
  const withoutSecrets = withheld?.withhold ? (
    <p role="note" className="text-sm text-slate-700">
      {source === "pullRequest" ? "A pull request's build" : "A build of this branch"} runs without the profile&apos;s secret variables and files: only {describeSecretRefs(secretRefs!, defaultBranch)} get them.
    </p>
  ) : null;

  useEffect(() => {
    const term = branch.trim();
    // Only searches: the unfiltered first page is the branch list's own request (it also copies
    // a rename from Azure DevOps onto the profile and says so; this form must not take that).
    if (!term || term === defaultBranch) {
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setListState("loading");
      fetchJson<BranchPageDto>(`/api/profiles/${profileId}/branches${query({ q: term, limit: 50 })}`, controller.signal).then(
        (result) => {
          if (result.ok) {
            setOptions(result.data.items.map((item) => item.name));
            setListState("ready");
          } else {
            setListState("error");
          }
        },
        () => undefined,
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [branch, profileId, defaultBranch]);

  const wantsTags = source === "tag" && tags.state === "idle";
  useEffect(() => {
    if (!wantsTags) {
      return;
    }
    const controller = new AbortController();
    fetchJson<TagListDto>(`/api/profiles/${profileId}/tags`, controller.signal).then(
      (result) => setTags(result.ok ? { state: "ready", items: result.data.items.map((item) => item.name) } : { state: "error" }),
      () => undefined,
    );
    return () => controller.abort();
  }, [wantsTags, profileId]);

  const wantsPullRequests = source === "pullRequest" && pullRequests.state === "idle";
  useEffect(() => {
    if (!wantsPullRequests) {
      return;
    }
    // Idle is "loading" on screen; leaving the choice while the list loads asks again next time.
    const controller = new AbortController();
    fetchJson<PullRequestListDto>(`/api/profiles/${profileId}/pull-requests`, controller.signal).then(
      (result) => setPullRequests(result.ok ? { state: "ready", items: result.data.items } : { state: "error" }),
      () => undefined,
    );
    return () => controller.abort();
  }, [wantsPullRequests, profileId]);

  return (
    <form id="start-build" action={formAction} className="scroll-mt-6 space-y-4" aria-label="Start a build">
      <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
      {/* React resets the form after each answer: the commit field starts from the value just sent. */}
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">What to build</legend>
        <div className="mt-2 flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="source" {...radio("branch")} />
            A branch
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="source" {...radio("commit")} />
            A commit
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="source" {...radio("pullRequest")} />
            A pull request
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="source" {...radio("tag")} />
            A tag
          </label>
        </div>
      </fieldset>
      {source === "branch" ? (
        <>
          <TextField
            id={`${listId}-branch`}
            name="branch"
            label="Branch"
            value={branch}
            onChange={(event) => setBranch(event.target.value)}
            list={`${listId}-branches`}
            autoComplete="off"
            maxLength={250}
            errors={fieldErrors.branch}
            hint={
              listState === "loading"
                ? "Searching the repository's branches…"
                : listState === "error"
                  ? "The branches could not be searched; type the whole branch name."
                  : "Type to search the repository's branches (the list below shows them too); Keel builds the branch's latest commit."
            }
          />
          <datalist id={`${listId}-branches`}>
            {options.map((name) => (
              <option key={name} value={name} />
            ))}
          </datalist>
          {withoutSecrets}
        </>
      ) : source === "pullRequest" ? (
        <>
          <TextField
            id={`${listId}-pull-request`}
            name="pullRequest"
            label="Pull request"
            inputMode="numeric"
            list={`${listId}-pull-requests`}
            autoComplete="off"
            maxLength={12}
            defaultValue={values.pullRequest ?? (pullRequest ? String(pullRequest) : "")}
            onChange={(event) => setTypedPullRequest(event.target.value)}
            errors={fieldErrors.pullRequest}
            hint={
              pullRequests.state === "ready"
                ? pullRequests.items.length === 0
                  ? "The repository has no active pull requests. Type a number if one was just opened."
                  : `Its number (Azure DevOps shows it as !42); the list below has the ${pullRequests.items.length === 1 ? "active one" : `${pullRequests.items.length} active ones`}. Keel builds its merge with the target branch and reports the result on the pull request.`
                : pullRequests.state === "error"
                  ? "The pull requests could not be listed; type the number (Azure DevOps shows it as !42)."
                  : "Loading the repository's active pull requests…"
            }
          />
          <datalist id={`${listId}-pull-requests`}>
            {pullRequests.state === "ready" &&
              pullRequests.items.map((pr) => (
                <option key={pr.id} value={String(pr.id)} label={`!${pr.id} ${pr.title}${pr.isDraft ? " (draft)" : ""} — ${pr.sourceBranch}${pr.fork ? ` of the fork ${pr.fork}` : ""} into ${pr.targetBranch}`} />
              ))}
          </datalist>
          {fromFork ? (
            <p role="note" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
              Pull request {fromFork.id} comes from the fork {fromFork.fork}: its build runs that code on your workers
              {secretRefs ? "" : " with this profile's secret variables and files"}. Start it once you have read the change.
            </p>
          ) : null}
          {withoutSecrets}
        </>
      ) : source === "tag" ? (
        <>
          <TextField
            id={`${listId}-tag`}
            name="tag"
            label="Tag"
            list={`${listId}-tags`}
            autoComplete="off"
            spellCheck={false}
            maxLength={250}
            defaultValue={values.tag ?? ""}
            errors={fieldErrors.tag}
            hint={
              tags.state === "ready"
                ? tags.items.length === 0
                  ? "The repository has no tags yet. Type one if it was just pushed."
                  : "A release's tag, like v2.4.0 (the list below has the newest first). Keel builds the commit it names, as a tag build."
                : tags.state === "error"
                  ? "The tags could not be listed; type the tag's name."
                  : "Loading the repository's tags…"
            }
          />
          <datalist id={`${listId}-tags`}>
            {tags.state === "ready" && tags.items.map((name) => <option key={name} value={name} />)}
          </datalist>
        </>
      ) : (
        <TextField
          id={`${listId}-commit`}
          name="commit"
          label="Commit id"
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
          className="font-mono"
          defaultValue={values.commit ?? ""}
          errors={fieldErrors.commit}
          hint="The full 40-character id (Copy full SHA on the commit in Azure DevOps)."
        />
      )}
      <details className="group" open={Boolean(values.parameters) || Boolean(fieldErrors.parameters)}>
        <summary className="cursor-pointer text-sm font-medium text-slate-800">Variables for this build (optional)</summary>
        <div className="mt-2">
          <TextAreaField
            label="Variables for this build"
            name="parameters"
            rows={3}
            defaultValue={values.parameters ?? ""}
            errors={fieldErrors.parameters}
            spellCheck={false}
            className="font-mono"
            optional
            hint="One NAME=value per line, e.g. DEPLOY_TARGET=testflight. The steps get them on top of the workflow's variables, for this build only. Not for secrets: everyone who sees the build sees them."
          />
        </div>
      </details>
      {caches ? (
        <div>
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="skipCaches" className="mt-1" defaultChecked={values.skipCaches === "on"} aria-describedby="skip-caches-hint" />
            Without caches
          </label>
          <p id="skip-caches-hint" className="ml-6 text-xs text-slate-600">
            For a cache that breaks builds: the build restores none, and when it succeeds its cache replaces the branch&apos;s.
          </p>
        </div>
      ) : null}
      <FormMessage state={state} />
      <SubmitButton pendingLabel="Queuing…">Start build</SubmitButton>
    </form>
  );
}
