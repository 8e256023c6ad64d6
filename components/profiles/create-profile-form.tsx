"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef, useState } from "react";
import { fetchJson } from "@/components/picker/fetch-json";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FieldErrors, SelectField, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { BranchPageDto } from "@/lib/shared/repository-dto";
import type { RepositoryItemDto } from "@/lib/shared/repository-dto";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { PLATFORMS, platformLabel } from "@/lib/shared/platforms";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

type ExistingProfiles = { items: { id: string; name: string; platform: string }[]; total: number };

type Branches = { status: "loading" } | { status: "ready"; names: string[]; more: boolean } | { status: "error"; message: string };

const BRANCH_SUGGESTIONS = 1_000;

/**
 * The create-profile form for the repository picked in the picker. Mounted once per picked
 * repository (keyed by its id), so each pick gets its own idempotency key: submitting the
 * same form twice lands on the same profile, picking another repository starts afresh.
 */
export function CreateProfileForm({ connectionId, repository, action, onCancel }: { connectionId: string; repository: RepositoryItemDto; action: Action; onCancel: () => void }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [branches, setBranches] = useState<Branches>(repository.isEmpty ? { status: "ready", names: [], more: false } : { status: "loading" });
  const [existing, setExisting] = useState<ExistingProfiles | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};

  useEffect(() => {
    headingRef.current?.focus();
  }, []);

  useEffect(() => {
    if (repository.isEmpty || repository.isDisabled) {
      return;
    }
    const controller = new AbortController();
    fetchJson<BranchPageDto>(`/api/connections/${connectionId}/repositories/${repository.id}/branches?limit=${BRANCH_SUGGESTIONS}`, controller.signal).then(
      (result) => {
        setBranches(result.ok ? { status: "ready", names: result.data.items.map((branch) => branch.name), more: result.data.nextCursor !== null } : { status: "error", message: result.error.problem?.title ?? result.error.message });
      },
      () => undefined,
    );
    return () => controller.abort();
  }, [connectionId, repository.id, repository.isEmpty, repository.isDisabled]);

  useEffect(() => {
    // Profiles of this repository the organization already has: said before a second one is made.
    const controller = new AbortController();
    fetchJson<ExistingProfiles>(`/api/connections/${connectionId}/repositories/${repository.id}/profiles`, controller.signal).then(
      (result) => setExisting(result.ok ? result.data : null),
      () => undefined,
    );
    return () => controller.abort();
  }, [connectionId, repository.id]);

  const listId = `branches-${repository.id}`;
  const branchHint =
    branches.status === "loading"
      ? "Loading the repository's branches…"
      : branches.status === "error"
        ? `Keel could not load the branches (${branches.message}). Type the branch name; Keel checks it when you create the profile.`
        : `${branches.names.length}${branches.more ? "+" : ""} ${branches.names.length === 1 && !branches.more ? "branch" : "branches"}. Azure DevOps' default is ${repository.defaultBranch ?? "not set"}.`;

  return (
    <section aria-labelledby="create-profile-heading" className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-5 py-4">
        <div>
          <h2 id="create-profile-heading" ref={headingRef} tabIndex={-1} className="text-base font-semibold text-slate-900 focus:outline-none">
            Create a build profile for “{repository.name}”
          </h2>
          <p className="mt-1 text-sm text-slate-600">
            {repository.projectName} / {repository.name}
            {repository.isFork ? (
              <Badge tone="info" className="ml-2">
                Fork
              </Badge>
            ) : null}
          </p>
        </div>
        <Button type="button" variant="ghost" onClick={onCancel}>
          Pick another repository
        </Button>
      </div>
      <form action={formAction} noValidate className="space-y-5 px-5 py-4" aria-label={`Create a build profile for ${repository.name}`}>
        <FormMessage state={state} />
        {repository.isDisabled ? (
          <Alert tone="warning" title="This repository is disabled in Azure DevOps">
            <p>Keel cannot read a disabled repository, so it cannot build it. A project administrator can enable it in Azure DevOps under Project settings → Repositories; then refresh the list here.</p>
          </Alert>
        ) : null}
        {existing && existing.total > 0 ? (
          <Alert tone="info" title={`This repository already has ${existing.total === 1 ? "a build profile" : `${existing.total} build profiles`}`}>
            <ul className="mt-1 list-disc pl-5" aria-label="Build profiles of this repository">
              {existing.items.map((profile) => (
                <li key={profile.id}>
                  <Link href={`/profiles/${profile.id}`} className="font-medium underline">
                    {profile.name}
                  </Link>{" "}
                  ({platformLabel(profile.platform)})
                </li>
              ))}
            </ul>
            {existing.total > existing.items.length ? <p className="mt-1">And {existing.total - existing.items.length} more.</p> : null}
            <p className="mt-1">Another one is fine: for another platform, branch or workflow. Give it a name of its own.</p>
          </Alert>
        ) : null}
        <input type="hidden" name="repositoryId" value={repository.id} />
        <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
        <TextField
          label="Name"
          name="name"
          required
          maxLength={100}
          defaultValue={values.name ?? repository.name}
          errors={errors.name}
          hint="Unique in your organization (capitals do not count). Defaults to the repository's name."
        />
        <SelectField label="Target platform" name="platform" required defaultValue={values.platform ?? ""} errors={errors.platform}>
          <option value="" disabled>
            Choose a platform
          </option>
          {PLATFORMS.map((platform) => (
            <option key={platform.value} value={platform.value}>
              {platform.label}
            </option>
          ))}
        </SelectField>
        {repository.isEmpty ? (
          <div className="space-y-1.5" id="default-branch-empty">
            <p className="text-sm font-medium text-slate-800">Default branch</p>
            <p className="rounded-md border border-dashed border-slate-300 bg-slate-50 px-3 py-2 text-sm text-slate-700">
              This repository is empty. Branches appear after the first push; the profile then builds the repository&apos;s default branch.
            </p>
            <FieldErrors errors={errors.defaultBranch} />
          </div>
        ) : (
          <>
            <TextField
              label="Default branch"
              name="defaultBranch"
              list={listId}
              autoComplete="off"
              spellCheck={false}
              maxLength={250}
              defaultValue={values.defaultBranch ?? repository.defaultBranch ?? ""}
              errors={errors.defaultBranch}
              hint={branchHint}
            />
            <datalist id={listId}>
              {branches.status === "ready" ? branches.names.map((name) => <option key={name} value={name} />) : null}
            </datalist>
          </>
        )}
        {errors.repositoryId ? (
          <p className="text-sm text-red-700" role="alert">
            {errors.repositoryId[0]}
          </p>
        ) : null}
        <SubmitButton pendingLabel="Checking the repository and creating…" disabled={repository.isDisabled}>
          Create build profile
        </SubmitButton>
      </form>
    </section>
  );
}
