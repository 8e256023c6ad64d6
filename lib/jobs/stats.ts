import "server-only";
import { JOB_SCHEMA } from "./boss";
import { jobSender } from "./enqueue";

export type JobCounts = {
  /** Waiting to run (new, or waiting for a retry). */
  queued: number;
  running: number;
  /** Failed for good and not yet archived (kept 7 days). */
  failed: number;
  /** Waiting in a dead-letter queue (`<queue>.dead`) for someone to look at them. */
  deadLettered: number;
};

/**
 * Job counts across every queue, for /api/health. One pass over pg-boss's job table, which
 * holds only recent jobs (completed ones are archived after a day, failed ones after a week).
 */
export async function jobCounts(): Promise<JobCounts> {
  const boss = await jobSender();
  const { rows } = await boss.getDb().executeSql(
    `SELECT
       count(*) FILTER (WHERE state IN ('created', 'retry') AND name NOT LIKE '%.dead') AS queued,
       count(*) FILTER (WHERE state = 'active' AND name NOT LIKE '%.dead') AS running,
       count(*) FILTER (WHERE state = 'failed' AND name NOT LIKE '%.dead') AS failed,
       count(*) FILTER (WHERE state IN ('created', 'retry') AND name LIKE '%.dead') AS dead_lettered
     FROM ${JOB_SCHEMA}.job`,
    [],
  );
  const row = (rows[0] ?? {}) as Record<string, string | number | undefined>;
  return { queued: Number(row.queued ?? 0), running: Number(row.running ?? 0), failed: Number(row.failed ?? 0), deadLettered: Number(row.dead_lettered ?? 0) };
}
