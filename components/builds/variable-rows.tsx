"use client";

import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { WORKFLOW_LIMITS, type WorkflowVariableView } from "@/lib/shared/workflow";

/** One variable as an editor holds it: `stored` while a secret keeps the value Keel has. */
export type VariableRow = { key: number; name: string; isSecret: boolean; value: string; stored: boolean };

export const inputClass = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600";

/** The rows an editor starts from (a stored secret shows empty, "stored"). */
export function variableRows(variables: readonly WorkflowVariableView[]): VariableRow[] {
  return variables.map((variable, index) => ({ key: index, name: variable.name, isSecret: variable.isSecret, value: variable.value ?? "", stored: variable.isSecret }));
}

/**
 * The rows an editor holds, started from the saved variables and started again from them when a
 * save made a new `version` (the page re-renders with it): a secret just saved then shows as
 * stored, not as the text typed, and leaving it empty keeps it.
 */
export function useVariableRows(saved: readonly WorkflowVariableView[], version: string): [VariableRow[], (update: (current: VariableRow[]) => VariableRow[]) => void] {
  const [rows, setRows] = useState<VariableRow[]>(() => variableRows(saved));
  const [shown, setShown] = useState({ version, generation: 0 });
  if (shown.version !== version) {
    // Adjusting state while rendering (React's documented pattern for "reset when a prop changes").
    // New keys: no row's inputs are reused for another variable (a Secret box is uncontrolled).
    const generation = shown.generation + 1;
    setShown({ version, generation });
    setRows(variableRows(saved).map((row) => ({ ...row, key: row.key + generation * 1_000_000 })));
  }
  return [rows, setRows];
}

/** What the server gets: a stored secret left empty is sent as null (keep the stored value). */
export function variablesPayload(rows: readonly VariableRow[]): Array<{ name: string; isSecret: boolean; value: string | null }> {
  return rows.map((variable) => ({ name: variable.name, isSecret: variable.isSecret, value: variable.isSecret && variable.stored && variable.value === "" ? null : variable.value }));
}

/**
 * The variables of a workflow or a variable group: name, value (a password field for a secret,
 * whose stored value is never shown), Secret, Remove, and Add a variable. Secret values are
 * write-only: a stored one is kept unless a new value is typed.
 */
export function VariableRows({ rows, onChange }: { rows: VariableRow[]; onChange: (update: (current: VariableRow[]) => VariableRow[]) => void }) {
  const id = useId();
  const [counter, setCounter] = useState(1_000);
  const change = (key: number, patch: (row: VariableRow) => Partial<VariableRow>) => onChange((current) => current.map((item) => (item.key === key ? { ...item, ...patch(item) } : item)));
  return (
    <>
      {rows.length === 0 ? <p className="text-sm text-slate-600">No variables yet.</p> : null}
      <ul className="space-y-3">
        {rows.map((variable, index) => (
          <li key={variable.key} className="grid grid-cols-1 gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-[12rem_1fr_auto_auto] sm:items-end">
            <div>
              <label htmlFor={`${id}-var-${variable.key}`} className="block text-sm text-slate-700">
                Name
              </label>
              <input
                id={`${id}-var-${variable.key}`}
                className={`${inputClass} font-mono`}
                value={variable.name}
                maxLength={WORKFLOW_LIMITS.variableName}
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => change(variable.key, () => ({ name: event.target.value }))}
              />
            </div>
            <div>
              <label htmlFor={`${id}-val-${variable.key}`} className="block text-sm text-slate-700">
                {variable.isSecret ? "Secret value" : "Value"}
              </label>
              <input
                id={`${id}-val-${variable.key}`}
                type={variable.isSecret ? "password" : "text"}
                className={`${inputClass} font-mono`}
                value={variable.value}
                placeholder={variable.isSecret && variable.stored ? "Stored — type a new value to replace it" : ""}
                maxLength={WORKFLOW_LIMITS.variableValue}
                autoComplete={variable.isSecret ? "new-password" : "off"}
                spellCheck={false}
                onChange={(event) => change(variable.key, () => ({ value: event.target.value }))}
              />
            </div>
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input
                type="checkbox"
                // Not `checked`: React resets the form after each answer, to the defaults (components/ui/use-radio-choice.ts).
                defaultChecked={variable.isSecret}
                onChange={(event) => change(variable.key, (item) => ({ isSecret: event.target.checked, stored: event.target.checked ? item.stored : false, value: event.target.checked ? item.value : item.stored ? "" : item.value }))}
              />
              Secret
            </label>
            <Button type="button" variant="ghost" className="text-red-700" onClick={() => onChange((current) => current.filter((item) => item.key !== variable.key))} aria-label={`Remove variable ${variable.name || index + 1}`}>
              Remove
            </Button>
          </li>
        ))}
      </ul>
      <Button
        type="button"
        variant="secondary"
        disabled={rows.length >= WORKFLOW_LIMITS.variables}
        onClick={() => {
          setCounter((value) => value + 1);
          onChange((current) => [...current, { key: counter, name: "", isSecret: false, value: "", stored: false }]);
        }}
      >
        Add a variable
      </Button>
    </>
  );
}
