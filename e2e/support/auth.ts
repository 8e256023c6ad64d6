import { expect, type APIRequestContext, type Page } from "@playwright/test";

/**
 * Signs in through next-auth's API (no UI clicks): fetches the CSRF token and posts
 * the credentials. The session cookie lands in the request context's cookie jar,
 * which a page's context shares.
 */
export async function signInViaApi(request: APIRequestContext, email: string, password: string): Promise<void> {
  const csrf = await request.get("/api/auth/csrf");
  expect(csrf.ok()).toBe(true);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password, json: "true", callbackUrl: "/connections" },
    maxRedirects: 0,
  });
  expect([200, 302]).toContain(response.status());
  const session = await request.get("/api/auth/session");
  const body = (await session.json()) as { user?: { id?: string } };
  expect(body.user?.id, `sign-in as ${email} failed`).toBeTruthy();
}

/** Signs a page's browser context in. */
export async function signInPage(page: Page, email: string, password: string): Promise<void> {
  await signInViaApi(page.request, email, password);
}
