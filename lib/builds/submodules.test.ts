import { describe, expect, it } from "vitest";
import { parseGitmodules, submoduleFetchUrl, type SubmoduleConnection } from "./submodules";

const cloud: SubmoduleConnection = { deploymentType: "SERVICES", serverUrl: "https://dev.azure.com", pathPrefix: "", collection: "fabrikam" };
const server: SubmoduleConnection = { deploymentType: "SERVER", serverUrl: "https://devops.contoso.com", pathPrefix: "tfs", collection: "DefaultCollection" };
const wallet = "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App";

describe(".gitmodules", () => {
  it("reads each submodule's path and url, names with dots included, and skips incomplete ones", () => {
    expect(
      parseGitmodules([
        "submodule.Sdk.path Sdk",
        "submodule.Sdk.url ../ios-sdk",
        "submodule.vendor.lib.v2.path Vendor/lib",
        "submodule.vendor.lib.v2.url https://github.com/example/lib.git",
        "submodule.half.path Half",
        "not a line git prints",
      ]),
    ).toEqual([
      { name: "Sdk", path: "Sdk", url: "../ios-sdk" },
      { name: "vendor.lib.v2", path: "Vendor/lib", url: "https://github.com/example/lib.git" },
    ]);
  });
});

describe("where a submodule is fetched from", () => {
  it("resolves relative URLs against the repository, as git does, and sends the credential to the organization's repositories", () => {
    expect(submoduleFetchUrl("../ios-sdk", wallet, cloud)).toEqual({ ok: true, url: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/ios-sdk", withCredential: true });
    // Another project: up three levels from …/MOBILE_IOS/_git/Wallet%20App (a URL, not a file path).
    const otherProject = ["..", "..", "..", "Shared%20Code", "_git", "design-kit"].join("/");
    expect(submoduleFetchUrl(otherProject, wallet, cloud)).toEqual({ ok: true, url: "https://dev.azure.com/fabrikam/Shared%20Code/_git/design-kit", withCredential: true });
  });

  it("turns the organization's SSH and user-named https addresses into its https URL", () => {
    for (const raw of ["git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/ios-sdk", "ssh://git@ssh.dev.azure.com/v3/fabrikam/MOBILE_IOS/ios-sdk", "https://fabrikam@dev.azure.com/fabrikam/MOBILE_IOS/_git/ios-sdk"]) {
      expect(submoduleFetchUrl(raw, wallet, cloud), raw).toEqual({ ok: true, url: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/ios-sdk", withCredential: true });
    }
    // On the emulator (or any Services origin the connection names), the connection's address is used.
    expect(submoduleFetchUrl("git@ssh.dev.azure.com:v3/fabrikam/MOBILE_IOS/ios-sdk", "http://127.0.0.1:4500/fabrikam/MOBILE_IOS/_git/wallet", { ...cloud, serverUrl: "http://127.0.0.1:4500" })).toEqual({
      ok: true,
      url: "http://127.0.0.1:4500/fabrikam/MOBILE_IOS/_git/ios-sdk",
      withCredential: true,
    });
  });

  it("on a Server, maps the collection's SSH address onto the connection's https address, path prefix included", () => {
    const repository = "https://devops.contoso.com/tfs/DefaultCollection/Wallet/_git/ios";
    expect(submoduleFetchUrl("ssh://devops.contoso.com:22/tfs/DefaultCollection/Wallet/_git/sdk", repository, server)).toEqual({ ok: true, url: "https://devops.contoso.com/tfs/DefaultCollection/Wallet/_git/sdk", withCredential: true });
    expect(submoduleFetchUrl("../sdk", repository, server)).toEqual({ ok: true, url: "https://devops.contoso.com/tfs/DefaultCollection/Wallet/_git/sdk", withCredential: true });
  });

  it("never sends the credential to another organization or host, and refuses what is not https", () => {
    expect(submoduleFetchUrl("https://dev.azure.com/contoso/Shared/_git/kit", wallet, cloud)).toEqual({ ok: true, url: "https://dev.azure.com/contoso/Shared/_git/kit", withCredential: false });
    expect(submoduleFetchUrl("https://user:secret@github.com/example/lib.git", wallet, cloud)).toEqual({ ok: true, url: "https://github.com/example/lib.git", withCredential: false });
    expect(submoduleFetchUrl("https://devops.other.example/tfs/DefaultCollection/Wallet/_git/sdk", "https://devops.contoso.com/tfs/DefaultCollection/Wallet/_git/ios", server)).toMatchObject({ withCredential: false });
    expect(submoduleFetchUrl("git@github.com:example/lib.git", wallet, cloud)).toMatchObject({ ok: false, reason: expect.stringContaining("https") });
    expect(submoduleFetchUrl("file:///etc", wallet, cloud)).toMatchObject({ ok: false, reason: expect.stringContaining("uses file") });
  });
});
