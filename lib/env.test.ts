import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { assertServerSecrets, childProcessEnv, EnvError, exportToChildProcesses, parseEnv, parseToolingEnv, resetEnvForTests } from "./env";

const key = `k1:${Buffer.alloc(32, 1).toString("base64")}`;

describe("parseEnv", () => {
  it("applies defaults for a bare environment", () => {
    const env = parseEnv({});
    expect(env.NODE_ENV).toBe("production");
    expect(env.PORT).toBe(3000);
    expect(env.KEEL_DATA_DIR).toBe(".data");
    expect(env.KEEL_OUTBOUND_ALLOWLIST).toEqual([]);
    expect(env.KEEL_OUTBOUND_ALLOW_LOOPBACK).toBe(false);
  });

  it("parses lists, booleans and numbers", () => {
    const env = parseEnv({ NODE_ENV: "test", PORT: "3100", KEEL_OUTBOUND_ALLOWLIST: " tfs.corp:8443, 10.0.0.0/8 ,", KEEL_OUTBOUND_ALLOW_LOOPBACK: "true" });
    expect(env.PORT).toBe(3100);
    expect(env.KEEL_OUTBOUND_ALLOWLIST).toEqual(["tfs.corp:8443", "10.0.0.0/8"]);
    expect(env.KEEL_OUTBOUND_ALLOW_LOOPBACK).toBe(true);
  });

  it("names the variable when a value is invalid", () => {
    expect(() => parseEnv({ PORT: "seventy" })).toThrow(/PORT/);
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must be a postgresql:\/\/ connection string/);
    expect(() => parseEnv({ KEEL_SESSION_SECRET: "short" })).toThrow(/KEEL_SESSION_SECRET must be at least 32 characters/);
    expect(() => parseEnv({ AZURE_DEVOPS_SERVICES_URL: "ftp://x" })).toThrow(EnvError);
  });

  it("reads trusted proxies as addresses and CIDRs, and names a bad entry", () => {
    expect(parseEnv({ KEEL_TRUSTED_PROXIES: "10.0.0.5, 10.1.0.0/16" }).KEEL_TRUSTED_PROXIES).toEqual(["10.0.0.5", "10.1.0.0/16"]);
    expect(() => parseEnv({ KEEL_TRUSTED_PROXIES: "10.0.0.5,proxy.internal" })).toThrow(/KEEL_TRUSTED_PROXIES must list IP addresses or CIDR ranges: "proxy.internal" is not an IP address or CIDR range/);
  });

  it("refuses test-only switches in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production", KEEL_OUTBOUND_ALLOW_LOOPBACK: "true" })).toThrow(/KEEL_OUTBOUND_ALLOW_LOOPBACK is a test\/development-only setting/);
    expect(() => parseEnv({ NODE_ENV: "production", AZURE_DEVOPS_SERVICES_URL: "http://127.0.0.1:4600" })).toThrow(/AZURE_DEVOPS_SERVICES_URL/);
    expect(() => parseEnv({ NODE_ENV: "production", ENTRA_AUTHORITY_URL: "http://127.0.0.1:4600" })).toThrow(/ENTRA_AUTHORITY_URL/);
    expect(parseEnv({ NODE_ENV: "test", AZURE_DEVOPS_SERVICES_URL: "http://127.0.0.1:4600/" }).AZURE_DEVOPS_SERVICES_URL).toBe("http://127.0.0.1:4600");
  });

  it("the server requires real keys in production with an external database", () => {
    const external = parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgresql://u:p@db/keel" });
    expect(() => assertServerSecrets(external)).toThrow(/KEEL_SESSION_SECRET must be set in production[\s\S]*KEEL_ENCRYPTION_KEYS must be set/);
    const partial = parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgresql://u:p@db/keel", KEEL_SESSION_SECRET: "x".repeat(40) });
    expect(() => assertServerSecrets(partial)).toThrow(/KEEL_ENCRYPTION_KEYS/);
    const complete = parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgresql://u:p@db/keel", KEEL_SESSION_SECRET: "x".repeat(40), KEEL_ENCRYPTION_KEYS: key });
    expect(() => assertServerSecrets(complete)).not.toThrow();
    // The embedded default generates its own; tests may too.
    expect(() => assertServerSecrets(parseEnv({ NODE_ENV: "production" }))).not.toThrow();
    expect(() => assertServerSecrets(parseEnv({ NODE_ENV: "test", DATABASE_URL: "postgresql://u:p@db/keel" }))).not.toThrow();
  });

  it("requires OAuth settings in complete sets", () => {
    expect(() => parseEnv({ AZURE_DEVOPS_OAUTH_CLIENT_ID: "abc" })).toThrow(/AZURE_DEVOPS_OAUTH_CLIENT_SECRET must be set together/);
    expect(() => parseEnv({ ENTRA_CLIENT_ID: "abc", ENTRA_CLIENT_SECRET: "s" })).toThrow(/ENTRA_TENANT_ID must be set/);
  });

  it("refuses a multi-tenant Entra authority unless chosen explicitly", () => {
    const entra = { ENTRA_CLIENT_ID: "id", ENTRA_CLIENT_SECRET: "s", ENTRA_TENANT_ID: "common" };
    expect(() => parseEnv(entra)).toThrow(/ENTRA_MULTI_TENANT=true/);
    expect(parseEnv({ ...entra, ENTRA_TENANT_ID: "organizations", ENTRA_MULTI_TENANT: "true" }).ENTRA_TENANT_ID).toBe("organizations");
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", KEEL_PUBLIC_URL: "" }).DATABASE_URL).toBeUndefined();
  });
});

describe("parseToolingEnv", () => {
  it("applies the test tooling defaults and ignores Keel's own variables", () => {
    const tooling = parseToolingEnv({ DATABASE_URL: "postgresql://u:p@db/keel", PORT: "80" });
    expect(tooling).toEqual({ KEEL_TEST_TEMPLATE: "keel_test_template", KEEL_E2E_PORT: 3100, KEEL_E2E_EMULATOR_PORT: 4600, KEEL_E2E_WORKERS: 2, KEEL_E2E_DATA_DIR: ".data/e2e", BENCH_KEEL_LOGS: false });
  });

  it("parses ports, counts and URLs, and names each invalid variable", () => {
    const tooling = parseToolingEnv({ KEEL_E2E_PORT: "3130", KEEL_E2E_EMULATOR_PORT: "4700", KEEL_E2E_WORKERS: "1", KEEL_TEST_DATABASE_URL: "postgresql://a:b@127.0.0.1:5432/postgres", CHROMIUM_PATH: "" });
    expect(tooling).toMatchObject({ KEEL_E2E_PORT: 3130, KEEL_E2E_EMULATOR_PORT: 4700, KEEL_E2E_WORKERS: 1, KEEL_TEST_DATABASE_URL: "postgresql://a:b@127.0.0.1:5432/postgres" });
    expect(tooling.CHROMIUM_PATH).toBeUndefined();
    expect(() => parseToolingEnv({ KEEL_E2E_PORT: "70000" })).toThrow(/KEEL_E2E_PORT/);
    expect(() => parseToolingEnv({ KEEL_TEST_DATABASE_URL: "mysql://x" })).toThrow(/KEEL_TEST_DATABASE_URL must be a postgresql:\/\/ connection string/);
    expect(() => parseToolingEnv({ KEEL_TEST_TEMPLATE: "x; DROP DATABASE y" })).toThrow(/KEEL_TEST_TEMPLATE must be a plain PostgreSQL database name/);
  });
});

describe("childProcessEnv", () => {
  it("hands the environment to a child with overrides applied and inherited prefixed variables dropped", () => {
    exportToChildProcesses({ KEEL_CHILD_INHERITED: "parent", KEEL_CHILD_DROPPED: "parent" });
    try {
      const env = childProcessEnv({ KEEL_CHILD_ADDED: "1", KEEL_CHILD_INHERITED: undefined }, { withoutPrefix: "KEEL_CHILD_DROP" });
      const script = "const e = process.env; process.stdout.write(JSON.stringify([e.KEEL_CHILD_ADDED, e.KEEL_CHILD_INHERITED ?? null, e.KEEL_CHILD_DROPPED ?? null, typeof e.PATH]))";
      const child = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
      expect(JSON.parse(child.stdout)).toEqual(["1", null, null, "string"]);
      const kept = spawnSync(process.execPath, ["-e", script], { env: childProcessEnv(), encoding: "utf8" });
      expect(JSON.parse(kept.stdout)).toEqual([null, "parent", "parent", "string"]);
    } finally {
      resetEnvForTests({ KEEL_CHILD_INHERITED: undefined, KEEL_CHILD_DROPPED: undefined });
    }
  });
});
