// Plain helpers for the connect wizard specs (e2e/connect-pat*.spec.ts): click through the
// wizard's steps by role and label, and prove afterwards that a token never left the server
// in clear — not in a response body, not in Keel's log, not in a database column.
import { readFileSync, existsSync } from "node:fs";
import { expect, type Page, type Request } from "@playwright/test";
import { prisma } from "./db";
import { e2eLogFile } from "./keel-env";

export type Provider = "SERVICES" | "SERVER";

/**
 * Records the body of every response the page receives (documents, RSC payloads, server
 * action answers, scripts). Call before the first navigation; `texts()` waits for all reads.
 */
export function captureResponses(page: Page) {
  const reads: Promise<{ url: string; text: string }>[] = [];
  page.on("response", (response) => {
    reads.push(
      response
        .body()
        .then((body) => ({ url: response.url(), text: body.toString("utf8") }))
        // Redirects and aborted requests have no body to read.
        .catch(() => ({ url: response.url(), text: "" })),
    );
  });
  return {
    async texts() {
      return Promise.all(reads);
    },
    count: () => reads.length,
  };
}

export type CapturedResponses = ReturnType<typeof captureResponses>;

/** Starts the wizard as the signed-in admin and goes to the PAT form; returns the draft id. */
export async function startPatWizard(page: Page, provider: Provider): Promise<string> {
  await page.goto("/connect");
  await page.getByRole("radio", { name: provider === "SERVICES" ? /^Azure DevOps Services/ : /^Azure DevOps Server/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/method$/);
  await page.getByRole("radio", { name: /^Personal Access Token \(User\)/ }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/pat$/);
  await expect(page.getByRole("heading", { name: "Connect with a Personal Access Token" })).toBeVisible();
  return draftIdOf(page);
}

/** The draft id in the current wizard URL. */
export function draftIdOf(page: Page): string {
  const match = /\/connect\/([0-9a-f-]{36})\//.exec(new URL(page.url()).pathname + "/");
  expect(match, `not a wizard URL: ${page.url()}`).not.toBeNull();
  return match![1]!;
}

export type PatFormValues = { name?: string; serverUrl?: string; collection?: string; token?: string; tokenExpiresAt?: string };

/** Fills the PAT form's fields that are given (others keep what they show). */
export async function fillPatForm(page: Page, values: PatFormValues): Promise<void> {
  const form = page.getByRole("form", { name: "Personal Access Token connection" });
  if (values.name !== undefined) {
    await form.getByLabel("Connection Name").fill(values.name);
  }
  if (values.serverUrl !== undefined) {
    await form.getByLabel("Azure DevOps Server URL").fill(values.serverUrl);
  }
  if (values.collection !== undefined) {
    await form.getByLabel(/^(Organization|Collection Name)$/).fill(values.collection);
  }
  if (values.token !== undefined) {
    await form.getByLabel("Personal Access Token", { exact: true }).fill(values.token);
  }
  if (values.tokenExpiresAt !== undefined) {
    await form.getByLabel(/Token expiry date/).fill(values.tokenExpiresAt);
  }
}

/** Submits the PAT form ("Check connection") and waits for the check step. */
export async function submitPatForm(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Check connection" }).click();
  await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/check/, { timeout: 45_000 });
  await expect(page.getByRole("heading", { level: 2 })).toBeVisible();
}

/** The doctor's finding with this id on the current page. */
export function finding(page: Page, id: string) {
  return page.locator(`[data-finding="${id}"]`);
}

/** Text of every row of a table, for searching a secret in it. */
async function tableText(table: "Connection" | "ConnectDraft" | "AuditEvent" | "Account"): Promise<string> {
  const rows = await prisma().$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
  return rows.map((row) => row.row).join("\n");
}

/** Keel's log so far (the e2e server appends every line to one file). */
export function keelLog(): string {
  const file = e2eLogFile();
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

/**
 * The token appears in no response the page received, not in the page's final HTML, not in
 * Keel's log, and in no column of the tables that hold connections, drafts and audit events.
 */
export async function expectTokenNowhere(page: Page, captured: CapturedResponses, token: string): Promise<void> {
  const responses = await captured.texts();
  expect(responses.length, "the capture saw the page's responses").toBeGreaterThan(0);
  const leaks = responses.filter((response) => response.text.includes(token)).map((response) => response.url);
  expect(leaks, "responses that contained the token").toEqual([]);
  expect(await page.content(), "the page's HTML").not.toContain(token);
  const log = keelLog();
  expect(log.length, "Keel's log file is written during the run").toBeGreaterThan(0);
  expect(log.includes(token), "Keel's log contains the token").toBe(false);
  for (const table of ["Connection", "ConnectDraft", "AuditEvent", "Account"] as const) {
    expect((await tableText(table)).includes(token), `table ${table} holds the token in clear`).toBe(false);
  }
}

/** Waits for the next server action request the page sends. */
export function nextActionRequest(page: Page): Promise<Request> {
  return new Promise<Request>((resolve) => {
    const listener = (request: Request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) {
        page.off("request", listener);
        resolve(request);
      }
    };
    page.on("request", listener);
  });
}

/** Posts a captured server action request again with another page's session (a "direct" post). */
export async function replayAction(page: Page, request: Request, body?: string) {
  return page.request.post(new URL(request.url()).pathname, {
    headers: { "next-action": request.headers()["next-action"]!, "content-type": request.headers()["content-type"]!, accept: "text/x-component" },
    data: body ?? request.postDataBuffer() ?? "",
    maxRedirects: 0,
  });
}

/** Audit events about one target, oldest first. */
export async function auditFor(targetId: string) {
  return prisma().auditEvent.findMany({ where: { targetId }, orderBy: { createdAt: "asc" } });
}

/**
 * After "Save connection": the wizard goes on to its repository step for the new
 * connection ("Connection saved", then the picker). Returns the connection id.
 */
export async function expectSavedIntoRepositoryStep(page: Page, pastedRepository?: string): Promise<string> {
  await expect(page).toHaveURL(/\/connections\/[0-9a-f-]{36}\/repositories\?step=wizard/, { timeout: 30_000 });
  // A repository named by a pasted address is searched for (and picked) on arrival.
  expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ step: "wizard", ...(pastedRepository ? { q: pastedRepository } : {}) });
  await expect(page.getByRole("status").filter({ hasText: "Connection saved" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Connect steps" }).locator('[aria-current="step"]')).toContainText("Repository");
  return new URL(page.url()).pathname.split("/")[2]!;
}
