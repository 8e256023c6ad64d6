/**
 * The connection doctor's findings: what each problem means and exactly how to fix it,
 * written for the admin who runs the check. Pure text builders; ./doctor decides which apply.
 *
 * Texts may quote Azure DevOps' own error messages (they are about the admin's own server and
 * token) but never a token, a request header, or the body of something that is not Azure DevOps.
 */
import type { AzureDevOpsError } from "./errors";
import { REQUIRED_PAT_SCOPES, type ScopeInfo } from "./scopes";

export type FindingSeverity = "error" | "warning";

export type FindingId =
  | "unreachable_dns"
  | "unreachable_refused"
  | "unreachable_timeout"
  | "unreachable_reset"
  | "unreachable_network"
  | "blocked_by_policy"
  | "redirected"
  | "tls_self_signed"
  | "tls_unknown_ca"
  | "tls_expired"
  | "tls_hostname_mismatch"
  | "tls_failed"
  | "not_azure_devops"
  | "collection_not_found"
  | "organization_not_found"
  | "token_invalid"
  | "token_expired"
  | "token_wrong_organization"
  | "sign_in_page"
  | "oauth_policy_disabled"
  | "server_too_old"
  | "version_unknown"
  | "missing_scope"
  | "commit_status_check_skipped"
  | "public_url_mismatch"
  | "rate_limited"
  | "server_error"
  | "cancelled"
  | "check_failed"
  // A service principal or managed identity on the Azure DevOps side (docs/azure-devops-facts.md §3.7).
  | "service_principal_not_added"
  | "service_principal_no_projects"
  // Getting the principal's token from Microsoft Entra ID (lib/entra/findings.ts).
  | "entra_wrong_tenant"
  | "entra_personal_account"
  | "entra_app_not_found"
  | "entra_secret_invalid"
  | "entra_secret_expired"
  | "entra_certificate_not_registered"
  | "entra_certificate_expired"
  | "entra_certificate_key_mismatch"
  | "entra_assertion_rejected"
  | "entra_federation_no_match"
  | "entra_federation_issuer_unreachable"
  | "entra_federation_key_unknown"
  | "entra_admin_consent_required"
  | "entra_unreachable"
  | "entra_rejected"
  | "managed_identity_disabled"
  | "managed_identity_unavailable"
  | "managed_identity_not_found";

export type Finding = {
  id: FindingId;
  severity: FindingSeverity;
  title: string;
  detail: string;
  /** Steps, in order. */
  fix: string[];
  data?: Record<string, string | number>;
};

/** A service principal or managed identity signing in (its token is a bearer token). */
export type PrincipalContext = {
  kind: "application" | "managedIdentity";
  /** The app's Application (client) id, or a user-assigned identity's client id. */
  clientId?: string;
  /** The principal's object id in Microsoft Entra ID, once known. */
  objectId?: string;
};

/** What the findings need to know about the connection being checked. */
export type FindingContext = {
  deploymentType: "services" | "server";
  credentialKind: "pat" | "bearer";
  collectionUrl: string;
  collection: string;
  /** The check's clock (texts that depend on a date, like the global-PAT retirement). */
  now?: Date;
  /** Set when the bearer token is a service principal's (or a managed identity's), not a person's. */
  principal?: PrincipalContext;
};

/**
 * Azure DevOps stops accepting global PATs ("All accessible organizations") on this day
 * (docs/azure-devops-facts.md §3.2); after it such a token is refused like an unknown one.
 */
export const GLOBAL_PAT_RETIREMENT = new Date("2026-12-01T00:00:00Z");

/** The sentence about global PATs a refused PAT on Services carries, as of `now`. */
export function globalPatNote(now: Date): string {
  return now.getTime() >= GLOBAL_PAT_RETIREMENT.getTime()
    ? 'If the token was created for "All accessible organizations" (a global token), that is the likely cause: Azure DevOps stopped accepting global personal access tokens on 1 December 2026.'
    : 'If the token was created for "All accessible organizations" (a global token), replace it now: Azure DevOps stops accepting global personal access tokens on 1 December 2026.';
}

/** How to create the organization-scoped token that replaces a global one. */
function organizationScopedTokenStep(collection: string): string {
  return `Create an organization-scoped token instead: in the token dialog, under Organization choose "${collection}" (not "All accessible organizations"), with the scopes ${REQUIRED_LIST}.`;
}

const NETWORK_PAGE = "Keel's outgoing addresses are listed on Keel's Network settings page.";
const PAT_PAGE = "In Azure DevOps, open User settings (the icon next to your picture) → Personal access tokens.";
const REQUIRED_LIST = REQUIRED_PAT_SCOPES.map((scope) => scope.label).join(", ");

/** The finding for an error that stopped the check (network, TLS, token, server). */
export function findingForError(error: AzureDevOpsError, context: FindingContext): Finding {
  const reason = error.reason;
  const adoSaid = error.serviceError?.message;
  switch (reason.kind) {
    case "network":
      return networkFinding(reason, error.message, context);
    case "not_azure_devops":
      return notAzureDevOps(reason.status, reason.contentType, context);
    case "not_found":
      return notFound(context, adoSaid);
    case "unauthorized":
      switch (reason.unauthorized) {
        case "expired":
          return tokenExpired(context, adoSaid);
        case "sign_in_page":
          return signInPage(context);
        case "not_member":
          return wrongOrganization(context, reason.userId);
        case "principal_not_added":
          return servicePrincipalNotAdded(context, reason.userId);
        case "oauth_policy":
          // The OAuth policy governs OAuth apps, not service principals: for them a TF400813
          // naming the principal is a missing permission in the organization.
          return context.principal ? principalPermissionRefusal(context, adoSaid) : oauthPolicyDisabled(context, false);
        default:
          return tokenInvalid(context, adoSaid, reason.unauthorized === "revoked");
      }
    case "rate_limited":
      return rateLimited(reason.retryAfterSeconds, reason.resetAt);
    case "server_error":
      return {
        id: "server_error",
        severity: "error",
        title: `The server had an internal error (HTTP ${reason.status})`,
        detail: `Azure DevOps answered with HTTP ${reason.status} even after Keel retried.${quote(adoSaid)} This is a problem on the server, not in Keel's settings.`,
        fix: ["Wait a few minutes and run Check again.", "If it persists, the server's administrator should look at its event log (Azure DevOps Server) or status.dev.azure.com (Services)."],
        data: { status: reason.status },
      };
    case "missing_scope":
    case "forbidden":
      if (context.principal) {
        return principalPermissionRefusal(context, adoSaid);
      }
      return {
        id: "missing_scope",
        severity: "error",
        title: "The token is not allowed to read this organization",
        detail: `Azure DevOps refused the request for lack of permission.${quote(adoSaid)}`,
        fix: [PAT_PAGE, `Give the token the scopes ${REQUIRED_LIST}, then run Check again.`],
      };
    default:
      return checkFailed(error.message);
  }
}

/** The token identifies a user with no access to this organization/collection. */
export function wrongOrganization(context: FindingContext, userId: string | undefined): Finding {
  const where = context.deploymentType === "services" ? `the organization "${context.collection}"` : `the collection "${context.collection}"`;
  const fix =
    context.deploymentType === "services"
      ? [
          `Check that "${context.collection}" is the organization you meant (the part after dev.azure.com/ in your browser).`,
          `Either ask an administrator of ${context.collection} to add this user (Organization settings → Users → Add users),`,
          context.credentialKind === "pat"
            ? `or create the token while signed in to ${context.collection}, choosing "${context.collection}" under Organization in the token dialog, and paste it into Keel.`
            : `or sign in to Azure DevOps from Keel again with an account that belongs to ${context.collection}.`,
          "Run Check again.",
        ]
      : [
          `Check that "${context.collection}" is the collection you meant (for example DefaultCollection).`,
          `Ask a Project Collection Administrator to give this user access to ${context.collection}, or use a token of a user who has it.`,
          "Run Check again.",
        ];
  const finding: Finding = {
    id: "token_wrong_organization",
    severity: "error",
    title: `The token's user has no access to ${where}`,
    detail: `Azure DevOps recognised the token's user but refused access to ${where} (TF400813). The token belongs to a user who is not a member there, or it was created for a different organization.`,
    fix,
  };
  if (userId !== undefined && userId !== "") {
    finding.data = { userId };
  }
  return finding;
}

function principalNoun(principal: PrincipalContext): string {
  return principal.kind === "managedIdentity" ? "managed identity" : "service principal";
}

function principalPermissionFix(context: FindingContext): string[] {
  const noun = context.principal ? principalNoun(context.principal) : "service principal";
  return [
    `In Azure DevOps, open Organization settings for ${context.collection} → Users, find the ${noun} and make sure its access level is Basic (Stakeholder cannot read code).`,
    `In each project Keel should build: Project settings → Permissions → Contributors → Members → Add the ${noun}.`,
    "Run Check again.",
  ];
}

function principalPermissionRefusal(context: FindingContext, adoSaid: string | undefined): Finding {
  const noun = context.principal ? principalNoun(context.principal) : "service principal";
  return {
    id: "missing_scope",
    severity: "error",
    title: `The ${noun} lacks a permission in this organization`,
    detail: `Azure DevOps refused the request for lack of permission.${quote(adoSaid)} A service principal has no token scopes: what it may do is its access level and its groups in the organization and its projects.`,
    fix: principalPermissionFix(context),
  };
}

/** TF401444: the service principal (or managed identity) was never added to the organization. */
export function servicePrincipalNotAdded(context: FindingContext, objectId: string | undefined): Finding {
  const noun = context.principal ? principalNoun(context.principal) : "service principal";
  const object = objectId ?? context.principal?.objectId;
  const finding: Finding = {
    id: "service_principal_not_added",
    severity: "error",
    title: `The ${noun} is not a user of the organization "${context.collection}"`,
    detail: `Microsoft Entra ID issued the token, but Azure DevOps answered TF401444: the ${noun}${object ? ` (object id ${object})` : ""} has not been added to ${context.collection}. A service principal or managed identity must be added to an organization like a person before it can read anything there.`,
    fix: [
      `In Azure DevOps, open Organization settings for ${context.collection} → Users → Add users.`,
      `Search for the ${noun} by its name${context.principal?.clientId ? ` (client id ${context.principal.clientId})` : ""}, choose access level Basic, and add it to the projects Keel should build (Contributors).`,
      "Or run the az rest command shown under the setup steps (it calls the Service Principal Entitlements API).",
      "Run Check again.",
    ],
  };
  if (object) {
    finding.data = { objectId: object };
  }
  return finding;
}

/** A principal added to the organization but to none of its projects: it sees nothing. */
export function servicePrincipalNoProjects(context: FindingContext): Finding {
  const noun = context.principal ? principalNoun(context.principal) : "service principal";
  return {
    id: "service_principal_no_projects",
    severity: "error",
    title: `The ${noun} sees no project in "${context.collection}"`,
    detail: `The ${noun} is a user of ${context.collection} but was given access to none of its projects, so Azure DevOps lists no project and no repository for it. Keel cannot pick a repository until it has access to at least one project.`,
    fix: [
      `In Azure DevOps, open each project Keel should build → Project settings → Permissions → Contributors → Members → Add, and choose the ${noun}.`,
      "Run Check again.",
    ],
  };
}

/** An OAuth token of a member refused with TF400813: the organization's OAuth policy is off. */
export function oauthPolicyDisabled(context: FindingContext, confirmed: boolean): Finding {
  return {
    id: "oauth_policy_disabled",
    severity: "error",
    title: `The organization "${context.collection}" does not allow third-party OAuth apps`,
    detail: `Azure DevOps refused Keel's OAuth token with "TF400813: … is not authorized to access this resource"${
      confirmed ? " although you are a member of the organization" : ""
    }. That is what happens when the organization's policy "Third-party application access via OAuth" is off: signing in works, but every API call is refused. Personal access tokens are not affected.`,
    fix: [
      `In Azure DevOps, open Organization settings for ${context.collection} → Policies (an organization owner or Project Collection Administrator can change it).`,
      'Under Security, turn on "Third-party application access via OAuth".',
      "Back in Keel, click Check again.",
    ],
  };
}

/** The product is older than Azure DevOps Server 2020. */
export function serverTooOld(product: string, ceiling: string | null): Finding {
  const finding: Finding = {
    id: "server_too_old",
    severity: "error",
    title: `This server is ${product}; Keel needs Azure DevOps Server 2020 or later`,
    detail: `The server supports REST API versions up to ${ceiling ?? "an old version"}, which identifies it as ${product}. Keel relies on REST APIs that came with Azure DevOps Server 2020 (REST API 6.0), so it cannot work with this server.`,
    fix: [
      "Upgrade the server to Azure DevOps Server 2022.1 (recommended) or at least Azure DevOps Server 2020; Microsoft's upgrade guide covers TFS 2015 and later.",
      "After the upgrade, run Check again.",
    ],
    data: { product },
  };
  if (ceiling !== null && finding.data !== undefined) {
    finding.data.ceiling = ceiling;
  }
  return finding;
}

/** Neither OPTIONS nor the version probe named a version. */
export function versionUnknown(apiVersion: string): Finding {
  return {
    id: "version_unknown",
    severity: "warning",
    title: "Keel could not tell which Azure DevOps Server version this is",
    detail: `The server did not report its REST API versions, so Keel assumes a supported version and uses api-version ${apiVersion}. If the server is older than Azure DevOps Server 2020, some features will fail.`,
    fix: ["Check the version in the web portal under Help (?) → About, or in the Administration Console.", "Keel needs Azure DevOps Server 2020 or later."],
    data: { apiVersion },
  };
}

/** One finding per scope the token lacks, naming it as the token dialog does. */
export function missingScope(scope: ScopeInfo, capabilities: string[], context: FindingContext): Finding {
  const what = capabilities.length === 0 ? scope.purpose : joinAnd(capabilities);
  if (context.principal) {
    return {
      id: "missing_scope",
      severity: "error",
      title: `The ${principalNoun(context.principal)} may not ${what}`,
      detail: `Azure DevOps refused to ${what} for the ${principalNoun(context.principal)}. It has no token scopes: Azure DevOps decides by its access level and its groups, and Keel needs to ${scope.purpose}.`,
      fix: principalPermissionFix(context),
      data: { scope: scope.id, scopeLabel: scope.label },
    };
  }
  const fix =
    context.credentialKind === "pat"
      ? [
          PAT_PAGE,
          'Edit this token (or create a new one) and choose "Custom defined" scopes.',
          `Under "${scope.section}", tick "${scope.option}". Keel needs ${REQUIRED_LIST}.`,
          "Save. If Azure DevOps shows a new token value, paste it into Keel. Then run Check again.",
        ]
      : [
          `The Azure DevOps app Keel signs in with must request ${scope.label} (${scope.id}); an administrator of Keel adds it to the app registration.`,
          "Then sign in to Azure DevOps from Keel again (Re-authorize) so the new token carries the scope, and run Check again.",
        ];
  return {
    id: "missing_scope",
    severity: "error",
    title: `The token lacks the scope ${scope.label} (${scope.id})`,
    detail: `Azure DevOps refused to ${what} with this token (TF400813 for the token's own user, which means the token's scopes do not cover it). Keel needs ${scope.label} to ${scope.purpose}.`,
    fix,
    data: { scope: scope.id, scopeLabel: scope.label },
  };
}

/**
 * Every scope the token lacks, as one finding: one recipe that names each box to tick (the
 * check report shows the ✓/✗ list of what was probed), instead of one identical recipe per scope.
 * A single missing scope keeps its own precise finding.
 */
export function missingScopes(scopes: ScopeInfo[], capabilities: ReadonlyMap<string, string[]>, context: FindingContext): Finding {
  const [first] = scopes;
  if (!first) {
    throw new Error("missingScopes needs at least one scope");
  }
  if (scopes.length === 1) {
    return missingScope(first, capabilities.get(first.id) ?? [], context);
  }
  const labels = joinAnd(scopes.map((scope) => `${scope.label} (${scope.id})`));
  const ticks = scopes.map((scope) => `"${scope.option}" under "${scope.section}"`);
  const fix =
    context.credentialKind === "pat"
      ? [
          PAT_PAGE,
          'Edit this token (or create a new one) and choose "Custom defined" scopes.',
          `Tick ${joinAnd(ticks)}. Keel needs ${REQUIRED_LIST}.`,
          "Save. If Azure DevOps shows a new token value, paste it into Keel. Then run Check again.",
        ]
      : [
          `The Azure DevOps app Keel signs in with must request ${labels}; an administrator of Keel adds them to the app registration.`,
          "Then sign in to Azure DevOps from Keel again (Re-authorize) so the new token carries the scopes, and run Check again.",
        ];
  return {
    id: "missing_scope",
    severity: "error",
    title: `The token lacks ${scopes.length} scopes: ${joinAnd(scopes.map((scope) => scope.label))}`,
    detail: `Azure DevOps refused parts of Keel's check with this token (TF400813 for the token's own user: its scopes do not cover them). Keel needs ${joinAnd(scopes.map((scope) => `${scope.label} to ${scope.purpose}`))}.`,
    fix,
    data: { scope: scopes.map((scope) => scope.id).join(" "), scopeLabel: scopes.map((scope) => scope.label).join(", ") },
  };
}

/** No repository with a commit: the write-free status check could not run. */
export function commitStatusCheckSkipped(reason: string): Finding {
  return {
    id: "commit_status_check_skipped",
    severity: "warning",
    title: "Keel could not check the scope Code (Status) (vso.code_status)",
    detail: `${reason} Keel checks the permission to create commit statuses against a real commit, without writing anything, so it could not tell whether the token has Code (Status).`,
    fix: [
      'Make sure the token has Code (Status): in the token dialog, under "Code", tick "Status".',
      "Push at least one commit to a repository this token can read, then run Check again.",
    ],
    data: { scope: "vso.code_status" },
  };
}

/** The server's own URLs point somewhere else than the address the admin typed. */
export function publicUrlMismatch(returned: string, expected: string, typedHost: string, localhost: boolean): Finding {
  const returnedUrl = new URL(returned);
  const shown = `${returnedUrl.origin}${returnedUrl.pathname.replace(/\/+$/, "")}`;
  return {
    id: "public_url_mismatch",
    severity: "warning",
    title: localhost ? `The server calls itself ${returnedUrl.host} in the URLs it returns` : `The server's public URL (${returnedUrl.host}) differs from the address you entered`,
    detail: `Azure DevOps Server writes its configured Public URL into every URL it returns: clone URLs, links and service-hook payloads. This server returns ${shown}, ${
      localhost ? "which only works on the server itself" : `but you reach it as ${typedHost}`
    }, so build agents and webhooks that follow those URLs will fail.`,
    fix: [
      `On the server, open the Azure DevOps Server Administration Console → Application Tier → Change Public URL, and set it to ${expected}.`,
      `Or, in an elevated prompt on the server: TfsConfig settings /publicURL:${expected}`,
      "Until then, Keel rewrites clone URLs to the address you entered, so builds started by Keel keep working.",
    ],
    data: { returnedHost: returnedUrl.host, returnedUrl: shown, typedHost, expectedPublicUrl: expected },
  };
}

/** 429 from Azure DevOps, with when to try again. */
export function rateLimited(retryAfterSeconds: number | undefined, resetAt: string | undefined): Finding {
  const data: Record<string, string | number> = {};
  let when = "in a few minutes";
  if (retryAfterSeconds !== undefined) {
    data.retryAfterSeconds = retryAfterSeconds;
    const at = new Date(Date.now() + retryAfterSeconds * 1000);
    data.retryAt = at.toISOString();
    when = `in ${retryAfterSeconds} seconds (after ${at.toISOString()})`;
  } else if (resetAt !== undefined) {
    data.retryAt = resetAt;
    when = `after ${resetAt}`;
  }
  return {
    id: "rate_limited",
    severity: "error",
    title: "Azure DevOps is rate-limiting this user",
    detail: `Azure DevOps refused requests (HTTP 429) because this user used up its request allowance for the moment. Retry ${when}.`,
    fix: [`Wait, then run Check again ${when}.`, "If it keeps happening, other tools or pipelines using the same account consume its allowance; Organization settings → Usage shows who."],
    data,
  };
}

/** An error Keel did not expect; the message is the error's user-safe text. */
export function checkFailed(message: string): Finding {
  return {
    id: "check_failed",
    severity: "error",
    title: "The check could not finish",
    detail: message,
    fix: ["Run Check again. If it fails the same way, check the server URL and token."],
  };
}

// ---------------------------------------------------------------------------------------------

type NetworkReason = AzureDevOpsError["reason"] & { kind: "network" };

function networkFinding(reason: NetworkReason, message: string, context: FindingContext): Finding {
  const { host, port } = reason;
  const hostPort = `${host}:${port}`;
  const data: Record<string, string | number> = { host, port };
  const firewall = `If a firewall or proxy sits between Keel and the server, allow Keel to connect to ${hostPort}. ${NETWORK_PAGE}`;
  switch (reason.failure) {
    case "dns":
      return {
        id: "unreachable_dns",
        severity: "error",
        title: `Keel cannot find the server ${host}`,
        detail: `The DNS lookup for ${host} failed, so Keel could not contact port ${port}.`,
        fix: [`Check the server URL for typos (${context.collectionUrl}).`, `If ${host} is an internal name, make sure the DNS servers Keel uses can resolve it (or use a name they know).`, firewall],
        data,
      };
    case "refused":
      return {
        id: "unreachable_refused",
        severity: "error",
        title: `${hostPort} refused the connection`,
        detail: `Keel reached ${host}, but nothing accepted connections on port ${port}.`,
        fix: [`Check the port in the server URL (Azure DevOps Server usually listens on 443, or 8080 for http).`, "Check that the Azure DevOps Server web site is running in IIS.", firewall],
        data,
      };
    case "timeout":
      if (reason.phase !== undefined) {
        data.phase = reason.phase;
      }
      return {
        id: "unreachable_timeout",
        severity: "error",
        title: `${hostPort} did not answer in time`,
        detail:
          reason.phase === "connect"
            ? `Keel could not open a connection to ${hostPort}: the packets were probably dropped by a firewall.`
            : `${hostPort} accepted the connection but did not answer in time.`,
        fix: [firewall, "Check that the server is running and not overloaded, then run Check again."],
        data,
      };
    case "reset":
      return {
        id: "unreachable_reset",
        severity: "error",
        title: `The connection to ${hostPort} was dropped`,
        detail: `${hostPort} closed the connection before answering. A proxy, a TLS-inspecting firewall or a server that expects https (or http) on that port usually causes this.`,
        fix: ["Check http versus https and the port in the server URL.", firewall],
        data,
      };
    case "blocked": {
      if (reason.rule !== undefined) {
        data.rule = reason.rule;
      }
      const httpOnly = reason.rule === "http_not_allowed";
      return {
        id: "blocked_by_policy",
        severity: "error",
        title: `Keel's outbound policy does not allow ${host}`,
        detail: `${message} Keel only calls addresses its outbound policy allows, so a typed URL cannot make it reach internal systems by accident.`,
        fix: httpOnly
          ? [`Use https:// in the server URL.`, `If the server has no https, an administrator of Keel can allow plain http for ${host} on the Network settings page.`]
          : [`An administrator of Keel adds ${host} (or its IP address or range) to Keel's outbound allowlist on the Network settings page.`, "Then run Check again."],
        data,
      };
    }
    case "redirect": {
      if (reason.location !== undefined) {
        data.location = reason.location;
      }
      const to = reason.location ?? "another address";
      return {
        id: "redirected",
        severity: "error",
        title: `The server redirected Keel to ${to}`,
        detail: `${host} answered with a redirect to ${to}. Keel does not follow redirects, so the token is never sent anywhere you did not enter. Servers redirect when they want https instead of http, or a different path (for example /tfs).`,
        fix: [`Enter the address the server redirects to as the server URL (scheme, host, port and path prefix), then run Check again.`],
        data,
      };
    }
    case "tls":
      return tlsFinding(reason, host, port, data);
    case "aborted":
      return { id: "cancelled", severity: "error", title: "The check was cancelled", detail: "The check stopped before it finished.", fix: ["Run Check again."] };
    default:
      return {
        id: "unreachable_network",
        severity: "error",
        title: `Keel could not talk to ${hostPort}`,
        detail: message,
        fix: ["Check the server URL.", firewall],
        data,
      };
  }
}

function tlsFinding(reason: NetworkReason, host: string, port: number, data: Record<string, string | number>): Finding {
  if (reason.tls !== undefined) {
    data.tls = reason.tls;
  }
  const uploadSteps = [
    "Get the certificate of the CA that issued the server's certificate (PEM format, -----BEGIN CERTIFICATE-----): your IT department has it, or export it from the server's certificate chain.",
    "Upload it for this connection in Keel. Keel then trusts that CA for this connection only, and never turns certificate checks off.",
    "Run Check again.",
  ];
  switch (reason.tls) {
    case "self_signed":
      return {
        id: "tls_self_signed",
        severity: "error",
        title: `The certificate of ${host} is self-signed`,
        detail: `${host}:${port} presented a certificate that is signed by itself (or by a private CA that is not in Keel's trust store), so Keel cannot verify it is talking to the real server.`,
        fix: uploadSteps,
        data: { ...data, canUploadCa: 1 },
      };
    case "unknown_ca":
      return {
        id: "tls_unknown_ca",
        severity: "error",
        title: `The certificate of ${host} is issued by a CA Keel does not trust`,
        detail: `${host}:${port} presented a certificate from a certificate authority that is not among the public CAs Keel trusts, typically your company's own CA.`,
        fix: uploadSteps,
        data: { ...data, canUploadCa: 1 },
      };
    case "expired":
    case "not_yet_valid":
      return {
        id: "tls_expired",
        severity: "error",
        title: reason.tls === "expired" ? `The certificate of ${host} has expired` : `The certificate of ${host} is not valid yet`,
        detail: `${host}:${port} presented a certificate outside its validity period, so Keel refuses the connection.`,
        fix:
          reason.tls === "expired"
            ? ["Renew the server's TLS certificate and bind the new one to the Azure DevOps web site (IIS Manager → Site → Bindings, or the Administration Console).", "Run Check again."]
            : ["Check the clocks of the server and of the machine Keel runs on.", "Run Check again."],
        data,
      };
    case "hostname_mismatch":
      return {
        id: "tls_hostname_mismatch",
        severity: "error",
        title: `The certificate of ${host} is issued for a different name`,
        detail: `${host}:${port} presented a certificate whose names do not include ${host}, so Keel cannot tell it is the right server.`,
        fix: [
          "Enter the server by the name its certificate is issued for (open the server URL in a browser and look at the certificate's names).",
          `Or have the certificate reissued with ${host} among its subject alternative names.`,
          "Run Check again.",
        ],
        data,
      };
    default:
      return {
        id: "tls_failed",
        severity: "error",
        title: `The secure connection to ${host} failed`,
        detail:
          reason.tls === "bad_ca_bundle"
            ? "The CA certificate uploaded for this connection is not a valid PEM certificate list."
            : `The TLS handshake with ${host}:${port} failed. The port may not speak https, or the server only offers outdated TLS versions.`,
        fix: reason.tls === "bad_ca_bundle" ? ["Upload the CA certificate again in PEM format.", "Run Check again."] : ["Check http versus https and the port in the server URL.", "Run Check again."],
        data,
      };
  }
}

function notAzureDevOps(status: number, contentType: string, context: FindingContext): Finding {
  const what = contentType === "html" ? "a web page" : contentType === "json" || contentType === "invalid_json" ? "a JSON answer that is not from Azure DevOps" : "an answer that is not from Azure DevOps";
  return {
    id: "not_azure_devops",
    severity: "error",
    title: "This address does not answer like Azure DevOps",
    detail: `Keel asked ${context.collectionUrl}/_apis/connectionData and got ${what} (HTTP ${status}).`,
    fix: [
      context.deploymentType === "services"
        ? "Check the organization URL: it looks like https://dev.azure.com/your-organization."
        : "Check the server URL, the path prefix (servers upgraded from TFS use /tfs) and the collection name.",
      `Open ${context.collectionUrl} in a browser: it should show the Azure DevOps web portal.`,
      "If a proxy or single sign-on gateway sits in front of the server, it must pass API requests through unchanged.",
    ],
    data: { status },
  };
}

function notFound(context: FindingContext, adoSaid: string | undefined): Finding {
  if (context.deploymentType === "services") {
    return {
      id: "organization_not_found",
      severity: "error",
      title: `The organization "${context.collection}" was not found`,
      detail: `Azure DevOps has no organization named "${context.collection}".${quote(adoSaid)}`,
      fix: ["Check the spelling: the organization is the part after dev.azure.com/ in your browser's address bar.", "Run Check again."],
      data: { collection: context.collection },
    };
  }
  return {
    id: "collection_not_found",
    severity: "error",
    title: `The collection "${context.collection}" was not found on this server`,
    detail: `The server answered, but has no project collection at ${context.collectionUrl}.${quote(adoSaid)}`,
    fix: [
      "Check the collection name (often DefaultCollection) and the path prefix: servers upgraded from TFS serve collections under /tfs (…/tfs/DefaultCollection).",
      "In the web portal, the collection is the first path segment after the server address (and /tfs).",
      "Run Check again.",
    ],
    data: { collection: context.collection },
  };
}

function tokenInvalid(context: FindingContext, adoSaid: string | undefined, revoked: boolean): Finding {
  const onPremOAuth = context.credentialKind === "bearer" && context.deploymentType === "server";
  if (context.principal) {
    return {
      id: "token_invalid",
      severity: "error",
      title: `Azure DevOps did not accept the ${principalNoun(context.principal)}'s token`,
      detail: `The server refused a token Microsoft Entra ID had just issued (HTTP 401).${quote(adoSaid)} Keel already asked for a new token once.`,
      fix: ["Check that the organization is connected to the same Microsoft Entra tenant as the app (Organization settings → Microsoft Entra).", "Run Check again in a few minutes."],
    };
  }
  if (context.credentialKind !== "pat") {
    return {
      id: "token_invalid",
      severity: "error",
      title: "Azure DevOps did not accept the token",
      detail: `The server refused the token (HTTP 401).${quote(adoSaid)}`,
      fix: onPremOAuth
        ? ["Azure DevOps Server does not accept OAuth sign-in: connect this server with a personal access token instead."]
        : ["Sign in to Azure DevOps from Keel again (Re-authorize), then run Check again."],
    };
  }
  const services = context.deploymentType === "services";
  const where = services ? `the organization "${context.collection}"` : `the collection "${context.collection}"`;
  const create = `create a new token${services ? ` and choose "${context.collection}" under Organization` : ""}, with the scopes ${REQUIRED_LIST}`;
  if (revoked) {
    return {
      id: "token_invalid",
      severity: "error",
      title: "The token has been revoked",
      detail: `The server refused the token (HTTP 401).${quote(adoSaid)} A revoked token never works again.`,
      fix: [PAT_PAGE, services ? organizationScopedTokenStep(context.collection) : `In ${context.collectionUrl}, ${create}.`, "Paste the whole token into Keel and run Check again."],
    };
  }
  // Azure DevOps answers a token it does not know with TF400813 for the user '' — the same for
  // a token created for another organization as for a deleted or mistyped one, and (from
  // 1 December 2026) for a global token. Which of these it is cannot be told from here, so the
  // finding names the causes, the most common first.
  const globalNote = services ? ` ${globalPatNote(context.now ?? new Date())}` : "";
  return {
    id: "token_invalid",
    severity: "error",
    title: `Azure DevOps does not accept this token for ${where}`,
    detail: `The server refused the token (HTTP 401).${quote(adoSaid)} ${services ? "A personal access token works only in the organization it was created for (the Organization chosen in the token dialog), so a token created for a different organization is refused exactly like this" : "A personal access token works only on the server and collections it was created for, so a token from another server or collection is refused exactly like this"}. A token that was deleted, revoked or mistyped is refused the same way.${globalNote}`,
    fix: [
      services
        ? `Check which organization the token belongs to: sign in to ${context.collectionUrl}, open User settings → Personal access tokens, and look for the token there. A token created while you were in another organization is listed there instead.`
        : `Check that the token was created on this server: open ${context.collectionUrl}, then User settings → Personal access tokens, and look for the token there.`,
      services ? `If it is not listed, belongs to another organization, or shows "All accessible organizations", ${organizationScopedTokenStep(context.collection).replace(/^Create/, "create")}` : `If it is not listed, or belongs to another collection, ${create}.`,
      "Paste the whole token into Keel (Azure DevOps shows it only once) and run Check again.",
    ],
    data: { collection: context.collection, ...(services ? { globalPatRetirement: GLOBAL_PAT_RETIREMENT.toISOString().slice(0, 10) } : {}) },
  };
}

function tokenExpired(context: FindingContext, adoSaid: string | undefined): Finding {
  return {
    id: "token_expired",
    severity: "error",
    title: "The token has expired",
    detail: `Azure DevOps says: "${adoSaid ?? "The token has expired."}"`,
    fix:
      context.credentialKind === "pat"
        ? [
            PAT_PAGE,
            // An expired token cannot be extended: a new one is the fix (docs/azure-devops-facts.md §3.5).
            context.deploymentType === "services" ? organizationScopedTokenStep(context.collection) : `Create a new token with the scopes ${REQUIRED_LIST} and a later expiry date.`,
            "Paste the new token into Keel with its expiry date (on a saved connection: Replace token, which checks it before it replaces the old one) and run Check again.",
          ]
        : context.principal
          ? ["Keel asks Microsoft Entra ID for a new token on its own; run Check again."]
          : ["Sign in to Azure DevOps from Keel again (Re-authorize), then run Check again."],
  };
}

function signInPage(context: FindingContext): Finding {
  return {
    id: "sign_in_page",
    severity: "error",
    title: "Azure DevOps answered with a sign-in page instead of data",
    detail:
      "The server returned HTTP 203 and a sign-in web page. Azure DevOps does that when it does not accept the credentials and the request did not ask for a plain 401 — Keel always asks, so a proxy between Keel and the server probably removed that header.",
    fix: [
      context.credentialKind === "pat" ? "Check the token: create a new one if it was revoked or has expired." : context.principal ? "Check the service principal's credential on the connection." : "Sign in to Azure DevOps from Keel again (Re-authorize).",
      "If a proxy or single sign-on gateway sits in front of the server, make it pass API requests and their headers (X-TFS-FedAuthRedirect, Authorization) through unchanged.",
      "Run Check again.",
    ],
  };
}

function quote(text: string | undefined): string {
  return text === undefined ? "" : ` Azure DevOps said: "${text}"`;
}

function joinAnd(items: string[]): string {
  if (items.length <= 1) {
    return items.join("");
  }
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1) ?? ""}`;
}
