import type { ScopeInfo } from "@/lib/azure-devops/scopes";

/** The permissions Keel asks for, shown before the admin leaves Keel for the consent page. */
export function OAuthScopesTable({ scopes, extra }: { scopes: readonly ScopeInfo[]; extra?: { scope: string; purpose: string }[] }) {
  return (
    // A list of cards in a narrow pane (globals.css, .table-cards), so scope ids never break mid-way.
    <div className="table-cards table-cards-flush">
      <table className="w-full text-left text-sm">
        <caption className="mb-2 text-left font-semibold text-slate-900">Permissions Keel asks for</caption>
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Permission
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Scope
            </th>
            <th scope="col" className="py-1 font-medium">
              Why
            </th>
          </tr>
        </thead>
        <tbody>
          {scopes.map((scope) => (
            <tr key={scope.id} className="border-t border-slate-100 align-top">
              <td className="py-2 pr-3 font-medium text-slate-900">{scope.label}</td>
              <td className="py-2 pr-3 font-mono text-xs text-slate-700" data-label="Scope">{scope.id}</td>
              <td className="py-2 text-slate-700" data-label="Why">{scope.purpose}</td>
            </tr>
          ))}
          {extra?.map((item) => (
            <tr key={item.scope} className="border-t border-slate-100 align-top">
              <td className="py-2 pr-3 font-medium text-slate-900">Sign-in</td>
              <td className="py-2 pr-3 font-mono text-xs text-slate-700" data-label="Scope">{item.scope}</td>
              <td className="py-2 text-slate-700" data-label="Why">{item.purpose}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
