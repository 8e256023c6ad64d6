import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { createTlsMaterial } from "@/e2e/azure-devops-emulator/tls";
import { caUploadSchema, checkCaBundle } from "./connections";

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
