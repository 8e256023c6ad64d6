// Keel API tokens (lib/auth/README.md, "API tokens"): what their text looks like and how long
// they last, shared by the server and the settings page's form.

/** Every token starts with this, so a leaked one is recognizable (and secret scanners can match it). */
export const API_TOKEN_PREFIX = "keel_";

/** `keel_` and 43 base64url characters: 32 random bytes. */
export const API_TOKEN_SHAPE = /^keel_[A-Za-z0-9_-]{43}$/;

/** How long a new token lasts, in days, as the form offers it; 90 is the default. */
export const API_TOKEN_LIFETIMES = [30, 90, 180, 365] as const;
export const DEFAULT_API_TOKEN_DAYS = 90;

/** A person may hold this many tokens at once (expired ones count until they are deleted). */
export const MAX_API_TOKENS_PER_USER = 20;

/** The part of a token shown in lists: its prefix and the next 6 characters. */
export function apiTokenDisplayPrefix(token: string): string {
  return token.slice(0, API_TOKEN_PREFIX.length + 6);
}
