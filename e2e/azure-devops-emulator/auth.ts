import {
  anonymousError,
  expiredPatError,
  notAuthorizedError,
  revokedPatError,
  servicePrincipalNotAddedError,
  type WrappedException,
} from "./errors.js";
import { escapeHtml, sendHtml, sendWrapped, type RequestContext } from "./http.js";
import type { FixtureUser } from "./model.js";
import { FULL_ACCESS, hasAnyScope } from "./scopes.js";
import type { AccessTokenRecord, HostRecord, PatRecord, Store } from "./store.js";
import type { HostUrls } from "./urls.js";

/** Who a request acts as, after authentication. */
export type Principal = {
  via: "pat" | "oauth";
  user: FixtureUser;
  scopes: string[];
  pat?: PatRecord;
  token?: AccessTokenRecord;
};

/** Why authentication failed; decides 401 vs 203 (docs/azure-devops-facts.md §2.2). */
export class AuthFailure extends Error {
  readonly body: WrappedException;
  /** True when credentials were presented but are bad/expired/revoked (203 without Suppress). */
  readonly badCredentials: boolean;

  constructor(body: WrappedException, badCredentials: boolean) {
    super(body.message);
    this.body = body;
    this.badCredentials = badCredentials;
  }
}

/** What is being accessed: an organization/collection, or the Services root (profile, accounts). */
export type AuthTarget = {
  host?: HostRecord;
  urls: HostUrls;
};

type Credentials = { scheme: "basic"; password: string } | { scheme: "bearer"; token: string } | { scheme: "other" } | undefined;

/** Reads the Authorization header. PATs go in the Basic password with ANY user name (docs/azure-devops-facts.md §3.5). */
function readCredentials(header: string | undefined): Credentials {
  if (header === undefined || header.trim().length === 0) {
    return undefined;
  }
  const [scheme = "", ...rest] = header.trim().split(/\s+/);
  const value = rest.join(" ");
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const password = colon === -1 ? decoded : decoded.slice(colon + 1);
    return { scheme: "basic", password };
  }
  if (scheme.toLowerCase() === "bearer") {
    return { scheme: "bearer", token: value };
  }
  return { scheme: "other" };
}

/** True when the PAT may be used on this target (deployment, organization scope). */
function patCovers(pat: PatRecord, deployment: string, host: HostRecord | undefined): boolean {
  if (pat.deployment !== deployment) {
    return false;
  }
  if (host === undefined) {
    // The vssps role (profile, accounts) only accepts "All accessible organizations" PATs (docs/azure-devops-facts.md §1.7).
    return pat.organizations === "all";
  }
  if (pat.organizations === "all") {
    return true;
  }
  return pat.organizations.some((name) => name.toLowerCase() === host.name.toLowerCase());
}

/** Authenticates a REST request; throws AuthFailure. */
export function authenticate(ctx: RequestContext, store: Store, target: AuthTarget): Principal {
  const credentials = readCredentials(ctx.req.headers.authorization);
  if (credentials === undefined) {
    throw new AuthFailure(anonymousError(), false);
  }
  const now = store.clock.now();
  const deployment = ctx.deployment;
  if (credentials.scheme === "basic") {
    const pat = store.pats.get(credentials.password);
    if (!pat || !patCovers(pat, deployment.name, target.host)) {
      // A PAT of another organization is simply unknown to this one.
      throw new AuthFailure(notAuthorizedError(""), true);
    }
    if (pat.revoked) {
      throw new AuthFailure(revokedPatError(), true);
    }
    if (Date.parse(pat.expiresAt) <= now) {
      throw new AuthFailure(expiredPatError(), true);
    }
    const user = store.user(pat.userId);
    if (!user) {
      throw new AuthFailure(notAuthorizedError(""), true);
    }
    if (target.host && !target.host.members.has(user.id)) {
      throw new AuthFailure(notAuthorizedError(user.id), false);
    }
    return { via: "pat", user, scopes: pat.scopes === "full" ? [FULL_ACCESS] : [...pat.scopes], pat };
  }
  if (credentials.scheme === "bearer") {
    if (deployment.kind === "server") {
      // "OAuth 2.0 is not supported on Azure DevOps Server" (docs/azure-devops-facts.md §3.5).
      throw new AuthFailure(notAuthorizedError(""), true);
    }
    const token = store.accessTokens.get(credentials.token);
    const grant = token === undefined ? undefined : store.grants.get(token.grantId);
    if (!token || token.revoked || grant?.revoked === true || token.expiresAt <= now) {
      throw new AuthFailure(notAuthorizedError(""), true);
    }
    const user = store.user(token.userId);
    if (!user) {
      throw new AuthFailure(notAuthorizedError(""), true);
    }
    if (target.host) {
      // The org policy governs Azure DevOps OAuth apps only; Entra tokens are not affected (docs/azure-devops-facts.md §2.6).
      if (token.provider === "legacy" && !target.host.oauthPolicy) {
        throw new AuthFailure(notAuthorizedError(user.id), false);
      }
      if (!target.host.members.has(user.id)) {
        // A service principal nobody added to the organization is unknown to it (TF401444).
        throw new AuthFailure(user.kind === "servicePrincipal" ? servicePrincipalNotAddedError(user) : notAuthorizedError(user.id), false);
      }
    } else if (user.kind === "servicePrincipal" && !store.hostsOf("services").some((host) => host.members.has(user.id))) {
      // Profile and accounts: Azure DevOps has no identity for a principal added nowhere.
      throw new AuthFailure(servicePrincipalNotAddedError(user), false);
    }
    // Azure DevOps authorizes a service principal by its groups, not by scopes: a Reader may read
    // but not write (emulator choice: its writes are refused like a missing scope, 401 TF400813).
    const scopes = target.host && user.kind === "servicePrincipal" && store.entra.isReader(target.host, user.id) ? [...PRINCIPAL_READER_SCOPES] : [...token.scopes];
    return { via: "oauth", user, scopes, token };
  }
  throw new AuthFailure(notAuthorizedError(""), true);
}

/** What a principal in the Readers group may do, as scopes: everything that only reads. */
const PRINCIPAL_READER_SCOPES = ["vso.code", "vso.project", "vso.identity", "vso.notification", "vso.build", "vso.work"] as const;

/** Throws a 401 TF400813 naming the user when the principal lacks every accepted scope. */
export function requireScopes(principal: Principal, accepted: readonly string[]): void {
  if (hasAnyScope(principal.scopes, accepted)) {
    return;
  }
  // Emulator choice: a missing scope is refused like an unauthorized user (401 TF400813).
  throw new AuthFailure(notAuthorizedError(principal.user.id), false);
}

/** `WWW-Authenticate` per deployment kind (docs/azure-devops-facts.md §2.2). */
export function wwwAuthenticate(ctx: RequestContext, target: AuthTarget): string {
  if (ctx.deployment.kind === "server") {
    return `Bearer, Basic realm="${target.urls.root}", Negotiate, NTLM`;
  }
  const tenant = target.host?.tenantId ?? "common";
  return `Bearer authorization_uri=${target.urls.root}/${tenant}, Basic realm="${target.urls.root}/", TFS-Federated`;
}

/** Writes the response for an AuthFailure: 401 JSON, or 203 + sign-in HTML without Suppress. */
export function sendAuthFailure(ctx: RequestContext, failure: AuthFailure, target: AuthTarget): void {
  const suppress = (ctx.req.headers["x-tfs-fedauthredirect"] ?? "").toString().toLowerCase() === "suppress";
  if (failure.badCredentials && !suppress && ctx.deployment.kind === "services") {
    sendHtml(ctx, 203, signInPage(target.urls.root), { "X-TFS-FedAuthRedirect": "Suppressable" });
    return;
  }
  const headers: Record<string, string> = { "WWW-Authenticate": wwwAuthenticate(ctx, target) };
  if (ctx.deployment.kind === "server") {
    headers["Lfs-Authenticate"] = "NTLM";
  } else {
    headers["X-TFS-FedAuthRealm"] = `${target.urls.root}/`;
    headers["X-TFS-FedAuthIssuer"] = `${target.urls.base}/`;
    headers["X-VSS-ResourceTenant"] = target.host?.tenantId ?? "00000000-0000-0000-0000-000000000000";
  }
  sendWrapped(ctx, 401, failure.body, headers);
}

/** The sign-in page a browser-less client gets as a 203 (exact real HTML is UNVERIFIED). */
function signInPage(root: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Azure DevOps Services | Sign In</title></head>
<body>
<h1>Sign in</h1>
<p>Sign in to continue to Azure DevOps.</p>
<p><a href="${escapeHtml(root)}/_signin">Sign in</a></p>
</body>
</html>`;
}
