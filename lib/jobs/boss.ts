// pg-boss on Keel's own database, in its own schema. Not a "server-only" module: the
// launcher, `npm run db:migrate` and Vitest's global setup install the schema from plain
// Node, outside Next's react-server condition (see README.md, "Running lib/ in the worker").
import PgBoss from "pg-boss";

/** The PostgreSQL schema pg-boss owns. Prisma's migrations never touch it (they live in `public`). */
export const JOB_SCHEMA = "pgboss";

export type BossRole =
  /** A web process: sends jobs and reads counts; never fetches, never maintains, never migrates. */
  | "sender"
  /** A worker process: fetches jobs and runs pg-boss's maintenance (expiry, archive). */
  | "worker";

export type BossOptions = {
  /** Seconds between maintenance runs (expiry of jobs whose worker died, archiving). Workers only. */
  maintenanceSeconds?: number;
  /** Connections in pg-boss's own pool. */
  poolSize?: number;
};

/**
 * A pg-boss instance for this process. Its own small pool, separate from Prisma's, because
 * pg-boss runs its own SQL (and its schema is not Prisma's). The caller must attach an
 * 'error' listener before start(): pg-boss emits pool errors (a restarted PostgreSQL), and an
 * unhandled 'error' event would end the process.
 */
export function createBoss(databaseUrl: string, role: BossRole, options: BossOptions = {}): PgBoss {
  return new PgBoss({
    connectionString: databaseUrl,
    schema: JOB_SCHEMA,
    application_name: `keel-jobs-${role}`,
    max: options.poolSize ?? (role === "worker" ? 4 : 2),
    // Installing or upgrading the schema is done once, up front (installJobSchema).
    migrate: false,
    // Keel's schedules are its own (lib/jobs/schedules.ts): pg-boss's cron has a one-minute
    // floor and its own send-it queue; ours are slots with derived job ids.
    schedule: false,
    supervise: role === "worker",
    maintenanceIntervalSeconds: options.maintenanceSeconds ?? 30,
    // Completed and failed jobs stay visible (health counts, inspection) for a day.
    archiveCompletedAfterSeconds: 24 * 3_600,
    archiveFailedAfterSeconds: 7 * 24 * 3_600,
    deleteAfterDays: 7,
  });
}

/**
 * Creates or upgrades pg-boss's schema (idempotent; concurrent callers serialize on
 * pg-boss's advisory lock). Run wherever Prisma's migrations are applied.
 */
export async function installJobSchema(databaseUrl: string): Promise<void> {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: JOB_SCHEMA, max: 1, migrate: true, schedule: false, supervise: false, application_name: "keel-jobs-migrate" });
  const errors: unknown[] = [];
  boss.on("error", (error) => errors.push(error));
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
}
