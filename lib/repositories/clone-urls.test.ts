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

  it("leaves an on-prem server that reports its real address alone, and corrects one that reports another host", () => {
    const connection = { deploymentType: "SERVER" as const, serverUrl: "https://devops.example.com", pathPrefix: "", collection: "DefaultCollection" };
    const fine = cloneUrlsFor(connection, { remoteUrl: "https://devops.example.com/DefaultCollection/Mobile/_git/app", sshUrl: "ssh://devops.example.com:22/DefaultCollection/Mobile/_git/app", webUrl: null });
    expect(fine.https).toEqual({ url: "https://devops.example.com/DefaultCollection/Mobile/_git/app" });
    expect(fine.ssh).toEqual({ url: "ssh://devops.example.com:22/DefaultCollection/Mobile/_git/app" });
    const other = cloneUrlsFor(connection, { remoteUrl: "http://tfs-old01:8080/DefaultCollection/Mobile/_git/app%20x", sshUrl: null, webUrl: null });
    expect(other.https?.url).toBe("https://devops.example.com/DefaultCollection/Mobile/_git/app%20x");
    expect(other.https?.reason).toContain("tfs-old01:8080");
  });

  it("leaves a server Keel reaches on a loopback address alone when it reports that same address", () => {
    const connection = { deploymentType: "SERVER" as const, serverUrl: "http://127.0.0.1:8080", pathPrefix: "tfs", collection: "DefaultCollection" };
    const same = cloneUrlsFor(connection, { remoteUrl: "http://127.0.0.1:8080/tfs/DefaultCollection/Mobile/_git/app", sshUrl: "ssh://127.0.0.1:22/tfs/DefaultCollection/Mobile/_git/app", webUrl: null });
    expect(same.https).toEqual({ url: "http://127.0.0.1:8080/tfs/DefaultCollection/Mobile/_git/app" });
    expect(same.ssh).toEqual({ url: "ssh://127.0.0.1:22/tfs/DefaultCollection/Mobile/_git/app" });
    // Another loopback name than the one Keel called is still the misconfiguration.
    const leaked = cloneUrlsFor(connection, { remoteUrl: "http://localhost:8080/tfs/DefaultCollection/Mobile/_git/app", sshUrl: null, webUrl: null });
    expect(leaked.https?.url).toBe("http://127.0.0.1:8080/tfs/DefaultCollection/Mobile/_git/app");
    expect(leaked.https?.reason).toContain("only works on the server itself");
  });
});
