import type { Metadata } from "next";
import Link from "next/link";
import { MarkNoticesSeen } from "@/components/notices/mark-seen";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { markNoticesSeenAction } from "@/lib/actions/session";
import { requireScope } from "@/lib/auth/guards";
import { listMyNotices } from "@/lib/data/notifications";
import { mailConfigured } from "@/lib/notifications/mailer";
import { noticeLinkLabel, noticePath, renderNotice } from "@/lib/notifications/render";
import { formatTime } from "@/lib/shared/dates";

export const metadata: Metadata = { title: "Notices" };

/**
 * What Keel told the signed-in person: connections they own or administer that need attention,
 * builds of theirs that failed or were fixed — the same notices as the e-mails, here whether or
 * not e-mail is set up. Opening the page marks them seen.
 */
export default async function NoticesPage() {
  const { scope } = await requireScope("account.preferences");
  const { notices } = await listMyNotices(scope);
  const mail = mailConfigured();
  return (
    <>
      <PageHeader
        title="Notices"
        description={`Connections you own or administer that need attention, builds you started, wrote or watch that failed or were fixed (and every build of the profiles you watch that way), your API tokens that end soon, and for admins signing files that expire, builds waiting without a worker, webhooks that fail and testers' new devices. ${mail ? "Keel e-mails them too." : "Keel does not send e-mail here (SMTP is not set up), so this page is where they arrive."} Kept for 90 days.`}
      />
      {notices.length === 0 ? (
        <EmptyState title="No notices">
          Keel tells you here when a connection you own or administer stops working or is about to expire, and when a build you started or of your commit fails or is fixed.
        </EmptyState>
      ) : (
        <ol className="space-y-3" aria-label="Notices, newest first">
          {notices.map((notice) => {
            const { subject, text } = renderNotice(notice.kind, notice.data, null);
            const path = noticePath(notice);
            return (
              <li key={notice.id} className={`rounded-lg border bg-white p-4 shadow-sm ${notice.isNew ? "border-brand-300" : "border-slate-200"}`}>
                <div className="flex flex-wrap items-center gap-2">
                  {notice.isNew ? <Badge tone="info">New</Badge> : null}
                  <h2 className="text-sm font-semibold text-slate-900">{subject.replace(/^Keel: /, "")}</h2>
                  <span className="text-xs text-slate-600">{formatTime(notice.createdAt)}</span>
                </div>
                <div className="mt-2 space-y-2 text-sm text-slate-700">
                  {text
                    .trim()
                    .split(/\n{2,}/)
                    .map((paragraph) => (
                      // Lines inside a paragraph stay lines (the commits since the last good build, what went wrong).
                      <p key={paragraph} className="break-words whitespace-pre-line">
                        {paragraph}
                      </p>
                    ))}
                </div>
                {path ? (
                  <Link href={path} className="mt-2 inline-block text-sm font-medium text-brand-700 underline">
                    {noticeLinkLabel(path)}
                  </Link>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      <MarkNoticesSeen action={markNoticesSeenAction} />
    </>
  );
}
