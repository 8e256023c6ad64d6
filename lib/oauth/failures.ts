import { explainUserAadsts } from "./aadsts";

/**
 * Why an OAuth round trip ended without a linked identity, and what the admin reads about it.
 *
 * next-auth reports every callback failure as one of a few codes (OAuthCallback, Callback,
 * AccessDenied…) and sends the browser to its sign-in page. Keel records the precise reason
 * during the callback request (./flow-context) and sends the admin back to the wizard or the
 * connection with the page for that reason instead.
 */

export const OAUTH_FAILURE_REASONS = [
  "denied",
  "provider_error",
  "state_mismatch",
  "code_rejected",
  "pkce_mismatch",
  "nonce_mismatch",
  "client_rejected",
  "unreachable",
  "profile_failed",
  "no_session",
  "not_admin",
  "no_intent",
  "other_user",
  "organization_refused",
  "failed",
] as const;

export type OAuthFailureReason = (typeof OAUTH_FAILURE_REASONS)[number];

export type FailureText = {
  title: string;
  /** What happened, in the admin's terms. */
  detail: string;
  /** What to do now, in order. */
  fix: string[];
  /** Whether "Try again" makes sense (false when a setting must change first). */
  retry: boolean;
  /** True when Keel refused the answer on purpose (it did not come from this sign-in). */
  refused: boolean;
};

const NOTHING_LINKED = "Nothing was linked and no token was stored.";

/**
 * The page text for a failure reason. When the provider's code is an AADSTS code Keel knows
 * (lib/oauth/aadsts.ts), its explanation replaces the generic text: it says what exactly to do.
 */
export function failureText(reason: OAuthFailureReason, providerLabel: string, providerError?: string): FailureText {
  const aadsts = explainUserAadsts(providerError);
  // A plain Deny (AADSTS65004) reads best as the generic "you did not give access".
  if (aadsts && aadsts.code !== "AADSTS65004" && (reason === "denied" || reason === "provider_error" || reason === "client_rejected")) {
    return { title: aadsts.title, detail: `${aadsts.detail} (${aadsts.code}) ${NOTHING_LINKED}`, fix: aadsts.fix, retry: true, refused: false };
  }
  return genericFailureText(reason, providerLabel, providerError);
}

function genericFailureText(reason: OAuthFailureReason, providerLabel: string, providerError?: string): FailureText {
  switch (reason) {
    case "denied":
      return {
        title: "You did not give Keel access",
        detail: `${providerLabel} reports that the permission request was declined (Deny, or the consent page was closed). ${NOTHING_LINKED}`,
        fix: [
          "Choose Try again and, on the consent page, select Accept.",
          "If your organization requires an administrator to approve new apps, ask them to grant consent for Keel first.",
        ],
        retry: true,
        refused: false,
      };
    case "provider_error":
      return {
        title: `${providerLabel} refused the sign-in request`,
        detail: `${providerLabel} sent the browser back with an error${providerError ? ` (${providerError})` : ""} instead of an authorization. ${NOTHING_LINKED}`,
        fix: [
          "Try again. If it happens again, the app registration may not allow Keel's redirect URI or scopes: compare them with the values on the previous page.",
        ],
        retry: true,
        refused: false,
      };
    case "state_mismatch":
    case "code_rejected":
    case "pkce_mismatch":
    case "nonce_mismatch":
      return {
        title: "Keel refused the answer from the sign-in page",
        detail: `${refusalCause(reason)} Keel accepts an authorization only from the sign-in it started in this browser, and only once. ${NOTHING_LINKED}`,
        fix: ["Start again with Try again: Keel opens a fresh sign-in.", "Do not reuse or bookmark the address the sign-in page sent you back to."],
        retry: true,
        refused: true,
      };
    case "client_rejected":
      return {
        title: `${providerLabel} refused Keel's app credentials`,
        detail: `The authorization worked, but ${providerLabel} did not accept Keel's client id or client secret when Keel redeemed it${providerError ? ` (${providerError})` : ""}. Client secrets expire (Azure DevOps OAuth secrets every 60 days). ${NOTHING_LINKED}`,
        fix: ["Whoever runs Keel: create a new client secret for the app registration and update Keel's configuration, then restart Keel.", "Then choose Try again."],
        retry: true,
        refused: false,
      };
    case "unreachable":
      return {
        title: `Keel could not reach ${providerLabel}`,
        detail: `The authorization came back, but Keel could not complete it with ${providerLabel} (network error or timeout). ${NOTHING_LINKED}`,
        fix: ["Check that Keel can reach login.microsoftonline.com and app.vssps.visualstudio.com (firewall, proxy).", "Then choose Try again."],
        retry: true,
        refused: false,
      };
    case "profile_failed":
      return {
        title: "Keel could not read your Azure DevOps profile",
        detail: `The sign-in worked, but Azure DevOps did not return a profile for this account. Personal Microsoft accounts signed in through Microsoft Entra ID often have no Azure DevOps profile that Entra apps can read. ${NOTHING_LINKED}`,
        fix: [
          "Sign in with the work or school account you use for Azure DevOps (the one shown at dev.azure.com).",
          "If you have never opened Azure DevOps with this account, sign in at dev.azure.com once, then choose Try again.",
        ],
        retry: true,
        refused: false,
      };
    case "no_session":
      return {
        title: "Sign in to Keel first",
        detail: `Keel links an Azure DevOps identity only to someone signed in to Keel; it never signs anyone in or creates an account from it. Your Keel session had ended or belongs to someone else. ${NOTHING_LINKED}`,
        fix: ["Sign in to Keel, open the connection setup again and choose Try again."],
        retry: false,
        refused: true,
      };
    case "not_admin":
      return {
        title: "Only admins can connect Azure DevOps",
        detail: `Connections hold credentials for the whole organization, so only admins link identities for them. ${NOTHING_LINKED}`,
        fix: ["Ask an admin of your organization to connect Azure DevOps."],
        retry: false,
        refused: true,
      };
    case "no_intent":
      return {
        title: "This sign-in was not started from Keel",
        detail: `Keel received an authorization it did not ask for in this browser, or the setup it belonged to expired (after 15 minutes). ${NOTHING_LINKED}`,
        fix: ["Open the connection setup again and choose Try again."],
        retry: true,
        refused: true,
      };
    case "other_user":
      return {
        title: "This Azure DevOps identity is linked to another Keel user",
        detail: `The account you signed in with at ${providerLabel} is already linked to a different person in Keel. An identity belongs to one Keel user only. ${NOTHING_LINKED}`,
        fix: ["Sign in at the consent page with your own Azure DevOps account and try again, or ask the other person to connect."],
        retry: true,
        refused: true,
      };
    case "organization_refused":
      return {
        title: "This account cannot use the connection's organization",
        detail: `Keel tried the new ${providerLabel} authorization on the connection's organization before switching to it, and Azure DevOps refused it (the account is not a member there, or lacks a permission). The connection was not changed: it keeps its previous authorization, and its build profiles keep working as before.`,
        fix: [
          "Choose Try again and sign in with an account that belongs to the connection's organization.",
          "If it should belong to it, ask an administrator of the organization to add the account (Organization settings → Users), then try again.",
        ],
        retry: true,
        refused: false,
      };
    default:
      return {
        title: "Linking the Azure DevOps identity failed",
        detail: "Something went wrong while Keel completed the sign-in, so this setup did not get the identity.",
        fix: ["Choose Try again. If it keeps failing, Keel's log has the details."],
        retry: true,
        refused: false,
      };
  }
}

function refusalCause(reason: OAuthFailureReason): string {
  switch (reason) {
    case "state_mismatch":
      return "The answer's state did not match the sign-in Keel started (or the sign-in had expired, or was already completed).";
    case "code_rejected":
      return "The authorization code was refused: it had already been used, or it expired.";
    case "pkce_mismatch":
      return "The PKCE proof did not match the sign-in Keel started.";
    default:
      return "Microsoft's ID token did not carry the nonce of the sign-in Keel started.";
  }
}

/** Parses a `reason` query parameter; anything unknown is the generic failure. */
export function parseFailureReason(value: unknown): OAuthFailureReason {
  return typeof value === "string" && (OAUTH_FAILURE_REASONS as readonly string[]).includes(value) ? (value as OAuthFailureReason) : "failed";
}
