import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { createTlsMaterial } from "@/e2e/azure-devops-emulator/tls";
import { caUploadSchema, checkCaBundle, collectionField, connectionNameField, pastedRepositoryField, patField, tokenExpiryField } from "./connections";
import { buildCollectionUrl } from "@/lib/azure-devops/url";
import { parseAzureDevOpsUrl } from "@/lib/azure-devops/url";
import { auditPageQuerySchema } from "./audit";
import { calendarDate } from "./form";

/** A self-signed certificate valid between two dates (node-forge, as the emulator makes its CA). */
function certificate(notBefore: Date, notAfter: Date): string {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = "01";
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [{ name: "commonName", value: "Old CA" }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const DAY = 24 * 3600 * 1000;

describe("checkCaBundle (the one check both CA uploads use)", () => {
  const current = createTlsMaterial().caCertPem;
  const expired = certificate(new Date(Date.now() - 400 * DAY), new Date(Date.now() - DAY));

  it("accepts a current certificate and a bundle of them", () => {
    expect(checkCaBundle(current)).toMatchObject({ ok: true });
    const bundle = checkCaBundle(`${current}\n${createTlsMaterial().caCertPem}`);
    expect(bundle.ok && bundle.pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it("refuses an expired certificate, also when it is not the first of the bundle", () => {
    expect(checkCaBundle(expired)).toMatchObject({ ok: false, message: expect.stringMatching(/^This certificate expired on .+ Export the server's current CA certificate\.$/) });
    expect(checkCaBundle(`${current}\n${expired}`)).toMatchObject({ ok: false, message: expect.stringMatching(/^Certificate 2 of 2 in the file expired on /) });
  });

  it("refuses a block that is not a readable certificate, text that is no PEM, and more than 10 certificates", () => {
    expect(checkCaBundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")).toMatchObject({ ok: false, message: expect.stringContaining("not a readable X.509 certificate") });
    expect(checkCaBundle("hello")).toMatchObject({ ok: false, message: expect.stringContaining("not a PEM certificate") });
    expect(checkCaBundle(Array.from({ length: 11 }, () => current).join("\n"))).toEqual({ ok: false, message: "Upload at most 10 certificates" });
  });

  it("is what the upload form's schema applies", () => {
    expect(caUploadSchema.safeParse({ caPem: current }).success).toBe(true);
    const refused = caUploadSchema.safeParse({ caPem: `${current}\n${expired}` });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/Certificate 2 of 2 in the file expired on/);
  });
});

describe("names that would build another URL (issue 11)", () => {
  const organization = collectionField("Organization");

  it.each([".", "..", "%2e%2e", "%2E", "..%2F", "My%20Collection", "%252e%252e"])("refuses %s before any URL is built", (name) => {
    const parsed = organization.safeParse(name);
    expect(parsed.success).toBe(false);
  });

  it("keeps real names, dots inside them included", () => {
    expect(organization.parse("fabrikam")).toBe("fabrikam");
    expect(organization.parse("Default.Collection")).toBe("Default.Collection");
  });

  it("buildCollectionUrl refuses them too (the last line, for any caller)", () => {
    for (const collection of [".", "..", "%2e%2e"]) {
      expect(() => buildCollectionUrl({ serverUrl: "https://dev.azure.com", pathPrefix: "", collection })).toThrow(/Refused to build/);
    }
    expect(() => buildCollectionUrl({ serverUrl: "https://host", pathPrefix: "tfs/..", collection: "x" })).toThrow(/Refused to build/);
    expect(buildCollectionUrl({ serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam" })).toBe("https://dev.azure.com/fabrikam");
  });

  it("a pasted URL whose segment decodes to an encoded dot pair is refused", () => {
    expect(parseAzureDevOpsUrl("https://devops.example.com/%252e%252e/project")).toMatchObject({ ok: false });
  });
});

describe("Personal Access Tokens", () => {
  it("accept the characters Azure DevOps issues and nothing else", () => {
    expect(patField.parse("a".repeat(52))).toBe("a".repeat(52));
    expect(patField.parse(`${"A1b2".repeat(19)}AZDOx9Y8`)).toHaveLength(84);
    for (const token of [`${"a".repeat(51)}"`, `${"a".repeat(40)}%0d%0aX`, `${"a".repeat(40)}-_.~`, `${"a".repeat(40)}é`, `${"a".repeat(40)}\u200b`]) {
      const parsed = patField.safeParse(token);
      expect(parsed.success, token).toBe(false);
    }
    expect(patField.safeParse(`${"a".repeat(40)};b`).error?.issues[0]?.message).toMatch(/only letters and digits/);
  });
});

describe("one-line names", () => {
  it.each([
    ["zero-width space", "Fabri\u200bkam"],
    ["zero-width joiner", "Fabri\u200dkam"],
    ["right-to-left mark", "Fabrikam\u200f"],
    ["bidi override", "\u202eFabrikam"],
    ["bidi isolate", "\u2066Fabrikam\u2069"],
    ["byte-order mark", "Fabri\ufeffkam"],
    ["line separator", "Fabri\u2028kam"],
  ])("refuse a %s", (_label, name) => {
    expect(connectionNameField.safeParse(name).success).toBe(false);
  });

  it("compare by their NFKC key", async () => {
    const { nameKey } = await import("@/lib/shared/names");
    expect(nameKey("Ｆａｂｒｉｋａｍ")).toBe(nameKey("fabrikam"));
    expect(nameKey("\uFB01nance")).toBe("finance");
    expect(nameKey("Cafe\u0301")).toBe(nameKey("Café"));
  });
});

describe("dates typed as yyyy-mm-dd", () => {
  const nextYear = new Date().getUTCFullYear() + 1;

  it("accepts real days only: JavaScript would roll February 30 over to March", () => {
    expect(calendarDate(`${nextYear}-02-28`)?.toISOString()).toBe(`${nextYear}-02-28T00:00:00.000Z`);
    for (const value of [`${nextYear}-02-30`, `${nextYear}-04-31`, `${nextYear}-13-01`, `${nextYear}-00-10`, `${nextYear}-1-1`, "tomorrow"]) {
      expect(calendarDate(value), value).toBeNull();
    }
  });

  it("makes the token expiry, the secret expiry and the audit filter refuse a day that does not exist", () => {
    expect(tokenExpiryField.safeParse(`${nextYear}-02-30`).error?.issues[0]?.message).toBe("Token expiry date must be a real date like 2027-03-31");
    expect(tokenExpiryField.parse(`${nextYear}-03-31`)?.toISOString()).toBe(`${nextYear}-03-31T23:59:59.000Z`);
    expect(auditPageQuerySchema.safeParse({ from: `${nextYear}-02-30` }).error?.issues[0]?.message).toBe("From must be a real date");
    expect(auditPageQuerySchema.parse({ to: `${nextYear}-03-01` }).to?.toISOString()).toBe(`${nextYear}-03-02T00:00:00.000Z`);
  });
});

describe("the repository of a pasted address (the wizard's hidden hint)", () => {
  it("keeps a repository name, trimmed, spaces and all", () => {
    expect(pastedRepositoryField.parse(" Wallet App ")).toBe("Wallet App");
    expect(pastedRepositoryField.parse("ios-sdk.v2")).toBe("ios-sdk.v2");
  });

  it("drops what cannot be a repository name instead of refusing the form", () => {
    for (const value of [undefined, "", "   ", "a/b", "a\\b", "line\nbreak", "x".repeat(257)]) {
      expect(pastedRepositoryField.parse(value), JSON.stringify(value)).toBeNull();
    }
  });
});
