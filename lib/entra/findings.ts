/**
 * The doctor's explanations for Microsoft Entra ID: one finding per failure an admin meets while
 * a service principal (or managed identity) gets its Azure DevOps token, keyed by the AADSTS code
 * Entra answers with (Microsoft's error reference; docs/azure-devops-facts.md §3.7), each with the
 * exact fix — for a federated credential the issuer, subject and audience to enter. Pure text
 * builders: lib/entra/tokens.ts raises the errors, the wizard and the connection page show these.
 */
import type { Finding } from "@/lib/azure-devops/doctor-findings";
import { PERSONAL_ACCOUNTS_TENANT_ID, TOKEN_EXCHANGE_AUDIENCE, type EntraCredentialKindName } from "@/lib/shared/entra-setup";
import type { EntraTokenError } from "./token-client";

/** What the explanations need to know about the principal being checked. */
export type EntraFindingContext = {
  kind: EntraCredentialKindName;
  organization: string;
  tenantId: string | null;
  clientId: string | null;
  /** FEDERATED: what Keel's assertions carry. */
  issuer?: string;
  subject?: string;
  /** The tenant as the error names it ("directory 'Contoso'"), when Entra said. */
  directory?: string;
};

const ENTRA_CENTER = "Microsoft Entra admin center (entra.microsoft.com) → Identity → Applications → App registrations";
const CHECK_AGAIN = "Back in Keel, click Check again.";

/** The AADSTS code of an error description ("AADSTS7000215: …"), or null. */
export function aadstsCode(text: string | undefined): string | null {
  const match = /\bAADSTS(\d{4,8})\b/.exec(text ?? "");
  return match ? `AADSTS${match[1]}` : null;
}

/** Microsoft's own words, quoted (first line only, without trace and correlation ids). */
function said(error: EntraTokenError): string {
  return error.description ? ` Microsoft Entra ID said: "${error.description}"` : "";
}

function app(context: EntraFindingContext): string {
  return context.clientId ? `the application ${context.clientId}` : "the application";
}

function data(error: EntraTokenError, context: EntraFindingContext, extra: Record<string, string> = {}): Record<string, string> {
  return { code: error.code, ...(context.tenantId ? { tenantId: context.tenantId } : {}), ...(context.clientId ? { clientId: context.clientId } : {}), ...extra };
}

/**
 * A pre-check before any request: a tenant that cannot hold the app (personal Microsoft
 * accounts, or the multi-tenant aliases that client credentials refuse). Null when the tenant
 * looks usable.
 */
export function tenantPrecheck(context: EntraFindingContext): Finding | null {
  const tenant = context.tenantId?.trim().toLowerCase();
  if (!tenant || context.kind === "MANAGED_IDENTITY") {
    return null;
  }
  if (tenant === "consumers" || tenant === PERSONAL_ACCOUNTS_TENANT_ID) {
    return personalAccount(context);
  }
  if (tenant === "common" || tenant === "organizations") {
    return {
      id: "entra_wrong_tenant",
      severity: "error",
      title: `"${context.tenantId}" is not a tenant: enter your directory (tenant) id`,
      detail: `Service principals sign in to one tenant: the directory their app is registered in. "${context.tenantId}" stands for any tenant, which Microsoft Entra ID refuses for an application signing in as itself (client credentials).`,
      fix: [`${ENTRA_CENTER} → your app → Overview: copy the Directory (tenant) ID (a GUID) into Keel.`, CHECK_AGAIN],
      data: { tenantId: context.tenantId ?? "" },
    };
  }
  return null;
}

function personalAccount(context: EntraFindingContext): Finding {
  return {
    id: "entra_personal_account",
    severity: "error",
    title: "Personal Microsoft accounts cannot own a service principal for Azure DevOps",
    detail: `The tenant ${context.tenantId ?? ""} is the one of personal Microsoft accounts (outlook.com, hotmail.com, live.com). Service principals live in a Microsoft Entra ID tenant (a work or school directory), and only an organization connected to such a tenant can add them as users.`,
    fix: [
      "Register the application in your organization's Microsoft Entra tenant — the one your Azure DevOps organization is connected to (Organization settings → Microsoft Entra).",
      "If the Azure DevOps organization is not connected to any tenant yet, connect it first (Organization settings → Microsoft Entra → Connect directory), or use a Personal Access Token.",
      "Enter that tenant's Directory (tenant) ID in Keel, then Check again.",
    ],
    data: { tenantId: context.tenantId ?? "" },
  };
}

/** The finding for a token request Entra (or the instance metadata endpoint) refused. */
export function findingForEntraError(error: EntraTokenError, context: EntraFindingContext): Finding {
  const code = error.code;
  const where = context.tenantId ? `tenant ${context.tenantId}` : "the tenant";
  switch (code) {
    case "AADSTS90002":
      return {
        id: "entra_wrong_tenant",
        severity: "error",
        title: `Microsoft Entra ID has no tenant "${context.tenantId ?? ""}"`,
        detail: `The Directory (tenant) ID is not a tenant Microsoft Entra ID knows: a typo, or a value from another field.${said(error)}`,
        fix: [`${ENTRA_CENTER} → your app → Overview: copy the Directory (tenant) ID into Keel.`, "It is a GUID (8-4-4-4-12 hexadecimal digits), not the tenant's name.", CHECK_AGAIN],
        data: data(error, context),
      };
    case "AADSTS50059":
      return tenantPrecheck({ ...context, tenantId: context.tenantId ?? "organizations" }) ?? personalAccount(context);
    case "AADSTS700016":
      return {
        id: "entra_app_not_found",
        severity: "error",
        title: `The application ${context.clientId ?? ""} does not exist in ${where}`,
        detail: `Microsoft Entra ID found no application with this Application (client) ID in the tenant Keel signed in to. Either the client id is wrong (the Object ID or the secret's id was copied instead), or the app is registered in another tenant.${said(error)}`,
        fix: [
          `${ENTRA_CENTER} → your app → Overview.`,
          "Copy the Application (client) ID — not the Object ID — and the Directory (tenant) ID shown on the same page into Keel.",
          "If the app was deleted, register it again (the commands below) and add its new service principal to the organization.",
          CHECK_AGAIN,
        ],
        data: data(error, context),
      };
    case "AADSTS7000215":
    case "AADSTS7000218":
      return {
        id: "entra_secret_invalid",
        severity: "error",
        title: "Microsoft Entra ID does not accept this client secret",
        detail: `The secret is not one of ${app(context)}'s client secrets. Most often the Secret ID was copied instead of its Value, or the secret was deleted.${said(error)}`,
        fix: [
          `${ENTRA_CENTER} → your app → Certificates & secrets → Client secrets → New client secret.`,
          "Copy its Value (shown only once, right after Add) — not the Secret ID — into Keel with its expiry date.",
          CHECK_AGAIN,
        ],
        data: data(error, context),
      };
    case "AADSTS7000222":
      return {
        id: "entra_secret_expired",
        severity: "error",
        title: "The client secret has expired",
        detail: `Client secrets stop working on their expiry date, and this one is past it.${said(error)}`,
        fix: [
          `${ENTRA_CENTER} → your app → Certificates & secrets → Client secrets → New client secret (the longest expiry your policy allows).`,
          "Paste the new Value into Keel with its expiry date (Replace client secret on the connection), then Check again. Keel reminds you before the next expiry.",
          "To stop rotating secrets, switch the connection to a federated credential: Keel then needs no secret at all.",
        ],
        data: data(error, context),
      };
    case "AADSTS700027":
      return certificateFinding(error, context);
    case "AADSTS700023":
    case "AADSTS700024":
    case "AADSTS50027":
      return {
        id: "entra_assertion_rejected",
        severity: "error",
        title: code === "AADSTS700024" ? "Microsoft Entra ID says Keel's signed request is outside its valid time" : "Microsoft Entra ID refused the request Keel signed",
        detail: `${
          code === "AADSTS700024" ? "The clock of the machine Keel runs on is probably wrong by more than a few minutes." : "The client assertion was not what Microsoft Entra ID expects for this tenant."
        }${said(error)}`,
        fix: [code === "AADSTS700024" ? "Set the machine's clock right (NTP), then Check again." : "Check that the tenant id is the app's own directory, then Check again.", "If it persists, Keel's log names the request; report it with the AADSTS code."],
        data: data(error, context),
      };
    case "AADSTS70021":
    case "AADSTS700211":
    case "AADSTS700212":
    case "AADSTS700213":
      return federationNoMatch(error, context);
    case "AADSTS50166":
      return {
        id: "entra_federation_issuer_unreachable",
        severity: "error",
        title: "Microsoft Entra ID could not read Keel's signing keys",
        detail: `To check Keel's signed token, Microsoft Entra ID downloads ${context.issuer ?? "Keel's issuer"}/.well-known/openid-configuration and the keys it lists. That failed: Keel's public URL must be reachable from the internet over https with a publicly trusted certificate.${said(error)}`,
        fix: [
          `Open ${context.issuer ?? "<issuer>"}/.well-known/openid-configuration from outside your network: it must answer JSON whose "issuer" is exactly ${context.issuer ?? "the issuer"}.`,
          "If it does not, set KEEL_PUBLIC_URL to Keel's public https address (and publish /api/oidc/ through your proxy), then update the federated credential's issuer to match.",
          CHECK_AGAIN,
        ],
        data: data(error, context, context.issuer ? { issuer: context.issuer } : {}),
      };
    case "AADSTS50013":
      return {
        id: "entra_federation_key_unknown",
        severity: "error",
        title: "Microsoft Entra ID does not find the key Keel signed with",
        detail: `Microsoft Entra ID read Keel's published keys but none verifies this token. Another Keel installation may publish at the same issuer URL, or a proxy serves an old copy of ${context.issuer ?? "the issuer"}/jwks.${said(error)}`,
        fix: [`Make sure ${context.issuer ?? "the issuer"} is served by this Keel (all its instances share one database) and that no cache keeps /api/oidc/jwks.`, "Wait a few minutes (Microsoft caches keys), then Check again."],
        data: data(error, context),
      };
    case "AADSTS65001":
    case "AADSTS90094":
      return {
        id: "entra_admin_consent_required",
        severity: "error",
        title: "An administrator of the tenant must consent to the application",
        detail: `Microsoft Entra ID requires an administrator's consent before ${app(context)} may get tokens for Azure DevOps.${said(error)}`,
        fix: [
          `${ENTRA_CENTER} → your app → API permissions → Grant admin consent for your tenant (a Global or Privileged Role Administrator can).`,
          `Or: az ad app permission admin-consent --id ${context.clientId ?? "<client-id>"}`,
          CHECK_AGAIN,
        ],
        data: data(error, context),
      };
    case "AADSTS50020":
      return personalAccount(context);
    case "AADSTS500011":
    case "AADSTS1002012":
    case "AADSTS90014":
      return {
        id: "entra_rejected",
        severity: "error",
        title: "Microsoft Entra ID does not know Azure DevOps in this tenant",
        detail: `The tenant has no service principal for Azure DevOps (${"499b84ac-1321-427f-aa17-267ca6975798"}), which happens in a tenant that no Azure DevOps organization is connected to.${said(error)}`,
        fix: ["Check that the tenant id is the directory your Azure DevOps organization is connected to (Organization settings → Microsoft Entra).", CHECK_AGAIN],
        data: data(error, context),
      };
    case "managed_identity_disabled":
      return {
        id: "managed_identity_disabled",
        severity: "error",
        title: "Managed identity is turned off for this Keel",
        detail: "Keel calls the Azure instance metadata endpoint only when whoever runs Keel allows it (KEEL_MANAGED_IDENTITY=true): every organization on this Keel could otherwise use the machine's identity.",
        fix: ["Whoever runs Keel: set KEEL_MANAGED_IDENTITY=true in Keel's environment and restart it, if this machine's identity may be used for Azure DevOps.", "Or choose another credential: a federated credential needs no secret either."],
        data: { code },
      };
    case "imds_unreachable":
    case "imds_blocked":
      return {
        id: "managed_identity_unavailable",
        severity: "error",
        title: "Keel could not reach the Azure instance metadata endpoint",
        detail: `${error.message} A managed identity exists only on an Azure virtual machine, scale set or container with an identity assigned.`,
        fix: ["Run Keel on the Azure machine whose identity you want to use, with a system- or user-assigned identity turned on.", "Or choose another credential (a federated credential needs no secret either)."],
        data: { code },
      };
    case "imds_identity_not_found":
      return {
        id: "managed_identity_not_found",
        severity: "error",
        title: context.clientId ? `The managed identity ${context.clientId} is not assigned to this machine` : "This machine has no system-assigned managed identity",
        detail: `The instance metadata endpoint answered "Identity not found".${said(error)}`,
        fix: [
          context.clientId
            ? "Azure portal → the virtual machine → Security → Identity → User assigned → Add: choose the identity with this client id."
            : "Azure portal → the virtual machine → Security → Identity → System assigned → On, or enter the client id of a user-assigned identity.",
          CHECK_AGAIN,
        ],
        data: data(error, context),
      };
    default:
      if (error.kind === "unreachable") {
        return {
          id: "entra_unreachable",
          severity: "error",
          title: "Keel could not reach Microsoft Entra ID",
          detail: `${error.message} Keel gets the Azure DevOps token from login.microsoftonline.com.`,
          fix: ["Allow Keel to connect to login.microsoftonline.com:443 (firewall, proxy). Keel's outgoing addresses are listed on its Network settings page.", CHECK_AGAIN],
          data: { code },
        };
      }
      return {
        id: "entra_rejected",
        severity: "error",
        title: `Microsoft Entra ID refused the token request (${code})`,
        detail: `${error.message}`,
        fix: [`Look the code up in Microsoft's error reference: https://login.microsoftonline.com/error?code=${code.replace(/^AADSTS/, "")}`, CHECK_AGAIN],
        data: data(error, context),
      };
  }
}

function certificateFinding(error: EntraTokenError, context: EntraFindingContext): Finding {
  const text = error.description ?? "";
  if (/key used is expired/i.test(text)) {
    return {
      id: "entra_certificate_expired",
      severity: "error",
      title: "The certificate registered on the app has expired",
      detail: `Microsoft Entra ID no longer accepts this certificate for ${app(context)}.${said(error)}`,
      fix: ["Create a new certificate (the commands below), upload its public part to the app registration (Certificates & secrets → Certificates).", "Replace the certificate on the connection in Keel, then Check again."],
      data: data(error, context),
    };
  }
  if (/Key was found, but use of the key to verify the signature failed/i.test(text)) {
    return {
      id: "entra_certificate_key_mismatch",
      severity: "error",
      title: "The private key does not belong to the registered certificate",
      detail: `Microsoft Entra ID found the certificate but the signature made with the private key Keel holds does not verify with it.${said(error)}`,
      fix: ["Paste the private key that was created together with this certificate (the .key file next to the .crt).", CHECK_AGAIN],
      data: data(error, context),
    };
  }
  return {
    id: "entra_certificate_not_registered",
    severity: "error",
    title: `The certificate is not registered on ${app(context)}`,
    detail: `Microsoft Entra ID has no certificate with this thumbprint on the application.${said(error)}`,
    fix: [`${ENTRA_CENTER} → your app → Certificates & secrets → Certificates → Upload certificate: upload the same certificate (.crt, public part) you gave Keel.`, CHECK_AGAIN],
    data: data(error, context),
  };
}

function federationNoMatch(error: EntraTokenError, context: EntraFindingContext): Finding {
  const issuer = context.issuer ?? "";
  const subject = context.subject ?? "";
  const which =
    error.code === "AADSTS70021"
      ? "The application has no federated credential for this issuer, subject and audience."
      : error.code === "AADSTS700211"
        ? "No federated credential on the application names Keel's issuer."
        : error.code === "AADSTS700213"
          ? "A federated credential names Keel's issuer, but with another subject."
          : "A federated credential matches issuer and subject, but not the audience.";
  return {
    id: "entra_federation_no_match",
    severity: "error",
    title: "The app has no federated credential that matches this connection",
    detail: `${which} The credential must contain these three values exactly (letter for letter, no trailing slash).${said(error)}`,
    fix: [
      `${ENTRA_CENTER} → your app → Certificates & secrets → Federated credentials → Add credential → Other issuer.`,
      `Issuer: ${issuer}`,
      `Subject identifier: ${subject}`,
      `Audience: ${TOKEN_EXCHANGE_AUDIENCE}`,
      "Save (or use the az command below), then Check again. Changes can take a minute to apply.",
    ],
    data: data(error, context, { issuer, subject, audience: TOKEN_EXCHANGE_AUDIENCE }),
  };
}
