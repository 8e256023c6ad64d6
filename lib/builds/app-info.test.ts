import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build as buildXmlPlist, buildBinary } from "plist";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppInfoError, appInfoFromManifest, appInfoFromPlist, appInfoFromProtoManifest, binaryPlistStrings, readAabInfo, readApkInfo, readIpaInfo } from "./app-info";
import { appInfoOf, appLabel, certificateWords, installability, signingWords, type AppInfo } from "@/lib/shared/app-info";
import { binaryManifest, protoManifest, WALLET_MANIFEST, withSigningBlock, zipOf } from "@/lib/testing/apps";
import { jarSignature, provisioningProfile, signingCertificate, type TestCertificate } from "@/lib/testing/signing";

// An .ipa's Info.plist read as Xcode writes it (binary) and as other tools do (XML), from zips
// made here the way an .ipa is laid out; broken and hostile files say why, and stay cheap.

const WALLET = { CFBundleIdentifier: "com.fabrikam.wallet", CFBundleVersion: "4513", CFBundleShortVersionString: "2.4.0", CFBundleDisplayName: "Wallet", CFBundleName: "WalletApp", UIDeviceFamily: [1, 2], LSRequiresIPhoneOS: true };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "keel-ipa-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The zip of these files written as `name` in the test's folder (the readers take a file, as the worker has one). */
async function zipFile(name: string, entries: Array<[string, Buffer | string]>): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, await zipOf(entries));
  return file;
}

describe("an .apk's app information", () => {
  it("reads package, versionCode and versionName from AndroidManifest.xml, UTF-16 or UTF-8, with attribute names or only their resource ids", async () => {
    const expected: AppInfo = { platform: "android", bundleId: "com.fabrikam.wallet", version: "4513", shortVersion: "2.4.0", name: null, signing: null, certificate: null };
    expect(appInfoFromManifest(binaryManifest(WALLET_MANIFEST))).toEqual(expected);
    expect(appInfoFromManifest(binaryManifest(WALLET_MANIFEST, { utf8: true, stripNames: true }))).toEqual(expected);
    expect(appLabel(expected)).toBe("com.fabrikam.wallet 2.4.0 (4513)");
    // A version name kept in a resource (@string/version) is not resolved.
    expect(appInfoFromManifest(binaryManifest([WALLET_MANIFEST[0]!, { ...WALLET_MANIFEST[1]!, value: { reference: 0x7f0e0001 } }, WALLET_MANIFEST[2]!]))).toEqual({ ...expected, shortVersion: null });
    const apk = await zipFile("wallet.apk", [["classes.dex", "dex"], ["AndroidManifest.xml", binaryManifest(WALLET_MANIFEST)], ["res/AndroidManifest.xml", "not this one"]]);
    expect(await readApkInfo(apk)).toEqual(expected);
  });

  it("says why an .apk has none: no manifest, text XML, keys missing, a package Android refuses, a manifest cut short", async () => {
    const reason = (read: () => unknown) => {
      try {
        read();
        return "read";
      } catch (caught) {
        return caught instanceof AppInfoError ? caught.message : `other: ${String(caught)}`;
      }
    };
    expect(await readApkInfo(await zipFile("empty.apk", [["classes.dex", "dex"]])).catch((caught: Error) => caught.message)).toBe("it has no AndroidManifest.xml");
    expect(reason(() => appInfoFromManifest(Buffer.from('<manifest package="com.fabrikam.wallet"/>')))).toBe("its AndroidManifest.xml is not Android's binary XML");
    expect(reason(() => appInfoFromManifest(binaryManifest([WALLET_MANIFEST[1]!, WALLET_MANIFEST[2]!])))).toBe("its AndroidManifest.xml has no versionCode");
    expect(reason(() => appInfoFromManifest(binaryManifest([WALLET_MANIFEST[0]!])))).toBe("its AndroidManifest.xml has no package");
    expect(reason(() => appInfoFromManifest(binaryManifest([WALLET_MANIFEST[0]!, { name: "package", value: "wallet" }])))).toBe("its AndroidManifest.xml names the app in a way Android does not accept");
    expect(reason(() => appInfoFromManifest(binaryManifest(WALLET_MANIFEST, { element: "application" })))).toBe("its AndroidManifest.xml does not start with <manifest>");
    const whole = binaryManifest(WALLET_MANIFEST);
    expect(reason(() => appInfoFromManifest(whole.subarray(0, whole.length - 30)))).toMatch(/^(a chunk of its manifest has a broken size|its manifest is cut short)$/);
  });
});

describe("an .apk's signer", () => {
  const upload = signingCertificate("Fabrikam Upload Key", new Date(Date.now() + 9_000 * 86_400_000));
  const debug = signingCertificate("Android Debug", new Date(Date.now() + 300 * 86_400_000));
  /** A certificate's fingerprints as keytool prints them, from its DER bytes. */
  const fingerprint = (cert: TestCertificate, algorithm: "sha1" | "sha256") => createHash(algorithm).update(cert.der).digest("hex").toUpperCase().match(/../g)!.join(":");
  const unsigned = () => zipOf([["AndroidManifest.xml", binaryManifest(WALLET_MANIFEST)], ["classes.dex", "dex"]]);
  const apkFile = async (name: string, content: Buffer) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };

  it("is the certificate of its APK Signature Scheme v2 or v3 block, with keytool's fingerprints", async () => {
    const v2 = await readApkInfo(await apkFile("v2.apk", withSigningBlock(await unsigned(), upload.der)));
    expect(v2).toMatchObject({ bundleId: "com.fabrikam.wallet", certificate: { name: "Fabrikam Upload Key", sha1: fingerprint(upload, "sha1"), sha256: fingerprint(upload, "sha256"), debug: false } });
    expect(certificateWords(v2.certificate!)).toBe(`signed by “Fabrikam Upload Key” (SHA-256 ${fingerprint(upload, "sha256")})`);
    const v3 = await readApkInfo(await apkFile("v3.apk", withSigningBlock(await unsigned(), debug.der, 0xf05368c0)));
    expect(v3.certificate).toMatchObject({ name: "Android Debug", debug: true });
    expect(certificateWords(v3.certificate!)).toMatch(/^signed with the Android debug key \(SHA-256 [0-9A-F:]{95}\), which Google Play refuses$/);
    // Stored and read back as it was.
    expect(appInfoOf(JSON.parse(JSON.stringify(v2)))).toEqual(v2);
  });

  it("is v1's META-INF signature when there is no v2 or v3 block; none when neither is there or the block is broken", async () => {
    const v1 = await zipOf([["AndroidManifest.xml", binaryManifest(WALLET_MANIFEST)], ["META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n"], ["META-INF/CERT.RSA", jarSignature(upload)]]);
    expect((await readApkInfo(await apkFile("v1.apk", v1))).certificate).toMatchObject({ name: "Fabrikam Upload Key", sha256: fingerprint(upload, "sha256") });
    // v2 wins over v1 (apksigner writes both; v2 is what Android checks).
    expect((await readApkInfo(await apkFile("v1v2.apk", withSigningBlock(v1, debug.der)))).certificate?.name).toBe("Android Debug");
    expect((await readApkInfo(await apkFile("unsigned.apk", await unsigned()))).certificate).toBeNull();
    // A block whose lengths lie: the app is still read, its signer is unknown.
    const broken = withSigningBlock(await unsigned(), upload.der);
    const magic = broken.indexOf(Buffer.from("APK Sig Block 42", "latin1"));
    broken.writeBigUInt64LE(BigInt(broken.length * 2), magic - 8);
    expect(await readApkInfo(await apkFile("broken.apk", broken))).toMatchObject({ bundleId: "com.fabrikam.wallet", certificate: null });
    const garbled = withSigningBlock(await unsigned(), Buffer.from("not a certificate"));
    expect((await readApkInfo(await apkFile("garbled.apk", garbled))).certificate).toBeNull();
  });
});

describe("an .aab's app information", () => {
  const WALLET_BUNDLE = [
    { name: "package", value: "com.fabrikam.wallet" },
    { name: "versionCode", android: true, resourceId: 0x0101021b, value: "4513", number: 4513 },
    { name: "versionName", android: true, resourceId: 0x0101021c, value: "2.4.0" },
  ];

  it("reads package, versionCode and versionName from aapt2's protocol-buffer manifest, and the signer from jarsigner's v1 signature", async () => {
    const upload = signingCertificate("Fabrikam Upload Key", new Date(Date.now() + 9_000 * 86_400_000));
    const expected = { platform: "android", bundleId: "com.fabrikam.wallet", version: "4513", shortVersion: "2.4.0", name: null, signing: null };
    expect(appInfoFromProtoManifest(protoManifest(WALLET_BUNDLE))).toEqual({ ...expected, certificate: null });
    // versionCode kept only as a compiled number (no string), and names found by resource id alone.
    expect(appInfoFromProtoManifest(protoManifest([WALLET_BUNDLE[0]!, { ...WALLET_BUNDLE[1]!, name: "", value: "" }, { ...WALLET_BUNDLE[2]!, name: "" }]))).toMatchObject({ version: "4513", shortVersion: "2.4.0" });
    const bundle = await zipFile("wallet.aab", [
      ["BundleConfig.pb", "config"],
      ["base/manifest/AndroidManifest.xml", protoManifest(WALLET_BUNDLE)],
      ["feature/manifest/AndroidManifest.xml", protoManifest([{ name: "package", value: "com.other" }])],
      ["META-INF/UPLOAD.RSA", jarSignature(upload)],
    ]);
    expect(await readAabInfo(bundle)).toMatchObject({ ...expected, certificate: { name: "Fabrikam Upload Key", debug: false } });
  });

  it("says why an .aab has none: no base manifest, another root element, a message cut short", async () => {
    const reason = async (file: string) => (await readAabInfo(file).then(() => "read", (caught: unknown) => (caught instanceof AppInfoError ? caught.message : `other: ${String(caught)}`)));
    expect(await reason(await zipFile("nobase.aab", [["feature/manifest/AndroidManifest.xml", protoManifest(WALLET_BUNDLE)]]))).toBe("it has no base/manifest/AndroidManifest.xml");
    expect(await reason(await zipFile("root.aab", [["base/manifest/AndroidManifest.xml", protoManifest(WALLET_BUNDLE, "application")]]))).toBe("its AndroidManifest.xml does not start with <manifest>");
    expect(await reason(await zipFile("cut.aab", [["base/manifest/AndroidManifest.xml", protoManifest(WALLET_BUNDLE).subarray(0, 40)]]))).toBe("its manifest is cut short");
    expect(await reason(await zipFile("noversion.aab", [["base/manifest/AndroidManifest.xml", protoManifest([WALLET_BUNDLE[0]!])]]))).toBe("its AndroidManifest.xml has no versionCode");
    // An .apk's binary XML where the protocol buffer belongs: refused as a manifest, not a crash.
    expect(await reason(await zipFile("binary.aab", [["base/manifest/AndroidManifest.xml", binaryManifest(WALLET_MANIFEST)]]))).toMatch(/^its (manifest|AndroidManifest\.xml) /);
  });
});

describe("an .ipa's app information", () => {
  it("reads a binary Info.plist (Xcode's) and an XML one: identifier, build number, version and display name", async () => {
    const binary = await zipFile("binary.ipa", [
      ["Payload/Wallet.app/Wallet", "binary"],
      ["Payload/Wallet.app/Frameworks/Pay.framework/Info.plist", Buffer.from(buildBinary({ CFBundleIdentifier: "com.other.framework", CFBundleVersion: "1" }))],
      ["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary(WALLET))],
    ]);
    const expected = { platform: "ios" as const, bundleId: "com.fabrikam.wallet", version: "4513", shortVersion: "2.4.0", name: "Wallet", signing: null, certificate: null };
    expect(await readIpaInfo(binary)).toEqual(expected);
    expect(appLabel(expected)).toBe("Wallet 2.4.0 (4513)");
    // Without a display name the bundle name; without either, the identifier.
    const { CFBundleDisplayName: _display, ...named } = WALLET;
    const xml = await zipFile("xml.ipa", [["Payload/Wallet.app/Info.plist", buildXmlPlist(named)]]);
    expect(await readIpaInfo(xml)).toEqual({ ...expected, name: "WalletApp" });
    expect(appLabel({ platform: "ios", bundleId: "com.fabrikam.wallet", version: "7", shortVersion: null, name: null, signing: null, certificate: null })).toBe("com.fabrikam.wallet 7");
    // Names in any script (UTF-16 in the binary format), and characters XML escapes.
    expect(appInfoFromPlist(Buffer.from(buildBinary({ ...WALLET, CFBundleDisplayName: "Geldbörse & Co 💳" })))).toMatchObject({ name: "Geldbörse & Co 💳" });
  });

  it("says why an .ipa has none: not a zip, no Info.plist at the app's place, keys missing, values iOS refuses", async () => {
    const reason = async (file: string) => (await readIpaInfo(file).then(() => "read", (caught: unknown) => (caught instanceof AppInfoError ? caught.message : `other: ${String(caught)}`)));
    await writeFile(path.join(dir, "text.ipa"), "wallet-ipa");
    expect(await reason(path.join(dir, "text.ipa"))).toBe("it is not a zip file");
    expect(await reason(await zipFile("nested.ipa", [["Wallet.app/Info.plist", Buffer.from(buildBinary(WALLET))], ["Payload/Wallet.app/PlugIns/Widget.appex/Info.plist", Buffer.from(buildBinary(WALLET))]]))).toBe("it has no Payload/<App>.app/Info.plist");
    expect(await reason(await zipFile("nokey.ipa", [["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary({ CFBundleVersion: "1" }))]]))).toBe("its Info.plist has no CFBundleIdentifier");
    expect(await reason(await zipFile("noversion.ipa", [["Payload/Wallet.app/Info.plist", buildXmlPlist({ CFBundleIdentifier: "com.fabrikam.wallet" })]]))).toBe("its Info.plist has no CFBundleVersion");
    expect(await reason(await zipFile("badid.ipa", [["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary({ ...WALLET, CFBundleIdentifier: "com.fabrikam/wallet" }))]]))).toBe("its Info.plist names the app in a way iOS does not accept");
    expect(await reason(await zipFile("garbage.ipa", [["Payload/Wallet.app/Info.plist", "<plist><dict><key>"]]))).toBe("it is neither a binary nor an XML plist");
    expect(await reason(await zipFile("big.ipa", [["Payload/Wallet.app/Info.plist", Buffer.alloc(300 * 1024, 0x20)]]))).toBe("its Info.plist is larger than 256 KiB");
    // Stored values are read back only in their shape.
    expect(appInfoOf({ bundleId: "com.fabrikam.wallet", version: "1\n2", shortVersion: null, name: null })).toBeNull();
    expect(appInfoOf(null)).toBeNull();
  });

  it("reads how the app is signed from its own embedded provisioning profile, not an extension's; without one, or an unreadable one, it is unknown", async () => {
    const DAY = 86_400_000;
    const ends = new Date(Math.floor(Date.now() / 1000 + 200 * 86_400) * 1000);
    const certificate = signingCertificate("Apple Distribution: Fabrikam Ltd (ABCDE12345)", new Date(Date.now() + 400 * DAY));
    const adHoc = provisioningProfile({ name: "Wallet Ad Hoc", expiresAt: ends, certificates: [certificate], devices: 3 });
    const store = provisioningProfile({ name: "Wallet App Store", expiresAt: ends, certificates: [certificate] });
    const plist: [string, Buffer] = ["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary(WALLET))];
    const signed = await readIpaInfo(await zipFile("signed.ipa", [["Payload/Wallet.app/PlugIns/Widget.appex/embedded.mobileprovision", store], plist, ["Payload/Wallet.app/embedded.mobileprovision", adHoc]]));
    expect(signed).toMatchObject({ bundleId: "com.fabrikam.wallet", signing: { profile: "Wallet Ad Hoc", distribution: "ad-hoc", devices: 3, team: "Fabrikam Ltd", expiresAt: ends.toISOString() } });
    // The devices' UDIDs too (the test profile's are new-style identifiers), to tell which registered devices it lists.
    expect(signed.signing?.deviceIds).toEqual(["00008030-0000000000000000", "00008030-0000000000000001", "00008030-0000000000000002"]);
    // Stored and read back as it was.
    expect(appInfoOf(JSON.parse(JSON.stringify(signed)))).toEqual(signed);
    expect((await readIpaInfo(await zipFile("extension-only.ipa", [plist, ["Payload/Wallet.app/PlugIns/Widget.appex/embedded.mobileprovision", store]]))).signing).toBeNull();
    expect((await readIpaInfo(await zipFile("not-a-profile.ipa", [plist, ["Payload/Wallet.app/embedded.mobileprovision", "not a profile"]]))).signing).toBeNull();
    expect((await readIpaInfo(await zipFile("huge-profile.ipa", [plist, ["Payload/Wallet.app/embedded.mobileprovision", Buffer.alloc(300 * 1024, 0x20)]]))).signing).toBeNull();
  });

  it("says who installs a signed app from a link, and how it is signed", () => {
    const now = new Date("2026-12-06T12:00:00Z");
    const app = (signing: AppInfo["signing"]): AppInfo => ({ platform: "ios", bundleId: "com.fabrikam.wallet", version: "1", shortVersion: null, name: "Wallet", signing, certificate: null });
    const signing = { profile: "Wallet Ad Hoc", distribution: "ad-hoc" as const, devices: 3, deviceIds: [], team: "Fabrikam Ltd", expiresAt: "2027-06-24T10:00:00.000Z" };
    expect(installability(app(null), now)).toBeNull();
    expect(installability(app(signing), now)).toEqual({ can: true, who: "devices", devices: 3 });
    expect(installability(app({ ...signing, distribution: "enterprise", devices: null }), now)).toEqual({ can: true, who: "anyone" });
    expect(installability(app({ ...signing, distribution: "app-store", devices: null }), now)).toEqual({ can: false, why: "store" });
    expect(installability(app({ ...signing, expiresAt: "2026-12-06T11:59:59.000Z" }), now)).toEqual({ can: false, why: "expired" });
    expect(signingWords(signing, now)).toBe("signed ad hoc for 3 devices with “Wallet Ad Hoc”, until 2027-06-24");
    expect(signingWords({ ...signing, distribution: "app-store", devices: null, expiresAt: "2026-12-01T00:00:00.000Z" }, now)).toBe("signed for the App Store with “Wallet Ad Hoc”, expired on 2026-12-01");
    expect(signingWords({ ...signing, devices: 1, distribution: "development" }, now)).toBe("signed for development for 1 device with “Wallet Ad Hoc”, until 2027-06-24");
  });

  it("reads a hostile binary plist in time proportional to its size: broken offsets refused, shared objects not followed", () => {
    const valid = Buffer.from(buildBinary(WALLET));
    expect(binaryPlistStrings(valid).get("CFBundleIdentifier")).toBe("com.fabrikam.wallet");
    // A trailer whose table points past the file, and an object offset outside the objects.
    const broken = Buffer.from(valid);
    broken.writeUInt32BE(0xffff, broken.length - 4);
    expect(() => binaryPlistStrings(broken)).toThrow(AppInfoError);
    expect(() => binaryPlistStrings(Buffer.from("bplist00"))).toThrow(AppInfoError);
    // A dictionary whose value is an array of 60 references to one array of 60 references to … (60^6 leaves
    // if followed): only the top-level strings are read, so this takes as long as any small file.
    const objects: Buffer[] = [];
    const refs = (count: number, to: number) => Buffer.from([0xaf, 0x10, count, ...Array.from({ length: count }, () => to)]);
    objects.push(Buffer.from([0xd2, 1, 2, 3, 4])); // 0: dict of two entries: keys 1, 2 → values 3, 4
    objects.push(Buffer.concat([Buffer.from([0x5f, 0x10, 18]), Buffer.from("CFBundleIdentifier")])); // 1
    objects.push(Buffer.concat([Buffer.from([0x55]), Buffer.from("Bombs")])); // 2
    objects.push(Buffer.concat([Buffer.from([0x5f, 0x10, 16]), Buffer.from("com.example.bomb")])); // 3
    for (let level = 0; level < 6; level += 1) {
      objects.push(refs(60, 5 + level)); // 4 → 5 → … → 9, each 60 times
    }
    objects.push(Buffer.from([0x09])); // 10: true
    const body = Buffer.concat([Buffer.from("bplist00"), ...objects]);
    let at = 8;
    const offsets = objects.map((object) => {
      const offset = at;
      at += object.length;
      return offset;
    });
    const table = Buffer.from(offsets.flatMap((offset) => [offset >> 8, offset & 0xff]));
    const trailer = Buffer.alloc(32);
    trailer[6] = 2;
    trailer[7] = 1;
    trailer.writeUInt32BE(objects.length, 12);
    trailer.writeUInt32BE(0, 20);
    trailer.writeUInt32BE(body.length, 28);
    const bomb = Buffer.concat([body, table, trailer]);
    expect([...binaryPlistStrings(bomb)]).toEqual([["CFBundleIdentifier", "com.example.bomb"]]);
  });
});
