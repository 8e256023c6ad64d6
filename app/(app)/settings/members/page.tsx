import type { Metadata } from "next";
import { AddMemberForm } from "@/components/members/add-member-form";
import { MemberRowActions } from "@/components/members/member-row-actions";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { addMemberAction, changeRoleAction, regenerateInvitationAction, resetPasswordAction, setMemberActiveAction, unlockSignInAction } from "@/lib/actions/members";
import { InvitationLink } from "@/components/members/invitation-link";
import { requireScope } from "@/lib/auth/guards";
import { throttledUserIds } from "@/lib/auth/sign-in";
import { listMembers } from "@/lib/data/members";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  const { user: admin, scope } = await requireScope("member.manage");
  const members = await listMembers(scope);
  const throttled = await throttledUserIds(members.map((member) => member.userId));
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Members" }]} title="Members" description="Admins manage connections and members. Members use connections to create build profiles." />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <Card title={`${members.length} member${members.length === 1 ? "" : "s"}`}>
          {/* A list of cards on a phone (globals.css, .table-cards). */}
          <div className="table-cards table-cards-flush">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Members of {admin.organizationName}</caption>
              <thead>
                <tr className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Member
                  </th>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Status
                  </th>
                  <th scope="col" className="py-2 text-right font-medium">
                    Role
                  </th>
                </tr>
              </thead>
              <tbody>
                {members.map((member) => (
                  <tr key={member.userId} className="border-b border-slate-100 align-top last:border-0">
                    <td className="py-3 pr-3">
                      <p className="font-medium text-slate-900">{member.name}</p>
                      <p className="break-all text-slate-600">{member.email}</p>
                    </td>
                    <td className="py-3 pr-3">
                      {!member.isActive ? (
                        <Badge tone="error">Disabled</Badge>
                      ) : member.openLink === "PASSWORD_RESET" ? (
                        <Badge tone="warning">Password reset</Badge>
                      ) : member.pendingInvitation ? (
                        <Badge tone="warning">Invited</Badge>
                      ) : (
                        <Badge tone="success">Active</Badge>
                      )}
                      {throttled.has(member.userId) ? (
                        <Badge tone="warning" className="ml-1">
                          Sign-in throttled
                        </Badge>
                      ) : null}
                      {member.role === "ADMIN" ? (
                        <Badge tone="info" className="ml-1">
                          Admin
                        </Badge>
                      ) : null}
                      {member.isActive && member.pendingInvitation && member.openLink !== "PASSWORD_RESET" ? <InvitationLink memberName={member.name} action={regenerateInvitationAction.bind(null, member.userId)} /> : null}
                    </td>
                    <td className="py-3" data-label="Role">
                      <MemberRowActions
                        memberId={member.userId}
                        memberName={member.name}
                        role={member.role}
                        isActive={member.isActive}
                        isSelf={member.userId === admin.id}
                        signInThrottled={throttled.has(member.userId)}
                        changeRole={changeRoleAction.bind(null, member.userId)}
                        toggleActive={setMemberActiveAction.bind(null, member.userId, !member.isActive)}
                        unlockSignIn={unlockSignInAction.bind(null, member.userId)}
                        resetPassword={resetPasswordAction.bind(null, member.userId)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
        <Card title="Add a member">
          <AddMemberForm action={addMemberAction} />
        </Card>
      </div>
    </>
  );
}
