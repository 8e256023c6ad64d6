"use client";

import { useActionState, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { FieldErrors, TextField } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

export type OrganizationOption = {
  name: string;
  projects: number | null;
  projectsMore: boolean;
  problem?: "oauth_policy" | "error";
  problemText?: string;
  /** Keel's connections to this organization already (the wizard warns and links them). */
  connected?: { id: string; name: string }[];
};

/**
 * The option chosen when the page opens: the draft's own, else the first organization that can
 * be connected (not blocked by its policy, not unreachable, not connected already), else the
 * first that works at all. Never one whose policy blocks Keel while another would do.
 */
export function initialOrganizationOf(organizations: OrganizationOption[], draftOrganization: string | null): string {
  if (draftOrganization && organizations.some((option) => option.name === draftOrganization)) {
    return draftOrganization;
  }
  const usable = organizations.filter((option) => !option.problem);
  return (usable.find((option) => !option.connected?.length) ?? usable[0] ?? organizations[0])?.name ?? "";
}

function projectsText(option: OrganizationOption): string {
  if (option.projects === null) {
    return "Projects could not be listed";
  }
  const count = `${option.projects}${option.projectsMore ? "+" : ""}`;
  return `${count} project${option.projects === 1 && !option.projectsMore ? "" : "s"}`;
}

/** The organizations the linked identity reaches: pick one, name the connection, check it. */
export function OAuthOrganizationPicker({ action, organizations, initialName, initialOrganization }: { action: Action; organizations: OrganizationOption[]; initialName: string; initialOrganization: string | null }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const values = state.status === "error" ? state.values : {};
  const errors = state.status === "error" ? state.fieldErrors : {};
  const [selected, setSelected] = useState(values.organization ?? initialOrganizationOf(organizations, initialOrganization));
  const [name, setName] = useState(values.name ?? (initialName || selected));
  const [nameEdited, setNameEdited] = useState(Boolean(initialName));
  return (
    <form action={formAction} noValidate className="space-y-5">
      <FormMessage state={state} />
      <fieldset aria-describedby={errors.organization ? "organization-error" : undefined}>
        <legend className="mb-3 text-base font-semibold text-slate-900">Organization</legend>
        <ul className="grid grid-cols-1 gap-3" aria-label="Organizations you can reach">
          {organizations.map((option) => (
            <li key={option.name}>
              <label className="flex cursor-pointer gap-3 rounded-lg border border-slate-300 bg-white p-4 has-[:checked]:border-brand-600 has-[:checked]:ring-1 has-[:checked]:ring-brand-600">
                <input
                  type="radio"
                  name="organization"
                  value={option.name}
                  // Uncontrolled: a choice made before the page's script took over stays made
                  // (a controlled radio is reset to the initial choice when React hydrates).
                  defaultChecked={selected === option.name}
                  onChange={() => {
                    setSelected(option.name);
                    if (!nameEdited) {
                      setName(option.name);
                    }
                  }}
                  className="mt-1"
                />
                <span className="min-w-0">
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="font-medium text-slate-900">{option.name}</span>
                    {option.problem === "oauth_policy" ? <Badge tone="warning">Third-party OAuth access is off</Badge> : option.problem ? <Badge tone="error">Not reachable</Badge> : null}
                    {option.connected?.length ? <Badge tone="info">Already connected</Badge> : null}
                  </span>
                  {option.connected?.length ? (
                    <span className="mt-1 block text-sm text-slate-700">
                      Connected as{" "}
                      {option.connected.map((connection, index) => (
                        <span key={connection.id}>
                          {index > 0 ? ", " : ""}
                          <a href={`/connections/${connection.id}/repositories`} className="font-medium text-brand-700 underline">
                            {connection.name}
                          </a>
                        </span>
                      ))}
                      : pick a repository there instead of connecting it twice.
                    </span>
                  ) : null}
                  <span className="mt-1 block text-sm text-slate-600">{projectsText(option)}</span>
                  {option.problemText ? <span className="mt-1 block text-sm text-slate-700">{option.problemText}</span> : null}
                </span>
              </label>
            </li>
          ))}
        </ul>
        <FieldErrors id="organization-error" errors={errors.organization} spaced />
      </fieldset>
      <TextField
        label="Connection Name"
        name="name"
        required
        maxLength={100}
        value={name}
        onChange={(event) => {
          setName(event.currentTarget.value);
          setNameEdited(true);
        }}
        errors={errors.name}
        hint="How your team will recognise this connection, e.g. Fabrikam Mobile."
      />
      <SubmitButton pendingLabel="Checking the organization, the token and its scopes…">Check connection</SubmitButton>
    </form>
  );
}

/** "Refresh list": lists the organizations again without a new consent. */
export function RefreshOrganizations({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  return (
    <form action={formAction} className="space-y-2">
      <SubmitButton variant="ghost" pendingLabel="Listing your organizations…">
        Refresh list
      </SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
