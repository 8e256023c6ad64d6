"use client";

import { useActionState, useId, useState } from "react";
import { TextAreaField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import type { SecretRefs } from "@/lib/shared/secret-refs";

/**
 * "Who gets the secrets" on a profile's workflow page (lib/builds/README.md, "Secrets only for
 * some branches"): every build, or only builds of the branches (and tags) named — protected
 * branches. Fields are controlled, so what was typed survives a refused save (React resets a
 * form's fields after its action answers).
 */
export function SecretRefsForm({
  action,
  current,
  defaultBranch,
  pool,
  isolated,
}: {
  action: (previous: FormState, formData: FormData) => Promise<FormState>;
  current: SecretRefs | null;
  defaultBranch: string | null;
  pool: string;
  /** Live workers of the pool whose steps run as a build user (KEEL_BUILD_USER). */
  isolated: number;
}) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [who, setWho] = useState<"every" | "refs">(current ? "refs" : "every");
  const [branches, setBranches] = useState((current?.branches ?? []).join("\n"));
  const [tags, setTags] = useState(current?.tags.enabled ?? false);
  const [tagPatterns, setTagPatterns] = useState((current?.tags.patterns ?? []).join("\n"));
  const id = useId();
  const fieldErrors = state.status === "error" ? state.fieldErrors : {};
  return (
    <form action={formAction} className="space-y-4" aria-label="Who gets the secrets">
      <fieldset className="space-y-2">
        <legend className="sr-only">Which builds get the secret variables and files</legend>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input type="radio" name="who" value="every" className="mt-1" checked={who === "every"} onChange={() => setWho("every")} />
          <span>
            <span className="font-medium">Every build</span>
            <span className="block text-slate-600">Of any branch, tag or pull request of the repository (pull requests from forks follow the profile&apos;s triggers).</span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm text-slate-800">
          <input type="radio" name="who" value="refs" className="mt-1" checked={who === "refs"} onChange={() => setWho("refs")} />
          <span>
            <span className="font-medium">Only builds of these branches and tags</span>
            <span className="block text-slate-600">
              Protected branches: a feature branch or a pull request — code nobody reviewed yet — builds without the signing keys and store credentials, and its log says why.
            </span>
          </span>
        </label>
      </fieldset>
      {who === "refs" ? (
        <div className="space-y-4 border-l-2 border-slate-200 pl-4">
          <TextAreaField
            id={`${id}-branches`}
            name="branches"
            label="Branches"
            rows={3}
            value={branches}
            onChange={(event) => setBranches(event.target.value)}
            hint={`One pattern per line (main, release/*, !release/old). Empty: the default branch${defaultBranch ? ` (${defaultBranch.replace(/^refs\/heads\//, "")})` : ""}. Pull requests' builds never get them.`}
            errors={fieldErrors.branches}
          />
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input type="checkbox" name="tags" className="mt-1" checked={tags} onChange={(event) => setTags(event.target.checked)} />
            <span>Builds of tags get them too (releases)</span>
          </label>
          {tags ? (
            <TextAreaField
              id={`${id}-tags`}
              name="tagPatterns"
              label="Tags"
              rows={2}
              value={tagPatterns}
              onChange={(event) => setTagPatterns(event.target.value)}
              hint="One pattern per line (v*, !v*-beta*). Empty: every tag. In Azure DevOps, limit who may create such tags (the repository's Security → Create tag)."
              errors={fieldErrors.tagPatterns}
            />
          ) : null}
          {isolated === 0 ? (
            <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-900">
              No live worker of the pool “{pool}” runs steps as a build user, so a step of any build can read its worker&apos;s database address and keys — and every secret with
              them. This keeps the secrets out of the other builds&apos; environment and files (a dependency&apos;s install script that collects them, a test that prints them);
              against code written to attack Keel, start the pool&apos;s workers as root with <code>KEEL_BUILD_USER</code>.
            </p>
          ) : null}
        </div>
      ) : null}
      <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
      <div aria-live="polite">{state.status !== "idle" ? <FormMessage state={state} /> : null}</div>
    </form>
  );
}
