import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import Link from "next/link";
import { CreateVariableGroupForm } from "@/components/variable-groups/create-group-form";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { createVariableGroupAction } from "@/lib/actions/variable-groups";
import { requireScope } from "@/lib/auth/guards";
import { listVariableGroups } from "@/lib/data/variable-groups";
import { formatTime } from "@/lib/shared/dates";

export const metadata: Metadata = { title: "Variable groups" };

/** Settings → Variable groups (admins): the organization's shared values, and a new group. */
export default async function VariableGroupsPage() {
  const { scope } = await requireScope("variableGroup.manage");
  const groups = await listVariableGroups(scope);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Variable groups" }]}
        title="Variable groups"
        description="Values several build profiles share — a signing password, a store API key — kept once here and chosen in each profile's workflow. Changing a value changes it for every profile that uses the group."
      />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[1fr_22rem]">
        {groups.length === 0 ? (
          <EmptyState title="No variable groups yet">
            Create one on the right for values more than one profile needs, add its variables on its page, then choose it in each profile&apos;s workflow (Edit workflow → Variable groups).
          </EmptyState>
        ) : (
          <DataTable
            caption="Variable groups"
            columns={[
              { key: "name", label: "Name" },
              { key: "variables", label: "Variables" },
              { key: "profiles", label: "Used by" },
              { key: "updated", label: "Changed" },
            ]}
          >
            {groups.map((group) => (
              <tr key={group.id} className="border-t border-slate-100">
                <td className="px-4 py-3">
                  <Link href={`/settings/variable-groups/${group.id}`} className="font-medium text-brand-700 underline">
                    {group.name}
                  </Link>
                  {group.description ? <span className="block text-xs text-slate-600">{group.description}</span> : null}
                </td>
                <td className="px-4 py-3" data-label="Variables">
                  {group.variables === 0 ? "None yet" : `${group.variables}${group.secrets > 0 ? ` (${group.secrets} secret)` : ""}`}
                </td>
                <td className="px-4 py-3" data-label="Used by">
                  {group.profiles === 0 ? "No profile" : `${group.profiles} profile${group.profiles === 1 ? "" : "s"}`}
                </td>
                <td className="px-4 py-3" data-label="Changed">
                  {formatTime(group.updatedAt)}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <Card title="New variable group">
          <CreateVariableGroupForm action={createVariableGroupAction} idempotencyKey={randomUUID()} />
        </Card>
      </div>
    </>
  );
}
