import "server-only";
import { effectRecorded, runOnce } from "@/lib/data/jobs";
import { listNoticesToEmail, markNoticeEmailed } from "@/lib/data/notifications";
import { getEnv } from "@/lib/env";
import type { JobContext } from "@/lib/jobs/define";
import { logger } from "@/lib/logger";
import { mailConfigured, sendMail } from "./mailer";
import { noticePath, renderNotice } from "./render";

const log = logger("notifications.email");

/** Notices older than this are not e-mailed any more (SMTP was down for a day, or just configured). */
const MAX_AGE_MS = 24 * 3_600_000;

/**
 * The `notifications.email` job: e-mails every pending notice to each of its recipients, once.
 * An e-mail is an outbound effect (lib/jobs/README.md, "Idempotency"): its key
 * `mail:<notice>:<user>` is checked first and recorded right after the SMTP server accepted the
 * message, so a retried job sends only what is missing (a crash between the two repeats one
 * e-mail, never a notice). A recipient whose e-mail fails fails the job, which is retried.
 */
export async function emailNoticesJob(_payload: Record<string, never>, context: JobContext<"global">): Promise<void> {
  if (!mailConfigured()) {
    return;
  }
  const base = getEnv().KEEL_PUBLIC_URL ?? `http://localhost:${getEnv().PORT}`;
  let failures = 0;
  for (const notice of await listNoticesToEmail(MAX_AGE_MS)) {
    if (context.signal.aborted) {
      return;
    }
    const { subject, text } = renderNotice(notice.kind, notice.data, noticeLink(base, notice));
    let sentAll = true;
    for (const recipient of notice.recipients) {
      const key = `mail:${notice.id}:${recipient.id}`;
      if (await effectRecorded(key)) {
        continue;
      }
      try {
        await sendMail({ to: recipient.email, subject, text, headers: { "X-Keel-Notice": notice.id } });
      } catch (error) {
        sentAll = false;
        failures += 1;
        log.warn({ err: error, noticeId: notice.id }, "an e-mail could not be sent");
        continue;
      }
      await runOnce({ key, queue: context.queue, jobId: context.jobId, organizationId: notice.organizationId }, async () => undefined);
    }
    if (sentAll) {
      await markNoticeEmailed(notice.id);
    }
  }
  if (failures > 0) {
    throw new Error(`${failures} e-mail${failures === 1 ? "" : "s"} could not be sent; retrying`);
  }
}

/** The page a notice links to, as an absolute URL. */
function noticeLink(base: string, notice: { kind: string; data: unknown; connectionId: string | null }): string | null {
  const path = noticePath(notice);
  return path ? `${base}${path}` : null;
}
