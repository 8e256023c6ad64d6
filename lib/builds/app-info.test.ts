import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build as buildXmlPlist, buildBinary } from "plist";
import * as yazl from "yazl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppInfoError, appInfoFromPlist, binaryPlistStrings, readIpaInfo } from "./app-info";
import { appInfoOf, appLabel } from "@/lib/shared/app-info";

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

async function zipOf(name: string, entries: Array<[string, Buffer | string]>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [entry, content] of entries) {
    zip.addBuffer(Buffer.from(content), entry);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    chunks.push(chunk as Buffer);
  }
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat(chunks));
  return file;
}

describe("an .ipa's app information", () => {
  it("reads a binary Info.plist (Xcode's) and an XML one: identifier, build number, version and display name", async () => {
    const binary = await zipOf("binary.ipa", [
      ["Payload/Wallet.app/Wallet", "binary"],
      ["Payload/Wallet.app/Frameworks/Pay.framework/Info.plist", Buffer.from(buildBinary({ CFBundleIdentifier: "com.other.framework", CFBundleVersion: "1" }))],
      ["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary(WALLET))],
    ]);
    const expected = { bundleId: "com.fabrikam.wallet", version: "4513", shortVersion: "2.4.0", name: "Wallet" };
    expect(await readIpaInfo(binary)).toEqual(expected);
    expect(appLabel(expected)).toBe("Wallet 2.4.0 (4513)");
    // Without a display name the bundle name; without either, the identifier.
    const { CFBundleDisplayName: _display, ...named } = WALLET;
    const xml = await zipOf("xml.ipa", [["Payload/Wallet.app/Info.plist", buildXmlPlist(named)]]);
    expect(await readIpaInfo(xml)).toEqual({ ...expected, name: "WalletApp" });
    expect(appLabel({ bundleId: "com.fabrikam.wallet", version: "7", shortVersion: null, name: null })).toBe("com.fabrikam.wallet 7");
    // Names in any script (UTF-16 in the binary format), and characters XML escapes.
    expect(appInfoFromPlist(Buffer.from(buildBinary({ ...WALLET, CFBundleDisplayName: "Geldbörse & Co 💳" })))).toMatchObject({ name: "Geldbörse & Co 💳" });
  });

  it("says why an .ipa has none: not a zip, no Info.plist at the app's place, keys missing, values iOS refuses", async () => {
    const reason = async (file: string) => (await readIpaInfo(file).then(() => "read", (caught: unknown) => (caught instanceof AppInfoError ? caught.message : `other: ${String(caught)}`)));
    await writeFile(path.join(dir, "text.ipa"), "wallet-ipa");
    expect(await reason(path.join(dir, "text.ipa"))).toBe("it is not a zip file");
    expect(await reason(await zipOf("nested.ipa", [["Wallet.app/Info.plist", Buffer.from(buildBinary(WALLET))], ["Payload/Wallet.app/PlugIns/Widget.appex/Info.plist", Buffer.from(buildBinary(WALLET))]]))).toBe("it has no Payload/<App>.app/Info.plist");
    expect(await reason(await zipOf("nokey.ipa", [["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary({ CFBundleVersion: "1" }))]]))).toBe("its Info.plist has no CFBundleIdentifier");
    expect(await reason(await zipOf("noversion.ipa", [["Payload/Wallet.app/Info.plist", buildXmlPlist({ CFBundleIdentifier: "com.fabrikam.wallet" })]]))).toBe("its Info.plist has no CFBundleVersion");
    expect(await reason(await zipOf("badid.ipa", [["Payload/Wallet.app/Info.plist", Buffer.from(buildBinary({ ...WALLET, CFBundleIdentifier: "com.fabrikam/wallet" }))]]))).toBe("its Info.plist names the app in a way iOS does not accept");
    expect(await reason(await zipOf("garbage.ipa", [["Payload/Wallet.app/Info.plist", "<plist><dict><key>"]]))).toBe("it is neither a binary nor an XML plist");
    expect(await reason(await zipOf("big.ipa", [["Payload/Wallet.app/Info.plist", Buffer.alloc(300 * 1024, 0x20)]]))).toBe("its Info.plist is larger than 256 KiB");
    // Stored values are read back only in their shape.
    expect(appInfoOf({ bundleId: "com.fabrikam.wallet", version: "1\n2", shortVersion: null, name: null })).toBeNull();
    expect(appInfoOf(null)).toBeNull();
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
