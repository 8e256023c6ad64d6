/**
 * The Microsoft Entra ID errors (AADSTS codes) a person can meet while signing in to Azure DevOps
 * from Keel, and what to do about each — shown on the OAuth failure page when Entra sends the
 * browser back with one, and listed on Settings → Microsoft Entra ID for those Entra shows on its
 * own page instead. Meanings: Microsoft's error reference
 * (learn.microsoft.com/entra/identity-platform/reference-error-codes); docs/azure-devops-facts.md §3.7.
 */

export type AadstsExplanation = {
  code: string;
  /** Where the person sees it: back in Keel, or on Microsoft's sign-in page. */
  where: "keel" | "microsoft";
  title: string;
  detail: string;
  fix: string[];
};

const CONSENT_FIX = [
  "An administrator of your Microsoft Entra tenant grants consent once for everyone: Microsoft Entra admin center → Enterprise applications → the Keel app → Permissions → Grant admin consent (or run the admin-consent command on Keel's Settings → Microsoft Entra ID page).",
  "Then choose Try again.",
];

/** Every AADSTS code Keel explains for user sign-in, by code ("AADSTS65001"). */
export const USER_SIGN_IN_AADSTS: readonly AadstsExplanation[] = [
  {
    code: "AADSTS65001",
    where: "keel",
    title: "The Keel app has not been granted consent in your tenant",
    detail: "Microsoft Entra ID needs consent to let Keel read Azure DevOps on your behalf, and your tenant lets only administrators give it (or the app asks for permissions that need an administrator).",
    fix: CONSENT_FIX,
  },
  {
    code: "AADSTS90094",
    where: "keel",
    title: "An administrator must approve the Keel app first",
    detail: "Microsoft showed \"Need admin approval\": users of your tenant may not consent to apps themselves. Nothing was linked.",
    fix: CONSENT_FIX,
  },
  {
    code: "AADSTS65004",
    where: "keel",
    title: "Consent was declined",
    detail: "You (or an administrator) chose not to give Keel access on Microsoft's consent page. Nothing was linked.",
    fix: ["Choose Try again and accept the permissions Keel asks for (it only reads code and posts build statuses)."],
  },
  {
    code: "AADSTS50020",
    where: "microsoft",
    title: "This account is not in the tenant Keel signs in to",
    detail: "Microsoft does not know the account in the tenant Keel is configured for (ENTRA_TENANT_ID): it is a personal Microsoft account (outlook.com, live.com) or a work account of another organization.",
    fix: [
      "Sign in with the work or school account you use at dev.azure.com — the one of the tenant your Azure DevOps organization is connected to.",
      "A personal Microsoft account cannot sign in through an Entra ID app of another tenant; use a Personal Access Token, or have a tenant administrator invite the account as a guest.",
    ],
  },
  {
    code: "AADSTS50194",
    where: "microsoft",
    title: "The app is single-tenant but Keel uses a multi-tenant endpoint",
    detail: "Keel is configured with ENTRA_TENANT_ID=organizations or common, but the app registration accepts only its own tenant.",
    fix: ["Whoever runs Keel: set ENTRA_TENANT_ID to your tenant's id (a GUID), or make the app multi-tenant on purpose, then restart Keel."],
  },
  {
    code: "AADSTS700016",
    where: "microsoft",
    title: "The Keel app does not exist in this tenant",
    detail: "Microsoft found no application with Keel's client id (ENTRA_CLIENT_ID) in the tenant it was asked about (ENTRA_TENANT_ID).",
    fix: ["Whoever runs Keel: copy the Application (client) ID and Directory (tenant) ID from the app registration's Overview page into ENTRA_CLIENT_ID and ENTRA_TENANT_ID, then restart Keel."],
  },
  {
    code: "AADSTS50011",
    where: "microsoft",
    title: "Keel's redirect URI is not registered on the app",
    detail: "The redirect URI Keel sends must be registered on the app exactly (scheme, host, port and path; no trailing slash).",
    fix: ["App registration → Authentication → Web → Redirect URIs: add the redirect URI shown on Keel's Settings → Microsoft Entra ID page, then Try again."],
  },
  {
    code: "AADSTS50105",
    where: "microsoft",
    title: "You are not assigned to the Keel app",
    detail: "The app requires users to be assigned to it (Enterprise applications → Properties → Assignment required), and your account is not.",
    fix: ["A tenant administrator assigns you (or your group) under Enterprise applications → the Keel app → Users and groups, then Try again."],
  },
  {
    code: "AADSTS53003",
    where: "microsoft",
    title: "A Conditional Access policy blocked the sign-in",
    detail: "Your organization's Conditional Access rules (device, location, sign-in risk) did not allow this sign-in.",
    fix: ["Sign in from a device and network your organization allows, or ask your Entra administrator which policy applied (the sign-in logs show it)."],
  },
  {
    code: "AADSTS7000215",
    where: "keel",
    title: "Keel's client secret is not valid",
    detail: "The sign-in worked, but Microsoft refused Keel's client secret (ENTRA_CLIENT_SECRET) when Keel redeemed it: the Secret ID may have been copied instead of its Value.",
    fix: ["Whoever runs Keel: create a new client secret (Certificates & secrets), put its Value into ENTRA_CLIENT_SECRET and restart Keel.", "Then choose Try again."],
  },
  {
    code: "AADSTS7000222",
    where: "keel",
    title: "Keel's client secret has expired",
    detail: "The sign-in worked, but Keel's client secret (ENTRA_CLIENT_SECRET) is past its expiry date.",
    fix: ["Whoever runs Keel: create a new client secret (Certificates & secrets), put its Value into ENTRA_CLIENT_SECRET and restart Keel.", "Then choose Try again."],
  },
];

/** The explanation of a user sign-in AADSTS code ("AADSTS65001" or "65001"), or null. */
export function explainUserAadsts(code: string | undefined | null): AadstsExplanation | null {
  if (!code) {
    return null;
  }
  const normalized = /^\d+$/.test(code) ? `AADSTS${code}` : code.toUpperCase();
  return USER_SIGN_IN_AADSTS.find((entry) => entry.code === normalized) ?? null;
}

/** The AADSTS code in an error description ("AADSTS65001: …"), or null. */
export function aadstsIn(text: string | null | undefined): string | null {
  const match = /\bAADSTS(\d{4,8})\b/.exec(text ?? "");
  return match ? `AADSTS${match[1]}` : null;
}
