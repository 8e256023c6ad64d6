"use client";

import { useActionState } from "react";
import { useVariableRows, VariableRows, variablesPayload } from "@/components/builds/variable-rows";
import { SaveAnswer } from "@/components/ui/save-answer";
import { TextAreaField, TextField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";
import { WORKFLOW_LIMITS, type WorkflowVariableView } from "@/lib/shared/workflow";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

/**
 * A variable group's form (admins): name, description and variables, sent with the version the
 * page showed (a save over someone else's newer one is refused, edits kept here). The variables
 * go as one JSON field; secret values are write-only, as in a workflow.
 */
export function VariableGroupEditor({ action, name, description, variables: initialVariables, version }: { action: Action; name: string; description: string; variables: WorkflowVariableView[]; version: string }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const [variables, setVariables] = useVariableRows(initialVariables, version);
  const errors = state.status === "error" ? state.fieldErrors : {};
  const sent = state.status === "error" ? state.values : null;
  const variableErrors = [...(errors.variables ?? []), ...(errors.basedOn ?? []), ...(errors._form ?? [])];
  return (
    // noValidate: the server checks every variable at once and names each in its message.
    <form action={formAction} noValidate className="space-y-6" aria-label="Variable group">
      <input type="hidden" name="variables" value={JSON.stringify(variablesPayload(variables))} />
      <input type="hidden" name="basedOn" value={version} />
      <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
        <TextField label="Name" name="name" defaultValue={sent?.name ?? name} errors={errors.name} maxLength={WORKFLOW_LIMITS.groupName} required />
        <TextAreaField label="Description" name="description" defaultValue={sent?.description ?? description} errors={errors.description} maxLength={WORKFLOW_LIMITS.groupDescription} rows={2} optional />
      </div>
      <section aria-labelledby="group-variables" className="space-y-3">
        <h2 id="group-variables" className="text-base font-semibold text-slate-900">
          Variables
        </h2>
        <p className="text-sm text-slate-600">
          Every step of the profiles that use this group gets these. A secret value is stored encrypted, never shown again, and replaced by *** wherever it appears in a build&apos;s log. A profile&apos;s own variable of the same name wins over the group&apos;s.
        </p>
        <VariableRows rows={variables} onChange={setVariables} />
      </section>
      <SaveAnswer state={state} problems={variableErrors} failedTitle="The variable group was not saved" />
      <SubmitButton pendingLabel="Saving…">Save variable group</SubmitButton>
    </form>
  );
}
