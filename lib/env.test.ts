import { describe, expect, it } from "vitest";
import { assertServerSecrets, EnvError, parseEnv } from "./env";

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
