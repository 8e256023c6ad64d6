// Signing files as teams upload them, for tests: certificates, an Apple provisioning profile (an
// XML plist inside a CMS SignedData envelope, signed like Apple signs it), a Java keystore laid out
// as keytool writes one (JKS, with its integrity digest) and a PKCS #12 file. Made with node-forge
// and Node's crypto here, so the reader in lib/builds/signing-files.ts is tested against the formats
// rather than against itself.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";
import { build as buildPlist } from "plist";

type Keys = { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; privatePem: string };

let shared: Keys | null = null;

/** One RSA key for every test certificate (making one takes a while; what is signed does not matter here). */
function keys(): Keys {
  if (!shared) {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
    shared = { privateKey: forge.pki.privateKeyFromPem(pair.privateKey), publicKey: forge.pki.publicKeyFromPem(pair.publicKey), privatePem: pair.privateKey };
  }
  return shared;
}

export type TestCertificate = { der: Buffer; pem: string; keyPem: string; forge: forge.pki.Certificate };

/** A self-signed certificate with this common name, valid until `expiresAt` (and since a year before it, or `since`). */
export function signingCertificate(commonName: string, expiresAt: Date, since = new Date(expiresAt.getTime() - 365 * 86_400_000)): TestCertificate {
  const { privateKey, publicKey, privatePem } = keys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = since;
  cert.validity.notAfter = expiresAt;
  const subject = [
    { name: "commonName", value: commonName },
    { name: "organizationName", value: "Fabrikam Ltd" },
    { name: "countryName", value: "GB" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(privateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), "binary");
  return { der, pem: forge.pki.certificateToPem(cert), keyPem: privatePem, forge: cert };
}

export type ProfileInput = {
  name: string;
  expiresAt: Date;
  certificates: TestCertificate[];
  teamId?: string;
  team?: string;
  bundleId?: string;
  /** Development and ad hoc profiles list devices: this many made-up ones, or `deviceIds` as given. */
  devices?: number;
  deviceIds?: string[];
  getTaskAllow?: boolean;
  allDevices?: boolean;
  platform?: string;
};

/** A .mobileprovision: the profile's XML plist as the content of a CMS SignedData, DER. */
export function provisioningProfile(input: ProfileInput): Buffer {
  const teamId = input.teamId ?? "ABCDE12345";
  const xml = buildPlist({
    AppIDName: "Wallet",
    ApplicationIdentifierPrefix: [teamId],
    CreationDate: new Date(input.expiresAt.getTime() - 365 * 86_400_000),
    Platform: [input.platform ?? "iOS"],
    DeveloperCertificates: input.certificates.map((cert) => cert.der),
    Entitlements: { "application-identifier": `${teamId}.${input.bundleId ?? "com.fabrikam.wallet"}`, "get-task-allow": input.getTaskAllow ?? false, "com.apple.developer.team-identifier": teamId },
    ExpirationDate: input.expiresAt,
    Name: input.name,
    ...(input.deviceIds ? { ProvisionedDevices: input.deviceIds } : input.devices !== undefined ? { ProvisionedDevices: Array.from({ length: input.devices }, (_, index) => `00008030-${index.toString(16).padStart(16, "0")}`) } : {}),
    ...(input.allDevices ? { ProvisionsAllDevices: true } : {}),
    TeamIdentifier: [teamId],
    TeamName: input.team ?? "Fabrikam Ltd",
    TimeToLive: 365,
    UUID: "6c1a2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    Version: 1,
  });
  return signedEnvelope(xml, input.certificates[0] ?? signingCertificate("Apple iPhone OS Provisioning Profile Signing", new Date(Date.now() + 365 * 86_400_000)));
}

/**
 * What iOS sends a profile service when a tester opens Keel's device-registration profile: the
 * attributes it asked for (UDID, PRODUCT, VERSION, DEVICE_NAME) and the challenge, as an XML plist
 * signed with the device's certificate (here a made-up one).
 */
export function deviceAnswer(attributes: Record<string, string>): Buffer {
  return signedEnvelope(buildPlist({ CHALLENGE: "challenge", ...attributes }), signingCertificate("Device 00008030", new Date(Date.now() + 365 * 86_400_000)));
}

/** A v1 (JAR) signature block of an .apk (META-INF/CERT.RSA): a PKCS #7 SignedData carrying the signer's certificate. */
export function jarSignature(signer: TestCertificate): Buffer {
  return signedEnvelope("Signature-Version: 1.0\r\n", signer);
}

/** An XML plist as the content of a CMS SignedData (DER), signed with `signer`. */
function signedEnvelope(xml: string, signer: TestCertificate): Buffer {
  const envelope = forge.pkcs7.createSignedData();
  envelope.content = forge.util.createBuffer(xml, "utf8");
  envelope.addCertificate(signer.forge);
  envelope.addSigner({ key: keys().privateKey, certificate: signer.forge, digestAlgorithm: forge.pki.oids.sha256!, authenticatedAttributes: [{ type: forge.pki.oids.contentType!, value: forge.pki.oids.data }, { type: forge.pki.oids.messageDigest! }] });
  envelope.sign();
  return Buffer.from(forge.asn1.toDer(envelope.toAsn1()).getBytes(), "binary");
}

/**
 * A JKS keystore as keytool writes it: magic, version 2, entries (a private key entry with its
 * certificate chain; the key bytes stand in for the encrypted key), then the SHA-1 integrity digest
 * over the password, "Mighty Aphrodite" and the rest.
 */
export function javaKeystore(entries: Array<{ alias: string; chain: TestCertificate[] }>, password = "changeit"): Buffer {
  const parts: Buffer[] = [];
  const u16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
  const u32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(value);
    return buffer;
  };
  const utf = (text: string) => Buffer.concat([u16(Buffer.byteLength(text)), Buffer.from(text)]);
  parts.push(u32(0xfeedfeed), u32(2), u32(entries.length));
  for (const entry of entries) {
    const key = randomBytes(1_200);
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigUInt64BE(BigInt(Date.now()));
    parts.push(u32(1), utf(entry.alias), timestamp, u32(key.length), key, u32(entry.chain.length));
    for (const cert of entry.chain) {
      parts.push(utf("X.509"), u32(cert.der.length), cert.der);
    }
  }
  const body = Buffer.concat(parts);
  const digest = createHash("sha1").update(Buffer.from(password, "utf16le").swap16()).update("Mighty Aphrodite").update(body).digest();
  return Buffer.concat([body, digest]);
}

/** A password-protected PKCS #12 file of a certificate and its key, as Keychain Access exports one. */
export function pkcs12Of(cert: TestCertificate, password: string): Buffer {
  const asn1 = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(cert.keyPem), [cert.forge], password, { algorithm: "3des" });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");
}
