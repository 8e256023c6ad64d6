import "server-only";
import { X509Certificate } from "node:crypto";
import { parse as parseXmlPlist } from "plist";
import { openUnreadSecretFiles, recordSecretFileSigning } from "@/lib/data/secret-files";
import { formatDay } from "@/lib/shared/dates";
import { normalizeUdid } from "@/lib/shared/devices";
import {
  signingDetails,
  signingExpiry,
  signingExpiryWords,
  signingFactsOf,
  signingRenewAdvice,
  signingState,
  signingTitle,
  type Distribution,
  type SigningCertificate,
  type SigningFacts,
} from "@/lib/shared/signing-files";

// Reads what a secret file used for signing is (lib/builds/README.md, "Signing files that
// expire"), from its bytes, when it is uploaded and when a build gets it:
// - an Apple provisioning profile (.mobileprovision, .provisionprofile): a CMS envelope around an
//   XML plist, read as that plist (the signature is Apple's business, not Keel's);
// - X.509 certificates, PEM (one or more blocks, beside a key or not) or DER (.cer);
// - a Java keystore (JKS or JCEKS), whose certificates are stored unencrypted;
// - a PKCS #12 file (.p12, .pfx, and keystores keytool writes since Java 9), whose certificates
//   need the password: only named;
// - anything else: nothing.
// Every length is checked against the bytes that are there; the files are at most 256 KB.

const MAX_CERTIFICATES = 50;
const MAX_ENTRIES = 64;

/** A certificate's name as people know it: its subject's common name, else the whole subject; one line, at most 300 characters. */
export function certificateName(cert: X509Certificate): string {
  const subject = cert.subject.split("\n");
  const commonName = subject.find((part) => part.startsWith("CN="))?.slice(3);
  return (commonName || subject.join(", ")).replace(/[\u0000-\u001f\u007f]/g, " ").trim().slice(0, 300) || "unnamed certificate";
}

function certificateOf(der: Buffer | string, alias?: string): SigningCertificate | null {
  try {
    const cert = new X509Certificate(der);
    const expiresAt = new Date(cert.validTo);
    if (Number.isNaN(expiresAt.getTime())) {
      return null;
    }
    const name = certificateName(cert);
    return { name, expiresAt: expiresAt.toISOString(), ...(alias ? { alias: alias.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 200) } : {}), sha1: cert.fingerprint, sha256: cert.fingerprint256 };
  } catch {
    return null;
  }
}

function earliest(certificates: SigningCertificate[]): string | null {
  return certificates.reduce<string | null>((soonest, cert) => (soonest === null || cert.expiresAt < soonest ? cert.expiresAt : soonest), null);
}

function text(value: unknown, max = 300): string | null {
  return typeof value === "string" && value.trim() !== "" ? value.replace(/[\u0000-\u001f\u007f]/g, " ").trim().slice(0, max) : null;
}

/**
 * The dictionary of the XML plist a CMS envelope carries (a provisioning profile; what iOS sends a
 * profile service), found by its text: null when there is none, or it is not a dictionary.
 */
export function plistInEnvelope(content: Buffer): Record<string, unknown> | null {
  const raw = content.toString("latin1");
  const start = raw.indexOf("<?xml");
  const end = start < 0 ? -1 : raw.indexOf("</plist>", start);
  if (end < 0) {
    return null;
  }
  let plist: unknown;
  try {
    plist = parseXmlPlist(content.subarray(start, end + "</plist>".length).toString("utf8"));
  } catch {
    return null;
  }
  return typeof plist === "object" && plist !== null && !Array.isArray(plist) && !(plist instanceof Date) && !(plist instanceof Uint8Array) ? (plist as Record<string, unknown>) : null;
}

/** An Apple provisioning profile: the XML plist inside its CMS envelope. */
function provisioningProfile(content: Buffer): SigningFacts | null {
  const profile = plistInEnvelope(content);
  if (!profile) {
    return null;
  }
  const profileEnd = profile.ExpirationDate;
  const name = text(profile.Name);
  if (!(profileEnd instanceof Date) || Number.isNaN(profileEnd.getTime()) || !name) {
    return null;
  }
  const entitlements = typeof profile.Entitlements === "object" && profile.Entitlements !== null ? (profile.Entitlements as Record<string, unknown>) : {};
  const teamId = Array.isArray(profile.TeamIdentifier) ? text(profile.TeamIdentifier[0], 32) : null;
  const applicationId = text(entitlements["application-identifier"] ?? entitlements["com.apple.application-identifier"]);
  const appId = applicationId ? applicationId.replace(/^[A-Z0-9]{10}\./, "") : null;
  const devices = Array.isArray(profile.ProvisionedDevices) ? profile.ProvisionedDevices.length : null;
  const deviceIds = (Array.isArray(profile.ProvisionedDevices) ? profile.ProvisionedDevices : []).flatMap((udid) => {
    const normalized = typeof udid === "string" ? normalizeUdid(udid) : null;
    return normalized ? [normalized] : [];
  });
  const platforms = Array.isArray(profile.Platform) ? profile.Platform.map(String) : [];
  const distribution: Distribution =
    profile.ProvisionsAllDevices === true
      ? platforms.includes("OSX") ? "developer-id" : "enterprise"
      : devices !== null
        ? entitlements["get-task-allow"] === true || entitlements["com.apple.security.get-task-allow"] === true ? "development" : "ad-hoc"
        : "app-store";
  const certificates = (Array.isArray(profile.DeveloperCertificates) ? profile.DeveloperCertificates : [])
    .slice(0, MAX_CERTIFICATES)
    .flatMap((der) => {
      const cert = der instanceof Uint8Array ? certificateOf(Buffer.from(der)) : null;
      return cert ? [cert] : [];
    });
  // It signs until its own end, and only while one of the certificates it names is valid.
  const lastCertificate = certificates.reduce<string | null>((latest, cert) => (latest === null || cert.expiresAt > latest ? cert.expiresAt : latest), null);
  const own = profileEnd.toISOString();
  return {
    kind: "provisioning-profile",
    name,
    uuid: text(profile.UUID, 64),
    team: text(profile.TeamName),
    teamId,
    appId,
    distribution,
    devices,
    deviceIds: deviceIds.slice(0, 1_000),
    profileExpiresAt: own,
    certificates,
    expiresAt: lastCertificate !== null && lastCertificate < own ? lastCertificate : own,
  };
}

/** PEM certificates (a bundle, or a key with its certificate), or one DER certificate. */
function certificates(content: Buffer): SigningFacts | null {
  const raw = content.toString("latin1");
  const found: SigningCertificate[] = [];
  if (raw.includes("-----BEGIN CERTIFICATE-----")) {
    for (const match of raw.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)) {
      const cert = certificateOf(match[0]);
      if (cert) {
        found.push(cert);
      }
      if (found.length >= MAX_CERTIFICATES) {
        break;
      }
    }
  } else if (content[0] === 0x30) {
    const cert = certificateOf(content);
    if (cert) {
      found.push(cert);
    }
  }
  const expiresAt = earliest(found);
  return expiresAt ? { kind: "certificates", certificates: found, expiresAt } : null;
}

/** A reader of a Java keystore's big-endian fields that refuses to go past the end. */
class Cursor {
  offset = 0;
  constructor(private readonly data: Buffer) {}
  take(size: number): Buffer {
    if (size < 0 || this.offset + size > this.data.length) {
      throw new RangeError("past the end");
    }
    const part = this.data.subarray(this.offset, this.offset + size);
    this.offset += size;
    return part;
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  u32(): number {
    return this.take(4).readUInt32BE(0);
  }
  utf(): string {
    return this.take(this.u16()).toString("utf8");
  }
}

/** A JKS or JCEKS keystore: its key entries' certificate chains and its trusted certificates. */
function javaKeystore(content: Buffer): SigningFacts | null {
  const magic = content.length >= 12 ? content.readUInt32BE(0) : 0;
  if (magic !== 0xfeedfeed && magic !== 0xcececece) {
    return null;
  }
  const cursor = new Cursor(content);
  cursor.take(4);
  const version = cursor.u32();
  const count = cursor.u32();
  if (version !== 1 && version !== 2) {
    return null;
  }
  const found: SigningCertificate[] = [];
  const readCertificate = (alias: string) => {
    if (version === 2) {
      cursor.utf();
    }
    const cert = certificateOf(cursor.take(cursor.u32()), alias);
    if (cert && found.length < MAX_CERTIFICATES) {
      found.push(cert);
    }
  };
  try {
    for (let entry = 0; entry < Math.min(count, MAX_ENTRIES); entry += 1) {
      const tag = cursor.u32();
      const alias = cursor.utf();
      cursor.take(8);
      if (tag === 1) {
        cursor.take(cursor.u32());
        const chain = cursor.u32();
        // The key's own certificate comes first: the rest of the chain ends no earlier, in practice.
        for (let index = 0; index < Math.min(chain, 10); index += 1) {
          readCertificate(alias);
        }
        if (chain > 10) {
          break;
        }
      } else if (tag === 2) {
        readCertificate(alias);
      } else {
        // A JCEKS secret key (a serialized Java object): nothing after it can be found safely.
        break;
      }
    }
  } catch {
    // A cut or damaged file: what was read before is still true.
  }
  return { kind: "keystore", format: magic === 0xfeedfeed ? "jks" : "jceks", certificates: found, expiresAt: earliest(found) };
}

/** A DER SEQUENCE whose first element is INTEGER 3: the version of a PKCS #12 PFX. */
function isPkcs12(content: Buffer): boolean {
  if (content[0] !== 0x30 || content.length < 8) {
    return false;
  }
  const lengthBytes = content[1]! & 0x80 ? content[1]! & 0x7f : 0;
  const at = 2 + lengthBytes;
  return content[at] === 0x02 && content[at + 1] === 0x01 && content[at + 2] === 0x03;
}

/** What a secret file is, as far as signing goes; `{ kind: "other" }` when it is nothing Keel reads. */
export function inspectSigningFile(content: Buffer): SigningFacts {
  const facts = javaKeystore(content) ?? (isPkcs12(content) ? { kind: "pkcs12" as const } : null) ?? provisioningProfile(content) ?? certificates(content);
  // Whatever was read is stored and shown: it must be what the pages expect.
  return signingFactsOf(facts) ?? { kind: "other" };
}

/**
 * The build log's lines about a secret file that is a signing file: `before` the steps, what it is
 * and when it ends (once ended: that signing with it fails, and what to do); `onFailure`, for an
 * ended file, the line written under a step that fails — shaped like an error, so that "What went
 * wrong" (and the pull-request comment, chat message and e-mail quoting it) names the file. Null
 * for other files.
 */
export function signingLogLines(variable: string, content: Buffer, now: Date): { before: string; onFailure: string | null } | null {
  const facts = inspectSigningFile(content);
  const title = signingTitle(facts);
  if (!title) {
    return null;
  }
  const details = facts.kind === "pkcs12" ? null : signingDetails(facts);
  const expiresAt = signingExpiry(facts);
  const ended = expiresAt !== null && signingState(expiresAt, now) === "expired";
  return {
    before: `$${variable}: ${title}${details ? ` (${details})` : ""}${expiresAt ? `, ${signingExpiryWords(expiresAt, now)}` : ""}.${ended ? ` Signing with it fails. ${signingRenewAdvice(facts.kind, variable)}` : ""}`,
    onFailure: ended ? `error: the signing file in $${variable} (${title}) expired on ${formatDay(expiresAt)}: nothing signs with it. Upload a current one under Secret files on the profile's workflow page.` : null,
  };
}

/**
 * Reads the secret files saved before Keel read what they are (housekeeping, hourly: at most a
 * thousand a run) and records it, so that their pages and reminders know them too. Returns how many
 * were read.
 */
export async function readUnreadSigningFiles(batches = 10): Promise<number> {
  let read = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const files = await openUnreadSecretFiles(100);
    for (const file of files) {
      // One Keel cannot open (its key is gone) is nothing it can read: builds will say why they fail.
      await recordSecretFileSigning(file.id, file.sha256, file.content ? inspectSigningFile(file.content) : { kind: "other" });
    }
    read += files.length;
    if (files.length < 100) {
      break;
    }
  }
  return read;
}
