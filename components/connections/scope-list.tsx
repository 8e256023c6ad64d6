import { scopeLabel } from "@/lib/shared/scopes";

/** Scopes by their human names ("Code (Read)"), each with its id for whoever compares with Azure DevOps. */
export function ScopeList({ scopes, label }: { scopes: readonly string[]; label: string }) {
  if (scopes.length === 0) {
    return <span className="text-slate-600">—</span>;
  }
  return (
    <ul aria-label={label} className="flex flex-wrap gap-1.5">
      {scopes.map((scope) => (
        <li key={scope} className="inline-flex flex-wrap items-baseline gap-x-1 rounded-md bg-slate-100 px-2 py-0.5 text-xs text-slate-800">
          <span className="font-medium">{scopeLabel(scope)}</span>
          {scopeLabel(scope) !== scope ? <span className="break-all font-mono text-slate-600">{scope}</span> : null}
        </li>
      ))}
    </ul>
  );
}
