import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AddMemberForm } from "@/components/members/add-member-form";
import { MemberRowActions } from "@/components/members/member-row-actions";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FilterBar, FilterField, FilterSelect, filterControlClasses, IgnoredFilters, NoMatches } from "@/components/ui/filters";
import { ListPages } from "@/components/ui/list-pages";
import { PageHeader } from "@/components/ui/page-header";
import { When } from "@/components/ui/when";
import { addMemberAction, changeRoleAction, regenerateInvitationAction, resetPasswordAction, setMemberActiveAction, unlockSignInAction } from "@/lib/actions/members";
import { InvitationLink } from "@/components/members/invitation-link";
import { requireScope } from "@/lib/auth/guards";
import { throttledUserIds } from "@/lib/auth/sign-in";
import { connectionsHeldBy, type HeldConnection } from "@/lib/data/connections";
import { IDLE_DAYS, isIdleSignIn, listMembers } from "@/lib/data/members";
import { memberListQuerySchema, type MemberListQuery } from "@/lib/validation/auth";
import { matchCount } from "@/lib/shared/names";
import { listHref, parseListQuery, searchParamsObject } from "@/lib/validation/list-query";

export const metadata: Metadata = { title: "Members" };

const PAGE_SIZE = 50;

const ROLES = [
  { value: "", label: "Any role" },
  { value: "ADMIN", label: "Admins" },
  { value: "MEMBER", label: "Members" },
];

const STATUSES = [
  { value: "", label: "Any status" },
  { value: "ACTIVE", label: "Active" },
  { value: "INVITED", label: "Invited (no password yet)" },
  { value: "DISABLED", label: "Disabled" },
  { value: "IDLE", label: `Not signed in for ${IDLE_DAYS} days` },
];

/** The members page's address for a query (filters kept, defaults left out). */
function href(query: MemberListQuery, change: Partial<MemberListQuery>): string {
  const next = { ...query, ...change };
  return listHref("/settings/members", { q: next.q, role: next.role, status: next.status, page: next.page });
}

export default async function MembersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { user: admin, scope } = await requireScope("member.manage");
  // A hand-edited URL never breaks the page: a bad filter is named and ignored, the others still apply.
  const { query, problems } = parseListQuery(memberListQuerySchema, searchParamsObject(await searchParams));
  const { members, total } = await listMembers(scope, { ...query, pageSize: PAGE_SIZE });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (members.length === 0 && total > 0 && query.page > pages) {
    // A page past the end (a bookmark, members removed since): the last page, not "nobody matches".
    redirect(href(query, { page: pages }));
  }
  const filtered = Boolean(query.q || query.role || query.status);
  const userIds = members.map((member) => member.userId);
  const [throttled, held] = await Promise.all([throttledUserIds(userIds), connectionsHeldBy(scope, userIds)]);
  const now = new Date();
  return (
    <>
      <PageHeader breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Members" }]} title="Members" description="Admins manage connections and members. Members use connections to create build profiles." />
      <IgnoredFilters problems={problems} />
      <div className="grid grid-cols-1 items-start gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0">
          <FilterBar action="/settings/members" label="Filter members" clear={filtered ? "/settings/members" : null}>
            <FilterField id="members-q" label="Search" className="min-w-48 flex-1">
              <input id="members-q" name="q" type="search" defaultValue={query.q ?? ""} maxLength={200} placeholder="Name or email" className={`${filterControlClasses} w-full`} />
            </FilterField>
            <FilterSelect id="members-role" label="Role" name="role" defaultValue={query.role ?? ""} options={ROLES} />
            <FilterSelect id="members-status" label="Status" name="status" defaultValue={query.status ?? ""} options={STATUSES} />
          </FilterBar>
          <Card title={matchCount(total, "member", "members", filtered)}>
            {members.length === 0 ? (
              <NoMatches title="No member matches" clear="/settings/members">
                Search by part of a name or an email, or choose another role or status.
              </NoMatches>
            ) : (
              <>
                {/* A list of cards on a phone (globals.css, .table-cards). */}
                <div className="table-cards table-cards-flush">
                  <table className="w-full text-left text-sm">
                    <caption className="sr-only">Members of {admin.organizationName}</caption>
                    <thead>
                      <tr className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                        <th scope="col" className="w-2/5 py-2 pr-3 font-medium">
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
                            <p className="text-slate-600 [overflow-wrap:anywhere]">{member.email}</p>
                            <HeldConnections connections={held.get(member.userId) ?? []} active={member.isActive} />
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
                            {member.pendingInvitation ? null : (
                              <p className={`mt-1 text-xs ${member.isActive && isIdleSignIn(member.lastSignInAt, now) ? "text-amber-900" : "text-slate-600"}`}>
                                {member.lastSignInAt ? (
                                  <>
                                    Last signed in <When date={member.lastSignInAt} relative />
                                  </>
                                ) : (
                                  "No sign-in recorded"
                                )}
                                {member.isActive && isIdleSignIn(member.lastSignInAt, now) ? `: if they have left, disable the account (their connections keep working until handed over).` : null}
                              </p>
                            )}
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
                <ListPages page={query.page} pages={pages} hrefOf={(page) => href(query, { page })} />
              </>
            )}
          </Card>
        </div>
        {/* First on a phone: with many members, the form would sit below all of them. */}
        <Card title="Add a member" className="order-first lg:order-none">
          <AddMemberForm action={addMemberAction} />
        </Card>
      </div>
    </>
  );
}

/** How many connections a member row names (the rest are counted). */
const HELD_NAMED = 3;

/**
 * The connections a member owns, or that sign in with their token or identity. Disabling
 * someone does not stop those: the row says which are still theirs, and where to hand them over.
 */
function HeldConnections({ connections, active }: { connections: HeldConnection[]; active: boolean }) {
  const shown = active ? connections.filter((connection) => connection.owner) : connections;
  if (shown.length === 0) {
    return null;
  }
  const rest = shown.length - HELD_NAMED;
  const names = (
    <>
      {shown.slice(0, HELD_NAMED).map((connection, index) => (
        <span key={connection.id}>
          {index > 0 ? ", " : ""}
          <Link href={`/connections/${connection.id}${active ? "" : "#owner"}`} className="underline">
            {connection.name}
          </Link>
        </span>
      ))}
      {rest > 0 ? ` and ${rest} more` : ""}
    </>
  );
  return active ? (
    <p className="mt-1 text-xs text-slate-600">Owns {names}</p>
  ) : (
    <p className="mt-1 text-xs text-amber-900">
      Still theirs: {names}. Hand {shown.length === 1 ? "it" : "each"} to an active admin on its page, who then replaces the token or re-authorizes with their own.
    </p>
  );
}
