"use client";

import { useActionState, useEffect, useId, useState } from "react";
import { fetchJson, query } from "@/components/picker/fetch-json";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { TextField } from "@/components/ui/field";
import { useRadioChoice } from "@/components/ui/use-radio-choice";
import type { BranchPageDto } from "@/lib/shared/repository-dto";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * "Start build": a branch from the repository's live list (searched on Azure DevOps as you
 * type, offered as suggestions) or a pasted commit id. The form carries an idempotency key made when it appears, so a
 * double click queues one build.
 */
export function StartBuildForm({ profileId, defaultBranch, action, idempotencyKey }: { profileId: string; defaultBranch: string | null; action: Action; idempotencyKey: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const { choice: source, radio } = useRadioChoice<"branch" | "commit">("branch");
  const [branch, setBranch] = useState(defaultBranch ?? "");
  const [options, setOptions] = useState<string[]>([]);
  const [listState, setListState] = useState<"idle" | "loading" | "ready" | "error">("idle");
  const listId = useId();
  const fieldErrors = state.status === "error" ? state.fieldErrors : {};
  const values = state.status === "error" ? state.values : {};

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

  return (
    <form action={formAction} className="space-y-4" aria-label="Start a build">
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
      <FormMessage state={state} />
      <SubmitButton pendingLabel="Queuing…">Start build</SubmitButton>
    </form>
  );
}
