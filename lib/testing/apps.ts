// Apps as builds make them, for tests: an AndroidManifest.xml in Android's binary XML (what an
// .apk holds), written the way aapt lays it out, so the reader in lib/builds/app-info.ts is tested
// against the format rather than against itself; and the zip an .ipa or .apk is.
import * as yazl from "yazl";

/** A zip of these files (an .ipa, an .apk), made with yazl. */
export async function zipOf(files: Array<[string, Buffer | string]>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of files) {
    zip.addBuffer(Buffer.from(content), name);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Little-endian integers, as Android's formats and zips write them. */
function u16(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}

export type ManifestAttribute = { name: string; android?: boolean; resourceId?: number; value: string | number | { reference: number } };

/**
 * An AndroidManifest.xml in Android's binary XML, as aapt lays it out: the file header, the string
 * pool (UTF-16 or UTF-8), the resource map of the android: attributes, then <manifest> with its
 * attributes. `stripNames` leaves the android: attributes' names empty (shrinkers do), so only the
 * resource map says which they are.
 */
export function binaryManifest(attributes: ManifestAttribute[], options: { utf8?: boolean; stripNames?: boolean; element?: string } = {}): Buffer {
  const mapped = attributes.filter((attribute) => attribute.resourceId !== undefined);
  const strings: string[] = [...mapped.map((attribute) => (options.stripNames ? "" : attribute.name)), "android", "http://schemas.android.com/apk/res/android", options.element ?? "manifest"];
  const indexOf = (text: string) => {
    if (!strings.includes(text)) {
      strings.push(text);
    }
    return strings.indexOf(text);
  };
  const rows = attributes.map((attribute) => {
    const name = attribute.resourceId !== undefined ? mapped.indexOf(attribute) : indexOf(attribute.name);
    const value = attribute.value;
    return typeof value === "string"
      ? { android: attribute.android ?? false, name, raw: indexOf(value), type: 0x03, data: indexOf(value) }
      : typeof value === "number"
        ? { android: attribute.android ?? false, name, raw: 0xffffffff, type: 0x10, data: value }
        : { android: attribute.android ?? false, name, raw: 0xffffffff, type: 0x01, data: value.reference };
  });
  const encoded = strings.map((text) => {
    if (options.utf8) {
      const bytes = Buffer.from(text, "utf8");
      return Buffer.concat([Buffer.from([text.length, bytes.length]), bytes, Buffer.from([0])]);
    }
    return Buffer.concat([u16(text.length), Buffer.from(text, "utf16le"), u16(0)]);
  });
  let at = 0;
  const offsets = encoded.map((bytes) => {
    const offset = at;
    at += bytes.length;
    return u32(offset);
  });
  let data = Buffer.concat(encoded);
  data = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  const poolHeader = 28 + strings.length * 4;
  const pool = Buffer.concat([u16(0x0001), u16(28), u32(poolHeader + data.length), u32(strings.length), u32(0), u32(options.utf8 ? 0x100 : 0), u32(poolHeader), u32(0), ...offsets, data]);
  const resourceMap = Buffer.concat([u16(0x0180), u16(8), u32(8 + mapped.length * 4), ...mapped.map((attribute) => u32(attribute.resourceId!))]);
  const androidNs = strings.indexOf("http://schemas.android.com/apk/res/android");
  const element = Buffer.concat([
    u16(0x0102), u16(16), u32(16 + 20 + rows.length * 20), u32(1), u32(0xffffffff),
    u32(0xffffffff), u32(strings.indexOf(options.element ?? "manifest")), u16(20), u16(20), u16(rows.length), u16(0), u16(0), u16(0),
    ...rows.map((row) => Buffer.concat([u32(row.android ? androidNs : 0xffffffff), u32(row.name), u32(row.raw), u16(8), Buffer.from([0, row.type]), u32(row.data)])),
  ]);
  const body = Buffer.concat([pool, resourceMap, element]);
  return Buffer.concat([u16(0x0003), u16(8), u32(8 + body.length), body]);
}

export const WALLET_MANIFEST: ManifestAttribute[] = [
  { name: "versionCode", android: true, resourceId: 0x0101021b, value: 4513 },
  { name: "versionName", android: true, resourceId: 0x0101021c, value: "2.4.0" },
  { name: "package", value: "com.fabrikam.wallet" },
];

/**
 * An .apk signed with APK Signature Scheme v2 (or v3, by `schemeId`): the APK Signing Block, laid
 * out as apksigner writes it (signers → signer → signed data with digests, certificates and
 * attributes, then signatures and the public key, each length-prefixed), put right before the
 * zip's central directory, whose offset in the end record moves past it.
 */
export function withSigningBlock(zip: Buffer, certificate: Buffer, schemeId = 0x7109871a): Buffer {
  const u64 = (value: number) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    return buffer;
  };
  const lp = (...parts: Buffer[]) => {
    const body = Buffer.concat(parts);
    return Buffer.concat([u32(body.length), body]);
  };
  const digests = lp(lp(u32(0x0103), lp(Buffer.alloc(32, 7))));
  const signedData = Buffer.concat([digests, lp(lp(certificate)), lp()]);
  const signer = Buffer.concat([lp(signedData), lp(lp(u32(0x0103), lp(Buffer.alloc(256, 9)))), lp(Buffer.alloc(294, 3))]);
  const value = lp(lp(signer));
  const pairs = Buffer.concat([u64(4 + value.length), u32(schemeId), value]);
  const size = pairs.length + 8 + 16;
  const block = Buffer.concat([u64(size), pairs, u64(size), Buffer.from("APK Sig Block 42", "latin1")]);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const directory = zip.readUInt32LE(end + 16);
  const signed = Buffer.concat([zip.subarray(0, directory), block, zip.subarray(directory)]);
  signed.writeUInt32LE(directory + block.length, end + block.length + 16);
  return signed;
}

/**
 * An .aab's base/manifest/AndroidManifest.xml as aapt2 writes it: a protocol buffer (Resources.proto)
 * XmlNode whose element is <manifest> with these attributes — the android: ones with their namespace
 * and resource id, a number also as a compiled primitive (decimal), as aapt2 keeps versionCode.
 */
export function protoManifest(attributes: Array<{ name: string; android?: boolean; resourceId?: number; value: string; number?: number }>, element = "manifest"): Buffer {
  const varint = (value: number) => {
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    return Buffer.from(bytes);
  };
  const text = (field: number, value: string | Buffer) => {
    const bytes = Buffer.from(value);
    return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
  };
  const number = (field: number, value: number) => Buffer.concat([varint(field * 8), varint(value)]);
  const attribute = (item: (typeof attributes)[number]) =>
    Buffer.concat([
      ...(item.android ? [text(1, "http://schemas.android.com/apk/res/android")] : []),
      text(2, item.name),
      text(3, item.value),
      ...(item.resourceId !== undefined ? [number(5, item.resourceId)] : []),
      ...(item.number !== undefined ? [text(6, text(7, number(6, item.number)))] : []),
    ]);
  const xmlElement = Buffer.concat([text(1, Buffer.concat([text(1, "android"), text(2, "http://schemas.android.com/apk/res/android")])), text(3, element), ...attributes.map((item) => text(4, attribute(item)))]);
  return text(1, xmlElement);
}
