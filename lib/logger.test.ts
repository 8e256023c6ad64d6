import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createRootLogger, scrubSecrets } from "./logger";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, logger: createRootLogger({ level: "info", destination }) };
}

const PAT = `${"A1b2C3d4".repeat(10).slice(0, 76)}AZDO${"x9Y8"}`;

describe("logger redaction", () => {
  it("removes secrets by key path", () => {
    const { lines, logger } = capture();
    logger.info({ token: "abc", nested: { password: "hunter2", authorization: "Basic Zm9vOmJhcg==" }, ok: "visible" }, "hello");
    const out = lines.join("");
    expect(out).not.toContain("hunter2");
    expect(out).not.toContain("Zm9vOmJhcg");
    expect(out).not.toContain('"abc"');
    expect(out).toContain("visible");
  });

  it("removes credential-shaped values wherever they appear", () => {
    const { lines, logger } = capture();
    logger.warn({ err: new Error(`request failed with header Authorization: Bearer eyJhbGciOi.eyJzdWIiOiJ4In0.c2lnbmF0dXJl and PAT ${PAT}`) }, `calling https://x/cb?code=SECRETCODE123&state=ok`);
    const out = lines.join("");
    expect(out).not.toContain("eyJhbGciOi.eyJzdWIiOiJ4In0");
    expect(out).not.toContain(PAT);
    expect(out).not.toContain("SECRETCODE123");
    expect(out).toContain("state=ok");
  });

  it("scrubSecrets keeps the scheme and the parameter name", () => {
    expect(scrubSecrets("Basic dXNlcjpwYXNzd29yZA==")).toBe("Basic [redacted]");
    expect(scrubSecrets("/cb?access_token=abcdef&x=1")).toBe("/cb?access_token=[redacted]&x=1");
    expect(scrubSecrets("nothing to hide")).toBe("nothing to hide");
  });
});

describe("logger redaction of secrets inside messages", () => {
  it("removes name=value and name: value secrets from error messages and log text", () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error("login failed for user=ada password=hunter2 host=db") }, "connect failed: client_secret: s3cr3t-value, retry");
    logger.warn({ detail: 'body was {"password":"tr0ub4dor","name":"Ada"}' }, "form rejected");
    logger.info("DATABASE_URL=postgresql://keel:pg-pass-123@127.0.0.1:5432/keel");
    const out = lines.join("");
    for (const secret of ["hunter2", "s3cr3t-value", "tr0ub4dor", "pg-pass-123"]) {
      expect(out).not.toContain(secret);
    }
    // The names, and what is not secret, stay readable.
    expect(out).toContain("password=[redacted]");
    expect(out).toContain("client_secret: [redacted]");
    expect(out).toContain("host=db");
    expect(out).toContain("Ada");
    expect(out).toContain("postgresql://keel:[redacted]@127.0.0.1:5432/keel");
  });

  it("leaves ordinary text alone", () => {
    expect(scrubSecrets("the password field is empty")).toBe("the password field is empty");
    expect(scrubSecrets("https://devops.example.com:8443/tfs/DefaultCollection")).toBe("https://devops.example.com:8443/tfs/DefaultCollection");
  });
});
