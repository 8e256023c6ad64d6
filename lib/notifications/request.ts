import "server-only";
import { enqueue } from "@/lib/jobs/enqueue";
import { noticeEmailQueue } from "@/lib/jobs/queues";
import { logger } from "@/lib/logger";
import { mailConfigured } from "./mailer";

const log = logger("notifications.request");

/**
 * Asks a worker to e-mail pending notices now (after a status change or a reminder was
 * recorded). Best effort and never throws: the `notifications.email` schedule sends whatever
 * this missed a few minutes later.
 */
export async function requestNoticeEmails(): Promise<void> {
  if (!mailConfigured()) {
    return;
  }
  try {
    await enqueue(noticeEmailQueue, {}, {});
  } catch (error) {
    log.warn({ err: error }, "could not queue the notice e-mails; the schedule will send them");
  }
}
