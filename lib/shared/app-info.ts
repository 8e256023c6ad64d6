import { z } from "zod";

// What an iOS app (.ipa) kept by a build says about itself (lib/builds/README.md, "Installing on
// iPhones"): read from its Info.plist by the worker (lib/builds/app-info.ts), stored with the
// artifact, shown on the build page and the testers' page, and written into the manifest an
// iPhone installs from. Pure: the browser and the server read the stored value the same way.

export type AppInfo = {
  /** CFBundleIdentifier, e.g. com.fabrikam.wallet: iOS installs only when the manifest names the app's own. */
  bundleId: string;
  /** CFBundleVersion, the build number (4513). */
  version: string;
  /** CFBundleShortVersionString, the version people see (2.4.0), if the app has one. */
  shortVersion: string | null;
  /** CFBundleDisplayName or CFBundleName, if the app has one. */
  name: string | null;
};

// One line of text (no control characters: the values go into a log line); the XML and the page escape the rest.
const text = (max: number) => z.string().min(1).max(max).regex(/^[^\u0000-\u001f\u007f]+$/u);

export const appInfoSchema = z.object({
  bundleId: z.string().max(255).regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/),
  version: text(64),
  shortVersion: text(64).nullable(),
  name: text(128).nullable(),
});

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
