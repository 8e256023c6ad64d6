import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_PATS, TEST_POLICY, startEmulator, type EmulatorHandle } from "@/lib/azure-devops/test-kit";
import { inheritedPath, isolatedChildEnv } from "@/lib/env";
import { downloadTarget, fetchLfsFiles, findLfsPointers, lfsBatchUrl, parseLfsPointer, type LfsError, type LfsFetchOptions } from "./lfs";

const pointerOf = (content: Buffer | string) => {
  const bytes = Buffer.from(content);
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${createHash("sha256").update(bytes).digest("hex")}\nsize ${bytes.length}\n`;
};

/** The LfsError a fetch that must fail ends with. */
const refusal = (fetching: Promise<void>): Promise<LfsError> =>
  fetching.then(
    () => {
      throw new Error("the fetch was expected to fail");
    },
    (error: LfsError) => error,
  );

describe("pointer files", () => {
  it("reads the oid and size of a pointer, extension lines included, and nothing else", () => {
    const oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 12345\n`)).toEqual({ oid, size: 12345 });
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${oid}\noid sha256:${oid}\nsize 0\n`)).toEqual({ oid, size: 0 });
    // Not pointers: no trailing newline, another hash, a missing size, other text, a real file.
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 12345`)).toBeNull();
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid md5:${oid.slice(0, 32)}\nsize 1\n`)).toBeNull();
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\n`)).toBeNull();
    expect(parseLfsPointer("# Wallet\n")).toBeNull();
    expect(parseLfsPointer(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 1\n${"x".repeat(1024)}\n`)).toBeNull();
  });

  it("finds the batch endpoint as git-lfs does, with or without .git", () => {
    expect(lfsBatchUrl("https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App")).toBe("https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App.git/info/lfs/objects/batch");
    expect(lfsBatchUrl("https://devops.contoso.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet.git")).toBe("https://devops.contoso.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet.git/info/lfs/objects/batch");
  });
});

describe("where a download goes", () => {
  const cloud = { collectionUrl: "https://dev.azure.com/fabrikam", onPrem: false };
  const server = { collectionUrl: "https://devops.contoso.com/tfs/DefaultCollection", onPrem: true };

  it("sends the credential only under the connection's collection URL", () => {
    expect(downloadTarget("https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App/info/lfs/objects/ab", cloud)).toEqual({ url: "https://dev.azure.com/fabrikam/MOBILE_IOS/_git/Wallet%20App/info/lfs/objects/ab", withCredential: true, rewritten: false });
    // Another organization on the same host, a look-alike prefix, storage elsewhere: fetched as given, no credential.
    expect(downloadTarget("https://dev.azure.com/contoso/x/_git/y/info/lfs/objects/ab", cloud)).toMatchObject({ withCredential: false });
    expect(downloadTarget("https://dev.azure.com/fabrikam-evil/x/_git/y/info/lfs/objects/ab", cloud)).toMatchObject({ withCredential: false });
    expect(downloadTarget("https://fabrikam.blob.core.windows.net/lfs/ab?sig=1", cloud)).toEqual({ url: "https://fabrikam.blob.core.windows.net/lfs/ab?sig=1", withCredential: false, rewritten: false });
    // Services hosts are not rewritten even when the path names the organization.
    expect(downloadTarget("http://localhost:8080/fabrikam/x/_git/y/info/lfs/objects/ab", cloud)).toMatchObject({ withCredential: false, rewritten: false });
    expect(downloadTarget("ftp://dev.azure.com/fabrikam/x", cloud)).toBeNull();
    expect(downloadTarget("not a url", cloud)).toBeNull();
  });

  it("rebuilds an on-prem server's public-URL hrefs (localhost, plain http) on the connection's address", () => {
    expect(downloadTarget("http://localhost:8080/tfs/DefaultCollection/MOBILE_IOS/_git/wallet/info/lfs/objects/ab", server)).toEqual({
      url: "https://devops.contoso.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet/info/lfs/objects/ab",
      withCredential: true,
      rewritten: true,
    });
    expect(downloadTarget("http://devops.contoso.com/tfs/DefaultCollection/MOBILE_IOS/_git/wallet/info/lfs/objects/ab", server)).toMatchObject({ withCredential: true, rewritten: true });
    expect(downloadTarget("https://storage.contoso.com/lfs/ab", server)).toEqual({ url: "https://storage.contoso.com/lfs/ab", withCredential: false, rewritten: false });
  });
});

// A real git repository (no remote: the pointers are committed as git-lfs would leave them).
let work: string;
const gitEnv = () => ({ PATH: inheritedPath(), HOME: work, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LANG: "C.UTF-8" });
const git = (dir: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.test", ...args], { cwd: dir, env: isolatedChildEnv(gitEnv()), encoding: "utf8" });

function repository(files: Record<string, string>, executable: string[] = []): string {
  const dir = mkdtempSync(path.join(work, "repo-"));
  git(dir, "init", "-q", ".");
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  for (const file of executable) {
    chmodSync(path.join(dir, file), 0o755);
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "Files");
  return dir;
}

let emulator: EmulatorHandle;
const wallet = { organization: "fabrikam", project: "MOBILE_IOS", repository: "Wallet App" };

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), "keel-lfs-test-"));
  emulator = await startEmulator({ fixture: "default", basePort: 0 });
});

beforeEach(() => {
  emulator.control.clearRequests();
});

afterAll(async () => {
  await emulator.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the commit's pointer files", () => {
  it("are the tracked files git routes through LFS whose content is a pointer, nested .gitattributes included", async () => {
    const dir = repository({
      ".gitattributes": "*.png filter=lfs diff=lfs merge=lfs -text\n",
      "Assets/icon.png": pointerOf("icon"),
      "Assets/real.png": "\x89PNG not a pointer",
      "Docs/pointer-example.txt": pointerOf("looks like one, is not routed"),
      "Models/.gitattributes": "*.mlmodel filter=lfs -text\n",
      "Models/Classifier.mlmodel": pointerOf("model"),
    });
    const found = await findLfsPointers(dir, gitEnv());
    expect(found.map((file) => file.path).sort()).toEqual(["Assets/icon.png", "Models/Classifier.mlmodel"]);
    expect(found.find((file) => file.path === "Assets/icon.png")).toMatchObject({ size: 4, oid: createHash("sha256").update("icon").digest("hex") });
    expect(await findLfsPointers(repository({ "README.md": pointerOf("no attributes at all") }), gitEnv())).toEqual([]);
  });
});

describe("fetching LFS content", () => {
  const options = (dir: string, overrides: Partial<LfsFetchOptions> = {}): LfsFetchOptions & { lines: string[] } => {
    const lines: string[] = [];
    return {
      workspace: dir,
      tempDir: mkdtempSync(path.join(work, "private-")),
      env: gitEnv(),
      cloneUrl: `${emulator.servicesUrl}/fabrikam/MOBILE_IOS/_git/Wallet%20App`,
      collectionUrl: `${emulator.servicesUrl}/fabrikam`,
      onPrem: false,
      authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.fabrikamFull}`).toString("base64")}`,
      caBundlePem: null,
      policy: TEST_POLICY,
      maxBytes: 10 * 1024 * 1024,
      signal: new AbortController().signal,
      onLine: (text) => lines.push(text),
      lines,
      ...overrides,
    };
  };

  it("replaces each pointer by its content (one download for two paths), keeps modes, and leaves git status clean", async () => {
    const icon = Buffer.from(`icon ${Date.now()}`);
    const tool = Buffer.from("#!/bin/sh\necho generated\n");
    emulator.control.putLfsObject({ ...wallet, content: icon });
    emulator.control.putLfsObject({ ...wallet, content: tool });
    const dir = repository({ ".gitattributes": "*.png filter=lfs -text\nbin/* filter=lfs -text\n", "a/icon.png": pointerOf(icon), "b/icon.png": pointerOf(icon), "bin/generate": pointerOf(tool) }, ["bin/generate"]);
    const run = options(dir);
    await fetchLfsFiles(run, await findLfsPointers(dir, gitEnv()));
    expect(readFileSync(path.join(dir, "a/icon.png"))).toEqual(icon);
    expect(readFileSync(path.join(dir, "b/icon.png"))).toEqual(icon);
    expect(readFileSync(path.join(dir, "bin/generate"))).toEqual(tool);
    expect(statSync(path.join(dir, "bin/generate")).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, "a/icon.png")).mode & 0o777).toBe(0o644);
    expect(git(dir, "status", "--porcelain")).toBe("");
    expect(run.lines[0]).toMatch(/^Fetching 3 Git LFS files \(\d+ B\) from .*Wallet%20App\.git\/info\/lfs\.$/);
    expect(run.lines.at(-1)).toMatch(/^Fetched 3 Git LFS files/);
    const downloads = emulator.control.requests({ pathContains: "/info/lfs/objects/", method: "GET" });
    expect(downloads).toHaveLength(2);
  });

  it("names the files Azure DevOps does not have, and refuses more than the budget before asking for anything", async () => {
    const dir = repository({ ".gitattributes": "*.bin filter=lfs -text\n", "never-uploaded.bin": pointerOf(`lost ${Date.now()}`), "big.bin": `version https://git-lfs.github.com/spec/v1\noid sha256:${"b".repeat(64)}\nsize 20971520\n` });
    const pointers = await findLfsPointers(dir, gitEnv());
    const tooLarge = await refusal(fetchLfsFiles(options(dir), pointers));
    expect(tooLarge).toMatchObject({ finding: { id: "lfs_too_large" } });
    expect(tooLarge.finding.detail).toContain("2 Git LFS files add up to 20 MB");
    expect(emulator.control.requests({ pathContains: "/info/lfs/" })).toHaveLength(0);

    const missing = await refusal(fetchLfsFiles(options(dir, { maxBytes: 64 * 1024 * 1024 }), pointers));
    expect(missing).toMatchObject({ finding: { id: "lfs_missing" } });
    expect(missing.finding.detail).toContain("big.bin, never-uploaded.bin");
    expect(missing.finding.fix.join(" ")).toContain("git lfs push --all origin");
    // The pointers stay as they were.
    expect(readFileSync(path.join(dir, "big.bin"), "utf8")).toContain("size 20971520");
  });

  it("fetches from an on-prem server whose public URL is localhost through the connection's address", async () => {
    const content = Buffer.from(`splash ${Date.now()}`);
    emulator.control.putLfsObject({ deployment: "server-localhost", organization: "DefaultCollection", project: "MOBILE_IOS", repository: "wallet", content });
    const dir = repository({ ".gitattributes": "*.png filter=lfs -text\n", "splash.png": pointerOf(content) });
    const collectionUrl = `${emulator.urls["server-localhost"]}/DefaultCollection`;
    const run = options(dir, {
      cloneUrl: `${collectionUrl}/MOBILE_IOS/_git/wallet`,
      collectionUrl,
      onPrem: true,
      authorization: `Basic ${Buffer.from(`:${DEFAULT_PATS.serverLocalhost}`).toString("base64")}`,
    });
    await fetchLfsFiles(run, await findLfsPointers(dir, gitEnv()));
    expect(readFileSync(path.join(dir, "splash.png"))).toEqual(content);
    expect(run.lines).toContain("The server's LFS addresses name http://localhost:8080 (its configured public URL); Keel fetched them from the connection's address instead.");
  });

  it("downloads storage elsewhere with its own header and never the credential, and refuses bytes that are not the object", async () => {
    const good = Buffer.from("good bytes");
    const bad = Buffer.from("promised bytes");
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    // Azure DevOps is not the only possible LFS store: a batch answer may send downloads to another host.
    const storage = http.createServer((request, response) => {
      seen.push({ url: request.url ?? "", authorization: request.headers.authorization });
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(request.url?.includes(createHash("sha256").update(good).digest("hex")) ? good : Buffer.from("tampered bytes"));
    });
    await new Promise<void>((resolve) => storage.listen(0, "127.0.0.1", resolve));
    const storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;
    const batch = http.createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        const objects = (JSON.parse(body) as { objects: Array<{ oid: string; size: number }> }).objects;
        response.writeHead(200, { "content-type": "application/vnd.git-lfs+json" });
        response.end(JSON.stringify({ objects: objects.map(({ oid, size }) => ({ oid, size, actions: { download: { href: `${storageUrl}/objects/${oid}?sig=x`, header: { Authorization: "RemoteAuth storage-token" } } } })) }));
      });
    });
    await new Promise<void>((resolve) => batch.listen(0, "127.0.0.1", resolve));
    const batchUrl = `http://127.0.0.1:${(batch.address() as AddressInfo).port}`;
    try {
      const at = { cloneUrl: `${batchUrl}/fabrikam/MOBILE_IOS/_git/wallet`, collectionUrl: `${batchUrl}/fabrikam` };
      const fine = repository({ ".gitattributes": "*.bin filter=lfs -text\n", "good.bin": pointerOf(good) });
      await fetchLfsFiles(options(fine, at), await findLfsPointers(fine, gitEnv()));
      expect(readFileSync(path.join(fine, "good.bin"))).toEqual(good);
      expect(seen).toEqual([{ url: `/objects/${createHash("sha256").update(good).digest("hex")}?sig=x`, authorization: "RemoteAuth storage-token" }]);

      const tampered = repository({ ".gitattributes": "*.bin filter=lfs -text\n", "bad.bin": pointerOf(bad) });
      const refused = await refusal(fetchLfsFiles(options(tampered, at), await findLfsPointers(tampered, gitEnv())));
      expect(refused).toMatchObject({ finding: { id: "lfs_corrupt", title: "The Git LFS file bad.bin did not match its pointer" } });
      expect(readFileSync(path.join(tampered, "bad.bin"), "utf8")).toBe(pointerOf(bad));
    } finally {
      storage.closeAllConnections();
      batch.closeAllConnections();
      await Promise.all([new Promise((resolve) => storage.close(resolve)), new Promise((resolve) => batch.close(resolve))]);
    }
  });
});
