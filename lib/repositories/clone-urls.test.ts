import { describe, expect, it } from "vitest";
import { cloneUrlsFor } from "./clone-urls";

describe("clone URLs", () => {
  it("keeps Services URLs exactly as Azure DevOps reported them", () => {
    const urls = cloneUrlsFor(
      { deploymentType: "SERVICES", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam" },
      {
        remoteUrl: "https://fabrikam@dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
        sshUrl: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet%20App",
        webUrl: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App",
      },
    );
    expect(urls.https).toEqual({ url: "https://fabrikam@dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App" });
    expect(urls.ssh).toEqual({ url: "git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/Wallet%20App" });
  });

  it("rebuilds an on-prem server's localhost URLs on the connection's own address, keeping /tfs and the SSH port", () => {
    const urls = cloneUrlsFor(
      { deploymentType: "SERVER", serverUrl: "https://azure.spacetech.com", pathPrefix: "tfs", collection: "DefaultCollection" },
      {
        remoteUrl: "http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet",
        sshUrl: "ssh://localhost:22/tfs/DefaultCollection/MOBILE_IOS/_git/wallet",
        webUrl: "http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet",
      },
    );
    expect(urls.https?.url).toBe("https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(urls.https?.reported).toBe("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(urls.https?.reason).toContain("localhost:8080");
    expect(urls.ssh?.url).toBe("ssh://azure.spacetech.com:22/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
    expect(urls.web?.url).toBe("https://azure.spacetech.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet");
  });

  // A server reporting the very address Keel calls is left alone; one reporting another is corrected, with the reason.
  it.each([
    {
      what: "an on-prem server that reports its real address, and one that reports another host",
      connection: { serverUrl: "https://devops.example.com", pathPrefix: "" },
      same: { https: "https://devops.example.com/DefaultCollection/Mobile/_git/app", ssh: "ssh://devops.example.com:22/DefaultCollection/Mobile/_git/app" },
      other: { reported: "http://tfs-old01:8080/DefaultCollection/Mobile/_git/app%20x", corrected: "https://devops.example.com/DefaultCollection/Mobile/_git/app%20x", reason: "tfs-old01:8080" },
    },
    {
      // Another loopback name than the one Keel called is still the misconfiguration.
      what: "a server Keel reaches on a loopback address, and another loopback name",
      connection: { serverUrl: "http://127.0.0.1:8080", pathPrefix: "tfs" },
      same: { https: "http://127.0.0.1:8080/tfs/DefaultCollection/Mobile/_git/app", ssh: "ssh://127.0.0.1:22/tfs/DefaultCollection/Mobile/_git/app" },
      other: { reported: "http://localhost:8080/tfs/DefaultCollection/Mobile/_git/app", corrected: "http://127.0.0.1:8080/tfs/DefaultCollection/Mobile/_git/app", reason: "only works on the server itself" },
    },
  ])("leaves $what alone when it reports the address Keel calls, and corrects another", ({ connection, same, other }) => {
    const server = { deploymentType: "SERVER" as const, collection: "DefaultCollection", ...connection };
    const fine = cloneUrlsFor(server, { remoteUrl: same.https, sshUrl: same.ssh, webUrl: null });
    expect(fine.https).toEqual({ url: same.https });
    expect(fine.ssh).toEqual({ url: same.ssh });
    const corrected = cloneUrlsFor(server, { remoteUrl: other.reported, sshUrl: null, webUrl: null });
    expect(corrected.https?.url).toBe(other.corrected);
    expect(corrected.https?.reason).toContain(other.reason);
  });
});
