// Keel's migration runner: Prisma's own schema engine, compiled to WebAssembly.
//
// The Prisma CLI needs a native schema engine that it downloads from Prisma's CDN,
// which this project never reaches. The same engine ships as WASM on the npm
// registry (@prisma/schema-engine-wasm); it talks to the database through a Prisma
// driver adapter. It keeps Prisma's `_prisma_migrations` table, so a machine with the
// native CLI (`prisma migrate deploy`) accepts the same database and folder.
//
// - applying runs over @prisma/adapter-pg against the real database;
// - diffing (db:new, db:check) needs a shadow database and, over adapter-pg, fails on
//   PostgreSQL's internal "char" catalog type, so it runs over an in-memory PGlite.
import { readFile, readdir, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type * as Engine from "@prisma/schema-engine-wasm/schema_engine_bg";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Default locations of the schema and the migrations folder. */
export const defaultPaths = {
  schema: path.join(here, "schema.prisma"),
  migrations: path.join(here, "migrations"),
};

type EngineModule = typeof Engine;
let enginePromise: Promise<EngineModule> | undefined;

/**
 * Loads the WASM schema engine. Its package entry imports the .wasm file as an ES
 * module, which Node 20 refuses; instantiate it by hand instead.
 */
async function loadEngine(): Promise<EngineModule> {
  enginePromise ??= (async () => {
    const require = createRequire(import.meta.url);
    const bgPath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmPath = path.join(path.dirname(bgPath), "schema_engine_bg.wasm");
    const bg = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const bytes = await readFile(wasmPath);
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": bg as unknown as WebAssembly.ModuleImports,
    });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return enginePromise;
}

type MigrationList = Engine.MigrationList;

/** Reads the migrations folder into the structure the schema engine expects. */
export async function readMigrationList(migrationsDir: string = defaultPaths.migrations): Promise<MigrationList> {
  await mkdir(migrationsDir, { recursive: true });
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const migrationDirectories: Engine.MigrationDirectory[] = [];
  for (const name of dirs) {
    const file = path.join(migrationsDir, name, "migration.sql");
    let content: Engine.JsResult<string, string>;
    try {
      content = { tag: "ok", value: await readFile(file, "utf8") };
    } catch (error) {
      content = { tag: "error", value: String(error) };
    }
    migrationDirectories.push({ path: name, migrationFile: { path: "migration.sql", content } });
  }
  let lockContent: string | null = null;
  try {
    lockContent = await readFile(path.join(migrationsDir, "migration_lock.toml"), "utf8");
  } catch {
    lockContent = null;
  }
  return {
    baseDir: migrationsDir,
    lockfile: { path: "migration_lock.toml", content: lockContent },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

const noFilters: Engine.SchemaFilter = { externalTables: [], externalEnums: [] };

/** Turns the engine's opaque "External error id#N" into the adapter's real error. */
function explain(error: unknown, factory: ReturnType<typeof bindMigrationAwareSqlAdapterFactory>): Error {
  const text = error instanceof Error ? error.message : String(error);
  const match = /External error id#(\d+)/.exec(text);
  if (match) {
    const cause = factory.errorRegistry.consumeError(Number(match[1]));
    if (cause) {
      return new Error(`${text}: ${JSON.stringify(cause.error)}`);
    }
  }
  return error instanceof Error ? error : new Error(text);
}

async function withEngine<T>(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  schema: { path: string; content: string } | undefined,
  log: (message: string) => void,
  run: (engine: Engine.SchemaEngine) => Promise<T>,
): Promise<T> {
  const engineModule = await loadEngine();
  // Freeing the engine does not close the adapter's connections, and the one that
  // applied migrations still holds Prisma's advisory lock until its pool times out;
  // track every connection so it is disposed as soon as the engine is done.
  const opened: SqlDriverAdapter[] = [];
  const tracked: SqlMigrationAwareDriverAdapterFactory = {
    provider: adapterFactory.provider,
    adapterName: adapterFactory.adapterName,
    connect: async () => {
      const adapter = await adapterFactory.connect();
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const adapter = await adapterFactory.connectToShadowDb();
      opened.push(adapter);
      return adapter;
    },
  };
  const bound = bindMigrationAwareSqlAdapterFactory(tracked);
  const engine = await engineModule.SchemaEngine.new(
    { datamodels: schema ? [[schema.path, schema.content]] : undefined },
    (message: string) => log(message),
    bound,
  );
  try {
    return await run(engine);
  } catch (error) {
    throw explain(error, bound);
  } finally {
    engine.free();
    await Promise.all(opened.map((adapter) => adapter.dispose().catch(() => undefined)));
  }
}

/** Applies every pending migration to the database at `databaseUrl`; returns their names. */
export async function applyMigrations(
  databaseUrl: string,
  options: { migrationsDir?: string; log?: (message: string) => void } = {},
): Promise<string[]> {
  const migrationsList = await readMigrationList(options.migrationsDir);
  // An own pool, ended here: the adapter does not end pools handed to it, and a
  // pool left open keeps the process alive for its idle timeout.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const factory = new PrismaPg(pool);
    const result = await withEngine(factory, undefined, options.log ?? (() => {}), (engine) =>
      engine.applyMigrations({ migrationsList, filters: noFilters }),
    );
    return result.appliedMigrationNames;
  } finally {
    await pool.end();
  }
}

/**
 * Computes the SQL that would bring the migrations up to the schema. Runs on an
 * in-memory PGlite (see the header comment). `sql` is empty when they agree.
 */
export async function diffMigrationsToSchema(
  options: { schemaPath?: string; migrationsDir?: string; log?: (message: string) => void } = {},
): Promise<{ inSync: boolean; sql: string }> {
  const schemaPath = options.schemaPath ?? defaultPaths.schema;
  const content = await readFile(schemaPath, "utf8");
  const migrationsList = await readMigrationList(options.migrationsDir);
  const [{ PGlite }, { PrismaPGlite }, { pg_trgm }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
    import("@electric-sql/pglite/contrib/pg_trgm"),
  ]);
  // The extensions schema.prisma declares (`extensions = [...]`) must load in the main and
  // the shadow database alike; the adapter's own shadow is a bare PGlite, so make ours.
  const extensions = { pg_trgm };
  const pglite = new PGlite({ extensions });
  const shadows: InstanceType<typeof PGlite>[] = [];
  try {
    const main = new PrismaPGlite(pglite);
    const factory: SqlMigrationAwareDriverAdapterFactory = {
      provider: main.provider,
      adapterName: main.adapterName,
      connect: () => main.connect(),
      connectToShadowDb: async () => {
        const shadow = new PGlite({ dataDir: "memory://shadow", extensions });
        shadows.push(shadow);
        return new PrismaPGlite(shadow).connect();
      },
    };
    const result = await withEngine(factory, { path: schemaPath, content }, options.log ?? (() => {}), (engine) =>
      engine.diff({
        from: { tag: "migrations", ...migrationsList },
        to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content }] },
        script: true,
        exitCode: true,
        filters: noFilters,
      }),
    );
    const sql = (result.stdout ?? "").trim();
    const inSync = result.exitCode === 0 || sql === "" || /^-- This is an empty migration\.?$/.test(sql);
    return { inSync, sql: inSync ? "" : `${sql}\n` };
  } finally {
    await Promise.all([pglite, ...shadows].map((database) => database.close().catch(() => undefined)));
  }
}

/** Creates Prisma's migration_lock.toml (the engine refuses a folder without it). */
async function ensureLockfile(migrationsDir: string): Promise<void> {
  await mkdir(migrationsDir, { recursive: true });
  const lockPath = path.join(migrationsDir, "migration_lock.toml");
  try {
    await readFile(lockPath, "utf8");
  } catch {
    await writeFile(
      lockPath,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
}

/** Writes the next migration (timestamped folder) from the schema; returns its folder or null when in sync. */
export async function createMigration(
  name: string,
  options: { schemaPath?: string; migrationsDir?: string; now?: Date } = {},
): Promise<string | null> {
  const migrationsDir = options.migrationsDir ?? defaultPaths.migrations;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) {
    throw new Error("Give the migration a name, e.g. npm run db:new -- add_connections");
  }
  await ensureLockfile(migrationsDir);
  const { inSync, sql } = await diffMigrationsToSchema({ schemaPath: options.schemaPath, migrationsDir });
  if (inSync) {
    return null;
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[-:TZ.]/g, "").slice(0, 14);
  const folder = path.join(migrationsDir, `${stamp}_${slug}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "migration.sql"), sql);
  return folder;
}
