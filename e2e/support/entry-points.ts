// Keel's entry points found mechanically, and called the way a browser calls them.
//
// Server actions: the build's server-reference manifest (`.next/server/server-reference-manifest.json`)
// names every action Next.js will run (file, export, id), and every export of lib/actions must
// be among them. Route handlers: every `app/api/**/route.ts` and the HTTP methods it exports.
// Actions are posted like React posts them: `Next-Action: <id>`, the arguments encoded by
// React's own `encodeReply` (bound arguments first, then the previous state and the form).
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { KEEL_URL } from "./settings";

const root = path.resolve(import.meta.dirname, "../..");

/** A server action of this build: its id, and a page that uses it (`/connections/[id]`). */
export type DiscoveredAction = { id: string; page: string };

/** `lib/actions/connections.ts#checkConnectionAction` → its id in this build and a page that uses it. */
export function discoverActions(): Map<string, DiscoveredAction> {
  const manifestFile = path.join(root, ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { node: Record<string, { filename?: string; exportedName?: string; workers?: Record<string, unknown> }> };
  const actions = new Map<string, DiscoveredAction>();
  for (const [id, entry] of Object.entries(manifest.node)) {
    const worker = Object.keys(entry.workers ?? {}).find((name) => name.endsWith("/page"));
    if (!entry.filename || !entry.exportedName || !worker) {
      throw new Error(`The server-reference manifest entry ${id} names no file, export or page: this Next.js writes it differently; update discoverActions().`);
    }
    // "app/(app)/connections/[id]/page" → "/connections/[id]"
    const page = `/${worker.replace(/^app\//, "").replace(/\/?page$/, "").split("/").filter((segment) => segment !== "" && !/^\(.*\)$/.test(segment)).join("/")}`;
    actions.set(`${entry.filename}#${entry.exportedName}`, { id, page });
  }
  return actions;
}

/** Every export of lib/actions (each is a public endpoint), as `file#name`. */
export function exportedActions(): string[] {
  const folder = path.join(root, "lib", "actions");
  return readdirSync(folder)
    .filter((file) => file.endsWith(".ts"))
    .flatMap((file) => {
      const text = readFileSync(path.join(folder, file), "utf8");
      return [...text.matchAll(/^export\s+(?:const|async\s+function|function|let)\s+([A-Za-z0-9_]+)/gm)].map((match) => `lib/actions/${file}#${match[1]}`);
    });
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** Every file called `name` under `folder`, at any depth. */
function filesNamed(folder: string, name: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    return entry.isDirectory() ? filesNamed(full, name) : entry.name === name ? [full] : [];
  });
}

/** Every route handler as `METHOD /api/path/[param]` (from the files, so a new one is found before it has a row). */
export function discoverRoutes(): string[] {
  const found: string[] = [];
  for (const file of filesNamed(path.join(root, "app", "api"), "route.ts")) {
    const text = readFileSync(file, "utf8");
    const route = `/${path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep).join("/")}`;
    const direct = [...text.matchAll(/^export\s+(?:const|async\s+function|function)\s+([A-Z]+)\b/gm)].map((match) => match[1]);
    const aliased = [...text.matchAll(/^export\s*\{([^}]*)\}/gm)].flatMap((match) => [...match[1]!.matchAll(/\bas\s+([A-Z]+)\b/g)].map((alias) => alias[1]));
    for (const method of [...direct, ...aliased]) {
      if ((METHODS as readonly string[]).includes(method!)) {
        found.push(`${method} ${route}`);
      }
    }
  }
  return found.sort();
}

/** Every page as its route pattern (`/connections/[id]`), and whether its file reads the query string. */
export function discoverPages(): { pattern: string; readsQuery: boolean }[] {
  const appRoot = path.join(root, "app");
  return filesNamed(appRoot, "page.tsx")
    .map((file) => {
      const segments = path.relative(appRoot, path.dirname(file)).split(path.sep).filter((segment) => segment !== "" && !/^\(.*\)$/.test(segment));
      return { pattern: `/${segments.join("/")}`, readsQuery: readFileSync(file, "utf8").includes("searchParams") };
    })
    .sort((a, b) => a.pattern.localeCompare(b.pattern));
}

type ReactClient = { encodeReply(value: unknown): Promise<FormData | string> };
// React's reply encoder, the same code the browser runs (Next.js vendors it).
const reactClient = createRequire(path.join(root, "package.json"))("next/dist/compiled/react-server-dom-webpack/client.edge") as ReactClient;

/** What an action call came to: the FormState it answered, or the redirect it made. */
export type ActionResult = { redirect: string | null; state: { status: string; code?: string; message?: string } | null; status: number };

/** Reads the action's result out of Next.js' RSC answer (`0:{"a":"$@1",…}` then `1:<result>`). */
function actionResultOf(text: string): ActionResult["state"] {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) {
      rows.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  const head = rows.get("0");
  if (!head) {
    return null;
  }
  const reference = (JSON.parse(head) as { a?: string }).a;
  const row = typeof reference === "string" && reference.startsWith("$@") ? rows.get(reference.slice(2)) : undefined;
  return row ? (JSON.parse(row) as ActionResult["state"]) : null;
}

/**
 * Calls a server action over HTTP, as the browser does, with this context's cookies: posted to
 * a page that uses it, the page's id segments filled with the first bound argument (the target).
 */
export async function callAction(request: APIRequestContext, action: DiscoveredAction, boundArgs: readonly unknown[], form: Record<string, string>): Promise<ActionResult> {
  const formData = new FormData();
  for (const [key, value] of Object.entries(form)) {
    formData.append(key, value);
  }
  const segment = typeof boundArgs[0] === "string" ? boundArgs[0] : randomUUID();
  return postAction(request, action, [...boundArgs, { status: "idle" }, formData], segment);
}

/** Posts any argument list to an action (encoded by React's `encodeReply`), on its page with `segment` as every id. */
export async function postAction(request: APIRequestContext, action: DiscoveredAction, args: readonly unknown[], segment: string): Promise<ActionResult> {
  const body = await reactClient.encodeReply(args);
  const response = await request.post(action.page.replace(/\[[^\]]+\]/g, encodeURIComponent(segment)), {
    headers: { "next-action": action.id, accept: "text/x-component", origin: KEEL_URL },
    ...(typeof body === "string" ? { data: body } : { multipart: body }),
    maxRedirects: 0,
  });
  const redirect = response.headers()["x-action-redirect"] ?? null;
  const text = await response.text();
  let state: ActionResult["state"] = null;
  if (!redirect) {
    try {
      state = actionResultOf(text);
    } catch {
      state = null;
    }
  }
  return { redirect, state, status: response.status() };
}
