// npm run db:migrate | db:new -- <name> | db:check
//
// migrate: applies pending migrations to DATABASE_URL, or to the embedded database
//          (started for the occasion when Keel is not running).
// new:     writes the next migration from schema.prisma.
// check:   exits 1 when schema.prisma and the migrations disagree (CI runs it).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EnvError, getEnv } from "@/lib/env";
import { applyMigrations, createMigration, diffMigrationsToSchema } from "./runner";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function migrate(): Promise<void> {
  const env = getEnv();
  if (env.DATABASE_URL) {
    const applied = await applyMigrations(env.DATABASE_URL);
    // The job engine's tables (pg-boss, in its own schema) come along.
    const { installJobSchema } = await import("@/lib/jobs/boss");
    await installJobSchema(env.DATABASE_URL);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
    return;
  }
  // The embedded database belongs to a running Keel when one is up; `npm start`
  // applies migrations itself, so there is nothing to do in that case.
  const { readFile } = await import("node:fs/promises");
  const dataDir = path.resolve(root, env.KEEL_DATA_DIR);
  try {
    const run = JSON.parse(await readFile(path.join(dataDir, "keel.run.json"), "utf8")) as { launcherPid: number };
    process.kill(run.launcherPid, 0);
    console.log("Keel is running and applied its migrations at start-up. Restart it to apply new ones.");
    return;
  } catch {
    // not running
  }
  const { prepareRuntime } = await import("@/lib/runtime/launcher");
  const runtime = await prepareRuntime(env);
  await runtime.database?.stop();
}

async function check(): Promise<void> {
  const schemaPath = option("schema");
  const migrationsDir = option("migrations");
  const { inSync, sql } = await diffMigrationsToSchema({
    schemaPath: schemaPath ? path.resolve(schemaPath) : undefined,
    migrationsDir: migrationsDir ? path.resolve(migrationsDir) : undefined,
  });
  if (inSync) {
    console.log("schema.prisma and prisma/migrations agree.");
    return;
  }
  console.error("schema.prisma and prisma/migrations disagree. The next migration would be:\n");
  console.error(sql);
  console.error("Write it with: npm run db:new -- <name>");
  process.exitCode = 1;
}

async function create(): Promise<void> {
  const name = process.argv.slice(3).find((arg) => !arg.startsWith("--"));
  if (!name) {
    console.error("Give the migration a name: npm run db:new -- add_connections");
    process.exitCode = 2;
    return;
  }
  const folder = await createMigration(name);
  console.log(folder ? `Wrote ${path.relative(root, folder)}/migration.sql` : "Nothing to do: the migrations already match schema.prisma.");
}

const commands: Record<string, () => Promise<void>> = { migrate, check, new: create };
const command = commands[process.argv[2] ?? ""];
if (!command) {
  console.error("usage: tsx prisma/cli.ts migrate | new <name> | check [--schema file] [--migrations dir]");
  process.exit(2);
}
command().then(
  // The WASM schema engine leaves a timer behind; exit explicitly.
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof EnvError ? error.message : error);
    process.exit(1);
  },
);
