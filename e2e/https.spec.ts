import { expect, test } from "@playwright/test";
import { signInPage } from "./support/auth";
import { createUser, prisma, removeUser } from "./support/db";
import { KEEL_URL } from "./support/settings";

// Keel is served over HTTPS in these tests, behind a TLS-terminating proxy like a production
// deployment: next-auth must use its secure cookies, and server actions must still accept the
// browser's own requests and refuse those from another origin.

test.describe("Keel over HTTPS", () => {
  let admin: Awaited<ReturnType<typeof createUser>>;
  test.beforeAll(async () => {
    admin = await createUser({ role: "ADMIN", name: "Tess Tls" });
  });
  test.afterAll(async () => {
    await prisma().connectDraft.deleteMany({ where: { userId: admin.id } });
    await removeUser(admin.id);
  });

  test("the public URL is https and the session and CSRF cookies are the secure ones", async ({ page }) => {
    expect(KEEL_URL).toMatch(/^https:\/\/localhost:\d+$/);
    await signInPage(page, admin.email, admin.password);
    const cookies = await page.context().cookies(KEEL_URL);
    const session = cookies.find((cookie) => cookie.name === "__Secure-next-auth.session-token");
    expect(session, "next-auth's __Secure- session cookie").toMatchObject({ secure: true, httpOnly: true, sameSite: "Lax" });
    expect(cookies.find((cookie) => cookie.name === "next-auth.session-token")).toBeUndefined();
    expect(cookies.find((cookie) => cookie.name === "__Host-next-auth.csrf-token")).toMatchObject({ secure: true, path: "/" });
    await page.goto("/connections");
    await expect(page).toHaveURL(`${KEEL_URL}/connections`);
  });

  test("a server action works from the page and is refused when another origin replays it", async ({ page }) => {
    await signInPage(page, admin.email, admin.password);
    await page.goto("/connect");
    let captured: { headers: Record<string, string>; body: Buffer } | undefined;
    await page.route("**/connect", async (route) => {
      const request = route.request();
      if (request.method() === "POST" && request.headers()["next-action"]) {
        captured = { headers: request.headers(), body: request.postDataBuffer()! };
      }
      await route.continue();
    });
    await page.getByRole("radio", { name: /Azure DevOps Services/ }).check();
    await page.getByRole("button", { name: "Continue" }).click();
    await expect(page).toHaveURL(/\/connect\/[0-9a-f-]{36}\/method$/);
    await page.unroute("**/connect");
    expect(captured?.headers.origin).toBe(KEEL_URL);
    const drafts = await prisma().connectDraft.count({ where: { userId: admin.id } });

    const { host: _host, "content-length": _length, cookie: _cookie, ...headers } = captured!.headers;
    const forged = await page.request.post(`${KEEL_URL}/connect`, { headers: { ...headers, origin: "https://attacker.example" }, data: captured!.body, maxRedirects: 0 });
    expect(forged.status()).toBeGreaterThanOrEqual(400);
    expect(await prisma().connectDraft.count({ where: { userId: admin.id } })).toBe(drafts);

    const own = await page.request.post(`${KEEL_URL}/connect`, { headers: { ...headers, origin: KEEL_URL }, data: captured!.body, maxRedirects: 0 });
    expect(own.status()).toBeLessThan(400);
    expect(await prisma().connectDraft.count({ where: { userId: admin.id } })).toBe(drafts + 1);
  });
});
