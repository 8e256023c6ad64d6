import { inheritedPath, isolatedChildEnv } from "@/lib/env";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { request as httpsRequest } from "node:https";

/**
 * Helpers shared by the emulator's tests (not a test file itself). Plain node:http so tests
 * can set the Host header, pass a CA, and see raw statuses such as 203.
 */
export type RawResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
};

export type RequestOptions = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overrides the Host header (legacy `{org}.visualstudio.com` tests). */
  host?: string;
  /** CA PEM for HTTPS; omit to use only the system CAs. */
  ca?: string;
};

/** Sends one request and collects the whole response. */
export function request(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.host !== undefined) {
    headers.Host = options.host;
  }
  if (options.body !== undefined) {
    headers["Content-Length"] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: options.method ?? "GET", headers, ...(options.ca === undefined ? {} : { ca: options.ca }), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** `Authorization: Basic` for a PAT with the user name the Node client uses. */
export function basic(pat: string, user = "PAT"): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${pat}`).toString("base64")}`, "X-TFS-FedAuthRedirect": "Suppress" };
}

/** `Authorization: Bearer`. */
export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, "X-TFS-FedAuthRedirect": "Suppress" };
}

/** GET with JSON accept and a given api-version in the Accept header. */
export function acceptVersion(version: string): Record<string, string> {
  return { Accept: `application/json;api-version=${version}` };
}

/** A JSON object from a response, failing loudly when it is not one. */
export function body(response: RawResponse): Record<string, unknown> {
  if (typeof response.json !== "object" || response.json === null || Array.isArray(response.json)) {
    throw new Error(`Expected a JSON object, got ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return response.json as Record<string, unknown>;
}

/** The `value` array of a `{count, value}` envelope. */
export function values(response: RawResponse): Array<Record<string, unknown>> {
  const json = body(response);
  if (!Array.isArray(json.value)) {
    throw new Error(`Expected {count, value}, got ${response.text.slice(0, 300)}`);
  }
  return json.value as Array<Record<string, unknown>>;
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Posts an x-www-form-urlencoded body. */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}, ca?: string): Promise<RawResponse> {
  return request(url, {
    ca,
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Posts JSON. */
export function postJson(url: string, payload: unknown, headers: Record<string, string> = {}, ca?: string): Promise<RawResponse> {
  return request(url, {
    ca,
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(payload),
  });
}

/** The query parameters of a redirect's Location header. */
export function redirectParams(response: RawResponse): URLSearchParams {
  const location = response.headers.location;
  if (response.status !== 302 || location === undefined) {
    throw new Error(`Expected a 302 redirect, got ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return new URL(location).searchParams;
}

/** The hidden fields and radio values of the consent form. */
export function consentForm(html: string): { hidden: Record<string, string>; userIds: string[] } {
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    hidden[decodeEntities(match[1] ?? "")] = decodeEntities(match[2] ?? "");
  }
  const userIds = [...html.matchAll(/<input type="radio" id="[^"]*" name="user_id" value="([^"]*)"/g)].map((match) => decodeEntities(match[1] ?? ""));
  return { hidden, userIds };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export type ReceivedHook = { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown>; time: number };

export type HookReceiver = {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  received: ReceivedHook[];
  /** Answers the next requests to `path` with these statuses in order (then 200). */
  script(path: string, statuses: number[]): void;
  close(): Promise<void>;
};

/** A local webhook receiver: records every POST, answers 200 unless scripted otherwise. */
export async function startReceiver(): Promise<HookReceiver> {
  const received: ReceivedHook[] = [];
  const scripts = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { raw: text };
      }
      const path = req.url ?? "";
      received.push({ path, headers: req.headers, body: parsed, time: Date.now() });
      const status = scripts.get(path)?.shift() ?? 200;
      res.writeHead(status, { "Content-Type": "text/plain" }).end(status === 200 ? "ok" : `status ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (path, statuses) => scripts.set(path, [...statuses]),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A webHooks subscription body for `eventType` on a repository. */
export function hookSubscription(input: {
  url: string;
  eventType?: string;
  projectId?: string;
  repository?: string;
  branch?: string;
  extraPublisherInputs?: Record<string, string>;
  username?: string;
  password?: string;
}): Record<string, unknown> {
  return {
    publisherId: "tfs",
    eventType: input.eventType ?? "git.push",
    resourceVersion: "1.0",
    consumerId: "webHooks",
    consumerActionId: "httpRequest",
    publisherInputs: {
      projectId: input.projectId ?? "",
      repository: input.repository ?? "",
      branch: input.branch ?? "",
      ...(input.extraPublisherInputs ?? {}),
    },
    consumerInputs: {
      url: input.url,
      httpHeaders: "X-Keel-Secret:abc123\nX-Other: two words",
      basicAuthUsername: input.username ?? "keel",
      basicAuthPassword: input.password ?? "hook-password",
      resourceDetailsToSend: "all",
      messagesToSend: "all",
      detailedMessagesToSend: "all",
    },
  };
}

export type GitRun = { code: number; stdout: string; stderr: string };

/** Runs a command (git, bash) with a clean git environment: no user or system config, no prompts. */
export function runCommand(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; home: string }): Promise<GitRun> {
  const env = isolatedChildEnv({
    PATH: inheritedPath(),
    HOME: options.home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Test Pusher",
    GIT_AUTHOR_EMAIL: "pusher@example.test",
    GIT_COMMITTER_NAME: "Test Pusher",
    GIT_COMMITTER_EMAIL: "pusher@example.test",
    ...options.env,
  });
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** GIT_CONFIG_* variables that send `Authorization: <value>` with every git request (plus other settings). */
export function authEnv(authorization: string, extra: Record<string, string> = {}): Record<string, string> {
  const entries = Object.entries({ "http.extraHeader": `Authorization: ${authorization}`, ...extra });
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

/** The Basic value for a PAT with an arbitrary user name. */
export function patAuth(pat: string): string {
  return `Basic ${Buffer.from(`any-user:${pat}`).toString("base64")}`;
}

/**
 * Uploads each content as a Git LFS object through the batch API, as `git lfs push` does
 * (batch upload, then PUT to each href with the same credential), and returns each one's
 * pointer file — what a commit records in place of the content.
 */
export async function uploadLfsObjects(cloneUrl: string, authorization: string, contents: readonly Buffer[]): Promise<string[]> {
  const objects = contents.map((content) => ({ oid: createHash("sha256").update(content).digest("hex"), size: content.length, content }));
  const headers = { Authorization: authorization, Accept: "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json" };
  const answer = await request(`${cloneUrl}.git/info/lfs/objects/batch`, {
    method: "POST",
    headers,
    body: JSON.stringify({ operation: "upload", transfers: ["basic"], objects: objects.map(({ oid, size }) => ({ oid, size })) }),
  });
  if (answer.status !== 200) {
    throw new Error(`LFS batch upload answered ${answer.status}: ${answer.text}`);
  }
  const actions = (answer.json as { objects: Array<{ oid: string; actions?: { upload?: { href: string } } }> }).objects;
  for (const object of objects) {
    const href = actions.find((entry) => entry.oid === object.oid)?.actions?.upload?.href;
    if (href !== undefined) {
      const put = await request(href, { method: "PUT", headers: { Authorization: authorization, "Content-Type": "application/octet-stream" }, body: object.content });
      if (put.status !== 200) {
        throw new Error(`LFS upload of ${object.oid} answered ${put.status}: ${put.text}`);
      }
    }
  }
  return objects.map(({ oid, size }) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`);
}
