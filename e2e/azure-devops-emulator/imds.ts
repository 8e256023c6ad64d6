import { aadstsMessage } from "./aadsts.js";
import { issueAppToken } from "./app-tokens.js";
import type { EmulatorCore } from "./core.js";
import { AZURE_DEVOPS_RESOURCES, type ServicePrincipalRecord } from "./entra-directory.js";
import { queryParam, sendJson, type RequestContext } from "./http.js";

/**
 * Managed identity through the Azure Instance Metadata Service, as an Azure VM sees it:
 * `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…` with `Metadata: true`
 * (optional `client_id`, `object_id` or `msi_res_id` picks a user-assigned identity; none picks
 * the system-assigned one). Served on the Services listener; point a client's IMDS base URL at
 * it (MSAL for Node: `AZURE_POD_IDENTITY_AUTHORITY_HOST`). Success bodies carry every number as
 * a string, as IMDS does; errors are `{error, error_description}` with HTTP 400 (UNVERIFIED
 * wording for the missing-parameter cases).
 */

function imdsError(ctx: RequestContext, status: number, error: string, description: string): void {
  sendJson(ctx, status, { error, error_description: description });
}

/** The identity the request selects among those attached to the VM. */
function selectIdentity(core: EmulatorCore, ctx: RequestContext): ServicePrincipalRecord | undefined {
  const attached = core.store.entra.managedIdentities().filter((record) => record.managedIdentity?.assigned === true);
  const clientId = queryParam(ctx.url, "client_id");
  const objectId = queryParam(ctx.url, "object_id");
  const resourceId = queryParam(ctx.url, "msi_res_id") ?? queryParam(ctx.url, "mi_res_id");
  if (clientId !== undefined) {
    return attached.find((record) => record.managedIdentity?.kind === "user" && record.clientId.toLowerCase() === clientId.toLowerCase());
  }
  if (objectId !== undefined) {
    return attached.find((record) => record.managedIdentity?.kind === "user" && record.objectId.toLowerCase() === objectId.toLowerCase());
  }
  if (resourceId !== undefined) {
    return attached.find((record) => record.managedIdentity?.kind === "user" && record.managedIdentity.resourceId?.toLowerCase() === resourceId.toLowerCase());
  }
  return attached.find((record) => record.managedIdentity?.kind === "system");
}

/** `GET /metadata/identity/oauth2/token`. */
export async function imdsToken(core: EmulatorCore, ctx: RequestContext): Promise<void> {
  if (ctx.method !== "GET") {
    imdsError(ctx, 405, "invalid_request", "The requested HTTP method is not allowed; use GET.");
    return;
  }
  const metadata = ctx.req.headers.metadata;
  if ((Array.isArray(metadata) ? metadata[0] : metadata)?.toLowerCase() !== "true") {
    imdsError(ctx, 400, "invalid_request", "Required metadata header not specified");
    return;
  }
  if (queryParam(ctx.url, "api-version") === undefined) {
    imdsError(ctx, 400, "invalid_request", "Required query variable 'api-version' is missing");
    return;
  }
  const resource = queryParam(ctx.url, "resource");
  if (resource === undefined || resource.length === 0) {
    imdsError(ctx, 400, "invalid_request", "Required query variable 'resource' is missing");
    return;
  }
  const identity = selectIdentity(core, ctx);
  if (!identity) {
    imdsError(ctx, 400, "invalid_request", "Identity not found");
    return;
  }
  const normalized = resource.replace(/\/+$/, "").replace(/\/\.default$/i, "");
  if (!AZURE_DEVOPS_RESOURCES.some((known) => known.toLowerCase() === normalized.toLowerCase())) {
    imdsError(ctx, 400, "invalid_resource", aadstsMessage(500011, { resource, directory: core.store.entra.tenantName(identity.tenantId) }));
    return;
  }
  const token = await issueAppToken(core, identity, "0");
  sendJson(ctx, 200, {
    access_token: token.accessToken,
    client_id: identity.clientId,
    expires_in: String(token.expiresIn),
    expires_on: String(token.expiresOnSeconds),
    ext_expires_in: String(token.expiresIn),
    not_before: String(token.notBeforeSeconds),
    resource,
    token_type: "Bearer",
  });
}
