/**
 * Name keys, ref names and the wording of lists and commands in sentences, shared by the picker,
 * the profile data layer, the pages and the forms.
 * Pure functions (no I/O), safe in client components.
 */

/**
 * Characters no name, search term or one-line field may contain: controls (C0, C1, DEL), line
 * and paragraph separators, and the invisible "format" characters — zero-width spaces and
 * joiners, the byte-order mark, bidi embeddings, overrides, isolates and marks — which make two
 * different names look the same, or one name read backwards.
 */
export const CONTROL_OR_INVISIBLE = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/**
 * The comparison key of a name: NFKC-normalized and lower-cased. NFKC, not only NFC: "Café"
 * typed on a Mac (NFD) and the same name from Azure DevOps (NFC) must match, and so must the
 * look-alikes compatibility folding unifies — "ｆａｂｒｉｋａｍ" (fullwidth), "ﬁnance" (a
 * ligature), "Ⅱ" — so names that read the same cannot coexist. Used for uniqueness
 * (connections, build profiles) and for the picker's search.
 */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

/**
 * Text as PostgreSQL can store it. An unpaired UTF-16 surrogate (no real name has one, but a
 * JSON answer can carry it as an escape) becomes U+FFFD, as encoding it to UTF-8 would, and so
 * does NUL, which a PostgreSQL text value cannot hold: one odd name from Azure DevOps is shown
 * with a replacement character instead of failing a whole listing.
 */
export function storableText(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\u0000/g, "\uFFFD");
}

/** `refs/heads/main` → `main`; other refs and plain names stay as they are. */
export function shortBranchName(ref: string): string {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
}

/** `main` or `refs/heads/main` → `refs/heads/main`. */
export function fullBranchRef(name: string): string {
  return name.startsWith("refs/heads/") ? name : `refs/heads/${name}`;
}

/** Human-readable repository size (Azure DevOps reports bytes). */
export function formatSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) {
    return "—";
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

const LISTS = { and: new Intl.ListFormat("en", { type: "conjunction" }), or: new Intl.ListFormat("en", { type: "disjunction" }) };

/** "a", "a and b", "a, b and c" (or "or"): a list inside a sentence. */
export function formatList(items: readonly string[], word: "and" | "or" = "and"): string {
  return LISTS[word].format(items);
}

/**
 * A sentence whose `backticked` parts are commands or file names, cut into its plain and code
 * parts (an unmatched backtick stays as text).
 */
export function codeSpans(text: string): { text: string; code: boolean }[] {
  const parts = text.split("`");
  if (parts.length % 2 === 0) {
    // An odd number of backticks: the last one opens nothing and is put back into the text.
    const rest = parts.pop()!;
    parts[parts.length - 1] += `\`${rest}`;
  }
  return parts.map((part, index) => ({ text: part, code: index % 2 === 1 })).filter((span) => span.code || span.text !== "");
}

/** "1 build", "1,204 builds", and after a filter "1 build matches" / "12 builds match". */
export function matchCount(total: number, singular: string, plural: string, filtered: boolean): string {
  const counted = total === 1 ? `1 ${singular}` : `${total.toLocaleString("en")} ${plural}`;
  return filtered ? `${counted} ${total === 1 ? "matches" : "match"}` : counted;
}

/**
 * A Content-Disposition header that downloads `name`: an ASCII fallback for old clients and the
 * exact name in UTF-8 (RFC 6266), so no quote, line break or non-ASCII letter breaks the header.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "download";
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

/** The headers of a file Keel sends to be saved (a log, an export): its type, its name, never cached, never sniffed as something else. */
export function downloadHeaders(contentType: string, name: string): Record<string, string> {
  return { "Content-Type": contentType, "Content-Disposition": attachmentDisposition(name), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
}
