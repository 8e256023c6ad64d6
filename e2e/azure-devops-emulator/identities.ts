import type { FixtureUser } from "./model.js";
import { identityImageUrl, identityUrl, type HostUrls } from "./urls.js";

const SUBJECT_PREFIX: Record<FixtureUser["kind"], string> = { work: "aad", personal: "msa", onPremises: "win", servicePrincipal: "aadsp" };

/** Graph subject descriptor: `aad.` / `msa.` / `win.` / `aadsp.` plus base64url of the id (docs/azure-devops-facts.md §1.1). */
export function subjectDescriptor(user: FixtureUser): string {
  const prefix = SUBJECT_PREFIX[user.kind];
  const key = user.kind === "onPremises" ? sidOf(user) : user.id;
  return `${prefix}.${Buffer.from(key, "utf8").toString("base64url")}`;
}

/** A stable Windows SID for an on-premises user. */
function sidOf(user: FixtureUser): string {
  const digits = user.id.replace(/[^0-9]/g, "").padEnd(30, "7");
  return `S-1-5-21-${digits.slice(0, 10)}-${digits.slice(10, 20)}-${digits.slice(20, 30)}-1105`;
}

/** Identity descriptor as the Location/Identities services write it. */
export function identityDescriptor(user: FixtureUser): string {
  if (user.kind === "onPremises") {
    return `System.Security.Principal.WindowsIdentity;${sidOf(user)}`;
  }
  if (user.kind === "servicePrincipal") {
    // Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;{tenant}\{service principal object id}
    return `Microsoft.VisualStudio.Services.Claims.AadServicePrincipal;${user.tenantId ?? ""}\\${user.objectId ?? user.id}`;
  }
  if (user.kind === "personal") {
    const puid = user.id.replace(/-/g, "").slice(0, 16).toUpperCase();
    return `Microsoft.IdentityModel.Claims.ClaimsIdentity;${puid}@Live.com`;
  }
  return `Microsoft.IdentityModel.Claims.ClaimsIdentity;${user.tenantId ?? "00000000-0000-0000-0000-000000000000"}\\${user.email}`;
}

/** The account name: email for cloud users, DOMAIN\\user on-premises, the application id of a service principal (UNVERIFIED). */
export function accountName(user: FixtureUser): string {
  if (user.kind === "servicePrincipal") {
    return user.appId ?? user.id;
  }
  return user.kind === "onPremises" ? (user.domainAccount ?? user.email) : user.email;
}

/** The `Identity` shape of connectionData and the identities API (the Node client's IdentitiesInterfaces). */
export function identityOf(user: FixtureUser): Record<string, unknown> {
  return {
    id: user.id,
    descriptor: identityDescriptor(user),
    subjectDescriptor: subjectDescriptor(user),
    providerDisplayName: user.displayName,
    isActive: true,
    isContainer: false,
    members: [],
    memberOf: [],
    properties: {
      Account: { $type: "System.String", $value: accountName(user) },
      // Service principals have no mail address.
      ...(user.email.length > 0 ? { Mail: { $type: "System.String", $value: user.email } } : {}),
    },
    resourceVersion: 2,
    metaTypeId: 0,
  };
}

/** The `IdentityRef` shape used in refs, statuses, subscriptions (spec examples). */
export function identityRefOf(user: FixtureUser, urls: HostUrls): Record<string, unknown> {
  const descriptor = subjectDescriptor(user);
  return {
    displayName: user.displayName,
    url: identityUrl(urls, user.id),
    _links: { avatar: { href: `${urls.base}/_apis/GraphProfile/MemberAvatars/${descriptor}` } },
    id: user.id,
    uniqueName: accountName(user),
    imageUrl: identityImageUrl(urls, user.id),
    descriptor,
  };
}
