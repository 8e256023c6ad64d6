import { z } from "zod";

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
