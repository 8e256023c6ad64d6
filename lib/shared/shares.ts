// Links that share a build's artifacts with testers (lib/builds/README.md, "Sharing with
// testers"): their shape and how long they last, for the server and the build page's form.

/** A link's key: 32 random bytes, base64url. */
export const SHARE_KEY_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** How long a new link lasts, in days, as the form offers it; 7 is the default. */
export const SHARE_LIFETIMES = [1, 7, 30] as const;
export const DEFAULT_SHARE_DAYS = 7;

/** Live links one build may have at once. */
export const MAX_SHARES_PER_BUILD = 10;
/** The most a link's "What's new" for testers may hold (characters). */
export const SHARE_NOTES_MAX = 2_000;

/** The page a link opens. */
export function sharePath(key: string): string {
  return `/share/${key}`;
}

/** A shared file's download (what the page's Download buttons and an iPhone's install fetch). */
export function shareArtifactPath(key: string, artifactId: string): string {
  return `/api/share/${key}/artifacts/${artifactId}`;
}

/** The install manifest of a shared iOS app (lib/builds/README.md, "Installing on iPhones"). */
export function shareManifestPath(key: string, artifactId: string): string {
  return `${shareArtifactPath(key, artifactId)}/manifest`;
}

/**
 * The link that makes an iPhone or iPad install a shared app: iOS reads the manifest (over HTTPS
 * with a certificate it trusts, nothing else), then downloads the file it names.
 */
export function iosInstallUrl(publicUrl: string, key: string, artifactId: string): string {
  return `itms-services://?action=download-manifest&url=${encodeURIComponent(`${publicUrl}${shareManifestPath(key, artifactId)}`)}`;
}

/** How long a link to a branch's newest build lasts, in days (it is meant to stay up: a QR code on the wall). */
export const STANDING_SHARE_LIFETIMES = [30, 90, 365] as const;
export const DEFAULT_STANDING_SHARE_DAYS = 90;

/** Live links to the newest build one profile may have at once. */
export const MAX_SHARES_PER_PROFILE = 5;
