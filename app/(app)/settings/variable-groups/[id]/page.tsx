import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { VariableGroupEditor } from "@/components/variable-groups/group-editor";
import { Card } from "@/components/ui/card";
import { DeleteButton } from "@/components/ui/confirm-dialog";
import { DangerAction, DangerZone } from "@/components/ui/danger-zone";
import { PageHeader } from "@/components/ui/page-header";
import { deleteVariableGroupAction, updateVariableGroupAction } from "@/lib/actions/variable-groups";
import { requireScope } from "@/lib/auth/guards";
import { getVariableGroup } from "@/lib/data/variable-groups";
import { formatTime } from "@/lib/shared/dates";
import { idSchema } from "@/lib/validation/auth";

export const metadata: Metadata = { title: "Variable group" };

/** One variable group (admins): its variables, the profiles that use it, and Delete. */
export default async function VariableGroupPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("variableGroup.manage");
  const { id } = await params;
  const group = idSchema.safeParse(id).success ? await getVariableGroup(scope, id) : null;
  if (!group) {
    notFound();
  }
  const users = group.profiles.length;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Variable groups", href: "/settings/variable-groups" }, { label: group.name }]}
        title={group.name}
        description={`Changed ${formatTime(group.updatedAt)}. ${users === 0 ? "No profile uses it yet." : `Used by ${users} profile${users === 1 ? "" : "s"}.`}`}
      />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <Card>
          <VariableGroupEditor action={updateVariableGroupAction.bind(null, group.id)} name={group.name} description={group.description} variables={group.variables} version={group.version} />
        </Card>
        <Card title="Used by" description="Profiles whose builds get these variables. Choose the group in a profile's workflow to add it there.">
          {users === 0 ? (
            <p className="text-sm text-slate-600">
              No profile yet. Open a profile, choose Edit workflow, and tick this group under Variable groups.
            </p>
          ) : (
            <ul className="space-y-1 text-sm">
              {group.profiles.map((profile) => (
                <li key={profile.id}>
                  <Link href={`/profiles/${profile.id}/workflow`} className="font-medium text-brand-700 underline">
                    {profile.name}
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <DangerZone className="mt-6">
        <DangerAction
          title="Delete this variable group"
          description={users === 0 ? "Its variables are deleted with it." : `Its variables are deleted with it, and the ${users === 1 ? "profile that uses it no longer gets them" : `${users} profiles that use it no longer get them`}.`}
          action={
            <DeleteButton
              action={deleteVariableGroupAction.bind(null, group.id)}
              text={{
                title: `Delete the variable group “${group.name}”?`,
                description: (
                  <p>
                    {users === 0 ? "No profile uses it." : `${group.profiles.map((profile) => profile.name).join(", ")} will build without its variables.`} Its secret values cannot be recovered. This cannot be undone.
                  </p>
                ),
                confirmLabel: "Delete variable group",
                pendingLabel: "Deleting…",
              }}
            />
          }
        />
      </DangerZone>
    </>
  );
}
