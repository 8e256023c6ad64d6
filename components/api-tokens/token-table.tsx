import { Badge } from "@/components/ui/badge";
import { DeleteButton } from "@/components/ui/confirm-dialog";
import { DataTable } from "@/components/ui/data-table";
import { When } from "@/components/ui/when";
import type { ApiTokenView } from "@/lib/data/api-tokens";
import type { FormState } from "@/lib/shared/form-state";

type Action = (previous: FormState, formData: FormData) => Promise<FormState>;

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** A list of API tokens with when each ends and was last used, and Revoke (which asks first). */
export function ApiTokenTable({ caption, tokens, showOwner, revoke, now }: { caption: string; tokens: ApiTokenView[]; showOwner: boolean; revoke: (id: string) => Action; now: Date }) {
  return (
    <DataTable
      caption={caption}
      columns={[
        { key: "name", label: "Name" },
        ...(showOwner ? [{ key: "owner", label: "Owner" }] : []),
        { key: "expires", label: "Expires" },
        { key: "used", label: "Last used" },
        { key: "actions", label: <span className="sr-only">Actions</span> },
      ]}
    >
      {tokens.map((token) => {
        const expired = token.expiresAt.getTime() <= now.getTime();
        const soon = !expired && token.expiresAt.getTime() - now.getTime() < WEEK_MS;
        return (
          <tr key={token.id} className="border-t border-slate-100">
            <td className="px-4 py-3">
              <span className="font-medium text-slate-900">{token.name}</span>
              {token.readOnly ? (
                <Badge tone="neutral" className="ml-2">
                  Read only
                </Badge>
              ) : null}
              <span className="block font-mono text-xs text-slate-600">{token.prefix}…</span>
            </td>
            {showOwner ? (
              <td className="px-4 py-3" data-label="Owner">
                {token.owner.name}
                <span className="block text-xs text-slate-600">{token.owner.email}</span>
                {token.owner.isActive ? null : (
                  <Badge tone="warning" className="mt-1">
                    Owner disabled: the token does not work
                  </Badge>
                )}
              </td>
            ) : null}
            <td className="px-4 py-3" data-label="Expires">
              {expired ? (
                <Badge tone="error">Expired</Badge>
              ) : soon ? (
                <Badge tone="warning">
                  Ends <When date={token.expiresAt} relative now={now} />
                </Badge>
              ) : (
                <When date={token.expiresAt} day />
              )}
            </td>
            <td className="px-4 py-3" data-label="Last used">
              {token.lastUsedAt ? (
                <>
                  <When date={token.lastUsedAt} relative now={now} />
                  {token.lastUsedIp ? <span className="block text-xs text-slate-600">from {token.lastUsedIp}</span> : null}
                </>
              ) : (
                "Never"
              )}
            </td>
            <td className="px-4 py-3 text-right">
              <DeleteButton
                label="Revoke"
                accessibleLabel={`Revoke ${token.name}`}
                action={revoke(token.id)}
                text={{
                  title: `Revoke “${token.name}”?`,
                  description: <p>Scripts that use it are refused from their next request. This cannot be undone: a script that still needs access needs a new token.</p>,
                  confirmLabel: "Revoke token",
                  pendingLabel: "Revoking…",
                }}
              />
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
