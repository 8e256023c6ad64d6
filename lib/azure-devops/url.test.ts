import { describe, expect, it } from "vitest";

import { addressMove } from "@/lib/shared/address-move";
import { buildCollectionUrl, hostsMatch, normalizeServerUrl, parseAzureDevOpsUrl, pointsToLocalhost, rewriteToConfiguredHost, suggestedConnectionName, type AzureDevOpsLocation } from "./url";

type Expected = Omit<AzureDevOpsLocation, "warnings" | "collectionUrl"> & { collectionUrl?: string; warnings?: number };

const DEV = "https://dev.azure.com";

// Each row: a URL as people paste it, and exactly what the parser must produce.
const accepted: Array<[string, Expected]> = [
  // --- Azure DevOps Services, new host
  ["https://dev.azure.com/fabrikam", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "collection-root", collectionUrl: "https://dev.azure.com/fabrikam" }],
  ["https://dev.azure.com/fabrikam/", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "collection-root" }],
  ["  https://dev.azure.com/fabrikam\n", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "collection-root" }],
  ["HTTPS://DEV.AZURE.COM/Fabrikam", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "Fabrikam", form: "collection-root" }],
  ["dev.azure.com/fabrikam/Fiber", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", form: "browser" }],
  ["https://dev.azure.com/fabrikam/Fabrikam%20Fiber", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fabrikam Fiber", form: "browser" }],
  [
    "https://dev.azure.com/fabrikam/Fabrikam%20Fiber/_git/Fabrikam%20Fiber",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fabrikam Fiber", repository: "Fabrikam Fiber", form: "https-clone" },
  ],
  [
    "https://fabrikam@dev.azure.com/fabrikam/Fiber/_git/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "https-clone" },
  ],
  [
    "https://fabrikam:secretpat@dev.azure.com/fabrikam/Fiber/_git/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "https-clone", warnings: 1 },
  ],
  [
    "https://dev.azure.com/fabrikam/_git/Fabrikam-Fiber-Git",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fabrikam-Fiber-Git", repository: "Fabrikam-Fiber-Git", form: "https-clone" },
  ],
  [
    "https://dev.azure.com/fabrikam/Fiber/_git/mobile-app?path=/src&version=GBmain",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "browser" },
  ],
  [
    "https://dev.azure.com/fabrikam/Fiber/_git/mobile-app/pullrequest/42",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "browser" },
  ],
  ["https://dev.azure.com/fabrikam/Fiber/_build?definitionId=7", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", form: "browser" }],
  ["https://dev.azure.com/fabrikam/Fiber/_settings/repositories", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", form: "browser" }],
  ["https://dev.azure.com/fabrikam/_settings/organizationOverview", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "browser" }],
  ["https://dev.azure.com/fabrikam/_apis/projects?api-version=7.1", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "api" }],
  [
    "https://dev.azure.com/fabrikam/Fiber/_apis/git/repositories/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", form: "api" },
  ],
  [
    "https://dev.azure.com/fabrikam/%C3%9Cbersicht/_git/K%C3%A4se",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Übersicht", repository: "Käse", form: "https-clone", collectionUrl: "https://dev.azure.com/fabrikam" },
  ],
  ["https://dev.azure.com/fabrikam/Übersicht/_git/Käse", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Übersicht", repository: "Käse", form: "https-clone" }],
  // "+" in a path is a literal plus (form decoding would turn it into a space); %2B is also a plus.
  ["https://dev.azure.com/fabrikam/Fiber/_git/c+plus", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "c+plus", form: "https-clone" }],
  ["https://dev.azure.com/fabrikam/Fiber/_git/c%2Bplus", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "c+plus", form: "https-clone" }],
  ["https://dev.azure.com//fabrikam//Fiber//", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", form: "browser" }],
  ["http://dev.azure.com/fabrikam", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "collection-root", warnings: 1 }],
  ["https://vssps.dev.azure.com/fabrikam/_apis/graph/users", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "api" }],

  // --- Azure DevOps Services, legacy host
  ["https://fabrikam.visualstudio.com", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "legacy-visualstudio", collectionUrl: "https://dev.azure.com/fabrikam" }],
  ["https://Fabrikam.VisualStudio.com/DefaultCollection", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "legacy-visualstudio" }],
  [
    "https://fabrikam.visualstudio.com/DefaultCollection/Fiber/_git/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "legacy-visualstudio" },
  ],
  [
    "https://fabrikam.visualstudio.com/Fiber/_git/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "legacy-visualstudio" },
  ],
  [
    "https://fabrikam.visualstudio.com/_git/Fabrikam-Fiber-Git",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fabrikam-Fiber-Git", repository: "Fabrikam-Fiber-Git", form: "legacy-visualstudio" },
  ],

  // --- SSH (Services)
  [
    "git@ssh.dev.azure.com:v3/fabrikam/Fiber/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "ssh-clone" },
  ],
  [
    "ssh://git@ssh.dev.azure.com/v3/fabrikam/Fabrikam%20Fiber/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fabrikam Fiber", repository: "mobile-app", form: "ssh-clone" },
  ],
  [
    "fabrikam@vs-ssh.visualstudio.com:v3/fabrikam/Fiber/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "ssh-clone" },
  ],
  [
    "ssh://fabrikam@fabrikam.visualstudio.com:22/DefaultCollection/Fiber/_ssh/mobile-app",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "Fiber", repository: "mobile-app", form: "ssh-clone" },
  ],

  // --- Azure DevOps Server (on-prem)
  [
    "https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet",
    {
      provider: "server",
      serverUrl: "https://azure.spacetech.com",
      pathPrefix: "tfs",
      collection: "DefaultCollection",
      project: "MOBILE_IOS",
      repository: "wallet",
      form: "https-clone",
      collectionUrl: "https://azure.spacetech.com/tfs/DefaultCollection",
    },
  ],
  ["https://azure.spacetech.com:8443/tfs/DefaultCollection", { provider: "server", serverUrl: "https://azure.spacetech.com:8443", pathPrefix: "tfs", collection: "DefaultCollection", form: "collection-root" }],
  ["https://azure.spacetech.com:443/tfs/DefaultCollection/", { provider: "server", serverUrl: "https://azure.spacetech.com", pathPrefix: "tfs", collection: "DefaultCollection", form: "collection-root" }],
  ["http://tfs:8080/tfs/DefaultCollection", { provider: "server", serverUrl: "http://tfs:8080", pathPrefix: "tfs", collection: "DefaultCollection", form: "collection-root", collectionUrl: "http://tfs:8080/tfs/DefaultCollection" }],
  ["tfs:8080/tfs/DefaultCollection", { provider: "server", serverUrl: "https://tfs:8080", pathPrefix: "tfs", collection: "DefaultCollection", form: "collection-root" }],
  ["http://TFS01:80/TFS/Mobile", { provider: "server", serverUrl: "http://tfs01", pathPrefix: "TFS", collection: "Mobile", form: "collection-root", collectionUrl: "http://tfs01/TFS/Mobile" }],
  ["https://devops.contoso.com/Mobile", { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "", collection: "Mobile", form: "collection-root" }],
  [
    "https://devops.contoso.com/Mobile/Wallet%20App/_git/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "", collection: "Mobile", project: "Wallet App", repository: "ios", form: "https-clone", collectionUrl: "https://devops.contoso.com/Mobile" },
  ],
  [
    "https://devops.contoso.com/Mobile/_git/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "", collection: "Mobile", project: "ios", repository: "ios", form: "https-clone" },
  ],
  [
    "https://devops.contoso.com/tfs/Mobile/_git/ios?path=%2FREADME.md",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "tfs", collection: "Mobile", project: "ios", repository: "ios", form: "browser" },
  ],
  [
    "https://devops.contoso.com/tfs/DefaultCollection/_apis/projects?api-version=7.1",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "tfs", collection: "DefaultCollection", form: "api" },
  ],
  // Custom virtual directory recognised by the DefaultCollection name.
  [
    "https://devops.contoso.com/azuredevops/DefaultCollection/Wallet/_build",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "azuredevops", collection: "DefaultCollection", project: "Wallet", form: "browser" },
  ],
  // Multi-segment prefix deduced from the repository URL shape.
  [
    "https://devops.contoso.com/tools/ado/Mobile/Wallet/_git/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "tools/ado", collection: "Mobile", project: "Wallet", repository: "ios", form: "https-clone", collectionUrl: "https://devops.contoso.com/tools/ado/Mobile" },
  ],
  // No area segment and three segments: a guess, flagged with a warning.
  ["https://devops.contoso.com/ado/Mobile/Wallet", { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "ado", collection: "Mobile", project: "Wallet", form: "browser", warnings: 1 }],
  ["http://10.0.0.5:8080/tfs/DefaultCollection/Wallet", { provider: "server", serverUrl: "http://10.0.0.5:8080", pathPrefix: "tfs", collection: "DefaultCollection", project: "Wallet", form: "browser" }],
  ["http://[fd00::5]:8080/tfs/DefaultCollection", { provider: "server", serverUrl: "http://[fd00::5]:8080", pathPrefix: "tfs", collection: "DefaultCollection", form: "collection-root" }],
  [
    "https://devops.contoso.com/tfs/Default%20Collection/Fiber%202/_git/repo",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "tfs", collection: "Default Collection", project: "Fiber 2", repository: "repo", form: "https-clone", collectionUrl: "https://devops.contoso.com/tfs/Default%20Collection" },
  ],

  // Root virtual directory on a non-default port, with and without a repository.
  ["http://tfs01:8080/DefaultCollection", { provider: "server", serverUrl: "http://tfs01:8080", pathPrefix: "", collection: "DefaultCollection", form: "collection-root" }],
  [
    "https://devops.contoso.com:8443/Mobile/Wallet/_git/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com:8443", pathPrefix: "", collection: "Mobile", project: "Wallet", repository: "ios", form: "https-clone", collectionUrl: "https://devops.contoso.com:8443/Mobile" },
  ],
  ["https://fabrikam.visualstudio.com/", { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", form: "legacy-visualstudio" }],
  [
    "https://dev.azure.com/fabrikam/MOBILE%5FIOS/_git/Wallet%20App/",
    { provider: "services", serverUrl: DEV, pathPrefix: "", collection: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App", form: "https-clone" },
  ],

  // --- SSH (on-prem): the web address is unknown, so https on the default port plus a warning.
  [
    "ssh://devops.contoso.com:22/DefaultCollection/Wallet/_git/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "", collection: "DefaultCollection", project: "Wallet", repository: "ios", form: "ssh-clone", warnings: 1 },
  ],
  [
    "ssh://Git@DevOps.Contoso.com:22/tfs/Mobile/Wallet/_ssh/ios",
    { provider: "server", serverUrl: "https://devops.contoso.com", pathPrefix: "tfs", collection: "Mobile", project: "Wallet", repository: "ios", form: "ssh-clone", warnings: 1 },
  ],
];

describe("parseAzureDevOpsUrl: accepted forms", () => {
  it("has a table of at least 30 real-world forms", () => {
    expect(accepted.length).toBeGreaterThanOrEqual(30);
  });

  it.each(accepted)("%s", (input, expected) => {
    const result = parseAzureDevOpsUrl(input);
    if (!result.ok) {
      throw new Error(`expected ok, got: ${result.reason}`);
    }
    const { warnings, collectionUrl, ...value } = result.value;
    const { warnings: expectedWarnings = 0, collectionUrl: expectedCollectionUrl, ...expectedValue } = expected;
    expect(value).toStrictEqual(expectedValue);
    expect(warnings).toHaveLength(expectedWarnings);
    expect(collectionUrl).toBe(expectedCollectionUrl ?? buildCollectionUrl(expectedValue));
  });
});

// Each row: garbage, and a word the reason must contain so the user knows what to fix.
const rejected: Array<[string, RegExp]> = [
  ["", /Paste the address/],
  ["   \n\t ", /Paste the address/],
  ["javascript:alert(1)", /not "javascript:"/],
  ["JavaScript:alert(document.cookie)//https://dev.azure.com/x", /not "javascript:"/],
  ["file:///etc/passwd", /not "file:"/],
  ["ftp://dev.azure.com/fabrikam", /not "ftp:"/],
  ["data:text/html,<script>alert(1)</script>", /not "data:"/],
  ["https://dev.azure.com/fab\u0000rikam", /control characters/],
  ["https://dev.azure.com/fabrikam\u0007", /control characters/],
  ["https://dev.azure.com/Fabrikam Fiber", /space/],
  ["https://dev.azure.com\\fabrikam", /backslash/],
  ["http://", /no host/],
  ["https:///fabrikam", /no host/],
  ["https://", /no host/],
  ["https://dev.azure.com", /organization name.*dev\.azure\.com\/fabrikam/],
  ["https://dev.azure.com/_apis/projects", /organization name/],
  ["https://fabrikam.visualstudio.com.evil.example", /collection name/],
  ["https://azure.spacetech.com", /collection name.*https:\/\/azure\.spacetech\.com\/DefaultCollection/],
  ["https://azure.spacetech.com/", /collection name/],
  ["https://azure.spacetech.com/tfs", /collection name.*https:\/\/azure\.spacetech\.com\/tfs\/DefaultCollection/],
  ["https://azure.spacetech.com/tfs/_apis/connectionData", /collection name.*\/tfs\/DefaultCollection/],
  ["https://app.vssps.visualstudio.com/profile/view", /not an organization/],
  ["https://portal.azure.com/#home", /not an Azure DevOps organization/],
  ["https://dev.azure.com/fabrikam/%ZZbad", /percent-encoding/],
  ["https://dev.azure.com/fabrikam/a%2Fb/_git/x", /slash/],
  ["https://dev.azure.com/fabrikam/a%0Ab", /control characters/],
  ["https://dev.azure.com/fab_rikam!", /not a valid organization name/],
  ["git@ssh.dev.azure.com:v3/fabrikam/Fiber", /incomplete/],
  ["git@ssh.dev.azure.com:fabrikam/Fiber/repo", /incomplete/],
  ["https://ssh.dev.azure.com/v3/fabrikam/Fiber/repo", /only serves SSH/],
  ["not a url", /space/],
  ["htp:/not a url", /"htp:" is not a web address scheme\. Did you mean https:\/\//],
  ["https:/dev.azure.com/fabrikam", /two slashes after "https:"/],
];

describe("parseAzureDevOpsUrl: rejected input", () => {
  it.each(rejected)("%j", (input, reason) => {
    const result = parseAzureDevOpsUrl(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
    }
  });

  it("never keeps userinfo (it may be a token) in any output field", () => {
    const result = parseAzureDevOpsUrl("https://me:hunter2secret@dev.azure.com/fabrikam/Fiber/_git/app");
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toContain("hunter2secret");
    expect(JSON.stringify(result)).not.toContain("me:");
  });

  it("does not echo a pasted password in a rejection reason", () => {
    const result = parseAzureDevOpsUrl("https://me:hunter2secret@azure.spacetech.com/");
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("hunter2secret");
  });
});

describe("parseAzureDevOpsUrl: servicesHosts option", () => {
  it("treats a declared emulator origin like dev.azure.com", () => {
    const result = parseAzureDevOpsUrl("http://127.0.0.1:4601/fabrikam/Fiber/_git/app", { servicesHosts: ["http://127.0.0.1:4601"] });
    expect(result).toStrictEqual({
      ok: true,
      value: {
        provider: "services",
        serverUrl: "http://127.0.0.1:4601",
        pathPrefix: "",
        collection: "fabrikam",
        project: "Fiber",
        repository: "app",
        form: "https-clone",
        collectionUrl: "http://127.0.0.1:4601/fabrikam",
        warnings: [],
      },
    });
  });

  it("without the option the same origin is an on-prem server", () => {
    const result = parseAzureDevOpsUrl("http://127.0.0.1:4601/fabrikam/Fiber/_git/app");
    expect(result.ok && result.value.provider).toBe("server");
  });

  it("matches the origin exactly (another port is not a services host)", () => {
    const result = parseAzureDevOpsUrl("http://127.0.0.1:4602/fabrikam", { servicesHosts: ["http://127.0.0.1:4601/"] });
    expect(result.ok && result.value.provider).toBe("server");
  });
});

describe("normalizeServerUrl", () => {
  it.each([
    ["HTTPS://Azure.SpaceTech.COM:443/", "https://azure.spacetech.com", ""],
    ["http://TFS:80", "http://tfs", ""],
    ["http://tfs:8080/tfs/", "http://tfs:8080", "tfs"],
    ["https://host:8443/tfs/DefaultCollection", "https://host:8443", "tfs/DefaultCollection"],
    ["azure.spacetech.com", "https://azure.spacetech.com", ""],
    ["https://[FD00::1]:443", "https://[fd00::1]", ""],
    ["https://bücher.example", "https://xn--bcher-kva.example", ""],
  ])("%s → %s", (raw, serverUrl, pathPrefix) => {
    expect(normalizeServerUrl(raw)).toStrictEqual({ ok: true, value: { serverUrl, pathPrefix } });
  });

  it.each([
    ["https://user:pat@host", /user name or token/],
    ["https://user@host", /user name or token/],
    ["https://host/?x=1", /query string/],
    ["https://host/?", /query string/],
    ["https://host/#frag", /fragment/],
    ["https://host/#", /fragment/],
    ["ftp://host", /https:\/\//],
    ["", /Enter the server address/],
    ["https://ho st", /space/],
    ["https://host\\tfs", /backslash/],
    ["http://", /no host/],
    ["htp:/not a url", /"htp:" is not a web address scheme\. Did you mean https:\/\//],
    ["htps://devops.example.com/tfs", /Did you mean https:\/\//],
    ["https:devops.example.com", /two slashes after "https:"/],
  ])("%j is refused", (raw, reason) => {
    const result = normalizeServerUrl(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
    }
  });
});

describe("building URLs", () => {
  it("encodes each segment and keeps a multi-segment prefix", () => {
    expect(buildCollectionUrl({ serverUrl: "https://host:8443/", pathPrefix: "tools/ado", collection: "Default Collection" })).toBe("https://host:8443/tools/ado/Default%20Collection");
    expect(buildCollectionUrl({ serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam" })).toBe("https://dev.azure.com/fabrikam");
  });

  it("round-trips: building then parsing gives the same fields", () => {
    const location = { serverUrl: "http://tfs:8080", pathPrefix: "tfs", collection: "Default Collection", project: "Übersicht", repository: "c+plus" };
    const parsed = parseAzureDevOpsUrl(`${buildCollectionUrl(location)}/${encodeURIComponent(location.project)}/_git/${encodeURIComponent(location.repository)}`);
    expect(parsed.ok && { ...location, ...parsed.value }).toMatchObject(location);
    expect(parsed.ok && parsed.value.form).toBe("https-clone");
  });
});

describe("hostsMatch / pointsToLocalhost", () => {
  it.each([
    ["https://Host.example/a", "https://host.example:443/b", true],
    ["https://host.example", "http://host.example", false],
    ["https://host.example", "https://host.example:8443", false],
    ["https://host.example", "https://other.example", false],
    ["http://localhost:8080/tfs", "https://azure.spacetech.com/tfs", false],
    ["https://host.example.", "https://host.example", true],
    ["not a url", "https://host.example", false],
  ])("%s vs %s → %s", (a, b, expected) => {
    expect(hostsMatch(a, b)).toBe(expected);
  });

  it.each([
    ["http://localhost:8080/tfs/DefaultCollection", true],
    ["http://LOCALHOST./x", true],
    ["http://127.0.0.1/x", true],
    ["http://[::1]:8080/x", true],
    ["http://app.localhost/x", true],
    ["https://azure.spacetech.com/tfs", false],
    ["https://localhost.example.com/", false],
  ])("%s → %s", (url, expected) => {
    expect(pointsToLocalhost(url)).toBe(expected);
  });
});

describe("rewriteToConfiguredHost", () => {
  it("moves a leaked localhost clone URL onto the configured collection URL", () => {
    expect(rewriteToConfiguredHost("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet", "https://azure.spacetech.com/tfs/DefaultCollection")).toStrictEqual({
      ok: true,
      value: "https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet",
      changed: true,
    });
  });

  it("handles a server behind a proxy that drops the /tfs prefix, and keeps encoding", () => {
    expect(rewriteToConfiguredHost("http://SERVER01:8080/tfs/defaultcollection/Fabrikam%20Fiber/_git/K%C3%A4se", "https://devops.contoso.com/DefaultCollection")).toStrictEqual({
      ok: true,
      value: "https://devops.contoso.com/DefaultCollection/Fabrikam%20Fiber/_git/K%C3%A4se",
      changed: true,
    });
  });

  it("drops userinfo, query and fragment", () => {
    expect(rewriteToConfiguredHost("https://fabrikam@dev.azure.com/fabrikam/Fiber/_git/app?x=1#y", "https://dev.azure.com/fabrikam")).toStrictEqual({
      ok: true,
      value: "https://dev.azure.com/fabrikam/Fiber/_git/app",
      changed: true,
    });
  });

  it("reports unchanged for a URL already on the configured host", () => {
    expect(rewriteToConfiguredHost("https://azure.spacetech.com/tfs/DefaultCollection/P/_git/r", "https://azure.spacetech.com/tfs/DefaultCollection")).toStrictEqual({
      ok: true,
      value: "https://azure.spacetech.com/tfs/DefaultCollection/P/_git/r",
      changed: false,
    });
  });

  it("refuses when the collection is not in the returned URL, or the URL is not http(s)", () => {
    expect(rewriteToConfiguredHost("http://localhost:8080/tfs/Other/P/_git/r", "https://host/tfs/DefaultCollection").ok).toBe(false);
    expect(rewriteToConfiguredHost("javascript:alert(1)//DefaultCollection", "https://host/tfs/DefaultCollection").ok).toBe(false);
    expect(rewriteToConfiguredHost("http://localhost/x", "https://host/").ok).toBe(false);
  });
});

describe("addressMove: a token is never sent to an address it was not entered for", () => {
  const at = { serverUrl: "https://devops.example.com", pathPrefix: "tfs", collection: "DefaultCollection" };

  it("is no move when only the collection's case changes, or when nothing was stored yet", () => {
    expect(addressMove(at, { ...at, collection: "defaultcollection" }, false)).toEqual({ moved: false, tokenLeftBehind: false });
    expect(addressMove(null, { ...at, serverUrl: "https://elsewhere.example" }, false)).toEqual({ moved: false, tokenLeftBehind: false });
  });

  it.each([
    ["origin", { serverUrl: "https://evil.example" }],
    ["scheme", { serverUrl: "http://devops.example.com" }],
    ["path prefix", { pathPrefix: "" }],
    ["collection", { collection: "Other" }],
  ])("leaves the token behind when the %s changes without a new one", (_label, change) => {
    expect(addressMove(at, { ...at, ...change }, false)).toEqual({ moved: true, tokenLeftBehind: true });
    expect(addressMove(at, { ...at, ...change }, true)).toEqual({ moved: true, tokenLeftBehind: false });
  });
});

describe("suggestedConnectionName", () => {
  it("names a Services connection by its organization, a server one by its host and any collection but DefaultCollection", () => {
    expect(suggestedConnectionName({ provider: "services", serverUrl: "https://dev.azure.com", collection: "fabrikam" })).toBe("fabrikam");
    expect(suggestedConnectionName({ provider: "server", serverUrl: "https://devops.contoso.com:8443", collection: "DefaultCollection" })).toBe("devops.contoso.com");
    expect(suggestedConnectionName({ provider: "server", serverUrl: "https://devops.contoso.com", collection: "Mobile" })).toBe("devops.contoso.com Mobile");
  });
});
