import "server-only";
import dns from "node:dns";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { authorizationHeader, type AzureDevOpsCredential } from "@/lib/azure-devops/transport";
import { isolatedChildEnv } from "@/lib/env";
import { checkUrlInput, evaluateAddresses, type OutboundPolicy } from "@/lib/net/ssrf-policy";
import type { PickerProblem as Finding } from "@/lib/shared/problems";
import { startProcess, type RunningProcess, type Stream } from "./process";
import { fetchLfsFiles, findLfsPointers, LfsError } from "./lfs";
import { parseGitmodules, submoduleFetchUrl, type SubmoduleConnection } from "./submodules";

// Fetching exactly one commit with Debian's git, the way lib/builds/README.md ("Credential
// handling") describes: the URL checked against Keel's outbound policy first and git pinned
// to the checked address; the credential only in an `http.extraHeader` passed through
// GIT_CONFIG_* environment variables (never argv, never a file, never the workspace); no
// redirects; the connection's CA bundle in a file outside the workspace.

export class FetchError extends Error {
  constructor(
    message: string,
    readonly finding: Finding,
  ) {
    super(message);
    this.name = "FetchError";
  }
}

export type FetchOptions = {
  /** An empty directory: becomes the repository. */
  workspace: string;
  /** The build's private directory outside the workspace (git's HOME, the CA file). */
  privateDir: string;
  url: string;
  /** The connection's collection URL: the credential goes to addresses under it, and nowhere else. */
  credentialScope: string;
  credential: AzureDevOpsCredential;
  /** Fetch the commit's submodules (the profile's workflow says), resolved against this connection. */
  submodules: SubmoduleConnection | null;
  /** Git LFS: whether the workflow fetches its files, the most a build fetches, and whether the connection is on-prem. */
  lfs: { fetch: boolean; maxBytes: number; onPrem: boolean };
  /** Aborted when the build is stopped (Cancel, time limit): ends downloads Keel makes itself. */
  signal: AbortSignal;
  caBundlePem: string | null;
  commitId: string;
  policy: OutboundPolicy;
  path: string;
  /** Marker variable (NAME=value) every process of the build carries. */
  marker: [string, string];
  onLine: (stream: Stream, text: string) => void;
  /** Called with each git process started (so Cancel can kill it). */
  onProcess: (process: RunningProcess) => void;
  resolve?: (host: string) => Promise<string[]>;
};

const defaultResolve = async (host: string) => (await dns.promises.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/** The URL after Keel's outbound policy (and the address git must use); throws FetchError when refused. */
export async function checkFetchUrl(url: string, policy: OutboundPolicy, resolve = defaultResolve): Promise<{ url: URL; pin: string }> {
  const input = checkUrlInput(url);
  if (!input.ok) {
    throw new FetchError(input.message, { id: "fetch_blocked", title: "Keel refused the repository's address", detail: input.message, fix: ["Check the connection's server URL."] });
  }
  const { target } = input;
  if (policy.allowHttp === false && target.protocol === "http:") {
    const message = `Plain http to ${target.hostname} is not allowed; use https.`;
    throw new FetchError(message, { id: "fetch_blocked", title: "Keel refused to fetch over plain http", detail: message, fix: ["Use the https address of the server, or ask an administrator to allow http for this host."] });
  }
  let addresses: string[];
  try {
    addresses = target.literalIp !== null ? [target.literalIp] : await resolve(target.hostname);
  } catch {
    const message = `Could not find ${target.hostname}: the DNS lookup failed.`;
    throw new FetchError(message, { id: "network_dns", title: `Keel could not find ${target.hostname}`, detail: message, fix: ["Check that the worker machines resolve the server's name."] });
  }
  const decision = evaluateAddresses(target, addresses, policy);
  if (!decision.allowed) {
    throw new FetchError(decision.message, { id: "fetch_blocked", title: "Keel's outbound policy refused the repository's address", detail: decision.message, fix: ["An administrator allows the server in Keel's outbound allowlist (Settings → Network)."] });
  }
  const address = decision.addresses[0]!.address;
  // curl's --resolve syntax: HOST:PORT:ADDRESS, IPv6 in brackets.
  const pin = `${target.hostname}:${target.port}:${address.includes(":") ? `[${address}]` : address}`;
  return { url: target.url, pin };
}

/** The git configuration of the fetch, as GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n pairs. */
export function fetchConfig(options: { header: string; scope: string; protocol: "http" | "https"; pins: readonly string[]; caFile: string | null }): Array<[string, string]> {
  return [
    // Only for addresses under the connection's collection URL (git matches the URL's path on
    // whole segments): a submodule elsewhere is fetched without it.
    [`http.${options.scope}.extraHeader`, options.header],
    // Azure DevOps Server's challenge offers Negotiate and NTLM, which curl would prefer: the
    // header answers before any challenge. No helper, no prompt, no redirect elsewhere.
    ["credential.helper", ""],
    ["core.askPass", ""],
    ["http.followRedirects", "false"],
    // Every host git may reach, pinned to the address Keel's outbound policy checked.
    ...options.pins.map((pin): [string, string] => ["http.curloptResolve", pin]),
    ["protocol.allow", "never"],
    [`protocol.${options.protocol}.allow`, "always"],
    ["http.lowSpeedLimit", "1000"],
    ["http.lowSpeedTime", "120"],
    ["core.hooksPath", "/dev/null"],
    ...(options.caFile ? ([["http.sslCAInfo", options.caFile]] as Array<[string, string]>) : []),
  ];
}

/**
 * Runs one git command of the fetch; throws FetchError with what git said when it fails.
 * `quiet`: its output is read, not logged (Keel's own reading of .gitmodules); `allowed`: exit
 * codes that are answers, not failures (`git config --get-regexp` finding nothing is 1).
 */
async function git(options: FetchOptions, env: Record<string, string>, args: string[], stderr: string[], read: { quiet?: boolean; allowed?: number[] } = {}): Promise<string[]> {
  const stdout: string[] = [];
  const running = startProcess({
    file: "git",
    args,
    cwd: options.workspace,
    env: isolatedChildEnv(env),
    onLine: (stream, text) => {
      (stream === "ERR" ? stderr : stdout).push(text);
      if (!read.quiet) {
        options.onLine(stream, text);
      }
    },
  });
  options.onProcess(running);
  const result = await running.done;
  if (result.code !== 0 && !(result.code !== null && read.allowed?.includes(result.code))) {
    throw fetchFailure(stderr.join("\n"), result.error ?? (result.signal ? `git was stopped (${result.signal})` : `git exited with ${result.code}`));
  }
  return stdout;
}

/** What a failed git fetch means, as a finding (git's own words stay in the log). */
export function fetchFailure(stderr: string, fallback: string): FetchError {
  const text = stderr.toLowerCase();
  if (/authentication failed|http 401|returned error: 401|could not read username|terminal prompts disabled/.test(text)) {
    return new FetchError("Azure DevOps refused the connection's credential", {
      id: "token_invalid",
      title: "Azure DevOps refused the connection's credential for git",
      detail: "The fetch was answered 401: the token expired, was revoked, or lacks Code (Read).",
      fix: ["An admin checks the connection (Check now) and enters a new token or re-authorizes it.", "Start the build again."],
    });
  }
  if (/returned error: 403|tf401027|permission/.test(text)) {
    return new FetchError("Azure DevOps refused access to the repository", {
      id: "forbidden",
      title: "The connection's identity may not read this repository",
      detail: "The fetch was answered 403.",
      fix: ["Give the connection's identity Read on the repository in Azure DevOps.", "Start the build again."],
    });
  }
  if (/not our ref|couldn't find remote ref|unadvertised object|no such remote ref|tf401175/.test(text)) {
    return new FetchError("The commit is not in the repository", {
      id: "commit_not_found",
      title: "Azure DevOps does not have this commit",
      detail: "The repository has no commit with this id (a force push may have removed it).",
      fix: ["Start a build of the branch instead, or paste a commit that exists."],
    });
  }
  if (/repository .* not found|tf401019|http 404|returned error: 404/.test(text)) {
    return new FetchError("The repository was not found", {
      id: "repository_not_found",
      title: "Azure DevOps did not find the repository",
      detail: "It was renamed, moved or deleted, or the connection's identity cannot see it.",
      fix: ["Open the profile page: Keel copies a rename or move from Azure DevOps, then start the build again."],
    });
  }
  if (/ssl|certificate/.test(text)) {
    return new FetchError("TLS failed", {
      id: "tls_failed",
      title: "The server's TLS certificate was not accepted by git",
      detail: "git could not verify the server's certificate.",
      fix: ["An admin uploads the CA that issued the server's certificate on the connection's page."],
    });
  }
  if (/redirect/.test(text)) {
    return new FetchError("The server redirected", {
      id: "redirect",
      title: "The server redirected the fetch elsewhere",
      detail: "Keel does not follow redirects away from the connection's address.",
      fix: ["Check the connection's server URL: use the address the server answers on directly."],
    });
  }
  if (/could not resolve host|failed to connect|connection refused|timed out|operation too slow/.test(text)) {
    return new FetchError("The server could not be reached", {
      id: "network",
      title: "The worker could not reach the server",
      detail: "git could not connect to the server (name, network or firewall).",
      fix: ["Check that the worker machines reach the server (Settings → Network lists Keel's addresses)."],
    });
  }
  return new FetchError(fallback, { id: "fetch_failed", title: "Fetching the commit failed", detail: fallback, fix: ["Read the fetch step's log; start the build again."] });
}

/**
 * Makes `workspace` a repository holding exactly `commitId`, checked out (detached). The
 * credential lives only in the environment of the git processes; the workspace's
 * .git/config never sees it, and no remote is configured.
 */
export async function fetchCommit(options: FetchOptions): Promise<void> {
  const { url, pin } = await checkFetchUrl(options.url, options.policy, options.resolve);
  const header = authorizationHeader(options.credential);
  if (!header) {
    throw new FetchError("The connection's credential is not usable", {
      id: "credentials_unusable",
      title: "The connection's credential cannot be used",
      detail: "The stored token is empty or malformed.",
      fix: ["An admin enters a new token for the connection."],
    });
  }
  const home = path.join(options.privateDir, "git-home");
  await mkdir(home, { recursive: true, mode: 0o700 });
  let caFile: string | null = null;
  if (options.caBundlePem) {
    caFile = path.join(options.privateDir, "ca-bundle.pem");
    await writeFile(caFile, options.caBundlePem, { mode: 0o600 });
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  const withCredential = (pins: readonly string[]): Record<string, string> => {
    const config = fetchConfig({ header: `Authorization: ${header}`, scope: options.credentialScope, protocol, pins, caFile });
    const env: Record<string, string> = { ...plain, GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_COUNT: String(config.length) };
    config.forEach(([key, value], index) => {
      env[`GIT_CONFIG_KEY_${index}`] = key;
      env[`GIT_CONFIG_VALUE_${index}`] = value;
    });
    return env;
  };
  // git init needs none of it: its environment has no credential at all.
  const plain = { PATH: options.path, HOME: home, LANG: "C.UTF-8", GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", [options.marker[0]]: options.marker[1] };
  const stderr: string[] = [];
  await git(options, plain, ["init", "--quiet", "."], stderr);
  await git(options, withCredential([pin]), ["fetch", "--no-tags", "--depth=1", url.toString(), options.commitId], stderr);
  await git(options, plain, ["checkout", "--quiet", "--detach", "FETCH_HEAD"], stderr);
  const [head] = await git(options, plain, ["rev-parse", "HEAD"], stderr);
  if (head?.trim() !== options.commitId) {
    throw new FetchError(`git checked out ${head ?? "nothing"}, not ${options.commitId}`, {
      id: "fetch_failed",
      title: "The fetched commit is not the one asked for",
      detail: `git checked out ${head ?? "nothing"}.`,
      fix: ["Start the build again."],
    });
  }
  if (options.submodules) {
    await fetchSubmodules(options, options.submodules, { url: url.toString(), pin, plain, withCredential });
  }
  await fetchLfs(options, plain, header, url.toString());
}

/**
 * The commit's Git LFS files (lib/builds/README.md, "Git LFS"), fetched by Keel through its
 * outbound guard; when the workflow does not fetch them, the log says the pointer files stay.
 */
async function fetchLfs(options: FetchOptions, plain: Record<string, string>, authorization: string, cloneUrl: string): Promise<void> {
  const pointers = await findLfsPointers(options.workspace, plain);
  if (pointers.length === 0) {
    return;
  }
  if (!options.lfs.fetch) {
    options.onLine("OUT", `${pointers.length === 1 ? "1 file is a Git LFS pointer" : `${pointers.length} files are Git LFS pointers`}, which this workflow does not fetch (“Fetch Git LFS files” is off): steps see the pointer files.`);
    return;
  }
  try {
    await fetchLfsFiles(
      {
        workspace: options.workspace,
        tempDir: path.join(options.privateDir, "lfs"),
        env: plain,
        cloneUrl,
        collectionUrl: options.credentialScope,
        onPrem: options.lfs.onPrem,
        authorization,
        caBundlePem: options.caBundlePem,
        policy: options.policy,
        ...(options.resolve ? { resolve: async (host: string) => (await options.resolve!(host)).map((address) => ({ address, family: address.includes(":") ? 6 : 4 })) } : {}),
        maxBytes: options.lfs.maxBytes,
        signal: options.signal,
        onLine: (text) => options.onLine("OUT", text),
      },
      pointers,
    );
  } catch (error) {
    throw error instanceof LfsError ? new FetchError(error.message, error.finding) : error;
  }
}

/**
 * The commit's submodules, when it has any (lib/builds/README.md, "Submodules"): each URL is
 * resolved by Keel (`submoduleFetchUrl`) and checked against the outbound policy like the
 * repository's, written into the workspace's own config, and fetched at the recorded commit
 * (depth 1, nested ones too) with the credential scoped to the connection's address.
 */
async function fetchSubmodules(
  options: FetchOptions,
  connection: SubmoduleConnection,
  context: { url: string; pin: string; plain: Record<string, string>; withCredential: (pins: readonly string[]) => Record<string, string> },
): Promise<void> {
  const stderr: string[] = [];
  if (!existsSync(path.join(options.workspace, ".gitmodules"))) {
    return;
  }
  const listed = parseGitmodules(await git(options, context.plain, ["config", "--file", ".gitmodules", "--get-regexp", "^submodule\\..*\\.(path|url)$"], stderr, { quiet: true, allowed: [1] }));
  if (listed.length === 0) {
    return;
  }
  // Only the submodules the commit records (a gitlink in its tree): an entry left in .gitmodules
  // after its submodule was removed is neither fetched nor refused.
  const linked = new Set(
    (await git(options, context.plain, ["--literal-pathspecs", "-c", "core.quotePath=false", "ls-files", "--stage", "--", ...listed.map((entry) => entry.path)], stderr, { quiet: true })).flatMap((line) => {
      const match = /^160000 [0-9a-f]+ \d+\t(.+)$/.exec(line);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  const entries = listed.filter((entry) => linked.has(entry.path.replace(/^\.\/|\/+$/g, "")));
  if (entries.length === 0) {
    return;
  }
  const pins = new Set([context.pin]);
  const sources: string[] = [];
  for (const entry of entries) {
    const resolved = submoduleFetchUrl(entry.url, context.url, connection);
    if (!resolved.ok) {
      throw submoduleRefused(entry.path, resolved.reason);
    }
    try {
      pins.add((await checkFetchUrl(resolved.url, options.policy, options.resolve)).pin);
    } catch (error) {
      throw error instanceof FetchError ? submoduleRefused(entry.path, error.finding.detail) : error;
    }
    await git(options, context.plain, ["config", `submodule.${entry.name}.url`, resolved.url], stderr, { quiet: true });
    sources.push(`${entry.path} from ${resolved.url}${resolved.withCredential ? "" : " (without the connection's credential)"}`);
  }
  options.onLine("OUT", `Fetching ${entries.length === 1 ? "a submodule" : `${entries.length} submodules`}: ${sources.join("; ")}.`);
  try {
    await git(options, context.withCredential([...pins]), ["submodule", "update", "--init", "--recursive", "--depth=1"], stderr);
  } catch (error) {
    if (!(error instanceof FetchError)) {
      throw error;
    }
    throw new FetchError(`Fetching the submodules failed: ${error.finding.detail}`, {
      id: "submodule_failed",
      title: "Fetching the submodules failed",
      detail: `git could not fetch a submodule (${error.finding.title.toLowerCase()}): the fetch step's log has git's own words.`,
      fix: [
        "Submodules in the connection's organization or collection are fetched with its credential, which needs Code (Read) on them; any other submodule must be public to the worker.",
        "If the build does not need the submodules, turn off “Fetch submodules” in the profile's workflow.",
      ],
    });
  }
}

/** A submodule Keel will not fetch: which one, and why. */
function submoduleRefused(submodulePath: string, reason: string): FetchError {
  return new FetchError(`Submodule ${submodulePath}: ${reason}`, {
    id: "submodule_refused",
    title: `Keel cannot fetch the submodule ${submodulePath}`,
    detail: reason,
    fix: ["Change the submodule's URL in .gitmodules, or ask an administrator to allow its server (Settings → Network).", "If the build does not need the submodules, turn off “Fetch submodules” in the profile's workflow."],
  });
}
