// The one place that reads process.env. Parsed once with zod; every variable has a
// one-line description here and an entry in .env.example. Invalid configuration
// stops the start with a message naming the variable.
//
// Next.js inlines `process.env.NODE_ENV` as "production" into every build, so the
// runtime mode is read from the real environment object (parsed as a whole), which is
// what the launcher and the test rig set.
import { z } from "zod";
import { parseTrustedProxies } from "@/lib/http/client-address";
import { DEFAULT_POOL, parsePoolList } from "@/lib/shared/build-pools";

const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .optional()
  .transform((value) => value === "true" || value === "1" || value === "yes");

const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((item) => item.trim())
      .filter(Boolean),
  );

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .transform((value) => value.replace(/\/+$/, ""));

export const envSchema = z
  .object({
    /** Runtime mode (default production): production refuses every test-only switch below; tests and the demo run as "test". */
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    /** External PostgreSQL (postgresql://…). Unset: Keel runs its embedded PostgreSQL with data under KEEL_DATA_DIR. */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgresql:// connection string")
      .optional(),
    /** Directory for the embedded database and generated secrets (default .data). */
    KEEL_DATA_DIR: z.string().min(1).default(".data"),
    /** Port Keel's web server listens on (default 3000). */
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Address the web server binds to (default: all interfaces). */
    HOSTNAME: z.string().min(1).optional(),
    /** Public URL users reach Keel at; OAuth callbacks are built from it (default http://localhost:PORT). */
    KEEL_PUBLIC_URL: httpUrl.optional(),
    /** Secret that signs session cookies (≥32 characters). Generated into KEEL_DATA_DIR when unset (embedded database only). */
    KEEL_SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /** Keyring for sealing tokens at rest: "keyId:base64(32 bytes)[,olderId:…]", current key first. Generated like the session secret. */
    KEEL_ENCRYPTION_KEYS: z.string().min(1).optional(),
    /** Also append every log line of Keel (launcher and server) to this file. */
    KEEL_LOG_FILE: z.string().min(1).optional(),
    /** Log level for the structured logger (default info). */
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Outbound allowlist for private/loopback Azure DevOps Servers: hosts, host:port, IPs or CIDRs, comma-separated. */
    KEEL_OUTBOUND_ALLOWLIST: list,
    /** When true, Keel calls only servers on the allowlist, public ones included. */
    KEEL_OUTBOUND_DENY_ALL_EXCEPT_ALLOWLIST: boolean,
    /** Hosts that may be called over plain http (comma-separated); everything else needs https. */
    KEEL_OUTBOUND_ALLOW_HTTP: list,
    /** Test/development only: allow calls to loopback addresses (how tests reach the emulator). */
    KEEL_OUTBOUND_ALLOW_LOOPBACK: boolean,
    /**
     * Reverse proxies in front of Keel (IPs or CIDRs, comma-separated). Only when the connection comes
     * from one of them is X-Forwarded-For read (from the right); otherwise the client address is the socket's.
     */
    KEEL_TRUSTED_PROXIES: list,
    /** Addresses Keel's outbound calls come from, shown to admins for firewall allowlists (comma-separated). */
    KEEL_EGRESS_ADDRESSES: list,
    /** Azure DevOps Services base URL. Test/development only override (default https://dev.azure.com). */
    AZURE_DEVOPS_SERVICES_URL: httpUrl.optional(),
    /** Azure DevOps profile/accounts and legacy OAuth host. Test/development only override (default https://app.vssps.visualstudio.com). */
    AZURE_DEVOPS_VSSPS_URL: httpUrl.optional(),
    /** Client id of a legacy Azure DevOps OAuth app (registered before Microsoft closed registrations). */
    AZURE_DEVOPS_OAUTH_CLIENT_ID: z.string().min(1).optional(),
    /** Client secret of that app (Microsoft's "Client Secret", sent as client_assertion). */
    AZURE_DEVOPS_OAUTH_CLIENT_SECRET: z.string().min(1).optional(),
    /** Microsoft Entra ID application (client) id. */
    ENTRA_CLIENT_ID: z.string().min(1).optional(),
    /** Microsoft Entra ID client secret. */
    ENTRA_CLIENT_SECRET: z.string().min(1).optional(),
    /** Microsoft Entra tenant id (GUID or domain). "organizations"/"common" only with ENTRA_MULTI_TENANT=true. */
    ENTRA_TENANT_ID: z.string().min(1).optional(),
    /** Explicitly allow accounts from any Entra tenant (ENTRA_TENANT_ID=organizations). */
    ENTRA_MULTI_TENANT: boolean,
    /** Microsoft identity platform authority. Test/development only override (default https://login.microsoftonline.com). */
    ENTRA_AUTHORITY_URL: httpUrl.optional(),
    /** Web server processes `npm start` runs, sharing the port (Node's cluster module); default: one per CPU core (1 when NODE_ENV=test). */
    KEEL_WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    /**
     * Old-generation heap limit of each web process, in MiB (V8's --max-old-space-size; default
     * 400). A web process keeps about 100 MiB live; the limit makes V8 collect before the heap
     * balloons under load (lib/runtime/launcher.ts, webServerArguments).
     */
    KEEL_WEB_HEAP_MIB: z.coerce.number().int().min(256).max(16384).optional(),
    /**
     * Lets admins connect Azure DevOps with the managed identity of the Azure machine Keel runs on
     * (the instance metadata endpoint, 169.254.169.254, reachable for this purpose only). Off by
     * default: every organization on this Keel could use the machine's identity.
     */
    KEEL_MANAGED_IDENTITY: boolean,
    /** Azure instance metadata endpoint for managed identity. Test/development only override (default http://169.254.169.254). */
    AZURE_INSTANCE_METADATA_URL: httpUrl.optional(),
    /** on (default): `npm start` also runs a worker of the job engine, as a child process of the launcher; off: web only (workers run elsewhere, `npm run worker`). */
    KEEL_WORKER: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
    /** Jobs of one queue a worker process runs at once (default 2); a queue may fix its own. */
    KEEL_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** How often an idle worker asks PostgreSQL for new jobs, in milliseconds (default 1000). */
    KEEL_WORKER_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
    /** How often a worker writes its heartbeat, in milliseconds (default 5000); a worker silent for 3 beats counts as gone. */
    KEEL_WORKER_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
    /** On SIGTERM, how long running jobs may take to finish before they are handed back to the queue, in milliseconds (default 20000). */
    KEEL_WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
    /** How often the job engine looks for jobs whose worker died (expired) and archives old ones, in seconds (default 30). */
    KEEL_JOB_MAINTENANCE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
    /** How often every connection is checked in the background, in seconds (default 3600: hourly; at least 60 in production; 0 turns the schedule off, e.g. for test rigs that trigger checks themselves). */
    KEEL_CONNECTION_CHECK_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(7 * 86_400).default(3_600),
    /** SMTP server for e-mail notifications (status changes, expiry reminders): smtp://[user:password@]host[:port] or smtps://…. Unset: notices are shown in Keel only. */
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\/[^\s/]+(\/\S*)?$/, "must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587")
      .optional(),
    /** The From address of Keel's e-mails (default Keel <keel@HOST of KEEL_PUBLIC_URL>). */
    KEEL_MAIL_FROM: z.string().min(3).max(320).optional(),
    /** Builds one worker process runs at once (default 1); more wait in the queue. */
    KEEL_BUILD_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(1),
    /**
     * The build pools this worker runs builds for (lib/shared/build-pools.ts): names separated by
     * commas, default "default". A Mac worker runs with KEEL_BUILD_POOLS=macos; profiles choose
     * their pool in their workflow ("Runs on"). KEEL_BUILD_CONCURRENCY counts across them.
     */
    KEEL_BUILD_POOLS: z
      .string()
      .default(DEFAULT_POOL)
      .transform((value, context) => {
        try {
          return parsePoolList(value);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
          return z.NEVER;
        }
      }),
    /** Where build workspaces are made (default: the system's temporary directory); each build's is deleted afterwards. */
    KEEL_BUILD_DIR: z.string().min(1).optional(),
    /**
     * The operating-system user a build's steps run as (lib/builds/README.md, "Isolation"): a
     * worker started as root hands each build's folder to it, so a step cannot read the worker's
     * environment or files. Unset: steps run as the worker's own user.
     */
    KEEL_BUILD_USER: z
      .string()
      .regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, "must be a user name of this machine, e.g. keel-build")
      .optional(),
    /** PATH of a build's steps (their environment is built from scratch; default the standard system directories). */
    KEEL_BUILD_PATH: z.string().min(1).default("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
    /** Lines of output Keel stores per build (default 50000); past it a marker says the rest was cut. */
    KEEL_BUILD_LOG_MAX_LINES: z.coerce.number().int().min(100).max(1_000_000).default(50_000),
    /** Bytes of output Keel stores per build (default 10 MiB). */
    KEEL_BUILD_LOG_MAX_BYTES: z.coerce.number().int().min(10_000).max(200 * 1024 * 1024).default(10 * 1024 * 1024),
    /** How often a worker looks for running builds whose worker stopped heartbeating, in seconds (default 10). */
    KEEL_BUILD_SWEEP_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    /** After Cancel or the time limit, how long a build's processes get between SIGTERM and SIGKILL, in milliseconds (default 5000). */
    KEEL_BUILD_KILL_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
    /** Bytes of artifacts Keel keeps per build (default 500 MiB); files past it are named in the log and not kept. */
    KEEL_BUILD_ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).max(8 * 1024 * 1024 * 1024).default(500 * 1024 * 1024),
    /** Bytes of Git LFS content a build fetches (default 2 GiB); a commit whose LFS files add up to more fails its fetch, naming the total. */
    KEEL_BUILD_LFS_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).max(64 * 1024 * 1024 * 1024).default(2 * 1024 * 1024 * 1024),
    /** Bytes of one build cache (default 1 GiB, gzip'd); a larger one is not saved and the log says so. */
    KEEL_BUILD_CACHE_MAX_BYTES: z.coerce.number().int().min(1024 * 1024).max(16 * 1024 * 1024 * 1024).default(1024 * 1024 * 1024),
    /** Days a cache no build restored or saved is kept (default 7). */
    KEEL_BUILD_CACHE_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    /** Days a finished build keeps its log (default 90); then the log lines are deleted, the build's record stays. */
    KEEL_BUILD_LOG_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
    /** Days a build's artifacts are kept (default 30); each profile's latest successful build keeps its artifacts until a newer one succeeds. */
    KEEL_BUILD_ARTIFACT_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
    /** "on" (default): Keel creates Azure DevOps service-hook subscriptions for profiles with triggers. "off": it never does and polls every repository instead (Azure DevOps cannot reach KEEL_PUBLIC_URL: a private network). */
    KEEL_HOOKS: z.enum(["on", "off"]).default("on"),
    /** How often the polling fallback looks at repositories that cannot receive service hooks, in seconds (default 120; 0 turns polling off). */
    KEEL_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(120),
    /** Shows the demo banner (set by npm run demo). */
    KEEL_DEMO: boolean,
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") {
      const testOnly = [
        "KEEL_OUTBOUND_ALLOW_LOOPBACK",
        "AZURE_DEVOPS_SERVICES_URL",
        "AZURE_DEVOPS_VSSPS_URL",
        "ENTRA_AUTHORITY_URL",
        "AZURE_INSTANCE_METADATA_URL",
        "KEEL_DEMO",
      ] as const;
      for (const key of testOnly) {
        if (env[key]) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "is a test/development-only setting and is refused when NODE_ENV=production",
          });
        }
      }
      if (env.KEEL_CONNECTION_CHECK_INTERVAL_SECONDS > 0 && env.KEEL_CONNECTION_CHECK_INTERVAL_SECONDS < 60) {
        // Checks call Azure DevOps for every connection; seconds are for tests only.
        ctx.addIssue({ code: "custom", path: ["KEEL_CONNECTION_CHECK_INTERVAL_SECONDS"], message: "must be at least 60 (or 0: off) when NODE_ENV=production" });
      }
    }
    try {
      parseTrustedProxies(env.KEEL_TRUSTED_PROXIES);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["KEEL_TRUSTED_PROXIES"], message: `must list IP addresses or CIDR ranges: ${error instanceof Error ? error.message : "an entry is invalid"}` });
    }
    if (env.KEEL_BUILD_USER && env.KEEL_BUILD_CONCURRENCY > 1) {
      // The build user's processes are all the build's (ended together after the steps): one at a time.
      ctx.addIssue({ code: "custom", path: ["KEEL_BUILD_CONCURRENCY"], message: "must be 1 with KEEL_BUILD_USER: a build user runs one build at a time (run one worker per build user)" });
    }
    if (Boolean(env.AZURE_DEVOPS_OAUTH_CLIENT_ID) !== Boolean(env.AZURE_DEVOPS_OAUTH_CLIENT_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: [env.AZURE_DEVOPS_OAUTH_CLIENT_ID ? "AZURE_DEVOPS_OAUTH_CLIENT_SECRET" : "AZURE_DEVOPS_OAUTH_CLIENT_ID"],
        message: "must be set together with its pair to enable Azure DevOps OAuth",
      });
    }
    const entra = [env.ENTRA_CLIENT_ID, env.ENTRA_CLIENT_SECRET, env.ENTRA_TENANT_ID];
    if (entra.some(Boolean) && !entra.every(Boolean)) {
      const missing = (["ENTRA_CLIENT_ID", "ENTRA_CLIENT_SECRET", "ENTRA_TENANT_ID"] as const).find((key) => !env[key]);
      ctx.addIssue({
        code: "custom",
        path: [missing ?? "ENTRA_CLIENT_ID"],
        message: "must be set: Microsoft Entra ID needs ENTRA_CLIENT_ID, ENTRA_CLIENT_SECRET and ENTRA_TENANT_ID",
      });
    }
    const tenant = env.ENTRA_TENANT_ID?.toLowerCase();
    if ((tenant === "common" || tenant === "organizations" || tenant === "consumers") && !env.ENTRA_MULTI_TENANT) {
      ctx.addIssue({
        code: "custom",
        path: ["ENTRA_TENANT_ID"],
        message: `is "${env.ENTRA_TENANT_ID}": set your tenant id, or ENTRA_MULTI_TENANT=true to accept any tenant on purpose`,
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

/** Thrown when configuration is invalid; its message names every bad variable. */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/** Parses an environment object; throws EnvError naming each invalid variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset" (a common .env habit), except for booleans.
  const cleaned: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(source)) {
    cleaned[key] = value === "" ? undefined : value;
  }
  const result = envSchema.safeParse(cleaned);
  if (result.success) {
    return result.data;
  }
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(environment)"} ${issue.message}`);
  throw new EnvError(`Invalid configuration:\n${lines.join("\n")}\nSee .env.example for every variable.`);
}

/**
 * Keel's server refuses to start in production on an external database without its
 * own keys (SECURITY.md): generated keys beside the database are for one machine only.
 * Checked at start-up, not at parse time, so tools like db:migrate need no secrets.
 */
export function assertServerSecrets(env: Env): void {
  if (env.NODE_ENV !== "production" || !env.DATABASE_URL) {
    return;
  }
  const missing = (["KEEL_SESSION_SECRET", "KEEL_ENCRYPTION_KEYS"] as const).filter((key) => !env[key]);
  if (missing.length > 0) {
    throw new EnvError(
      `Invalid configuration:\n${missing
        .map((key) => `  ${key} must be set in production with an external DATABASE_URL (generated keys beside the database are for single-machine use only)`)
        .join("\n")}\nSee .env.example for every variable.`,
    );
  }
}

let cached: Env | undefined;

/** The parsed environment of this process (parsed once). */
export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Forgets the parsed environment so the next getEnv() re-reads it (tests only). */
export function resetEnvForTests(overrides: Record<string, string | undefined> = {}): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = value;
    }
  }
  cached = undefined;
}

/**
 * Fills in variables the environment does not set (a worker adopting the secrets a local
 * `npm start` generated) and makes the next getEnv() re-read the configuration.
 */
export function supplyUnsetVariables(variables: Record<string, string>): void {
  for (const [key, value] of Object.entries(variables)) {
    process.env[key] ??= value;
  }
  cached = undefined;
}

/** Sets variables in this process's environment so child processes started later inherit them. */
export function exportToChildProcesses(variables: Record<string, string>): void {
  Object.assign(process.env, variables);
}

/**
 * Tells Next.js the plain-HTTP origin of this server, as `next start` does itself: a server
 * action that redirects fetches the target page from it (Keel's web server runs Next.js through
 * its custom-server API, which does not set it).
 */
export function setNextServerOrigin(origin: string): void {
  process.env.__NEXT_PRIVATE_ORIGIN = origin;
}

declare const childProcessEnvBrand: unique symbol;

/**
 * The environment handed to a child process. Opaque on purpose: it can be passed to
 * `spawn`/`execFile` but not read, so no code reads a variable around the schemas above
 * (configuration through getEnv(), test tooling through getToolingEnv()).
 */
export type ChildProcessEnv = {
  readonly [childProcessEnvBrand]: true;
  // Next.js's types make NODE_ENV a required key of every ProcessEnv; `never` keeps this
  // type assignable to spawn's option without making the value readable.
  readonly NODE_ENV: never;
};

/**
 * A copy of this process's environment plus overrides, for a child process (which validates
 * its own configuration). `withoutPrefix` drops inherited variables that could redirect the
 * child (e.g. "PG" for PostgreSQL's PGDATA, PGPORT…); overrides are applied after it.
 */
export function childProcessEnv(overrides: Record<string, string | undefined> = {}, options: { withoutPrefix?: string } = {}): ChildProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env };
  if (options.withoutPrefix) {
    for (const key of Object.keys(env)) {
      if (key.startsWith(options.withoutPrefix)) {
        delete env[key];
      }
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env as unknown as ChildProcessEnv;
}

/**
 * An environment built from scratch for a child process — nothing of this process's
 * environment is inherited (build steps and their git must never see Keel's secrets or
 * DATABASE_URL). Opaque like childProcessEnv().
 */
export function isolatedChildEnv(variables: Record<string, string>): ChildProcessEnv {
  return { ...variables } as unknown as ChildProcessEnv;
}

/** This process's PATH, for a child given an environment built from scratch (isolatedChildEnv). */
export function inheritedPath(): string {
  return process.env.PATH ?? "/usr/bin:/bin";
}

/** Where Azure's Instance Metadata Service answers on every Azure VM (link-local, http only). */
export const INSTANCE_METADATA_URL = "http://169.254.169.254";

/** Azure DevOps and Microsoft identity base URLs: the real services unless overridden for tests/demo. */
export function azureDevOpsUrls(env: Env = getEnv()) {
  return {
    services: env.AZURE_DEVOPS_SERVICES_URL ?? "https://dev.azure.com",
    vssps: env.AZURE_DEVOPS_VSSPS_URL ?? "https://app.vssps.visualstudio.com",
    entraAuthority: env.ENTRA_AUTHORITY_URL ?? "https://login.microsoftonline.com",
    /** The Azure Instance Metadata Service (managed identity); plain http by design, link-local. */
    instanceMetadata: env.AZURE_INSTANCE_METADATA_URL ?? INSTANCE_METADATA_URL,
  };
}

// --- Test and tooling variables ----------------------------------------------------
// Read only by `npm test`, Vitest's and Playwright's set-up, the benchmark and the e2e
// support code — never by Keel itself — and validated like Keel's own configuration.

const port = z.coerce.number().int().min(1).max(65535);
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/\S+$/, "must be a postgresql:// connection string");

export const toolingEnvSchema = z.object({
  /** Admin connection to an existing PostgreSQL for the test run (CI's external leg); unset: `npm test` starts an embedded one. */
  KEEL_TEST_DATABASE_URL: postgresUrl.optional(),
  /** Set by Vitest's global setup for its workers: the admin connection test databases are cloned through. */
  KEEL_TEST_ADMIN_URL: postgresUrl.optional(),
  /** Set by Vitest's global setup: the migrated template database each test file clones. */
  KEEL_TEST_TEMPLATE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, "must be a plain PostgreSQL database name")
    .default("keel_test_template"),
  /** Port of Keel under the browser tests (default 3100). */
  KEEL_E2E_PORT: port.default(3100),
  /** First port of the emulator under the browser tests; it uses several consecutive ones (default 4600). */
  KEEL_E2E_EMULATOR_PORT: port.default(4600),
  /** SMTP port of the browser tests' mail catcher, which Keel e-mails through (default KEEL_E2E_PORT + 1). */
  KEEL_E2E_SMTP_PORT: port.optional(),
  /**
   * Parallel Vitest workers; unset: one per core, and never fewer than two — the test files wait on
   * worker processes, git and PostgreSQL about as much as they compute, so two share two cores well.
   */
  KEEL_UNIT_WORKERS: z.coerce.number().int().min(1).max(16).optional(),
  /** Parallel Playwright workers (default 2). */
  KEEL_E2E_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  /** Set by `npm test` for Playwright: the browser tests' database. */
  KEEL_E2E_DATABASE_URL: postgresUrl.optional(),
  /** Keel's data and log directory during the browser tests (default .data/e2e). */
  KEEL_E2E_DATA_DIR: z.string().min(1).default(".data/e2e"),
  /** A Chromium binary for Playwright; unset: Debian's /usr/bin/chromium is looked for (and installed as root). */
  CHROMIUM_PATH: z.string().min(1).optional(),
  /** `npm run bench:picker`: show the Keel server's own log lines. */
  BENCH_KEEL_LOGS: boolean,
});

export type ToolingEnv = z.infer<typeof toolingEnvSchema>;

/** Parses the test/tooling variables of an environment object; throws EnvError naming each invalid one. */
export function parseToolingEnv(source: Record<string, string | undefined>): ToolingEnv {
  const cleaned: Record<string, string | undefined> = {};
  for (const key of Object.keys(toolingEnvSchema.shape)) {
    const value = source[key];
    cleaned[key] = value === "" ? undefined : value;
  }
  const result = toolingEnvSchema.safeParse(cleaned);
  if (result.success) {
    return result.data;
  }
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(environment)"} ${issue.message}`);
  throw new EnvError(`Invalid test/tooling configuration:\n${lines.join("\n")}\nSee the "Test tooling" section of .env.example.`);
}

/** The test/tooling variables of this process, read afresh on each call (set-up code exports new ones for its workers). */
export function getToolingEnv(): ToolingEnv {
  return parseToolingEnv(process.env);
}
