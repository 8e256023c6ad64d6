import "server-only";
import { X509Certificate } from "node:crypto";
import { open } from "node:fs/promises";
import { parse as parseXmlPlist } from "plist";
import * as yauzl from "yauzl";
import { appInfoOf, type AppInfo } from "@/lib/shared/app-info";
import { certificateName, inspectSigningFile } from "./signing-files";

// Reads what an app file says about itself (lib/builds/README.md, "Installing on iPhones"): an
// .ipa's Info.plist (`Payload/<Name>.app/Info.plist`; Xcode writes it as a binary plist, other
// tools as XML) or an .apk's AndroidManifest.xml (Android's binary XML), each found through the
// zip's central directory (nothing else is read) and read only as far as the app's identity.

/** An Info.plist or AndroidManifest.xml larger than this is not read (a real one is a few KiB). */
export const INFO_PLIST_MAX_BYTES = 256 * 1024;
/** Entries of the zip looked at before giving up (an app has thousands of files; Info.plist comes early). */
const MAX_ENTRIES = 200_000;
const INFO_PLIST = /^Payload\/[^/]+\.app\/Info\.plist$/;
/** The app's own provisioning profile (an app extension's, under PlugIns/, is not the app's). */
const EMBEDDED_PROFILE = /^Payload\/[^/]+\.app\/embedded\.mobileprovision$/;
const ANDROID_MANIFEST = /^AndroidManifest\.xml$/;

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
    platform: "ios",
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

// Android's binary XML (the format aapt writes AndroidManifest.xml in): chunks with a type, a
// header size and a size; a string pool; then the elements. Only the first element, <manifest>,
// is read: its package, versionCode and versionName attributes.
const RES_XML = 0x0003;
const RES_STRING_POOL = 0x0001;
const RES_XML_RESOURCE_MAP = 0x0180;
const RES_XML_START_ELEMENT = 0x0102;
const UTF8_FLAG = 0x100;
const TYPE_STRING = 0x03;
const TYPE_INT_DEC = 0x10;
const TYPE_INT_HEX = 0x11;
const NO_INDEX = 0xffffffff;
/** android:versionCode and android:versionName, for manifests whose attribute names were stripped. */
const ATTRIBUTE_IDS: Record<number, string> = { 0x0101021b: "versionCode", 0x0101021c: "versionName" };

function u16(data: Buffer, offset: number): number {
  if (offset < 0 || offset + 2 > data.length) {
    throw new AppInfoError("its manifest is cut short");
  }
  return data.readUInt16LE(offset);
}

function u32(data: Buffer, offset: number): number {
  if (offset < 0 || offset + 4 > data.length) {
    throw new AppInfoError("its manifest is cut short");
  }
  return data.readUInt32LE(offset);
}

/** The strings of a string pool chunk starting at `at`, read lazily by index. */
function stringPool(data: Buffer, at: number): (index: number) => string | null {
  const count = u32(data, at + 8);
  const flags = u32(data, at + 16);
  const stringsStart = at + u32(data, at + 20);
  const end = at + u32(data, at + 4);
  return (index: number) => {
    if (index === NO_INDEX || index >= count) {
      return null;
    }
    let offset = stringsStart + u32(data, at + u16(data, at + 2) + index * 4);
    if (flags & UTF8_FLAG) {
      // Its length in characters, then in bytes, each one byte (or two with the high bit set).
      if (offset + 4 > end) {
        throw new AppInfoError("a string of its manifest runs past its pool");
      }
      const skip = data[offset]! & 0x80 ? 2 : 1;
      offset += skip;
      let bytes = data[offset]!;
      if (bytes & 0x80) {
        bytes = ((bytes & 0x7f) << 8) | data[offset + 1]!;
        offset += 1;
      }
      offset += 1;
      if (offset + bytes > end) {
        throw new AppInfoError("a string of its manifest runs past its pool");
      }
      return data.toString("utf8", offset, offset + bytes);
    }
    let length = u16(data, offset);
    if (length & 0x8000) {
      length = ((length & 0x7fff) << 16) | u16(data, offset + 2);
      offset += 2;
    }
    offset += 2;
    if (offset + length * 2 > end) {
      throw new AppInfoError("a string of its manifest runs past its pool");
    }
    return data.toString("utf16le", offset, offset + length * 2);
  };
}

/** The app an AndroidManifest.xml (binary XML) describes: package, versionCode, versionName. */
export function appInfoFromManifest(data: Buffer): AppInfo {
  if (data.length < 8 || u16(data, 0) !== RES_XML) {
    throw new AppInfoError("its AndroidManifest.xml is not Android's binary XML");
  }
  let strings: ((index: number) => string | null) | null = null;
  let resourceIds: number[] = [];
  let offset = u16(data, 2);
  while (offset + 8 <= data.length) {
    const type = u16(data, offset);
    const size = u32(data, offset + 4);
    if (size < 8 || offset + size > data.length) {
      throw new AppInfoError("a chunk of its manifest has a broken size");
    }
    if (type === RES_STRING_POOL && !strings) {
      strings = stringPool(data, offset);
    } else if (type === RES_XML_RESOURCE_MAP) {
      const headerSize = u16(data, offset + 2);
      resourceIds = Array.from({ length: Math.floor((size - headerSize) / 4) }, (_, index) => u32(data, offset + headerSize + index * 4));
    } else if (type === RES_XML_START_ELEMENT) {
      if (!strings) {
        throw new AppInfoError("its manifest has no string pool");
      }
      const ext = offset + u16(data, offset + 2);
      if (strings(u32(data, ext + 4)) !== "manifest") {
        throw new AppInfoError("its AndroidManifest.xml does not start with <manifest>");
      }
      const attributeStart = u16(data, ext + 8);
      const attributeSize = u16(data, ext + 10);
      const attributeCount = u16(data, ext + 12);
      const values = new Map<string, string>();
      for (let index = 0; index < attributeCount; index += 1) {
        const attribute = ext + attributeStart + index * attributeSize;
        const nameIndex = u32(data, attribute + 4);
        const name = ATTRIBUTE_IDS[resourceIds[nameIndex] ?? -1] ?? strings(nameIndex);
        const dataType = data[attribute + 15];
        const value = u32(data, attribute + 16);
        if (name === null || dataType === undefined) {
          continue;
        }
        if (dataType === TYPE_STRING) {
          const text = strings(value);
          if (text !== null) {
            values.set(name, text);
          }
        } else if (dataType === TYPE_INT_DEC || dataType === TYPE_INT_HEX) {
          values.set(name, String(value));
        }
        // Anything else (a reference to a resource, such as @string/version) is not resolved.
      }
      return manifestAppInfo(values);
    }
    offset += size;
  }
  throw new AppInfoError("its AndroidManifest.xml has no <manifest> element");
}

/** The app a manifest's <manifest> attributes name (package, versionCode, versionName), in an .apk's binary XML or an .aab's protocol buffer. */
function manifestAppInfo(values: Map<string, string>): AppInfo {
  const bundleId = values.get("package");
  const version = values.get("versionCode");
  if (!bundleId || !version) {
    throw new AppInfoError(`its AndroidManifest.xml has no ${bundleId ? "versionCode" : "package"}`);
  }
  const info = appInfoOf({ platform: "android", bundleId, version, shortVersion: values.get("versionName") || null, name: null });
  if (!info) {
    throw new AppInfoError("its AndroidManifest.xml names the app in a way Android does not accept");
  }
  return info;
}

type ProtoField = { field: number; value: number | Buffer };

/** The fields of a protocol buffer message, in order: varints as numbers, length-delimited ones as bytes (fixed-size ones skipped), every length checked. */
function protoFields(data: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; shift < 53; shift += 7) {
      if (at >= data.length) {
        throw new AppInfoError("its manifest is cut short");
      }
      const byte = data[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        return value;
      }
    }
    throw new AppInfoError("its manifest has a number too large");
  };
  while (at < data.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      fields.push({ field, value: varint() });
    } else if (wire === 2) {
      const length = varint();
      if (at + length > data.length) {
        throw new AppInfoError("its manifest is cut short");
      }
      fields.push({ field, value: data.subarray(at, at + length) });
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > data.length) {
        throw new AppInfoError("its manifest is cut short");
      }
    } else {
      throw new AppInfoError("its manifest is not a protocol buffer");
    }
  }
  return fields;
}

const protoText = (fields: ProtoField[], field: number): string | null => {
  const found = fields.find((item) => item.field === field && Buffer.isBuffer(item.value));
  return found ? (found.value as Buffer).toString("utf8") : null;
};
const protoMessage = (fields: ProtoField[], field: number): ProtoField[] | null => {
  const found = fields.find((item) => item.field === field && Buffer.isBuffer(item.value));
  return found ? protoFields(found.value as Buffer) : null;
};

const ANDROID_NAMESPACE = "http://schemas.android.com/apk/res/android";

/**
 * The app an .aab's `base/manifest/AndroidManifest.xml` names: aapt2's protocol-buffer XML
 * (Resources.proto: XmlNode → XmlElement, name 3, attributes 4 → XmlAttribute: namespace 1, name 2,
 * value 3, resource id 5, compiled item 6 → primitive 7 → decimal 6 / hexadecimal 7).
 */
export function appInfoFromProtoManifest(data: Buffer): AppInfo {
  const element = protoMessage(protoFields(data), 1);
  if (!element || protoText(element, 3) !== "manifest") {
    throw new AppInfoError("its AndroidManifest.xml does not start with <manifest>");
  }
  const values = new Map<string, string>();
  for (const item of element) {
    if (item.field !== 4 || !Buffer.isBuffer(item.value)) {
      continue;
    }
    const attribute = protoFields(item.value);
    const resourceId = attribute.find((part) => part.field === 5 && typeof part.value === "number")?.value as number | undefined;
    const namespace = protoText(attribute, 1) ?? "";
    const attributeName = protoText(attribute, 2);
    const name = (resourceId !== undefined ? ATTRIBUTE_IDS[resourceId] : undefined) ?? (attributeName && (namespace === "" || namespace === ANDROID_NAMESPACE) ? attributeName : null);
    if (!name) {
      continue;
    }
    const primitive = protoMessage(protoMessage(attribute, 6) ?? [], 7);
    const number = primitive?.find((part) => (part.field === 6 || part.field === 7) && typeof part.value === "number")?.value as number | undefined;
    const value = protoText(attribute, 3) || (number !== undefined ? String(number) : null);
    if (value) {
      values.set(name, value);
    }
  }
  return manifestAppInfo(values);
}

type Wanted = { name: RegExp; what: string; optional?: boolean };

/**
 * The bytes of the zip entries whose names match, each at most INFO_PLIST_MAX_BYTES, read in one
 * pass over the central directory that ends once every one is found. A missing or oversized
 * optional entry is null; AppInfoError says why a required one is not there.
 */
async function readZipEntries(file: string, wanted: Wanted[], missing: string): Promise<(Buffer | null)[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, strictFileNames: false });
  } catch {
    throw new AppInfoError("it is not a zip file");
  }
  const found: (Buffer | null | undefined)[] = wanted.map(() => undefined);
  try {
    let seen = 0;
    for await (const entry of zip.eachEntry()) {
      seen += 1;
      if (seen > MAX_ENTRIES) {
        break;
      }
      const index = wanted.findIndex((item, at) => found[at] === undefined && item.name.test(entry.fileName));
      if (index < 0) {
        continue;
      }
      const { what, optional } = wanted[index]!;
      const tooLarge = () => {
        if (!optional) {
          throw new AppInfoError(`its ${what} is larger than ${INFO_PLIST_MAX_BYTES / 1024} KiB`);
        }
        found[index] = null;
      };
      if (entry.uncompressedSize > INFO_PLIST_MAX_BYTES) {
        tooLarge();
      } else {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of await zip.openReadStreamPromise(entry)) {
          size += (chunk as Buffer).length;
          if (size > INFO_PLIST_MAX_BYTES) {
            break;
          }
          chunks.push(chunk as Buffer);
        }
        if (size > INFO_PLIST_MAX_BYTES) {
          tooLarge();
        } else {
          found[index] = Buffer.concat(chunks);
        }
      }
      if (found.every((item) => item !== undefined)) {
        break;
      }
    }
    if (wanted.some((item, index) => !item.optional && !found[index])) {
      throw new AppInfoError(missing);
    }
    return found.map((item) => item ?? null);
  } catch (caught) {
    if (caught instanceof AppInfoError) {
      throw caught;
    }
    throw new AppInfoError("its zip could not be read");
  } finally {
    zip.close();
  }
}

/** The app an .apk on disk holds, and who signed it when Keel finds the certificate; AppInfoError says why there is no app. */
export async function readApkInfo(file: string): Promise<AppInfo> {
  return readAndroidApp(file, { name: ANDROID_MANIFEST, missing: "it has no AndroidManifest.xml", parse: appInfoFromManifest }, true);
}

/**
 * An Android app's manifest and signer, in one pass over the zip: the signer of an APK Signature
 * Scheme v2/v3 block (an .apk's; `signingBlock`) or else of v1's META-INF signature.
 */
async function readAndroidApp(file: string, manifest: { name: RegExp; missing: string; parse: (data: Buffer) => AppInfo }, signingBlock: boolean): Promise<AppInfo> {
  const [manifestBytes, v1Signature] = await readZipEntries(
    file,
    [
      { name: manifest.name, what: "AndroidManifest.xml" },
      { name: V1_SIGNATURE, what: "v1 signature", optional: true },
    ],
    manifest.missing,
  );
  const app = manifest.parse(manifestBytes!);
  const der = (signingBlock ? await signingBlockCertificate(file) : null) ?? (v1Signature ? pkcs7FirstCertificate(v1Signature) : null);
  const certificate = der ? appCertificateOf(der) : null;
  return certificate ? { ...app, certificate } : app;
}

/** The app an .aab on disk holds (its base module's manifest), and who signed it (jarsigner's v1 signature, which bundles use); AppInfoError says why there is no app. */
export async function readAabInfo(file: string): Promise<AppInfo> {
  return readAndroidApp(file, { name: BUNDLE_MANIFEST, missing: "it has no base/manifest/AndroidManifest.xml", parse: appInfoFromProtoManifest }, false);
}

/** An Android App Bundle's base module manifest. */
const BUNDLE_MANIFEST = /^base\/manifest\/AndroidManifest\.xml$/;

/** v1 (JAR) signing: the signature block of META-INF, a PKCS #7 SignedData that carries the certificate. */
const V1_SIGNATURE = /^META-INF\/[^/]+\.(RSA|DSA|EC)$/i;
/** The APK Signing Block's magic, its IDs for Signature Scheme v2 and v3, and the most of it Keel reads. */
const SIGNING_BLOCK_MAGIC = "APK Sig Block 42";
const SCHEME_IDS = [0x7109871a, 0xf05368c0];
const SIGNING_BLOCK_MAX_BYTES = 1024 * 1024;

/** The certificate a DER buffer holds, as the app's signer: its name, fingerprints and whether it is the debug key. */
function appCertificateOf(der: Buffer): AppInfo["certificate"] {
  try {
    const cert = new X509Certificate(der);
    const name = certificateName(cert);
    return { name, sha1: cert.fingerprint, sha256: cert.fingerprint256, debug: name === "Android Debug" };
  } catch {
    return null;
  }
}

/**
 * The first signer's certificate of an .apk's APK Signature Scheme v2 or v3 block: the block sits
 * right before the zip's central directory, found through the end-of-central-directory record.
 * Every length is checked against what was read; null when there is no such block.
 */
async function signingBlockCertificate(file: string): Promise<Buffer | null> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const tailSize = Math.min(size, 65_535 + 22);
    const tail = Buffer.alloc(tailSize);
    await handle.read(tail, 0, tailSize, size - tailSize);
    let eocd = -1;
    for (let at = tailSize - 22; at >= 0; at -= 1) {
      if (tail.readUInt32LE(at) === 0x06054b50) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) {
      return null;
    }
    const directoryAt = tail.readUInt32LE(eocd + 16);
    if (directoryAt < 32 || directoryAt > size) {
      return null;
    }
    const footer = Buffer.alloc(24);
    await handle.read(footer, 0, 24, directoryAt - 24);
    if (footer.toString("latin1", 8, 24) !== SIGNING_BLOCK_MAGIC) {
      return null;
    }
    const blockSize = Number(footer.readBigUInt64LE(0));
    if (blockSize < 24 || blockSize > SIGNING_BLOCK_MAX_BYTES || blockSize + 8 > directoryAt) {
      return null;
    }
    const pairs = Buffer.alloc(blockSize - 24);
    await handle.read(pairs, 0, pairs.length, directoryAt - blockSize - 8 + 8);
    const schemes = new Map<number, Buffer>();
    for (let at = 0; at + 12 <= pairs.length; ) {
      const length = Number(pairs.readBigUInt64LE(at));
      if (length < 4 || at + 8 + length > pairs.length) {
        break;
      }
      schemes.set(pairs.readUInt32LE(at + 8), pairs.subarray(at + 12, at + 8 + length));
      at += 8 + length;
    }
    for (const id of SCHEME_IDS) {
      const value = schemes.get(id);
      // signers → first signer → signed data → (digests, certificates) → first certificate, each length-prefixed.
      const signers = value ? lengthPrefixed(value, 0) : null;
      const signer = signers ? lengthPrefixed(signers, 0) : null;
      const signedData = signer ? lengthPrefixed(signer, 0) : null;
      const digests = signedData ? lengthPrefixed(signedData, 0) : null;
      const certificates = signedData && digests ? lengthPrefixed(signedData, 4 + digests.length) : null;
      const first = certificates ? lengthPrefixed(certificates, 0) : null;
      if (first && first.length > 0) {
        return first;
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** The bytes after a little-endian u32 length at `at`, or null when they run past the end. */
function lengthPrefixed(data: Buffer, at: number): Buffer | null {
  if (at + 4 > data.length) {
    return null;
  }
  const length = data.readUInt32LE(at);
  return at + 4 + length <= data.length ? data.subarray(at + 4, at + 4 + length) : null;
}

/** One DER element at `at`: its tag and where its content starts and ends (definite lengths only). */
function derElement(data: Buffer, at: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > data.length) {
    return null;
  }
  let length = data[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > data.length) {
      return null;
    }
    length = 0;
    for (let index = 0; index < bytes; index += 1) {
      length = length * 256 + data[start + index]!;
    }
    start += bytes;
  }
  return start + length <= data.length ? { tag: data[at]!, start, end: start + length } : null;
}

/** The first certificate of a PKCS #7 SignedData (ContentInfo → [0] → SignedData → [0] certificates), as DER. */
function pkcs7FirstCertificate(data: Buffer): Buffer | null {
  const info = derElement(data, 0);
  const type = info?.tag === 0x30 ? derElement(data, info.start) : null;
  const explicit = type?.tag === 0x06 ? derElement(data, type.end) : null;
  const signedData = explicit?.tag === 0xa0 ? derElement(data, explicit.start) : null;
  if (signedData?.tag !== 0x30) {
    return null;
  }
  // version, digestAlgorithms, encapContentInfo, then [0] certificates (when present).
  let at = signedData.start;
  for (let field = 0; field < 4 && at < signedData.end; field += 1) {
    const element = derElement(data, at);
    if (!element) {
      return null;
    }
    if (field === 3) {
      const first = element.tag === 0xa0 ? derElement(data, element.start) : null;
      return first?.tag === 0x30 ? data.subarray(element.start, first.end) : null;
    }
    at = element.end;
  }
  return null;
}

/**
 * The app an .ipa on disk holds, and how it is signed when it carries its provisioning profile
 * (a simulator build carries none); AppInfoError says why there is no app.
 */
export async function readIpaInfo(file: string): Promise<AppInfo> {
  const [plist, profile] = await readZipEntries(
    file,
    [
      { name: INFO_PLIST, what: "Info.plist" },
      { name: EMBEDDED_PROFILE, what: "embedded.mobileprovision", optional: true },
    ],
    "it has no Payload/<App>.app/Info.plist",
  );
  const app = appInfoFromPlist(plist!);
  const facts = profile ? inspectSigningFile(profile) : null;
  if (facts?.kind !== "provisioning-profile") {
    return app;
  }
  return { ...app, signing: { profile: facts.name, distribution: facts.distribution, devices: facts.devices, deviceIds: facts.deviceIds, team: facts.team, expiresAt: facts.expiresAt } };
}
