import { escapeHtml, sendHtml, type RequestContext } from "./http.js";
import type { FixtureUser } from "./model.js";

/**
 * The sign-in + consent page both OAuth providers render. Built for Playwright: a radio group
 * "Sign in as" (one radio per fixture account, labelled "Display Name (email)"), the requested
 * scopes as a list, and the buttons "Accept" and "Deny".
 */
export type ConsentPage = {
  title: string;
  appName: string;
  /** Where the form posts (the authorize path itself). */
  action: string;
  /** Original authorize parameters, echoed as hidden fields. */
  params: URLSearchParams;
  users: FixtureUser[];
  /** Pre-selected account (login_hint). */
  selectedUserId?: string;
  scopes: string[];
  /**
   * Entra's "Need admin approval" interrupt (the app lacks admin consent and users may not
   * consent): no Accept, only "Return to the application without granting consent".
   */
  adminApprovalRequired?: boolean;
};

/** Writes the consent page. */
export function sendConsentPage(ctx: RequestContext, page: ConsentPage): void {
  const hidden = [...page.params]
    .filter(([name]) => name !== "user_id" && name !== "decision")
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("\n      ");
  const selected = page.selectedUserId ?? page.users[0]?.id;
  const radios = page.users
    .map((user) => {
      const id = `user-${escapeHtml(user.id)}`;
      const checked = user.id === selected ? " checked" : "";
      return `<div><input type="radio" id="${id}" name="user_id" value="${escapeHtml(user.id)}"${checked}> <label for="${id}">${escapeHtml(user.displayName)} (${escapeHtml(user.email)})</label></div>`;
    })
    .join("\n        ");
  const scopes = page.scopes.map((scope) => `<li>${escapeHtml(scope)}</li>`).join("\n        ");
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${escapeHtml(page.title)}</title>
</head>
<body>
  <main>
    <h1>${escapeHtml(page.adminApprovalRequired === true ? "Need admin approval" : page.title)}</h1>
    ${
      page.adminApprovalRequired === true
        ? `<p role="alert"><strong>${escapeHtml(page.appName)}</strong> needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>`
        : `<p><strong>${escapeHtml(page.appName)}</strong> wants to access your Azure DevOps resources.</p>`
    }
    <form method="post" action="${escapeHtml(page.action)}">
      ${hidden}
      <fieldset>
        <legend>Sign in as</legend>
        ${radios.length > 0 ? radios : "<p>No account can sign in here.</p>"}
      </fieldset>
      <section aria-labelledby="scopes-heading">
        <h2 id="scopes-heading">Requested permissions</h2>
        <ul aria-label="Requested permissions">
        ${scopes}
        </ul>
      </section>
      ${
        page.adminApprovalRequired === true
          ? '<button type="submit" name="decision" value="cancel">Return to the application without granting consent</button>'
          : `<button type="submit" name="decision" value="accept">Accept</button>
      <button type="submit" name="decision" value="deny">Deny</button>`
      }
    </form>
  </main>
</body>
</html>`;
  sendHtml(ctx, 200, html, { "Cache-Control": "no-store" });
}

/** A 400 error page (bad client id, redirect URI mismatch…): never redirects. `details` are extra lines (trace ids). */
export function sendOAuthErrorPage(ctx: RequestContext, title: string, message: string, details: readonly string[] = []): void {
  const extra = details.map((line) => `<p>${escapeHtml(line)}</p>`).join("");
  const html = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>${extra}</main></body>
</html>`;
  sendHtml(ctx, 400, html, { "Cache-Control": "no-store" });
}

/** Appends OAuth parameters to a redirect URI (keeping its own query). */
export function withParams(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) {
      url.searchParams.set(name, value);
    }
  }
  return url.toString();
}

/** The authorize parameters from the query (GET) or the posted consent form (POST). */
export function authorizeParams(ctx: RequestContext, form: URLSearchParams | undefined): URLSearchParams {
  return form ?? ctx.url.searchParams;
}
