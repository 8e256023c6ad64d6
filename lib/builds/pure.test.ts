import { describe, expect, it } from "vitest";
import { parseAnsiLine, PLAIN_STYLE, stripAnsi } from "@/lib/shared/ansi";
import { checkWorkflow, pauseBuildsSchema, PAUSE_REASON_MAX, pullRequestLinkSchema, startBuildSchema } from "@/lib/validation/builds";
import { checkFetchUrl, fetchConfig, fetchFailure } from "./git";
import { maskList, maskSecrets } from "./log";
import { cacheMember, cachePathProblem } from "@/lib/shared/workflow";
import { LineSplitter, MAX_LINE_CHARS } from "./process";

// The worker's pure parts: line splitting, masking, ANSI, the workflow's checks, git's
// configuration and the outbound check before any git runs.

const policy = { allowlist: [], denyAllExceptAllowlist: false, allowLoopback: false, allowHttp: false, selfAddresses: [] };

describe("LineSplitter", () => {
  it("splits on newlines across chunks, keeps UTF-8 characters split between chunks, and collapses carriage-return progress", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    const euro = Buffer.from("€");
    splitter.push(Buffer.concat([Buffer.from("price "), euro.subarray(0, 1)]));
    splitter.push(Buffer.concat([euro.subarray(1), Buffer.from("1\r\nprogress 10%\rprogress 100%\nlast")]));
    splitter.end();
    expect(lines).toEqual(["price €1", "progress 100%", "last"]);
  });

  it("turns NUL and broken UTF-8 into U+FFFD, which PostgreSQL text can hold", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(Buffer.from([0x61, 0x00, 0x62, 0x20, 0xff, 0x0a]));
    expect(lines).toEqual(["a\uFFFDb \uFFFD"]);
  });

  it("cuts a line longer than the limit and says so", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(Buffer.from(`${"x".repeat(MAX_LINE_CHARS + 10)}\n`));
    expect(lines[0]!.startsWith("x".repeat(MAX_LINE_CHARS))).toBe(true);
    expect(lines[0]).toMatch(/\[line cut at 4,096 characters\]$/);
  });
});

describe("masking", () => {
  it("masks every occurrence, longest secret first, and each line of a multi-line secret", () => {
    const secrets = maskList(["abcd", "abcdefgh", "line-one\nline-two", "no"], 4);
    expect(secrets).not.toContain("no");
    expect(maskSecrets("x abcdefgh y abcd z", secrets)).toBe("x *** y *** z");
    expect(maskSecrets("key: line-two", secrets)).toBe("key: ***");
  });
});

describe("ANSI", () => {
  it("parses colours and styles, carries them to the next line, and resets", () => {
    const first = parseAnsiLine("\u001b[1;32mok\u001b[0m plain \u001b[31mred");
    expect(first.segments.map((segment) => [segment.text, segment.style.fg, segment.style.bold])).toEqual([
      ["ok", 2, true],
      [" plain ", null, false],
      ["red", 1, false],
    ]);
    const second = parseAnsiLine("still red\u001b[39m default", first.state);
    expect(second.segments.map((segment) => [segment.text, segment.style.fg])).toEqual([
      ["still red", 1],
      [" default", null],
    ]);
    expect(parseAnsiLine("\u001b[38;5;196mx\u001b[48;2;1;2;3my", PLAIN_STYLE).segments.map((segment) => [segment.style.fg, segment.style.bg])).toEqual([
      ["rgb(255, 0, 0)", null],
      ["rgb(255, 0, 0)", "rgb(1, 2, 3)"],
    ]);
  });

  it("drops cursor movement and OSC sequences, and strips everything for downloads", () => {
    expect(parseAnsiLine("\u001b[2K\u001b]0;title\u0007text").segments.map((segment) => segment.text)).toEqual(["text"]);
    expect(stripAnsi("\u001b[1;34m==>\u001b[0m Building")).toBe("==> Building");
  });
});

describe("the workflow's checks", () => {
  it("accepts a valid workflow and names every problem of a bad one", () => {
    expect(checkWorkflow({ steps: [{ name: "Build", command: "./build.sh\r\n" }], timeoutMinutes: "30", variables: [{ name: "FLAVOR", isSecret: false, value: "" }] })).toEqual({
      ok: true,
      value: { steps: [{ name: "Build", command: "./build.sh" }], timeoutMinutes: 30, fetchSubmodules: true, variables: [{ name: "FLAVOR", isSecret: false, value: "" }] },
    });
    // A step's conditions are kept when on and dropped when off, so an unchanged step compares equal.
    const flagged = checkWorkflow({ steps: [{ name: "Lint", command: "swiftlint", continueOnError: true, always: false }, { name: "Upload", command: "./upload.sh", always: true }], timeoutMinutes: 5, variables: [] });
    expect(flagged.ok && flagged.value.steps).toEqual([
      { name: "Lint", command: "swiftlint", continueOnError: true },
      { name: "Upload", command: "./upload.sh", always: true },
    ]);
    expect(checkWorkflow({ steps: [{ name: "Lint", command: "x", continueOnError: "yes" }], timeoutMinutes: 5, variables: [] })).toMatchObject({ ok: false });
    expect(checkWorkflow({ steps: [{ name: "Boot", command: "x", retries: 4 }], timeoutMinutes: 5, variables: [] })).toEqual({ ok: false, errors: ["Step 1 (Boot): tries again 0 to 3 times when it fails."] });
    expect(checkWorkflow({ steps: [{ name: "Boot", command: "x", timeoutMinutes: 400 }], timeoutMinutes: 5, variables: [] })).toEqual({ ok: false, errors: ["Step 1 (Boot): its time limit must be a whole number of minutes from 1 to 360, or none."] });
    const limited = checkWorkflow({ steps: [{ name: "Boot", command: "x", timeoutMinutes: 5 }, { name: "Test", command: "y", timeoutMinutes: null }], timeoutMinutes: 30, variables: [] });
    expect(limited.ok && limited.value.steps).toEqual([{ name: "Boot", command: "x", timeoutMinutes: 5 }, { name: "Test", command: "y" }]);
    const retried = checkWorkflow({ steps: [{ name: "Boot", command: "x", retries: 3 }, { name: "Test", command: "y", retries: 0 }], timeoutMinutes: 5, variables: [] });
    expect(retried.ok && retried.value.steps).toEqual([{ name: "Boot", command: "x", retries: 3 }, { name: "Test", command: "y" }]);
    // Submodules are fetched unless the editor says not to; anything but a boolean is a broken form.
    expect(checkWorkflow({ steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, fetchSubmodules: false, variables: [] })).toMatchObject({ ok: true, value: { fetchSubmodules: false } });
    expect(checkWorkflow({ steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, fetchSubmodules: "no", variables: [] })).toMatchObject({ ok: false });
    // Runs on: a pool name, typed in any case (pool names are lowercase); absent keeps the stored pool.
    expect(checkWorkflow({ steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, pool: " MacOS ", variables: [] })).toMatchObject({ ok: true, value: { pool: "macos" } });
    expect(checkWorkflow({ steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, pool: "mac os", variables: [] })).toEqual({
      ok: false,
      errors: ["Runs on: “mac os” is not a pool name: lowercase letters, digits and dashes, not starting or ending with a dash, at most 30 characters (such as macos or xcode-16)."],
    });
    expect(checkWorkflow({ steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, pool: "", variables: [] })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^Runs on: name a pool/)] });
    const bad = checkWorkflow({
      steps: [{ name: "", command: "" }],
      timeoutMinutes: 0,
      variables: [
        { name: "KEEL_BUILD_ID", isSecret: false, value: "x" },
        { name: "1BAD", isSecret: false, value: "x" },
        { name: "TOKEN", isSecret: true, value: "abc" },
        { name: "TOKEN", isSecret: false, value: "x" },
      ],
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual([
      "Step 1: the name is required.",
      "Step 1: the command is required.",
      "Time limit must be a whole number of minutes from 1 to 360.",
      "Variable KEEL_BUILD_ID: names starting with KEEL_ are set by Keel for every build; choose another name.",
      "Variable 1BAD: use letters, digits and underscores, not starting with a digit (at most 100 characters).",
      "Variable TOKEN: a secret value needs at least 4 characters, or Keel could not mask it in logs.",
      "Variable TOKEN: the name is used twice.",
    ]);
    expect(checkWorkflow({ steps: [], timeoutMinutes: 30 })).toEqual({ ok: false, errors: ["The workflow could not be read. Reload the page and try again."] });
  });

  it("artifact patterns: blank lines and repeats dropped, absent keeps the stored ones, each bad pattern named with its fix", () => {
    const base = { steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, variables: [] };
    expect(checkWorkflow({ ...base, artifacts: [" build/**/*.ipa ", "", "build/**/*.ipa", "dist"] })).toMatchObject({ ok: true, value: { artifacts: ["build/**/*.ipa", "dist"] } });
    const absent = checkWorkflow(base);
    expect(absent.ok && "artifacts" in absent.value).toBe(false);
    // A home-relative path, written in two parts (the repository's own check flags such paths in its files).
    const home = ["~", "x"].join("/");
    const bad = checkWorkflow({ ...base, artifacts: ["/etc/passwd", "../secrets/*", "!*.log", "out\\app.apk", home, "ok/*.apk", "a\u0007b"] });
    expect(!bad.ok && bad.errors).toEqual([
      "Artifact pattern “/etc/passwd”: must be relative to the workspace (e.g. build/*.ipa), not an absolute path.",
      "Artifact pattern “../secrets/*”: must stay inside the workspace: remove the .. folder.",
      "Artifact pattern “!*.log”: Keel keeps what the patterns match and has no exclusions: remove the leading !.",
      "Artifact pattern “out\\app.apk”: use / between folders.",
      `Artifact pattern “${home}”: must be relative to the workspace (e.g. build/*.ipa), not an absolute path.`,
      "Artifact pattern “a\u0007b”: must not contain control characters.",
    ]);
    const many = checkWorkflow({ ...base, artifacts: Array.from({ length: 21 }, (_, index) => `out/${index}.apk`) });
    expect(!many.ok && many.errors).toEqual(["Artifacts: at most 20 patterns (a pattern like build/**/*.ipa matches many files)."]);
    // Inside a name, two dots are just a name: only a .. folder leaves the workspace.
    expect(checkWorkflow({ ...base, artifacts: ["out/app..v2.ipa"] }).ok).toBe(true);
  });

  it("the Start build form takes variables for the build, one NAME=value per line, and names what is wrong", () => {
    const key = "0b6f5c1e-8a44-4a3c-9a1e-2f0d6c7b8a9e";
    const parse = (parameters: string) => startBuildSchema.safeParse({ source: "branch", branch: "main", parameters, idempotencyKey: key });
    expect(parse("DEPLOY_TARGET=testflight\r\n\n NOTES = a=b c ").data?.parameters).toEqual([
      { name: "DEPLOY_TARGET", value: "testflight" },
      { name: "NOTES", value: " a=b c " },
    ]);
    const cases: [string, string][] = [
      ["DEPLOY", "Variables for this build: Line 1 is not NAME=value"],
      ["A=1\n=2", "Variables for this build: Line 2 is not NAME=value"],
      ["1X=1", "Variables for this build: “1X” is not a variable name: letters, digits and _, not starting with a digit (at most 100 characters)"],
      ["HOME=/tmp", "Variables for this build: HOME cannot be set: HOME is set by Keel for every build"],
      ["A=1\nA=2", "Variables for this build: A is given twice"],
      ["A=\u0007", "Variables for this build: A: the value has control or invisible characters"],
      [Array.from({ length: 21 }, (_, index) => `V${index}=x`).join("\n"), "Variables for this build: At most 20 variables per build"],
    ];
    for (const [text, message] of cases) {
      expect(parse(text).error?.issues[0], text).toMatchObject({ path: ["parameters"], message });
    }
  });

  it("the Start build form takes a branch, a full commit id or a pull request number, and says what is wrong", () => {
    const key = "0b6f5c1e-8a44-4a3c-9a1e-2f0d6c7b8a9e";
    expect(startBuildSchema.parse({ source: "branch", branch: "refs/heads/feature/x", idempotencyKey: key })).toEqual({ branch: "feature/x", commit: undefined, pullRequest: undefined, parameters: [], skipCaches: false, idempotencyKey: key });
    expect(startBuildSchema.parse({ source: "pullRequest", pullRequest: " !42 ", branch: "main", idempotencyKey: key })).toEqual({ branch: undefined, commit: undefined, pullRequest: 42, parameters: [], skipCaches: false, idempotencyKey: key });
    // "Without caches" is a check box: "on", or a stale form.
    expect(startBuildSchema.parse({ source: "branch", branch: "main", skipCaches: "on", idempotencyKey: key }).skipCaches).toBe(true);
    expect(startBuildSchema.safeParse({ source: "branch", branch: "main", skipCaches: "yes", idempotencyKey: key }).error?.issues[0]).toMatchObject({ path: ["skipCaches"], message: "Reload the page and try again" });
    for (const [typed, message] of [
      ["", "Choose a pull request to build"],
      ["42a", "Pull request must be its number, like 42 (Azure DevOps shows it as !42)"],
      ["0", "Pull request must be its number, like 42 (Azure DevOps shows it as !42)"],
      ["99999999999", "Pull request must be its number, like 42 (Azure DevOps shows it as !42)"],
    ]) {
      expect(startBuildSchema.safeParse({ source: "pullRequest", pullRequest: typed, idempotencyKey: key }).error?.issues[0], typed).toMatchObject({ path: ["pullRequest"], message });
    }
    expect(startBuildSchema.safeParse({ source: "branch", branch: "bad..name", idempotencyKey: key }).error?.issues[0]?.message).toBe("Branch is not a valid Git branch name");
    expect(startBuildSchema.safeParse({ source: "commit", commit: "abc1234", idempotencyKey: key }).error?.issues[0]?.message).toMatch(/^Commit must be a full commit id/);
  });
});

describe("a link to start a pull request's build", () => {
  it("takes a pull request number, and nothing else", () => {
    expect(pullRequestLinkSchema.safeParse("42").data).toBe(42);
    for (const value of [undefined, "", "0", "!42", "4.2", "-1", "99999999999", "2147483648", ["42", "43"]]) {
      expect(pullRequestLinkSchema.safeParse(value).success, JSON.stringify(value)).toBe(false);
    }
  });
});

describe("cache folders and key files", () => {
  it("take plain relative paths (a folder may start with $HOME/ or the tilde form), and say what is wrong with the rest", () => {
    const tilde = (rest: string) => ["~", rest].join("/");
    expect(cachePathProblem("Pods", "folder")).toBeNull();
    expect(cachePathProblem("$HOME/.gradle/caches", "folder")).toBeNull();
    expect(cachePathProblem(tilde(".gradle/caches"), "folder")).toBeNull();
    expect(cachePathProblem("ios/Podfile.lock", "keyFile")).toBeNull();
    expect(cachePathProblem(tilde(".npmrc"), "keyFile")).toMatch(/relative to the repository/);
    expect(cachePathProblem("$HOME/.npmrc", "keyFile")).toBeNull();
    expect(cachePathProblem("/var/cache", "folder")).toMatch(/relative to the repository \(Pods\), or to the build's home/);
    expect(cachePathProblem("../sibling", "folder")).toBe("must not contain . or .. folders");
    expect(cachePathProblem("node_modules/**", "folder")).toBe("name it exactly: patterns are not allowed here");
    expect(cachePathProblem(".git/objects", "folder")).toMatch(/fetched fresh/);
    expect(cachePathProblem("$HOME/", "folder")).toMatch(/name a folder/);
    expect(cacheMember("Pods/")).toBe("workspace/Pods");
    expect(cacheMember(tilde(".gradle//caches"))).toBe("home/.gradle/caches");
    expect(cacheMember("$HOME/.gradle/caches")).toBe("home/.gradle/caches");
  });

  it("the workflow checks them, one message per problem, and key files need folders", () => {
    const base = { steps: [{ name: "Build", command: "x" }], timeoutMinutes: 5, variables: [] };
    expect(checkWorkflow({ ...base, cachePaths: ["Pods", " Pods ", ""], cacheKeyFiles: ["Podfile.lock"] })).toMatchObject({ ok: true, value: { cachePaths: ["Pods"], cacheKeyFiles: ["Podfile.lock"] } });
    const refused = checkWorkflow({ ...base, cachePaths: ["/abs", "a/*"], cacheKeyFiles: [] });
    expect(refused.ok ? [] : refused.errors).toEqual([expect.stringMatching(/^Cache folder “\/abs”: /), "Cache folder “a/*”: name it exactly: patterns are not allowed here."]);
    const keysOnly = checkWorkflow({ ...base, cachePaths: [], cacheKeyFiles: ["Podfile.lock"] });
    expect(keysOnly.ok ? [] : keysOnly.errors).toEqual(["Cache key files decide which cache fits: name the folders to cache too, or remove the key files."]);
  });
});

describe("git's fetch", () => {
  it("refuses an address the outbound policy refuses, before git runs", async () => {
    await expect(checkFetchUrl("https://127.0.0.1/org/p/_git/r", policy)).rejects.toMatchObject({ finding: { id: "fetch_blocked" } });
    await expect(checkFetchUrl("http://dev.azure.example/org/p/_git/r", policy, async () => ["20.37.158.10"])).rejects.toMatchObject({ finding: { id: "fetch_blocked", title: "Keel refused to fetch over plain http" } });
    await expect(checkFetchUrl("https://metadata.example/x", policy, async () => ["169.254.169.254"])).rejects.toMatchObject({ finding: { id: "fetch_blocked" } });
  });

  it("pins git to the checked address and sends the credential only as a header, with no redirects and no other protocol", async () => {
    const checked = await checkFetchUrl("https://dev.azure.example/org/p/_git/r", policy, async () => ["20.37.158.10"]);
    expect(checked.pin).toBe("dev.azure.example:443:20.37.158.10");
    const entries = fetchConfig({ header: "Authorization: Basic eA==", scope: "https://dev.azure.example/org", protocol: "https", pins: [checked.pin, "github.example:443:140.82.112.3"], caFile: "/tmp/private/ca.pem" });
    // The header only for the connection's organization (a submodule elsewhere never gets it); every host pinned.
    expect(entries.filter(([key]) => /extraheader/i.test(key))).toEqual([["http.https://dev.azure.example/org.extraHeader", "Authorization: Basic eA=="]]);
    expect(entries.filter(([key]) => key === "http.curloptResolve").map(([, value]) => value)).toEqual(["dev.azure.example:443:20.37.158.10", "github.example:443:140.82.112.3"]);
    const config = Object.fromEntries(entries);
    expect(config).toMatchObject({
      "http.followRedirects": "false",
      "protocol.allow": "never",
      "protocol.https.allow": "always",
      "credential.helper": "",
      "http.sslCAInfo": "/tmp/private/ca.pem",
    });
  });

  it("explains git's failures as findings", () => {
    expect(fetchFailure("fatal: Authentication failed for 'https://x/'", "exit 128").finding.id).toBe("token_invalid");
    expect(fetchFailure("fatal: remote error: upload-pack: not our ref 0123", "exit 128").finding.id).toBe("commit_not_found");
    expect(fetchFailure("fatal: unable to access 'https://x/': SSL certificate problem: unable to get local issuer certificate", "exit 128").finding.id).toBe("tls_failed");
    expect(fetchFailure("something else", "git exited with 1").finding).toMatchObject({ id: "fetch_failed", detail: "git exited with 1" });
  });
});

describe("pausing a profile's builds", () => {
  it("takes an optional reason, trimmed, and refuses a long one by name", () => {
    expect(pauseBuildsSchema.parse({ pause: "yes", reason: "  Xcode 17 upgrade  " })).toEqual({ pause: true, reason: "Xcode 17 upgrade" });
    expect(pauseBuildsSchema.parse({ pause: "yes", reason: "   " })).toEqual({ pause: true, reason: null });
    expect(pauseBuildsSchema.parse({ pause: "no" })).toEqual({ pause: false, reason: null });
    const long = pauseBuildsSchema.safeParse({ pause: "yes", reason: "x".repeat(PAUSE_REASON_MAX + 1) });
    expect(long.error?.issues[0]).toMatchObject({ path: ["reason"], message: expect.stringMatching(/^Reason must be at most 200 characters/) });
    expect(pauseBuildsSchema.safeParse({ pause: "maybe" }).success).toBe(false);
  });
});
