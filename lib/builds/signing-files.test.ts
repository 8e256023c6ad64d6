import { createHash } from "node:crypto";
import { build as buildXmlPlist } from "plist";
import { describe, expect, it } from "vitest";
import { inspectSigningFile, signingLogLines } from "./signing-files";
import { FAILURE_LINE_PATTERN } from "@/lib/shared/log-errors";
import { profileAppMatch, signingDetails, signingExpiry, signingExpiryWords, signingFactsOf, signingFingerprints, signingState, signingTitle } from "@/lib/shared/signing-files";
import { javaKeystore, pkcs12Of, provisioningProfile, signingCertificate, type TestCertificate } from "@/lib/testing/signing";

// Signing files made here as Apple, keytool and Keychain Access make them (lib/testing/signing.ts):
// what each says about itself, when it stops signing, and files that are none of these.

const DAY = 86_400_000;
const now = new Date("2026-12-06T12:00:00Z");
const inDays = (days: number) => new Date(now.getTime() + days * DAY);
const distribution = signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", inDays(200));
/** A certificate's fingerprints as keytool prints them, from its DER bytes. */
const fingerprints = (cert: TestCertificate) => {
  const hex = (algorithm: string) => createHash(algorithm).update(cert.der).digest("hex").toUpperCase().match(/../g)!.join(":");
  return { sha1: hex("sha1"), sha256: hex("sha256") };
};

describe("a provisioning profile", () => {
  it("says its name, team, app, kind, devices and end, and names its certificates", () => {
    const facts = inspectSigningFile(provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: inDays(90), certificates: [distribution], devices: 3 }));
    expect(facts).toEqual({
      kind: "provisioning-profile",
      name: "Wallet Ad Hoc",
      uuid: "6c1a2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      team: "Fabrikam Ltd",
      teamId: "ABCDE12345",
      appId: "com.fabrikam.wallet",
      distribution: "ad-hoc",
      devices: 3,
      deviceIds: ["00008030-0000000000000000", "00008030-0000000000000001", "00008030-0000000000000002"],
      profileExpiresAt: inDays(90).toISOString(),
      certificates: [{ name: "Apple Distribution: Fabrikam Ltd (ABCDE12345)", expiresAt: inDays(200).toISOString(), ...fingerprints(distribution) }],
      expiresAt: inDays(90).toISOString(),
    });
    expect(signingTitle(facts)).toBe("Provisioning profile “Wallet Ad Hoc”");
    expect(signingDetails(facts)).toBe("ad hoc, 3 devices · com.fabrikam.wallet · Fabrikam Ltd (ABCDE12345)");
  });

  it("stops signing when the last certificate it names ends, if that comes first", () => {
    const early = signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", inDays(10));
    const earlier = signingCertificate("iPhone Distribution: Fabrikam Ltd (ABCDE12345)", inDays(-5));
    const facts = inspectSigningFile(provisioningProfile({ name: "Wallet App Store", expiresAt: inDays(300), certificates: [earlier, early] }));
    expect(facts).toMatchObject({ distribution: "app-store", devices: null, profileExpiresAt: inDays(300).toISOString(), expiresAt: inDays(10).toISOString() });
    // One ended certificate among valid ones changes nothing: the profile signs with the others.
    const mixed = inspectSigningFile(provisioningProfile({ name: "Wallet", expiresAt: inDays(100), certificates: [earlier, distribution] }));
    expect(signingExpiry(mixed)?.toISOString()).toBe(inDays(100).toISOString());
  });

  it("tells development, enterprise, App Store and Developer ID profiles apart, and wildcard apps", () => {
    const of = (input: Partial<Parameters<typeof provisioningProfile>[0]>) => inspectSigningFile(provisioningProfile({ name: "P", expiresAt: inDays(50), certificates: [distribution], ...input }));
    expect(of({ devices: 2, getTaskAllow: true })).toMatchObject({ distribution: "development", devices: 2 });
    expect(of({ allDevices: true })).toMatchObject({ distribution: "enterprise", devices: null });
    expect(of({})).toMatchObject({ distribution: "app-store" });
    expect(of({ allDevices: true, platform: "OSX" })).toMatchObject({ distribution: "developer-id" });
    const wildcard = of({ bundleId: "*", devices: 1, getTaskAllow: true });
    expect(signingDetails(wildcard)).toBe("development, 1 device · any app of the team · Fabrikam Ltd (ABCDE12345)");
  });

  it("is read from the plist alone, without trusting its envelope, and cleans control characters from what it shows", () => {
    const xml = buildXmlPlist({ Name: "Wallet\tBeta\n", ExpirationDate: inDays(5), TeamIdentifier: ["ABCDE12345"], Entitlements: {} });
    const facts = inspectSigningFile(Buffer.concat([Buffer.from([0x30, 0x80, 0x06, 0x09]), Buffer.from(xml), Buffer.from([0, 0])]));
    expect(facts).toMatchObject({ kind: "provisioning-profile", name: "Wallet Beta", team: null, teamId: "ABCDE12345", appId: null, certificates: [], expiresAt: inDays(5).toISOString() });
  });

  it("is nothing Keel reads when its plist has no end or no name", () => {
    expect(inspectSigningFile(Buffer.from(buildXmlPlist({ Name: "Wallet" })))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.from(buildXmlPlist({ ExpirationDate: inDays(5) })))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.from(`<?xml version="1.0"?><plist><dict><key>Name</key>`))).toEqual({ kind: "other" });
  });
});

describe("certificates", () => {
  it("reads a PEM file's certificates (beside its key) and ends with the first to end", () => {
    const intermediate = signingCertificate("Apple Worldwide Developer Relations Certification Authority", inDays(20));
    const facts = inspectSigningFile(Buffer.from(`${distribution.keyPem}${distribution.pem}${intermediate.pem}`));
    expect(facts).toEqual({
      kind: "certificates",
      certificates: [
        { name: "Apple Distribution: Fabrikam Ltd (ABCDE12345)", expiresAt: inDays(200).toISOString(), ...fingerprints(distribution) },
        { name: "Apple Worldwide Developer Relations Certification Authority", expiresAt: inDays(20).toISOString(), ...fingerprints(intermediate) },
      ],
      expiresAt: inDays(20).toISOString(),
    });
    expect(signingTitle(facts)).toBe("2 certificates");
  });

  it("reads a DER certificate (.cer)", () => {
    const facts = inspectSigningFile(distribution.der);
    expect(facts).toEqual({ kind: "certificates", certificates: [{ name: "Apple Distribution: Fabrikam Ltd (ABCDE12345)", expiresAt: inDays(200).toISOString(), ...fingerprints(distribution) }], expiresAt: inDays(200).toISOString() });
    expect(signingFingerprints(facts)).toEqual([`Apple Distribution: Fabrikam Ltd (ABCDE12345): SHA-1 ${fingerprints(distribution).sha1}`, `Apple Distribution: Fabrikam Ltd (ABCDE12345): SHA-256 ${fingerprints(distribution).sha256}`]);
    expect(signingTitle(facts)).toBe("Certificate “Apple Distribution: Fabrikam Ltd (ABCDE12345)”");
  });

  it("names a password-protected PKCS #12 file without reading it", () => {
    expect(inspectSigningFile(pkcs12Of(distribution, "orchard"))).toEqual({ kind: "pkcs12" });
  });
});

describe("a Java keystore", () => {
  const upload = signingCertificate("Fabrikam Upload Key", inDays(25 * 365));

  it("names each key's alias and certificate and ends with the first certificate to end", () => {
    const release = signingCertificate("Fabrikam Release", inDays(12));
    expect(fingerprints(release).sha1).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);
    const facts = inspectSigningFile(javaKeystore([{ alias: "upload", chain: [upload] }, { alias: "release", chain: [release] }]));
    expect(facts).toEqual({
      kind: "keystore",
      format: "jks",
      certificates: [
        { name: "Fabrikam Upload Key", alias: "upload", expiresAt: inDays(25 * 365).toISOString(), ...fingerprints(upload) },
        { name: "Fabrikam Release", alias: "release", expiresAt: inDays(12).toISOString(), ...fingerprints(release) },
      ],
      expiresAt: inDays(12).toISOString(),
    });
    expect(signingTitle(facts)).toBe("Java keystore (upload, release)");
    expect(signingDetails(facts)).toBe("upload: Fabrikam Upload Key · release: Fabrikam Release");
    // What Firebase and Google Sign-In ask for, per key.
    expect(signingFingerprints(facts)).toEqual([
      `upload: SHA-1 ${fingerprints(upload).sha1}`,
      `upload: SHA-256 ${fingerprints(upload).sha256}`,
      `release: SHA-1 ${fingerprints(release).sha1}`,
      `release: SHA-256 ${fingerprints(release).sha256}`,
    ]);
  });

  it("keeps what it read before a cut, and claims no end when it read no certificate", () => {
    const whole = javaKeystore([{ alias: "upload", chain: [upload] }, { alias: "release", chain: [signingCertificate("Fabrikam Release", inDays(12))] }]);
    const firstEntryEnds = whole.indexOf(upload.der) + upload.der.length;
    expect(inspectSigningFile(whole.subarray(0, firstEntryEnds + 30))).toMatchObject({ kind: "keystore", certificates: [{ alias: "upload" }], expiresAt: inDays(25 * 365).toISOString() });
    expect(inspectSigningFile(whole.subarray(0, 200))).toEqual({ kind: "keystore", format: "jks", certificates: [], expiresAt: null });
    // A count far beyond what is there reads what is there.
    const lying = Buffer.from(whole);
    lying.writeUInt32BE(0xffffffff, 8);
    expect(inspectSigningFile(lying)).toMatchObject({ kind: "keystore", certificates: [{ alias: "upload" }, { alias: "release" }] });
  });
});

describe("other files", () => {
  it("are nothing to Keel: keys alone, JSON credentials, random bytes, empty files", () => {
    expect(inspectSigningFile(Buffer.from(distribution.keyPem))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.from(JSON.stringify({ type: "service_account", private_key: "…" })))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.alloc(0))).toEqual({ kind: "other" });
    expect(inspectSigningFile(Buffer.from("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"))).toEqual({ kind: "other" });
  });
});

describe("the build log's line", () => {
  it("says what a signing file is and when it ends, and once ended that signing fails and what to do", () => {
    const profile = provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: inDays(-3), certificates: [distribution], devices: 3 });
    expect(signingLogLines("IOS_PROFILE", profile, now)).toEqual({
      before:
        "$IOS_PROFILE: Provisioning profile “Wallet Ad Hoc” (ad hoc, 3 devices · com.fabrikam.wallet · Fabrikam Ltd (ABCDE12345)), expired on 2026-12-03. Signing with it fails. " +
        "Renew or regenerate the profile in the Apple Developer account (Certificates, Identifiers & Profiles → Profiles, or Xcode's automatic signing), download it and upload it under Secret files on the profile's workflow page with the variable IOS_PROFILE (it replaces the old file).",
      onFailure: "error: the signing file in $IOS_PROFILE (Provisioning profile “Wallet Ad Hoc”) expired on 2026-12-03: nothing signs with it. Upload a current one under Secret files on the profile's workflow page.",
    });
    // The line under a failed step is one "What went wrong" picks up.
    expect(new RegExp(FAILURE_LINE_PATTERN).test(signingLogLines("IOS_PROFILE", profile, now)!.onFailure!)).toBe(true);
    expect(signingLogLines("IOS_CERT", distribution.der, now)).toEqual({ before: "$IOS_CERT: Certificate “Apple Distribution: Fabrikam Ltd (ABCDE12345)”, valid until 2027-06-24.", onFailure: null });
    expect(signingLogLines("IOS_P12", pkcs12Of(distribution, "orchard"), now)?.before).toBe("$IOS_P12: Password-protected certificate and key (PKCS #12).");
    expect(signingLogLines("GOOGLE_KEY", Buffer.from("{}"), now)).toBeNull();
  });
});

describe("a profile and the app it signs", () => {
  it("covers the app exactly or by wildcard, is an extension's, or is for another app", () => {
    expect(profileAppMatch("com.fabrikam.wallet", ["com.fabrikam.wallet"])).toBe("app");
    expect(profileAppMatch("*", ["com.fabrikam.wallet"])).toBe("app");
    expect(profileAppMatch("com.fabrikam.*", ["com.fabrikam.wallet"])).toBe("app");
    expect(profileAppMatch("com.fabrikam.wallet.widget", ["com.fabrikam.wallet"])).toBe("extension");
    expect(profileAppMatch("com.fabrikam.walletbeta", ["com.fabrikam.wallet"])).toBe("other");
    expect(profileAppMatch("com.contoso.*", ["com.fabrikam.wallet"])).toBe("other");
    expect(profileAppMatch(null, ["com.fabrikam.wallet"])).toBeNull();
    expect(profileAppMatch("com.fabrikam.wallet", [])).toBeNull();
  });
});

describe("the words of an end", () => {
  it("say ended, ending within 30 days, or valid until", () => {
    expect(signingState(inDays(-1), now)).toBe("expired");
    expect(signingState(now, now)).toBe("expired");
    expect(signingState(inDays(30), now)).toBe("expiring");
    expect(signingState(new Date(inDays(30).getTime() + 1), now)).toBe("valid");
    expect(signingExpiryWords(new Date("2026-12-03T09:00:00Z"), now)).toBe("expired on 2026-12-03");
    expect(signingExpiryWords(new Date(now.getTime() + DAY / 2), now)).toBe("expires in 1 day (2026-12-07)");
    expect(signingExpiryWords(inDays(12), now)).toBe("expires in 12 days (2026-12-18)");
    expect(signingExpiryWords(inDays(31), now)).toBe("valid until 2027-01-06");
  });

  it("are read back only from a stored value of the right shape", () => {
    expect(signingFactsOf({ kind: "pkcs12" })).toEqual({ kind: "pkcs12" });
    expect(signingFactsOf({ kind: "certificates", certificates: [], expiresAt: now.toISOString() })).toBeNull();
    expect(signingFactsOf({ kind: "provisioning-profile", name: "x" })).toBeNull();
    expect(signingFactsOf(null)).toBeNull();
    expect(signingExpiry({ kind: "keystore", format: "jks", certificates: [], expiresAt: null })).toBeNull();
  });
});
