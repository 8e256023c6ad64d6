// A worker process of the job engine (entry points: worker-main.ts, and the tests' fixture).
//
// It runs under Node's "react-server" export condition (package.json: `node
// --conditions=react-server --import tsx …`): lib/ server modules start with
// `import "server-only"`, whose package throws on import unless that condition is set — the
// condition Next.js itself sets for server code. With it the marker resolves to an empty
// module, so the worker runs the very modules the web server runs, unchanged.
import "server-only";
import os from "node:os";
import path from "node:path";
import { configuredBuildUser } from "@/lib/builds/build-user";
import { cleanUpLeftWorkspaces } from "@/lib/builds/sweep";
import { assertServerSecrets, childProcessEnv, EnvError, getEnv, parseEnv, supplyUnsetVariables } from "@/lib/env";
import { configureLogger, logger } from "@/lib/logger";
import { applyMigrations } from "@/prisma/runner";
import { loadOrCreateSecrets } from "@/lib/runtime/secrets";
import { installJobSchema } from "./boss";
import type { Registry } from "./define";
import { buildQueueFor } from "./queues";
import { startWorker } from "./worker";

function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/**
 * Runs a worker process for `registry` until SIGTERM/SIGINT (stop: running jobs get the grace
 * period, then are handed back) or SIGQUIT (drain: running builds finish, however long they take,
 * no new ones start, other work goes on meanwhile; then it stops and exits 0). `child`: started by
 * the launcher, which already applied the migrations and copies the output into KEEL_LOG_FILE.
 */
export async function runWorkerProcess(registryOf: Registry | (() => Promise<Registry>), options: { child: boolean }): Promise<void> {
  const { child } = options;
  let env;
  try {
    env = parseEnv(childProcessEnv());
  } catch (error) {
    refuse(error instanceof EnvError ? error.message : String(error));
  }
  if (!env.DATABASE_URL) {
    refuse(
      "npm run worker needs DATABASE_URL: the PostgreSQL the web instances use (postgresql://…). " +
        "On a single machine, `npm start` already runs a worker beside the web server.",
    );
  }
  if (!env.KEEL_ENCRYPTION_KEYS || !env.KEEL_SESSION_SECRET) {
    try {
      assertServerSecrets(env);
    } catch (error) {
      refuse(error instanceof EnvError ? error.message : String(error));
    }
    // Outside production, share the secrets a local `npm start` generated (same data directory).
    const { secrets } = await loadOrCreateSecrets(path.resolve(env.KEEL_DATA_DIR));
    supplyUnsetVariables({ KEEL_ENCRYPTION_KEYS: secrets.encryptionKeys, KEEL_SESSION_SECRET: secrets.sessionSecret });
  }
  env = getEnv();
  let buildUser;
  try {
    // A build user that cannot work is said at start, not by every build failing.
    buildUser = configuredBuildUser();
  } catch (error) {
    refuse(error instanceof Error ? error.message : String(error));
  }
  // The launcher copies a child's output into KEEL_LOG_FILE itself.
  configureLogger(env.LOG_LEVEL, child ? undefined : env.KEEL_LOG_FILE);
  const log = logger("jobs.worker");
  if (!child) {
    // A worker machine may start before any web instance of a new release: bring the schema along.
    const applied = await applyMigrations(env.DATABASE_URL!);
    if (applied.length > 0) {
      log.info({ applied }, "applied database migrations");
    }
    await installJobSchema(env.DATABASE_URL!);
  }
  // Loaded once the configuration is known to be good: Keel's registry reads it as it loads.
  const registry = typeof registryOf === "function" ? await registryOf() : registryOf;
  const worker = await startWorker({
    databaseUrl: env.DATABASE_URL!,
    registry,
    settings: {
      concurrency: env.KEEL_WORKER_CONCURRENCY,
      pollMs: env.KEEL_WORKER_POLL_MS,
      heartbeatMs: env.KEEL_WORKER_HEARTBEAT_MS,
      graceMs: env.KEEL_WORKER_SHUTDOWN_GRACE_MS,
      maintenanceSeconds: env.KEEL_JOB_MAINTENANCE_SECONDS,
      // The build handler's own queue is its first pool's (its other pools share these slots).
      queueConcurrency: { [buildQueueFor(env.KEEL_BUILD_POOLS[0]!).name]: env.KEEL_BUILD_CONCURRENCY },
      buildUser: buildUser?.name ?? null,
    },
    log,
  });
  // Workspaces that runs on this machine left behind (a crash, a restart mid-build) go now, not never.
  void cleanUpLeftWorkspaces(env.KEEL_BUILD_DIR ?? os.tmpdir()).then(
    (removed) => (removed > 0 ? log.info({ removed }, "deleted build workspaces that stopped runs left behind") : undefined),
    (error: unknown) => log.warn({ err: error }, "could not look for build workspaces left behind"),
  );
  const exitAfter = (stopped: Promise<void>) => {
    stopped.then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "worker stop failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => exitAfter(worker.stop("SIGTERM")));
  process.once("SIGINT", () => exitAfter(worker.stop("SIGINT")));
  // SIGQUIT drains (a SIGTERM or SIGINT meanwhile still stops at once, as above). Listened to for
  // good: a repeated SIGQUIT must not fall back to its default action (a core dump).
  let draining = false;
  process.on("SIGQUIT", () => {
    if (!draining) {
      draining = true;
      exitAfter(worker.drain("SIGQUIT"));
    }
  });
}

