import { z } from "zod";
import { formatDay } from "./dates";
import { DISTRIBUTIONS, type Distribution } from "./signing-files";

// What an app kept by a build says about itself (lib/builds/README.md, "Installing on iPhones"):
// an iOS app's Info.plist, an Android app's AndroidManifest.xml, read by the worker
// (lib/builds/app-info.ts), stored with the artifact, shown on the build page and the testers'
// page, sent by the token API and webhooks, and — for iOS — written into the manifest an iPhone
// installs from. Pure: the browser and the server read the stored value the same way.

export type AppInfo = {
  /** Which kind of app: an .ipa ("ios") or an .apk ("android"). */
  platform: "ios" | "android";
  /** The app's identity: CFBundleIdentifier, or the Android package (com.fabrikam.wallet). iOS installs only when the manifest names the app's own. */
  bundleId: string;
  /** The build number: CFBundleVersion, or Android's versionCode (4513). */
  version: string;
  /** The version people see: CFBundleShortVersionString, or Android's versionName (2.4.0), if the app has one. */
  shortVersion: string | null;
  /** CFBundleDisplayName or CFBundleName (an Android label is a resource Keel does not resolve), if there is one. */
  name: string | null;
  /** How an iOS app is signed: the provisioning profile it carries (Payload/<App>.app/embedded.mobileprovision), if any. */
  signing: AppSigning | null;
  /** Who signed an Android app: its signing certificate (APK Signature Scheme v2/v3, or v1's META-INF), if Keel found one. */
  certificate: AppCertificate | null;
};

/** An Android app's signing certificate. */
export type AppCertificate = {
  /** The subject's common name: "Fabrikam Upload Key", "Android Debug". */
  name: string;
  /** Fingerprints as keytool prints them (AB:CD:…): what Google Play, Firebase and Google Sign-In show and ask for. */
  sha1: string;
  sha256: string;
  /** Signed with the Android SDK's debug key (CN=Android Debug): Google Play refuses it. */
  debug: boolean;
};

/** What an iOS app's embedded provisioning profile says about who can install it, and until when. */
export type AppSigning = {
  /** The profile's name: "Wallet Ad Hoc". */
  profile: string;
  distribution: Distribution;
  /** The devices it installs on (development and ad hoc), and their UDIDs. */
  devices: number | null;
  deviceIds: string[];
  team: string | null;
  /** When the profile ends (ISO 8601): iOS refuses to install, and to open, the app after it. */
  expiresAt: string;
};

// One line of text (no control characters: the values go into a log line); the XML and the page escape the rest.
const text = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]+$/u);

export const appInfoSchema = z
  .object({
    // Values stored before Android apps were read are iOS apps'.
    platform: z.enum(["ios", "android"]).default("ios"),
    bundleId: z.string().max(255),
    version: text(64),
    shortVersion: text(64).nullable(),
    name: text(128).nullable(),
    // Values stored before Keel read embedded profiles have none.
    signing: z
      .object({
        profile: text(300),
        distribution: z.enum(DISTRIBUTIONS),
        devices: z.number().int().min(0).nullable(),
        deviceIds: z.array(z.string().max(64)).max(1_000).default([]),
        team: text(300).nullable(),
        expiresAt: z.iso.datetime(),
      })
      .nullable()
      .default(null),
    certificate: z
      .object({ name: text(300), sha1: z.string().regex(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/), sha256: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), debug: z.boolean() })
      .nullable()
      .default(null),
  })
  .refine(
    // A bundle identifier iOS accepts (letters, digits, hyphens), or a Java package name Android accepts.
    (app) => (app.platform === "ios" ? /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/ : /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/).test(app.bundleId),
    { path: ["bundleId"], message: "not an identifier the platform accepts" },
  );

/** A stored value read back (null when absent or not the shape it must have). */
export function appInfoOf(value: unknown): AppInfo | null {
  const parsed = appInfoSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** "Wallet 2.4.0 (4513)": the app as testers and the log name it. */
export function appLabel(app: AppInfo): string {
  const version = app.shortVersion ? `${app.shortVersion} (${app.version})` : app.version;
  return `${app.name ?? app.bundleId} ${version}`;
}

/** The app with its identifier when its name does not already stand for it: "Wallet 2.4.0 (4513) · com.fabrikam.wallet", "com.fabrikam.wallet 2.4.0 (4513)". */
export function appIdentity(app: AppInfo, separator = " · "): string {
  return app.name ? `${appLabel(app)}${separator}${app.bundleId}` : appLabel(app);
}

/** Who installs an iOS app from a testers' page, by its signing (null: Keel does not know how it is signed). */
export type Installability = { can: true; who: "devices"; devices: number } | { can: true; who: "anyone" } | { can: false; why: "store" | "expired" } | null;

/** Whether testers can install an iOS app from a link, and who: by the distribution and the end of its provisioning profile. */
export function installability(app: AppInfo, now: Date): Installability {
  const signing = app.signing;
  if (!signing) {
    return null;
  }
  if (new Date(signing.expiresAt).getTime() <= now.getTime()) {
    return { can: false, why: "expired" };
  }
  if (signing.distribution === "app-store") {
    return { can: false, why: "store" };
  }
  return signing.devices !== null ? { can: true, who: "devices", devices: signing.devices } : { can: true, who: "anyone" };
}

const SIGNED: Record<Distribution, string> = {
  development: "signed for development",
  "ad-hoc": "signed ad hoc",
  enterprise: "signed in-house (enterprise)",
  "app-store": "signed for the App Store",
  "developer-id": "signed with Developer ID",
};

/** "signed by “Fabrikam Upload Key” (SHA-256 AB:CD:…)", or that it is signed with the debug key. */
export function certificateWords(certificate: AppCertificate): string {
  return certificate.debug
    ? `signed with the Android debug key (SHA-256 ${certificate.sha256}), which Google Play refuses`
    : `signed by “${certificate.name}” (SHA-256 ${certificate.sha256})`;
}

/** "signed ad hoc for 3 devices with “Wallet Ad Hoc”, until 2027-06-24" — or "…, expired on 2026-12-03". */
export function signingWords(signing: AppSigning, now: Date): string {
  const end = new Date(signing.expiresAt);
  const devices = signing.devices !== null ? ` for ${signing.devices} device${signing.devices === 1 ? "" : "s"}` : "";
  return `${SIGNED[signing.distribution]}${devices} with “${signing.profile}”, ${end.getTime() <= now.getTime() ? `expired on ${formatDay(end)}` : `until ${formatDay(end)}`}`;
}
