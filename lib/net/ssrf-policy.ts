/**
 * The outbound-request (SSRF) policy of SECURITY.md, as pure functions: input checks on the raw
 * URL, classification of resolved addresses, and the decision whether a request may go out.
 * lib/net/guarded-request.ts applies it around DNS and the connection.
 */
import ipaddr from "ipaddr.js";

export type SelfAddress = {
  /** An IP, a host name, or a wildcard (`0.0.0.0`, `::`, `*`) for "every local interface". */
  host: string;
  port: number;
};

export type OutboundPolicy = {
  /** Admin allowlist: `host`, `host:port`, `IP`, `[IPv6]:port`, `IP:port` or `CIDR`. */
  allowlist: string[];
  /** When true, public addresses also need an allowlist match. */
  denyAllExceptAllowlist: boolean;
  /** Loopback is reachable at all only when true (development/test — how tests reach the emulator). */
  allowLoopback: boolean;
  /** `true`: http anywhere; `false`: https only; a list: http only for these entries (allowlist syntax). */
  allowHttp: boolean | string[];
  /** Keel's own listen address(es) and its database; always refused. */
  selfAddresses: SelfAddress[];
  /**
   * Allows exactly one always-refused destination: Azure's Instance Metadata Service,
   * `http://169.254.169.254:80`, for a managed identity's token. Only the policy that
   * lib/outbound.ts builds for that one call sets it (and only when the operator enabled
   * managed identity); every other request keeps refusing link-local addresses.
   */
  instanceMetadata?: boolean;
};

/** The one address of Azure's Instance Metadata Service (link-local, http on port 80). */
export const INSTANCE_METADATA_ADDRESS = "169.254.169.254";

export type InputRule = "empty" | "control_characters" | "whitespace" | "backslash" | "unparseable" | "scheme" | "userinfo" | "no_host";

export type BlockRule =
  | "http_not_allowed"
  | "forbidden_address"
  | "self_address"
  | "loopback_disabled"
  | "private_not_allowlisted"
  | "not_in_allowlist"
  | "no_addresses"
  | "invalid_address";

export type AddressCategory = "forbidden" | "loopback" | "private" | "public";

export type ClassifiedAddress = {
  /** Canonical text of the address as resolved (e.g. `::ffff:a9fe:a9fe`). */
  address: string;
  /** The address the rules were applied to, after unwrapping IPv4 embedded in IPv6. */
  effective: string;
  family: 4 | 6;
  category: AddressCategory;
  /** Short name of the range that decided the category, e.g. "link-local (cloud metadata)". */
  range: string;
};

export type RequestTarget = {
  url: URL;
  protocol: "http:" | "https:";
  /** Host name without brackets or trailing dot, lowercase. */
  hostname: string;
  port: number;
  /** The host as an IP literal, if it is one. */
  literalIp: string | null;
};

export type InputCheck = { ok: true; target: RequestTarget } | { ok: false; rule: InputRule; message: string };

export type PolicyDecision =
  | { allowed: true; addresses: ClassifiedAddress[] }
  | { allowed: false; rule: BlockRule; message: string; address?: string; range?: string };

export type AllowlistEntry =
  | { kind: "host"; host: string; port: number | null; source: string }
  | { kind: "ip"; ip: string; port: number | null; source: string }
  | { kind: "cidr"; range: [ipaddr.IPv4 | ipaddr.IPv6, number]; source: string };

type Cidr = { range: [ipaddr.IPv4 | ipaddr.IPv6, number]; name: string };

function cidr(text: string, name: string): Cidr {
  return { range: ipaddr.parseCIDR(text), name };
}

// Order matters inside each list: the first match names the range.
const IPV4_FORBIDDEN: Cidr[] = [
  cidr("0.0.0.0/8", "this network (0.0.0.0/8)"),
  cidr("169.254.0.0/16", "link-local (cloud metadata)"),
  cidr("100.100.100.200/32", "cloud metadata (Alibaba)"),
  cidr("192.0.0.192/32", "cloud metadata (Oracle)"),
  cidr("224.0.0.0/4", "multicast"),
  cidr("255.255.255.255/32", "broadcast"),
  cidr("240.0.0.0/4", "reserved (240.0.0.0/4)"),
];
const IPV4_LOOPBACK: Cidr[] = [cidr("127.0.0.0/8", "loopback")];
const IPV4_PRIVATE: Cidr[] = [
  cidr("10.0.0.0/8", "the private network 10.0.0.0/8"),
  cidr("172.16.0.0/12", "the private network 172.16.0.0/12"),
  cidr("192.168.0.0/16", "the private network 192.168.0.0/16"),
  cidr("100.64.0.0/10", "the shared address space 100.64.0.0/10 (carrier-grade NAT)"),
  cidr("192.0.0.0/24", "the IETF protocol assignments 192.0.0.0/24"),
  cidr("192.0.2.0/24", "TEST-NET-1 (192.0.2.0/24), reserved for documentation"),
  cidr("198.51.100.0/24", "TEST-NET-2 (198.51.100.0/24), reserved for documentation"),
  cidr("203.0.113.0/24", "TEST-NET-3 (203.0.113.0/24), reserved for documentation"),
  cidr("198.18.0.0/15", "the benchmarking range 198.18.0.0/15"),
  cidr("192.88.99.0/24", "the former 6to4 relay range 192.88.99.0/24"),
];
const IPV6_FORBIDDEN: Cidr[] = [
  cidr("::/128", "unspecified (::)"),
  cidr("fd00:ec2::254/128", "cloud metadata (AWS)"),
  cidr("fe80::/10", "link-local"),
  cidr("ff00::/8", "multicast"),
  // Deprecated IPv4-compatible form (::a.b.c.d); nothing legitimate uses it and its routing is
  // platform-dependent, so refuse rather than guess which IPv4 address it reaches.
  cidr("::/96", "IPv4-compatible (deprecated)"),
  cidr("2001::/32", "Teredo tunnel"),
  cidr("100::/64", "discard-only"),
];
const IPV6_LOOPBACK: Cidr[] = [cidr("::1/128", "loopback")];
const IPV6_LOOPBACK_RANGE = ipaddr.parseCIDR("::1/128");
const IPV6_PRIVATE: Cidr[] = [
  cidr("fc00::/7", "the unique local range fc00::/7"),
  cidr("fec0::/10", "the deprecated site-local range fec0::/10"),
  cidr("64:ff9b:1::/48", "the local-use NAT64 range 64:ff9b:1::/48"),
  cidr("2001:db8::/32", "2001:db8::/32, reserved for documentation"),
  cidr("2001:2::/48", "the benchmarking range 2001:2::/48"),
];

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE = /[\s\u200b\u2028\u2029\ufeff]/;
const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "*", ""]);

const NAT64 = ipaddr.parseCIDR("64:ff9b::/96");
const SIX_TO_FOUR = ipaddr.parseCIDR("2002::/16");
const MAPPED = ipaddr.parseCIDR("::ffff:0:0/96");
const TRANSLATED = ipaddr.parseCIDR("::ffff:0:0:0/96");

/** Checks the raw URL text and parses it once: rejects control characters, whitespace, backslashes, non-http(s) and userinfo. */
export function checkUrlInput(raw: string): InputCheck {
  if (typeof raw !== "string" || raw === "") {
    return inputFail("empty", "No URL was given.");
  }
  if (CONTROL_CHARACTERS.test(raw)) {
    return inputFail("control_characters", "The URL contains control characters.");
  }
  if (WHITESPACE.test(raw)) {
    return inputFail("whitespace", "The URL contains whitespace.");
  }
  if (raw.includes("\\")) {
    // WHATWG treats "\" as "/" in http(s) URLs while other parsers do not: a classic way to make
    // two components disagree about the host.
    return inputFail("backslash", "The URL contains a backslash.");
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return inputFail("unparseable", "The URL is not valid.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return inputFail("scheme", `Only https:// (and http:// where allowed) URLs can be requested, not ${url.protocol}`);
  }
  // `http:example.com` and `http:///example.com` parse "helpfully" into a host; insist on `//host`.
  if (!/^https?:\/\/[^/?#]/i.test(raw)) {
    return inputFail("no_host", "The URL has no host.");
  }
  if (url.username !== "" || url.password !== "" || hasRawUserinfo(raw)) {
    return inputFail("userinfo", "The URL must not contain a user name or password (the part before @).");
  }
  const hostname = normalizeHostname(url.hostname);
  if (hostname === "") {
    return inputFail("no_host", "The URL has no host.");
  }
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  const literalIp = ipaddr.isValid(hostname) && isStrictIpLiteral(hostname) ? canonicalIp(hostname) : null;
  return { ok: true, target: { url, protocol: url.protocol, hostname, port, literalIp } };
}

/** Classifies one IP address (after unwrapping IPv4-mapped, NAT64 and 6to4 IPv6) as forbidden, loopback, private or public. */
export function classifyAddress(address: string): ClassifiedAddress | null {
  const parsed = parseIp(address);
  if (parsed === null) {
    return null;
  }
  const family = parsed.kind() === "ipv4" ? 4 : 6;
  const effective = unwrapIpv4(parsed);
  const [category, range] = categorize(effective);
  return { address: parsed.toString(), effective: effective.toString(), family, category, range };
}

/** Returns the IPv4 address embedded in an IPv4-mapped, IPv4-translated, NAT64 or 6to4 IPv6 address, else the address itself. */
export function unwrapIpv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === "ipv4") {
    return address;
  }
  const v6 = address as ipaddr.IPv6;
  const bytes = v6.toByteArray();
  if (v6.match(MAPPED) || v6.match(TRANSLATED) || v6.match(NAT64)) {
    return ipaddr.fromByteArray(bytes.slice(12, 16));
  }
  if (v6.match(SIX_TO_FOUR)) {
    // 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD in bits 16-47.
    return ipaddr.fromByteArray(bytes.slice(2, 6));
  }
  return v6;
}

/** Parses allowlist entries (host, host:port, IP, IP:port, [IPv6]:port, CIDR); invalid ones come back in `errors`. */
export function parseAllowlist(entries: readonly string[]): { entries: AllowlistEntry[]; errors: string[] } {
  const parsed: AllowlistEntry[] = [];
  const errors: string[] = [];
  for (const source of entries) {
    const entry = parseAllowlistEntry(source);
    if (entry === null) {
      errors.push(`"${source}" is not a host, host:port, IP address or CIDR range.`);
      continue;
    }
    parsed.push(entry);
  }
  return { entries: parsed, errors };
}

/**
 * The parsed entries of an allowlist, kept per distinct list: the lists (KEEL_OUTBOUND_ALLOWLIST
 * plus an organization's entries) rarely change, and parsing them again on every request was
 * 7 % of the worker's CPU while it listed 50,000 repositories (issue 17). The entries are only read.
 */
const parsedAllowlists = new Map<string, AllowlistEntry[]>();
const PARSED_ALLOWLISTS_KEPT = 128;

function allowlistEntries(entries: readonly string[]): AllowlistEntry[] {
  const key = JSON.stringify(entries);
  let parsed = parsedAllowlists.get(key);
  if (parsed === undefined) {
    parsed = parseAllowlist(entries).entries;
    if (parsedAllowlists.size >= PARSED_ALLOWLISTS_KEPT) {
      parsedAllowlists.clear();
    }
    parsedAllowlists.set(key, parsed);
  }
  return parsed;
}

/** Parses one allowlist entry, or null when it is not a host, host:port, IP, IP:port or CIDR. */
export function parseAllowlistEntry(source: string): AllowlistEntry | null {
  const text = source.trim().toLowerCase();
  if (text === "" || CONTROL_CHARACTERS.test(text) || WHITESPACE.test(text)) {
    return null;
  }
  if (text.includes("/")) {
    if (!ipaddr.isValidCIDR(text)) {
      return null;
    }
    const [network, bits] = ipaddr.parseCIDR(text);
    // A CIDR written with an embedded IPv4 (::ffff:10.0.0.0/104) is compared after unwrapping.
    return { kind: "cidr", range: [network, bits], source };
  }
  const bracketed = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed !== null) {
    const [, ip = "", port] = bracketed;
    if (!ipaddr.IPv6.isValid(ip)) {
      return null;
    }
    return withPort({ kind: "ip", ip: canonicalIp(ip), source }, port);
  }
  if (ipaddr.isValid(text) && isStrictIpLiteral(text)) {
    return { kind: "ip", ip: canonicalIp(text), port: null, source };
  }
  const hostPort = /^([a-z0-9.-]+?)(?::(\d{1,5}))?$/.exec(text);
  if (hostPort === null) {
    return null;
  }
  const [, host = "", port] = hostPort;
  const name = normalizeHostname(host);
  if (name === "" || name.startsWith(".") || name.includes("..")) {
    return null;
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(name)) {
    return withPort({ kind: "ip", ip: canonicalIp(name), source }, port);
  }
  if (/^[0-9.]+$/.test(name)) {
    // Not a four-part IPv4 and all digits: ambiguous shorthand like "10.1" — refuse.
    return null;
  }
  return withPort({ kind: "host", host: name, source }, port);
}

/** Does one allowlist entry match this host name, port and resolved address? */
export function allowlistEntryMatches(entry: AllowlistEntry, hostname: string, port: number, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  const effective = unwrapIpv4(address);
  switch (entry.kind) {
    case "host": {
      return entry.host === normalizeHostname(hostname) && (entry.port === null || entry.port === port);
    }
    case "ip": {
      const ip = parseIp(entry.ip);
      if (ip === null) {
        return false;
      }
      return sameAddress(unwrapIpv4(ip), effective) && (entry.port === null || entry.port === port);
    }
    case "cidr": {
      const [network] = entry.range;
      const candidates = [effective, address];
      return candidates.some((candidate) => candidate.kind() === network.kind() && candidate.match(entry.range));
    }
  }
}

/**
 * Decides whether a request to `target` may connect, given every address its host resolved to.
 * Order: always-refused ranges, Keel's own addresses, loopback switch, allowlist for non-public
 * addresses, "deny all except allowlist", then the http rule.
 */
export function evaluateAddresses(target: Pick<RequestTarget, "protocol" | "hostname" | "port">, addresses: readonly string[], policy: OutboundPolicy): PolicyDecision {
  if (addresses.length === 0) {
    return blocked("no_addresses", `${target.hostname} did not resolve to any address.`);
  }
  if (policy.instanceMetadata === true && isInstanceMetadataTarget(target, addresses)) {
    const info = classifyAddress(INSTANCE_METADATA_ADDRESS);
    if (info !== null) {
      return { allowed: true, addresses: [info] };
    }
  }
  const allowlist = allowlistEntries(policy.allowlist);
  const classified: ClassifiedAddress[] = [];
  const parsedAddresses: Array<ipaddr.IPv4 | ipaddr.IPv6> = [];
  for (const raw of addresses) {
    const parsed = parseIp(raw);
    const info = classifyAddress(raw);
    if (parsed === null || info === null) {
      return blocked("invalid_address", `${target.hostname} resolved to something that is not an IP address.`);
    }
    parsedAddresses.push(parsed);
    classified.push(info);
  }

  for (const info of classified) {
    if (info.category === "forbidden") {
      return blocked("forbidden_address", `Requests to ${describe(target)} are blocked: it points to a ${info.range} address, which is never allowed.`, info);
    }
  }
  for (const [index, info] of classified.entries()) {
    const parsed = parsedAddresses[index];
    if (parsed !== undefined && isSelf(target, parsed, info, policy.selfAddresses)) {
      return blocked("self_address", `Requests to ${describe(target)} are blocked: that is Keel's own server or database.`, info);
    }
  }

  const everyAllowlisted = parsedAddresses.every((address) => allowlist.some((entry) => allowlistEntryMatches(entry, target.hostname, target.port, address)));
  const loopback = classified.find((info) => info.category === "loopback");
  if (loopback !== undefined && !policy.allowLoopback) {
    return blocked("loopback_disabled", `Requests to ${describe(target)} are blocked: it points to this machine (loopback), which is only allowed in development and test.`, loopback);
  }
  const local = classified.find((info) => info.category === "loopback" || info.category === "private");
  if (local !== undefined && !everyAllowlisted) {
    return blocked(
      "private_not_allowlisted",
      // Name the range: 203.0.113.10 is documentation space, not "a local network address".
      `Requests to ${describe(target)} are blocked: ${local.effective} is in ${local.category === "loopback" ? "the loopback range (this machine)" : local.range}, not a public address. An administrator can add it to the outbound allowlist on the Network settings page.`,
      local,
    );
  }
  if (policy.denyAllExceptAllowlist && !everyAllowlisted) {
    return blocked("not_in_allowlist", `Requests to ${describe(target)} are blocked: only hosts in the administrator's allowlist can be reached.`);
  }

  if (target.protocol === "http:" && !isHttpAllowed(target, parsedAddresses, policy.allowHttp)) {
    return blocked("http_not_allowed", `Plain http to ${describe(target)} is not allowed; use https, or ask an administrator to allow http for this host.`);
  }
  return { allowed: true, addresses: classified };
}

/**
 * True for a request to the Instance Metadata Service itself: plain http to port 80 of the
 * literal address 169.254.169.254 (no host name that merely resolves there, no other port).
 */
export function isInstanceMetadataTarget(target: Pick<RequestTarget, "protocol" | "hostname" | "port">, addresses: readonly string[]): boolean {
  return (
    target.protocol === "http:" &&
    target.port === 80 &&
    target.hostname === INSTANCE_METADATA_ADDRESS &&
    addresses.length > 0 &&
    addresses.every((address) => address === INSTANCE_METADATA_ADDRESS)
  );
}

// ---------------------------------------------------------------------------------------------

function categorize(address: ipaddr.IPv4 | ipaddr.IPv6): [AddressCategory, string] {
  const v4 = address.kind() === "ipv4";
  const tables: Array<[AddressCategory, Cidr[]]> = v4
    ? [
        ["forbidden", IPV4_FORBIDDEN],
        ["loopback", IPV4_LOOPBACK],
        ["private", IPV4_PRIVATE],
      ]
    : [
        ["forbidden", IPV6_FORBIDDEN],
        ["loopback", IPV6_LOOPBACK],
        ["private", IPV6_PRIVATE],
      ];
  // `::` and `::1` sit inside the forbidden ::/96; check the exact loopback first.
  if (!v4 && address.match(IPV6_LOOPBACK_RANGE)) {
    return ["loopback", "loopback"];
  }
  for (const [category, list] of tables) {
    for (const entry of list) {
      if (address.kind() === entry.range[0].kind() && address.match(entry.range)) {
        return [category, entry.name];
      }
    }
  }
  return ["public", "public"];
}

function isSelf(target: Pick<RequestTarget, "hostname" | "port">, address: ipaddr.IPv4 | ipaddr.IPv6, info: ClassifiedAddress, selves: readonly SelfAddress[]): boolean {
  const effective = unwrapIpv4(address);
  for (const self of selves) {
    if (self.port !== target.port) {
      continue;
    }
    const host = normalizeHostname(self.host.replace(/^\[|\]$/g, ""));
    if (WILDCARD_HOSTS.has(host)) {
      // A wildcard listener answers on every local interface, and we cannot list them all here:
      // treat any non-public address on that port as Keel itself.
      if (info.category !== "public") {
        return true;
      }
      continue;
    }
    if (host === "localhost" && info.category === "loopback") {
      return true;
    }
    const selfIp = parseIp(host);
    if (selfIp !== null && sameAddress(unwrapIpv4(selfIp), effective)) {
      return true;
    }
    if (selfIp === null && host === target.hostname) {
      return true;
    }
  }
  return false;
}

function isHttpAllowed(target: Pick<RequestTarget, "hostname" | "port">, addresses: Array<ipaddr.IPv4 | ipaddr.IPv6>, allowHttp: boolean | string[]): boolean {
  if (allowHttp === true) {
    return true;
  }
  if (allowHttp === false) {
    return false;
  }
  const entries = allowlistEntries(allowHttp);
  return addresses.every((address) => entries.some((entry) => allowlistEntryMatches(entry, target.hostname, target.port, address)));
}

function withPort<T extends { kind: "host" | "ip" }>(entry: T, port: string | undefined): (T & { port: number | null }) | null {
  if (port === undefined) {
    return { ...entry, port: null };
  }
  const value = Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    return null;
  }
  return { ...entry, port: value };
}

function parseIp(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.replace(/^\[|\]$/g, "");
  // Zone ids (fe80::1%eth0) are only meaningful for link-local, which is refused anyway.
  const withoutZone = bare.includes("%") ? bare.slice(0, bare.indexOf("%")) : bare;
  if (!ipaddr.isValid(withoutZone) || !isStrictIpLiteral(withoutZone)) {
    return null;
  }
  return ipaddr.parse(withoutZone);
}

// ipaddr.js accepts legacy IPv4 shorthands ("127.1", "0x7f.1"); only the four-part decimal form
// and real IPv6 count as literals here. WHATWG URL has already canonicalised URL hosts.
function isStrictIpLiteral(text: string): boolean {
  return text.includes(":") ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
}

function canonicalIp(text: string): string {
  return ipaddr.parse(text).toString();
}

function sameAddress(a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
}

function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

function hasRawUserinfo(raw: string): boolean {
  // Belt and braces: an "@" anywhere in the authority means someone tried userinfo.
  const afterScheme = raw.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? "";
  return authority.includes("@");
}

function describe(target: Pick<RequestTarget, "hostname" | "port">): string {
  return `${target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname}:${target.port}`;
}

function inputFail(rule: InputRule, message: string): InputCheck {
  return { ok: false, rule, message };
}

function blocked(rule: BlockRule, message: string, info?: ClassifiedAddress): PolicyDecision {
  if (info === undefined) {
    return { allowed: false, rule, message };
  }
  return { allowed: false, rule, message, address: info.address, range: info.range };
}
