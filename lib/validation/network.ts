import ipaddr from "ipaddr.js";
import { z } from "zod";
import { parseAllowlistEntry } from "@/lib/net/ssrf-policy";

/** At most this many entries an admin can store (a list, not a database of hosts). */
export const MAX_ALLOWLIST_ENTRIES = 100;

// A range wider than these would open whole swaths of private space (0.0.0.0/0 is "everything");
// an admin who means that sets KEEL_OUTBOUND_DENY_ALL_EXCEPT_ALLOWLIST off instead.
const NARROWEST_IPV4_PREFIX = 8;
const NARROWEST_IPV6_PREFIX = 16;

/** Splits the textarea into entries: one per line (commas also separate), blanks dropped. */
export function splitAllowlistText(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/** Why one entry cannot be stored, or null when it can. */
export function allowlistEntryProblem(entry: string): string | null {
  if (entry.length > 260) {
    return `"${entry.slice(0, 40)}…" is too long for a host name.`;
  }
  const parsed = parseAllowlistEntry(entry);
  if (parsed === null) {
    return `"${entry}" is not a host, host:port, IP address, IP:port or CIDR range (for example git.example.com, 10.20.0.5:8080 or 10.20.0.0/16).`;
  }
  if (parsed.kind === "cidr") {
    const [network, bits] = parsed.range;
    const narrowest = network.kind() === "ipv4" ? NARROWEST_IPV4_PREFIX : NARROWEST_IPV6_PREFIX;
    if (bits < narrowest) {
      return `"${entry}" is too wide a range: use /${narrowest} or narrower.`;
    }
  }
  if (parsed.kind === "ip" && ipaddr.parse(parsed.ip).range() === "unspecified") {
    return `"${entry}" is not an address Keel can call.`;
  }
  return null;
}

export const allowlistFields = ["entries"] as const;

/** The Network settings form: the organization's own allowlist entries, one per line. */
export const allowlistSchema = z.object({
  entries: z
    .string()
    .max(20_000, "The list is too long: keep it under 20,000 characters.")
    .transform((text, ctx) => {
      const entries = [...new Set(splitAllowlistText(text).map((entry) => entry.toLowerCase()))];
      if (entries.length > MAX_ALLOWLIST_ENTRIES) {
        ctx.addIssue({ code: "custom", message: `At most ${MAX_ALLOWLIST_ENTRIES} entries; use CIDR ranges to cover many addresses.` });
        return z.NEVER;
      }
      const problems = entries.map(allowlistEntryProblem).filter((problem): problem is string => problem !== null);
      if (problems.length > 0) {
        ctx.addIssue({ code: "custom", message: `${problems.join(" ")} Fix or remove ${problems.length === 1 ? "it" : "them"} and save again.` });
        return z.NEVER;
      }
      return entries;
    }),
});
export type AllowlistInput = z.infer<typeof allowlistSchema>;
