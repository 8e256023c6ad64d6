import "server-only";
import { parse as parseXmlPlist } from "plist";
import * as yauzl from "yauzl";
import { appInfoOf, type AppInfo } from "@/lib/shared/app-info";

// Reads what an .ipa says about itself (lib/builds/README.md, "Installing on iPhones"): the
// app's Info.plist, `Payload/<Name>.app/Info.plist` in the zip, is found through the zip's
// central directory (nothing else is read) and its strings are taken from its top-level
// dictionary. Xcode writes it as a binary plist, other tools as XML.

/** An Info.plist larger than this is not read (a real one is a few KiB). */
export const INFO_PLIST_MAX_BYTES = 256 * 1024;
/** Entries of the zip looked at before giving up (an app has thousands of files; Info.plist comes early). */
const MAX_ENTRIES = 200_000;
const INFO_PLIST = /^Payload\/[^/]+\.app\/Info\.plist$/;

/** Why an .ipa has no app information: said in the build's log. */
export class AppInfoError extends Error {}

function readUInt(data: Buffer, offset: number, size: number): number {
  if (size < 1 || size > 8 || offset < 0 || offset + size > data.length) {
    throw new AppInfoError("a number lies outside the file");
  }
  let value = 0;
  for (let index = 0; index < size; index += 1) {
    value = value * 256 + data[offset + index]!;
  }
  if (!Number.isSafeInteger(value)) {
    throw new AppInfoError("a number is too large");
  }
  return value;
}

/**
 * The string values of a binary plist's top-level dictionary (format bplist00), by key. Written
 * here rather than taken from the plist package's parseBinary, which builds the whole object tree
 * and follows every reference again: a plist that shares one object many times would make it do
 * work exponential in its size. This reads each key and value once, and nothing below them.
 */
export function binaryPlistStrings(data: Buffer): Map<string, string> {
  if (data.length < 8 + 32 + 1 || data.toString("latin1", 0, 8) !== "bplist00") {
    throw new AppInfoError("it is not a binary plist");
  }
  const trailer = data.length - 32;
  const offsetSize = data[trailer + 6]!;
  const refSize = data[trailer + 7]!;
  const count = readUInt(data, trailer + 8, 8);
  const top = readUInt(data, trailer + 16, 8);
  const tableAt = readUInt(data, trailer + 24, 8);
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8 || top >= count || tableAt + count * offsetSize > trailer) {
    throw new AppInfoError("its offset table is broken");
  }
  const objectAt = (index: number) => {
    if (index >= count) {
      throw new AppInfoError("a reference points past the objects");
    }
    const offset = readUInt(data, tableAt + index * offsetSize, offsetSize);
    if (offset < 8 || offset >= tableAt) {
      throw new AppInfoError("an object lies outside the file");
    }
    const marker = data[offset]!;
    let size = marker & 0x0f;
    let start = offset + 1;
    if (size === 0x0f && marker >> 4 !== 0) {
      const extra = data[start];
      if (extra === undefined || extra >> 4 !== 1) {
        throw new AppInfoError("an object's length is broken");
      }
      const bytes = 1 << (extra & 0x0f);
      size = readUInt(data, start + 1, bytes);
      start += 1 + bytes;
    }
    return { type: marker >> 4, size, start };
  };
  const stringAt = (index: number): string | null => {
    const { type, size, start } = objectAt(index);
    const end = start + (type === 0x6 ? size * 2 : size);
    if ((type === 0x5 || type === 0x6) && end > tableAt) {
      throw new AppInfoError("a string runs past its objects");
    }
    if (type === 0x5) {
      return data.toString("latin1", start, end);
    }
    if (type === 0x6) {
      // UTF-16, big-endian in the file.
      const swapped = Buffer.from(data.subarray(start, end));
      swapped.swap16();
      return swapped.toString("utf16le");
    }
    return null;
  };
  const root = objectAt(top);
  if (root.type !== 0xd) {
    throw new AppInfoError("its top level is not a dictionary");
  }
  if (root.start + root.size * 2 * refSize > tableAt) {
    throw new AppInfoError("its dictionary runs past its objects");
  }
  const strings = new Map<string, string>();
  for (let index = 0; index < root.size; index += 1) {
    const key = stringAt(readUInt(data, root.start + index * refSize, refSize));
    const value = key === null ? null : stringAt(readUInt(data, root.start + (root.size + index) * refSize, refSize));
    if (key !== null && value !== null) {
      strings.set(key, value);
    }
  }
  return strings;
}

/** The string values of an XML plist's top-level dictionary, by key. */
function xmlPlistStrings(data: Buffer): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = parseXmlPlist(data.toString("utf8"));
  } catch {
    throw new AppInfoError("it is neither a binary nor an XML plist");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AppInfoError("its top level is not a dictionary");
  }
  return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** The app an Info.plist describes (binary or XML). */
export function appInfoFromPlist(data: Buffer): AppInfo {
  const strings = data.toString("latin1", 0, 6) === "bplist" ? binaryPlistStrings(data) : xmlPlistStrings(data);
  const bundleId = strings.get("CFBundleIdentifier");
  const version = strings.get("CFBundleVersion");
  if (!bundleId || !version) {
    throw new AppInfoError(`its Info.plist has no ${bundleId ? "CFBundleVersion" : "CFBundleIdentifier"}`);
  }
  const info = appInfoOf({
    bundleId,
    version,
    shortVersion: strings.get("CFBundleShortVersionString") || null,
    name: strings.get("CFBundleDisplayName") || strings.get("CFBundleName") || null,
  });
  if (!info) {
    throw new AppInfoError("its Info.plist names the app in a way iOS does not accept");
  }
  return info;
}

/** The app an .ipa on disk holds; AppInfoError says why there is none. */
export async function readIpaInfo(file: string): Promise<AppInfo> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch {
    throw new AppInfoError("it is not a zip file");
  }
  try {
    let seen = 0;
    for await (const entry of zip.eachEntry()) {
      seen += 1;
      if (seen > MAX_ENTRIES) {
        break;
      }
      if (!INFO_PLIST.test(entry.fileName)) {
        continue;
      }
      if (entry.uncompressedSize > INFO_PLIST_MAX_BYTES) {
        throw new AppInfoError(`its Info.plist is larger than ${INFO_PLIST_MAX_BYTES / 1024} KiB`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of await zip.openReadStreamPromise(entry)) {
        size += (chunk as Buffer).length;
        if (size > INFO_PLIST_MAX_BYTES) {
          throw new AppInfoError(`its Info.plist is larger than ${INFO_PLIST_MAX_BYTES / 1024} KiB`);
        }
        chunks.push(chunk as Buffer);
      }
      return appInfoFromPlist(Buffer.concat(chunks));
    }
    throw new AppInfoError("it has no Payload/<App>.app/Info.plist");
  } catch (caught) {
    if (caught instanceof AppInfoError) {
      throw caught;
    }
    throw new AppInfoError("its zip could not be read");
  } finally {
    zip.close();
  }
}
