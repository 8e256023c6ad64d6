import { z } from "zod";
import { formatDay } from "./dates";

// What a secret file used for signing says about itself (lib/builds/README.md, "Signing files
// that expire"): a provisioning profile's name, team, app, kind and end; a certificate's name and
// end; an Android keystore's keys. Read by the server when the file is uploaded
// (lib/builds/signing-files.ts), stored beside the sealed file (never the file itself), shown on the
// workflow and profile pages and behind the reminders admins get. Pure: the browser reads the
// stored value the same way.

/** How long before a signing file ends Keel starts saying so (pages, notices). */
export const SIGNING_WARNING_DAYS = 30;

const DAY_MS = 86_400_000;

// One line of text (no control characters: values go into log lines and e-mails).
const line = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]+$/u);
const moment = z.iso.datetime();

const certificateSchema = z.object({
  /** The subject's common name (or the whole subject when it has none): "Apple Distribution: Fabrikam Ltd (ABCDE12345)". */
  name: line(300),
  /** The end of its validity (ISO 8601). */
  expiresAt: moment,
  /** A keystore entry's alias. */
  alias: line(200).optional(),
  /** Its SHA-1 and SHA-256 fingerprints as keytool prints them (AB:CD:…): what Firebase, Google Sign-In and Maps ask for. */
  sha1: z.string().regex(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/).optional(),
  sha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/).optional(),
});

export const DISTRIBUTIONS = ["development", "ad-hoc", "enterprise", "app-store", "developer-id"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export const signingFactsSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("provisioning-profile"),
    name: line(300),
    uuid: line(64).nullable(),
    team: line(300).nullable(),
    teamId: line(32).nullable(),
    /** The app identifier without its team prefix: "com.fabrikam.wallet", or "*" for a wildcard profile. */
    appId: line(300).nullable(),
    distribution: z.enum(DISTRIBUTIONS),
    /** Devices it installs on (development and ad hoc profiles). */
    devices: z.number().int().min(0).nullable(),
    /** Their UDIDs, normalized (lib/shared/devices.ts); stored before Keel kept them: none. */
    deviceIds: z.array(z.string().max(64)).max(1_000).default([]),
    /** The profile's own end (ExpirationDate). */
    profileExpiresAt: moment,
    certificates: z.array(certificateSchema).max(100),
    /** When it stops signing: its own end, or earlier when every certificate it names has ended. */
    expiresAt: moment,
  }),
  z.object({ kind: z.literal("certificates"), certificates: z.array(certificateSchema).min(1).max(100), expiresAt: moment }),
  z.object({ kind: z.literal("keystore"), format: z.enum(["jks", "jceks"]), certificates: z.array(certificateSchema).max(100), expiresAt: moment.nullable() }),
  /** A password-protected PKCS #12 file (.p12, .pfx, a newer keytool keystore): its certificates cannot be read without the password. */
  z.object({ kind: z.literal("pkcs12") }),
  /** Anything else (a JSON key, a private key, a config file): nothing to say. */
  z.object({ kind: z.literal("other") }),
]);

export type SigningFacts = z.infer<typeof signingFactsSchema>;
export type SigningCertificate = z.infer<typeof certificateSchema>;

/** A stored value read back (null when absent or not the shape it must have). */
export function signingFactsOf(value: unknown): SigningFacts | null {
  const parsed = signingFactsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** When the file stops working, if Keel knows. */
export function signingExpiry(facts: SigningFacts | null): Date | null {
  return facts && "expiresAt" in facts && facts.expiresAt ? new Date(facts.expiresAt) : null;
}

export type SigningState = "expired" | "expiring" | "valid";

/** Whether a file that ends at `expiresAt` has ended, ends within SIGNING_WARNING_DAYS, or neither. */
export function signingState(expiresAt: Date, now: Date): SigningState {
  const left = expiresAt.getTime() - now.getTime();
  return left <= 0 ? "expired" : left <= SIGNING_WARNING_DAYS * DAY_MS ? "expiring" : "valid";
}

const DISTRIBUTION_WORDS: Record<Distribution, string> = {
  development: "development",
  "ad-hoc": "ad hoc",
  enterprise: "enterprise (in-house)",
  "app-store": "App Store",
  "developer-id": "Developer ID",
};

/** What the file is, in a few words: `Provisioning profile "Wallet Ad Hoc"`, `Certificate "Apple Distribution: Fabrikam Ltd (ABCDE12345)"`. */
export function signingTitle(facts: SigningFacts): string | null {
  switch (facts.kind) {
    case "provisioning-profile":
      return `Provisioning profile “${facts.name}”`;
    case "certificates":
      return facts.certificates.length === 1 ? `Certificate “${facts.certificates[0]!.name}”` : `${facts.certificates.length} certificates`;
    case "keystore":
      return `${facts.format === "jceks" ? "JCEKS" : "Java"} keystore${facts.certificates.length > 0 ? ` (${facts.certificates.map((cert) => cert.alias ?? cert.name).join(", ")})` : ""}`;
    case "pkcs12":
      return "Password-protected certificate and key (PKCS #12)";
    default:
      return null;
  }
}

/** The details after the title: `ad hoc, 12 devices · com.fabrikam.wallet · Fabrikam Ltd (ABCDE12345)`. */
export function signingDetails(facts: SigningFacts): string | null {
  if (facts.kind === "provisioning-profile") {
    const kind = `${DISTRIBUTION_WORDS[facts.distribution]}${facts.devices !== null ? `, ${facts.devices} device${facts.devices === 1 ? "" : "s"}` : ""}`;
    const team = facts.team ? `${facts.team}${facts.teamId ? ` (${facts.teamId})` : ""}` : facts.teamId;
    return [kind, facts.appId === "*" ? "any app of the team" : facts.appId, team].filter(Boolean).join(" · ");
  }
  if (facts.kind === "certificates" && facts.certificates.length > 1) {
    return facts.certificates.map((cert) => `${cert.name} (until ${formatDay(new Date(cert.expiresAt))})`).join(" · ");
  }
  if (facts.kind === "keystore") {
    return facts.certificates.map((cert) => `${cert.alias ? `${cert.alias}: ` : ""}${cert.name}`).join(" · ") || "no certificates in it";
  }
  if (facts.kind === "pkcs12") {
    return "Keel cannot read when its certificate ends without the password; a provisioning profile uploaded beside it shows the certificate's end.";
  }
  return null;
}

/** The fingerprints of a keystore's or certificate file's certificates, one line each: `upload: SHA-1 AB:CD:…`. */
export function signingFingerprints(facts: SigningFacts): string[] {
  if (facts.kind !== "keystore" && facts.kind !== "certificates") {
    return [];
  }
  return facts.certificates.flatMap((cert) => {
    const who = cert.alias ?? cert.name;
    return [...(cert.sha1 ? [`${who}: SHA-1 ${cert.sha1}`] : []), ...(cert.sha256 ? [`${who}: SHA-256 ${cert.sha256}`] : [])];
  });
}

/** "expired on 2026-12-03", "expires in 12 days (2026-12-18)", "valid until 2027-09-01". */
export function signingExpiryWords(expiresAt: Date, now: Date): string {
  const state = signingState(expiresAt, now);
  if (state === "expired") {
    return `expired on ${formatDay(expiresAt)}`;
  }
  if (state === "expiring") {
    const days = Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS);
    return `expires in ${days} day${days === 1 ? "" : "s"} (${formatDay(expiresAt)})`;
  }
  return `valid until ${formatDay(expiresAt)}`;
}

/** What to do about an ending file, by what it is. */
export function signingRenewAdvice(kind: SigningFacts["kind"] | null, variable: string): string {
  const upload = `upload it under Secret files on the profile's workflow page with the variable ${variable} (it replaces the old file)`;
  if (kind === "provisioning-profile") {
    return `Renew or regenerate the profile in the Apple Developer account (Certificates, Identifiers & Profiles → Profiles, or Xcode's automatic signing), download it and ${upload}.`;
  }
  if (kind === "keystore") {
    return `A keystore's certificate cannot be extended: for an app on Google Play, ask for an upload key reset in the Play Console and ${upload}.`;
  }
  return `Create a new certificate (for Apple: Certificates, Identifiers & Profiles → Certificates), export it and ${upload}; regenerate the provisioning profiles that name the old one.`;
}

/**
 * Whether a provisioning profile's app identifier covers one of these apps (the newest build's):
 * "app" when it does (exactly, or as a wildcard like `com.fabrikam.*` or `*`), "extension" when it
 * is an app extension's of one (`com.fabrikam.wallet.widget`), "other" when it is for none of them;
 * null when there is nothing to compare.
 */
export function profileAppMatch(appId: string | null, bundleIds: readonly string[]): "app" | "extension" | "other" | null {
  if (!appId || bundleIds.length === 0) {
    return null;
  }
  if (appId === "*" || bundleIds.includes(appId) || (appId.endsWith(".*") && bundleIds.some((bundleId) => bundleId.startsWith(appId.slice(0, -1))))) {
    return "app";
  }
  return bundleIds.some((bundleId) => appId.startsWith(`${bundleId}.`)) ? "extension" : "other";
}
