import { describe, expect, it } from "vitest";

import { type OutboundPolicy, checkUrlInput, classifyAddress, evaluateAddresses, parseAllowlist, parseAllowlistEntry } from "./ssrf-policy";
import { STRICT_OUTBOUND_POLICY, checkRequestTarget } from "./test-support";

function policy(overrides: Partial<OutboundPolicy> = {}): OutboundPolicy {
  return { ...STRICT_OUTBOUND_POLICY, allowHttp: true, ...overrides };
}

// The most permissive policy an admin can configure: everything local allowlisted, loopback on.
const PERMISSIVE = policy({ allowlist: ["0.0.0.0/0", "::/0"], allowLoopback: true });

describe("checkUrlInput: raw input rules", () => {
  it.each([
    ["", "empty"],
    ["https://dev.azure.com/\u0000x", "control_characters"],
    ["https://dev.azure.com/x\r\nHost: evil", "control_characters"],
    ["https://dev.azure.com/\u0085x", "control_characters"],
    ["https://dev.azure.com/a b", "whitespace"],
    [" https://dev.azure.com/", "whitespace"],
    ["https://dev.azure.com/\u200bx", "whitespace"],
    ["https://dev.azure.com\\@169.254.169.254/", "backslash"],
    ["https:\\\\169.254.169.254\\", "backslash"],
    ["not a url", "whitespace"],
    ["//dev.azure.com/x", "unparseable"],
    ["file:///etc/passwd", "scheme"],
    ["gopher://127.0.0.1:6379/_FLUSHALL", "scheme"],
    ["ftp://dev.azure.com/", "scheme"],
    ["javascript:alert(1)", "scheme"],
    ["data:text/plain,hi", "scheme"],
    ["ws://dev.azure.com/", "scheme"],
    ["http:169.254.169.254/", "no_host"],
    ["http:///169.254.169.254/", "no_host"],
    ["http://dev.azure.com@169.254.169.254/", "userinfo"],
    ["https://user:pass@dev.azure.com/", "userinfo"],
    ["https://@dev.azure.com/", "userinfo"],
    ["https://:@dev.azure.com/", "userinfo"],
  ])("%j → %s", (raw, rule) => {
    const result = checkUrlInput(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rule).toBe(rule);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ["https://dev.azure.com/fabrikam/_apis/projects?api-version=7.1", "dev.azure.com", 443, null],
    ["http://tfs:8080/tfs", "tfs", 8080, null],
    ["https://DEV.Azure.com./x", "dev.azure.com", 443, null],
    ["http://0x7f.1/", "127.0.0.1", 80, "127.0.0.1"],
    ["http://2130706433/", "127.0.0.1", 80, "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1", 80, "127.0.0.1"],
    ["http://127.1/", "127.0.0.1", 80, "127.0.0.1"],
    ["http://0xa9fea9fe/", "169.254.169.254", 80, "169.254.169.254"],
    ["http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe", 80, "::ffff:a9fe:a9fe"],
    ["https://[0:0:0:0:0:0:0:1]:8443/", "::1", 8443, "::1"],
  ])("%s parses to host %s port %d", (raw, hostname, port, literalIp) => {
    const result = checkUrlInput(raw);
    if (!result.ok) {
      throw new Error(`expected ok, got ${result.rule}`);
    }
    expect(result.target.hostname).toBe(hostname);
    expect(result.target.port).toBe(port);
    expect(result.target.literalIp).toBe(literalIp);
  });
});

describe("classifyAddress", () => {
  it.each([
    ["169.254.169.254", "forbidden", "169.254.169.254"],
    ["169.254.0.1", "forbidden", "169.254.0.1"],
    ["100.100.100.200", "forbidden", "100.100.100.200"],
    ["192.0.0.192", "forbidden", "192.0.0.192"],
    ["0.0.0.0", "forbidden", "0.0.0.0"],
    ["0.1.2.3", "forbidden", "0.1.2.3"],
    ["224.0.0.1", "forbidden", "224.0.0.1"],
    ["239.255.255.250", "forbidden", "239.255.255.250"],
    ["255.255.255.255", "forbidden", "255.255.255.255"],
    ["::", "forbidden", "::"],
    ["fe80::1", "forbidden", "fe80::1"],
    ["fd00:ec2::254", "forbidden", "fd00:ec2::254"],
    ["ff02::1", "forbidden", "ff02::1"],
    ["::7f00:1", "forbidden", "::7f00:1"],
    ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "forbidden", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
    // IPv4 embedded in IPv6 is judged by the IPv4 address.
    ["::ffff:169.254.169.254", "forbidden", "169.254.169.254"],
    ["::ffff:a9fe:a9fe", "forbidden", "169.254.169.254"],
    ["64:ff9b::169.254.169.254", "forbidden", "169.254.169.254"],
    ["64:ff9b::a9fe:a9fe", "forbidden", "169.254.169.254"],
    ["2002:a9fe:a9fe::1", "forbidden", "169.254.169.254"],
    ["::ffff:0:a9fe:a9fe", "forbidden", "169.254.169.254"],
    ["::ffff:127.0.0.1", "loopback", "127.0.0.1"],
    ["64:ff9b::7f00:1", "loopback", "127.0.0.1"],
    ["2002:7f00:1::", "loopback", "127.0.0.1"],
    ["127.0.0.1", "loopback", "127.0.0.1"],
    ["127.255.255.254", "loopback", "127.255.255.254"],
    ["::1", "loopback", "::1"],
    ["10.1.2.3", "private", "10.1.2.3"],
    ["172.16.0.1", "private", "172.16.0.1"],
    ["172.31.255.255", "private", "172.31.255.255"],
    ["192.168.1.1", "private", "192.168.1.1"],
    ["100.64.0.1", "private", "100.64.0.1"],
    ["fc00::1", "private", "fc00::1"],
    ["fd12:3456::1", "private", "fd12:3456::1"],
    ["::ffff:10.0.0.1", "private", "10.0.0.1"],
    ["2002:0a00:0001::", "private", "10.0.0.1"],
    ["8.8.8.8", "public", "8.8.8.8"],
    ["172.32.0.1", "public", "172.32.0.1"],
    ["13.107.42.20", "public", "13.107.42.20"],
    ["2620:1ec:4::1", "public", "2620:1ec:4::1"],
    ["::ffff:8.8.8.8", "public", "8.8.8.8"],
    ["64:ff9b::808:808", "public", "8.8.8.8"],
  ])("%s → %s (as %s)", (address, category, effective) => {
    const info = classifyAddress(address);
    expect(info?.category).toBe(category);
    expect(info?.effective).toBe(effective);
  });

  it("returns null for text that is not an IP address", () => {
    expect(classifyAddress("dev.azure.com")).toBeNull();
    expect(classifyAddress("127.1")).toBeNull();
    expect(classifyAddress("")).toBeNull();
  });
});

// Hostile URLs that must be refused even by the most permissive admin configuration.
const alwaysRefused: string[] = [
  "http://169.254.169.254/latest/meta-data/",
  "http://0xa9fea9fe/",
  "http://2852039166/",
  "http://0251.0376.0251.0376/",
  "https://169.254.169.254:443/",
  "http://[::ffff:169.254.169.254]/",
  "http://[::ffff:a9fe:a9fe]/",
  "http://[64:ff9b::169.254.169.254]/",
  "http://[2002:a9fe:a9fe::]/",
  "http://[fd00:ec2::254]/",
  "http://[fe80::1]/",
  "http://100.100.100.200/",
  "http://192.0.0.192/",
  "http://0.0.0.0/",
  "http://0/",
  "http://[::]/",
  "http://224.0.0.251/",
  "http://255.255.255.255/",
  "http://[ff02::1]/",
];

describe("checkRequestTarget: always refused", () => {
  it.each(alwaysRefused)("%s", (raw) => {
    const result = checkRequestTarget(raw, PERMISSIVE);
    expect(result).toMatchObject({ ok: false, stage: "policy", rule: "forbidden_address" });
  });

  it("refuses a host name that resolves to a metadata address, even when allowlisted by name", () => {
    const result = checkRequestTarget("https://metadata.example/", policy({ allowlist: ["metadata.example"], allowLoopback: true }), ["10.0.0.5", "169.254.169.254"]);
    expect(result).toMatchObject({ ok: false, rule: "forbidden_address", range: "link-local (cloud metadata)" });
  });
});

describe("checkRequestTarget: the instance metadata exception (managed identity)", () => {
  const metadata = policy({ allowHttp: false, instanceMetadata: true });

  it("allows exactly http://169.254.169.254:80 when the policy carries the exception", () => {
    expect(checkRequestTarget("http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01", metadata)).toMatchObject({ ok: true });
    // The same address spelled in hex is the same destination after WHATWG parsing.
    expect(checkRequestTarget("http://0xa9fea9fe/metadata/identity/oauth2/token", metadata)).toMatchObject({ ok: true });
  });

  it("still refuses every other link-local or metadata destination, other ports, https and names", () => {
    for (const raw of ["http://169.254.169.253/", "http://169.254.169.254:8080/", "https://169.254.169.254/", "http://100.100.100.200/", "http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/"]) {
      expect(checkRequestTarget(raw, metadata), raw).toMatchObject({ ok: false });
    }
    // A host name that resolves there is not the endpoint itself.
    expect(checkRequestTarget("http://metadata.example/", { ...metadata, allowHttp: true }, ["169.254.169.254"])).toMatchObject({ ok: false, rule: "forbidden_address" });
  });

  it("without the exception the endpoint stays refused, however permissive the rest", () => {
    expect(checkRequestTarget("http://169.254.169.254/metadata/identity/oauth2/token", PERMISSIVE)).toMatchObject({ ok: false, rule: "forbidden_address" });
  });
});

describe("checkRequestTarget: loopback", () => {
  it.each(["http://127.0.0.1:4601/", "http://0x7f.1:4601/", "http://2130706433:4601/", "http://0177.0.0.1:4601/", "http://[::1]:4601/", "http://[::ffff:127.0.0.1]:4601/"])(
    "%s is refused without allowLoopback, even when allowlisted",
    (raw) => {
      const result = checkRequestTarget(raw, policy({ allowlist: ["127.0.0.0/8", "::1", "::ffff:127.0.0.0/104"] }));
      expect(result).toMatchObject({ ok: false, rule: "loopback_disabled" });
    },
  );

  it("with allowLoopback but no allowlist entry it is still refused", () => {
    expect(checkRequestTarget("http://127.0.0.1:4601/", policy({ allowLoopback: true }))).toMatchObject({ ok: false, rule: "private_not_allowlisted" });
  });

  it("with allowLoopback and an allowlist entry it is allowed", () => {
    expect(checkRequestTarget("http://127.0.0.1:4601/", policy({ allowLoopback: true, allowlist: ["127.0.0.1"] }))).toMatchObject({ ok: true });
    expect(checkRequestTarget("http://localhost:4601/", policy({ allowLoopback: true, allowlist: ["localhost:4601"] }), ["127.0.0.1", "::1"])).toMatchObject({ ok: true });
  });

  it("a name resolving to loopback is refused without allowLoopback", () => {
    expect(checkRequestTarget("http://localhost/", policy({ allowlist: ["localhost"] }), ["127.0.0.1"])).toMatchObject({ ok: false, rule: "loopback_disabled" });
  });
});

describe("checkRequestTarget: private ranges and the allowlist", () => {
  it.each(["http://10.0.0.5/", "http://172.16.3.4/", "http://192.168.1.10/", "http://100.64.1.1/", "http://[fd00::5]/", "http://[::ffff:10.0.0.5]/", "http://[2002:0a00:0005::]/"])(
    "%s is refused without an allowlist entry",
    (raw) => {
      expect(checkRequestTarget(raw, policy())).toMatchObject({ ok: false, rule: "private_not_allowlisted" });
    },
  );

  it("matches by host name", () => {
    const p = policy({ allowlist: ["tfs.corp.example"] });
    expect(checkRequestTarget("https://TFS.corp.example./tfs", p, ["10.0.0.5"])).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://other.corp.example/", p, ["10.0.0.5"])).toMatchObject({ ok: false, rule: "private_not_allowlisted" });
    // A suffix is not a match.
    expect(checkRequestTarget("https://eviltfs.corp.example/", p, ["10.0.0.5"])).toMatchObject({ ok: false });
  });

  it("matches by host:port only on that port", () => {
    const p = policy({ allowlist: ["tfs.corp.example:8443"] });
    expect(checkRequestTarget("https://tfs.corp.example:8443/", p, ["10.0.0.5"])).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://tfs.corp.example/", p, ["10.0.0.5"])).toMatchObject({ ok: false });
  });

  it("matches by IP, IP:port and [IPv6]:port", () => {
    expect(checkRequestTarget("https://10.0.0.5/", policy({ allowlist: ["10.0.0.5"] }))).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://10.0.0.6/", policy({ allowlist: ["10.0.0.5"] }))).toMatchObject({ ok: false });
    expect(checkRequestTarget("https://10.0.0.5:8443/", policy({ allowlist: ["10.0.0.5:8443"] }))).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://10.0.0.5:9443/", policy({ allowlist: ["10.0.0.5:8443"] }))).toMatchObject({ ok: false });
    expect(checkRequestTarget("https://[fd00::5]:8443/", policy({ allowlist: ["[fd00:0::5]:8443"] }))).toMatchObject({ ok: true });
    // An IPv4 entry also matches the IPv4-mapped form of the same address.
    expect(checkRequestTarget("https://[::ffff:10.0.0.5]/", policy({ allowlist: ["10.0.0.5"] }))).toMatchObject({ ok: true });
  });

  it("matches by CIDR", () => {
    const p = policy({ allowlist: ["10.20.0.0/16", "fd00:1::/32"] });
    expect(checkRequestTarget("https://10.20.30.40/", p)).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://10.21.0.1/", p)).toMatchObject({ ok: false });
    expect(checkRequestTarget("https://[fd00:1:2::3]/", p)).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://tfs.corp.example/", p, ["10.20.1.1"])).toMatchObject({ ok: true });
  });

  it("requires EVERY resolved address to match", () => {
    const p = policy({ allowlist: ["10.20.0.0/16"] });
    expect(checkRequestTarget("https://tfs.corp.example/", p, ["10.20.1.1", "10.99.1.1"])).toMatchObject({ ok: false, rule: "private_not_allowlisted" });
    // A public address mixed in does not dilute the rule: it must match too.
    expect(checkRequestTarget("https://tfs.corp.example/", p, ["8.8.8.8", "10.20.1.1"])).toMatchObject({ ok: false, rule: "private_not_allowlisted" });
  });

  it("refuses when DNS gave nothing, or something that is not an IP", () => {
    expect(checkRequestTarget("https://tfs.corp.example/", policy(), [])).toMatchObject({ ok: false, rule: "no_addresses" });
    expect(checkRequestTarget("https://tfs.corp.example/", policy(), ["not-an-ip"])).toMatchObject({ ok: false, rule: "invalid_address" });
  });
});

describe("checkRequestTarget: public addresses", () => {
  it("are allowed by default", () => {
    expect(checkRequestTarget("https://dev.azure.com/fabrikam", policy(), ["13.107.42.20"])).toMatchObject({ ok: true });
  });

  it("need an allowlist match when denyAllExceptAllowlist is on", () => {
    const p = policy({ denyAllExceptAllowlist: true, allowlist: ["dev.azure.com", "203.0.113.0/24"] });
    expect(checkRequestTarget("https://dev.azure.com/fabrikam", p, ["13.107.42.20"])).toMatchObject({ ok: true });
    expect(checkRequestTarget("https://example.com/", p, ["93.184.215.14"])).toMatchObject({ ok: false, rule: "not_in_allowlist" });
  });
});

describe("checkRequestTarget: http", () => {
  it("is refused when allowHttp is false, before any DNS", () => {
    expect(checkRequestTarget("http://dev.azure.com/", policy({ allowHttp: false }))).toMatchObject({ ok: false, rule: "http_not_allowed" });
  });

  it("is allowed only for listed hosts when allowHttp is a list", () => {
    const p = policy({ allowHttp: ["tfs.corp.example:8080"], allowlist: ["tfs.corp.example"] });
    expect(checkRequestTarget("http://tfs.corp.example:8080/tfs", p, ["10.0.0.5"])).toMatchObject({ ok: true });
    expect(checkRequestTarget("http://tfs.corp.example:8081/tfs", p, ["10.0.0.5"])).toMatchObject({ ok: false, rule: "http_not_allowed" });
    expect(checkRequestTarget("https://tfs.corp.example:8081/tfs", p, ["10.0.0.5"])).toMatchObject({ ok: true });
  });
});

describe("checkRequestTarget: Keel's own addresses", () => {
  const selfPolicy = policy({
    allowLoopback: true,
    allowlist: ["0.0.0.0/0", "::/0", "localhost"],
    selfAddresses: [
      { host: "127.0.0.1", port: 3000 },
      { host: "localhost", port: 5432 },
      { host: "0.0.0.0", port: 9000 },
    ],
  });

  it.each(["http://127.0.0.1:3000/api", "http://[::ffff:127.0.0.1]:3000/", "http://127.0.0.1:5432/", "http://[::1]:5432/", "http://[::1]:9000/", "http://10.1.2.3:9000/"])(
    "%s is refused even when allowlisted",
    (raw) => {
      expect(checkRequestTarget(raw, selfPolicy)).toMatchObject({ ok: false, rule: "self_address" });
    },
  );

  it("a name resolving to Keel's address is refused too", () => {
    expect(checkRequestTarget("http://localhost:3000/", selfPolicy, ["127.0.0.1"])).toMatchObject({ ok: false, rule: "self_address" });
  });

  it("other ports on the same host are fine", () => {
    expect(checkRequestTarget("http://127.0.0.1:3001/", selfPolicy)).toMatchObject({ ok: true });
    expect(checkRequestTarget("http://[::1]:5433/", selfPolicy)).toMatchObject({ ok: true });
  });
});

describe("allowlist parsing", () => {
  it("accepts host, host:port, IP, IP:port, [IPv6]:port and CIDR", () => {
    const { entries, errors } = parseAllowlist(["tfs.corp.example", "TFS.corp.example:8443", "10.0.0.5", "10.0.0.5:8080", "[fd00::1]:443", "fd00::1", "10.0.0.0/8", "fd00::/8"]);
    expect(errors).toEqual([]);
    expect(entries.map((entry) => entry.kind)).toEqual(["host", "host", "ip", "ip", "ip", "ip", "cidr", "cidr"]);
    expect(entries[1]).toMatchObject({ kind: "host", host: "tfs.corp.example", port: 8443 });
  });

  it.each(["", "http://tfs", "tfs/x", "10.0.0.0/33", "host:99999", "host:0", "a b", "10.1", "*.corp.example", "user@host", "[zz::1]:1"])("%j is invalid", (entry) => {
    expect(parseAllowlistEntry(entry)).toBeNull();
  });

  it("reports invalid entries instead of silently ignoring them", () => {
    expect(parseAllowlist(["ok.example", "bad entry"]).errors).toHaveLength(1);
  });
});

describe("evaluateAddresses", () => {
  it("returns every classified address when allowed", () => {
    const decision = evaluateAddresses({ protocol: "https:", hostname: "dev.azure.com", port: 443 }, ["13.107.42.20", "2620:1ec:4::1"], policy());
    expect(decision).toMatchObject({ allowed: true, addresses: [{ address: "13.107.42.20", family: 4 }, { address: "2620:1ec:4::1", family: 6 }] });
  });
});
