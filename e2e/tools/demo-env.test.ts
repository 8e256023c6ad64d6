import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { demoEnvironment } from "./demo-env";

describe("the demo's configuration", () => {
  const environment = demoEnvironment({ keelPort: 3000, servicesUrl: "http://127.0.0.1:4500" });

  it("is valid Keel configuration that points every Microsoft URL at the emulator", () => {
    const env = parseEnv(environment);
    expect(env.AZURE_DEVOPS_SERVICES_URL).toBe("http://127.0.0.1:4500");
    expect(env.AZURE_DEVOPS_VSSPS_URL).toBe("http://127.0.0.1:4500");
    expect(env.ENTRA_AUTHORITY_URL).toBe("http://127.0.0.1:4500");
    expect(env.KEEL_DEMO).toBe(true);
    expect(env.KEEL_OUTBOUND_ALLOW_LOOPBACK).toBe(true);
    expect(env.ENTRA_TENANT_ID).toMatch(/^[0-9a-f-]{36}$/);
    // Never the real data directory: a demo must not mix with real connections.
    expect(env.KEEL_DATA_DIR).not.toBe(".data");
  });

  it("is refused as a whole when NODE_ENV=production, naming each emulator-only setting", () => {
    let message = "";
    try {
      parseEnv({ ...environment, NODE_ENV: "production" });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      message = (error as Error).message;
    }
    for (const key of ["KEEL_DEMO", "KEEL_OUTBOUND_ALLOW_LOOPBACK", "AZURE_DEVOPS_SERVICES_URL", "AZURE_DEVOPS_VSSPS_URL", "ENTRA_AUTHORITY_URL"]) {
      expect(message).toContain(key);
    }
  });
});
