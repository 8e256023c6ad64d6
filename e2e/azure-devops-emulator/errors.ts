/**
 * Azure DevOps error bodies (docs/azure-devops-facts.md §2.1): keys in exactly this order, `$id` "1",
 * `typeName` "FullTypeName, AssemblyName", `errorCode` 0, `eventId` 3000.
 */

export type WrappedException = {
  $id: "1";
  customProperties?: Record<string, unknown>;
  innerException: null;
  message: string;
  typeName: string;
  typeKey: string;
  errorCode: number;
  eventId: number;
};

/** An error the request pipeline turns into an HTTP response. */
export class ServiceError extends Error {
  readonly status: number;
  readonly body: WrappedException;
  readonly headers: Record<string, string>;

  constructor(status: number, body: WrappedException, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Builds a wrapped-exception body with the service's key order. */
export function wrapped(
  message: string,
  typeName: string,
  typeKey: string,
  customProperties?: Record<string, unknown>,
): WrappedException {
  // Key order matters to clients that compare bodies textually; build it explicitly.
  if (customProperties) {
    return { $id: "1", customProperties, innerException: null, message, typeName, typeKey, errorCode: 0, eventId: 3000 };
  }
  return { $id: "1", innerException: null, message, typeName, typeKey, errorCode: 0, eventId: 3000 };
}

const UNAUTHORIZED_TYPE = "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, Microsoft.TeamFoundation.Framework.Server";
const ACCESS_CHECK_TYPE = "Microsoft.VisualStudio.Services.Security.AccessCheckException, Microsoft.VisualStudio.Services.WebApi";
const ACCESS_CHECK_PROPERTIES = {
  Descriptor: null,
  IdentityDisplayName: null,
  Token: null,
  RequestedPermissions: 0,
  NamespaceId: "00000000-0000-0000-0000-000000000000",
};

/** Exact message texts (docs/azure-devops-facts.md §2.1–§2.5). */
export const MESSAGES = {
  anonymous: "TF400813: Resource not available for anonymous access. Client authentication required.",
  expiredPat: "Access Denied: The Personal Access Token used has expired.",
  // Emulator choice (UNVERIFIED): same shape as the expired-PAT error.
  revokedPat: "Access Denied: The Personal Access Token used has been revoked.",
  notSpecified: (method: string) =>
    `No api-version was supplied for the "${method}" request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. "?api-version=1.0").`,
  outOfRange: (requested: string, latest: string) =>
    `The requested REST API version of ${requested} is out of range for this server. The latest REST API version this server supports is ${latest}.`,
  outOfRouteRange: (requested: string, route: string) =>
    `The request matched route ${route}, but the requested REST API version ${requested} was outside the valid version range for this route.`,
  previewRequired: (requested: string) =>
    `The requested version "${requested}" of the resource is under preview. The -preview flag must be supplied in the api-version for such requests. For example: "${requested}-preview"`,
  invalidVersion: (requested: string) =>
    `Invalid api version string: "${requested}". Api version string must be in the format: {Major}.{Minor}[-preview[.{ResourceVersion}]].`,
  notAuthorized: (userId: string) => `TF400813: The user '${userId}' is not authorized to access this resource.`,
  projectNotFound: (name: string) =>
    `TF200016: The following project does not exist: ${name}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
  repoNotFound: (name: string) =>
    `TF401019: The Git repository with name or identifier ${name} does not exist or you do not have permissions for the operation you are attempting.`,
  rateLimited: (resource: string, namespace: string) =>
    `TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource '${resource}' in namespace '${namespace}'.`,
};

/**
 * 403 for a user without the service hooks "Edit subscriptions" permission. The "needs the
 * following permission(s) on the resource … to perform this action" form is the service's
 * AccessCheckException text; the namespace path and the status for this resource are UNVERIFIED.
 */
export function hookPermissionError(displayName: string, projectId: string): ServiceError {
  return new ServiceError(
    403,
    wrapped(
      `Access Denied: ${displayName} needs the following permission(s) on the resource PublisherSecurity/tfs/${projectId} to perform this action: Edit subscriptions`,
      ACCESS_CHECK_TYPE,
      "AccessCheckException",
      ACCESS_CHECK_PROPERTIES,
    ),
  );
}

/** 401 for a request without credentials. */
export function anonymousError(): WrappedException {
  return wrapped(MESSAGES.anonymous, UNAUTHORIZED_TYPE, "UnauthorizedRequestException");
}

/** 401 TF400813 naming the user ('' when the token could not be resolved). */
export function notAuthorizedError(userId: string): WrappedException {
  return wrapped(MESSAGES.notAuthorized(userId), UNAUTHORIZED_TYPE, "UnauthorizedRequestException");
}

/**
 * 401 for a service principal or managed identity that was never added to the organization.
 * Text from Microsoft's service-principal documentation ("Potential errors"); status and
 * typeKey are UNVERIFIED (the emulator uses the TF400813 shape).
 */
export function servicePrincipalNotAddedError(user: { tenantId?: string; objectId?: string; id: string }): WrappedException {
  const tenant = user.tenantId ?? "";
  return wrapped(
    `TF401444: Please sign-in at least once as ${tenant}\\${tenant}\\${user.objectId ?? user.id} in a web browser to enable access to the service.`,
    UNAUTHORIZED_TYPE,
    "UnauthorizedRequestException",
  );
}

/** 401 for an expired PAT, body exactly as captured (docs/azure-devops-facts.md §2.1). */
export function expiredPatError(): WrappedException {
  return wrapped(MESSAGES.expiredPat, ACCESS_CHECK_TYPE, "AccessCheckException", { ...ACCESS_CHECK_PROPERTIES });
}

/** 401 for a revoked PAT (emulator choice, same shape as the expired one). */
export function revokedPatError(): WrappedException {
  return wrapped(MESSAGES.revokedPat, ACCESS_CHECK_TYPE, "AccessCheckException", { ...ACCESS_CHECK_PROPERTIES });
}

const VERSION_TYPE_PREFIX = "Microsoft.VisualStudio.Services.WebApi.";
const VERSION_ASSEMBLY = ", Microsoft.VisualStudio.Services.WebApi";

/** 400 for a POST/PUT/PATCH without api-version (docs/azure-devops-facts.md §2.3, exact). */
export function versionNotSpecifiedError(method: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      MESSAGES.notSpecified(method),
      `${VERSION_TYPE_PREFIX}VssVersionNotSpecifiedException${VERSION_ASSEMBLY}`,
      "VssVersionNotSpecifiedException",
    ),
  );
}

/** 400 for an api-version above the product's ceiling. */
export function versionOutOfRangeError(requested: string, latest: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      MESSAGES.outOfRange(requested, latest),
      `${VERSION_TYPE_PREFIX}VssVersionOutOfRangeException${VERSION_ASSEMBLY}`,
      "VssVersionOutOfRangeException",
    ),
  );
}

/** 400 for an api-version below the resource's minimum. */
export function versionOutOfRouteRangeError(requested: string, route: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      MESSAGES.outOfRouteRange(requested, route),
      `${VERSION_TYPE_PREFIX}VssVersionOutOfRangeException${VERSION_ASSEMBLY}`,
      "VssVersionOutOfRangeException",
    ),
  );
}

/** 400 when a preview resource is asked for without `-preview`. */
export function previewRequiredError(requested: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      MESSAGES.previewRequired(requested),
      `${VERSION_TYPE_PREFIX}VssInvalidPreviewVersionException${VERSION_ASSEMBLY}`,
      "VssInvalidPreviewVersionException",
    ),
  );
}

/** 400 for a malformed api-version. */
export function invalidVersionError(requested: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      MESSAGES.invalidVersion(requested),
      `${VERSION_TYPE_PREFIX}VssInvalidApiVersionException${VERSION_ASSEMBLY}`,
      "VssInvalidApiVersionException",
    ),
  );
}

/** 404 TF200016 for a project that does not exist. */
export function projectNotFoundError(name: string): ServiceError {
  return new ServiceError(
    404,
    wrapped(
      MESSAGES.projectNotFound(name),
      "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, Microsoft.TeamFoundation.Core.WebApi",
      "ProjectDoesNotExistWithNameException",
    ),
  );
}

/** 404 TF401019 for a repository that does not exist. */
export function repoNotFoundError(name: string): ServiceError {
  return new ServiceError(
    404,
    wrapped(
      MESSAGES.repoNotFound(name),
      "Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, Microsoft.TeamFoundation.Git.Server",
      "GitRepositoryNotFoundException",
    ),
  );
}

/** 404 for a commit/branch that cannot be resolved (emulator choice of text, UNVERIFIED). */
export function unresolvableVersionError(descriptor: string, repoName: string): ServiceError {
  return new ServiceError(
    404,
    wrapped(
      `TF401175:The version descriptor <${descriptor}> could not be resolved to a version in the repository ${repoName}`,
      "Microsoft.TeamFoundation.Git.Server.GitUnresolvableToCommitException, Microsoft.TeamFoundation.Git.Server",
      "GitUnresolvableToCommitException",
    ),
  );
}

/** 400 for an invalid request body or argument (emulator choice of text). */
export function invalidArgumentError(message: string): ServiceError {
  return new ServiceError(
    400,
    wrapped(message, "Microsoft.VisualStudio.Services.Common.VssPropertyValidationException, Microsoft.VisualStudio.Services.Common", "VssPropertyValidationException"),
  );
}

/** 404 for an unknown organization/collection or API route (emulator choice of text). */
export function notFoundError(message: string, typeKey = "VssResourceNotFoundException"): ServiceError {
  return new ServiceError(404, wrapped(message, `Microsoft.VisualStudio.Services.WebApi.${typeKey}, Microsoft.VisualStudio.Services.WebApi`, typeKey));
}

/** 429 TF400733 (docs/azure-devops-facts.md §2.5). */
export function rateLimitedError(resource: string, namespace: string): WrappedException {
  return wrapped(
    MESSAGES.rateLimited(resource, namespace),
    "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, Microsoft.TeamFoundation.Framework.Server",
    "RequestBlockedException",
  );
}

/** 500/502/503/504 injected by a fault. */
export function injectedServerError(status: number): WrappedException {
  return wrapped(
    `TF246017: The emulator injected an HTTP ${status} fault for this request.`,
    "Microsoft.TeamFoundation.Framework.Server.DatabaseConnectionException, Microsoft.TeamFoundation.Framework.Server",
    "DatabaseConnectionException",
  );
}

/** URL-encodes a message for `X-TFS-ServiceError`: Services like Uri.EscapeDataString, on-prem like HttpUtility.UrlEncode. */
export function encodeServiceError(message: string, onPremises: boolean): string {
  if (!onPremises) {
    return encodeURIComponent(message);
  }
  // .NET HttpUtility.UrlEncode: spaces as '+', lower-case hex escapes (docs/azure-devops-facts.md §2.1 on-prem capture).
  return encodeURIComponent(message)
    .replace(/%20/g, "+")
    .replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}

/** 409 for something that already exists or conflicts (emulator choice of status unless stated). */
export function conflictError(message: string, typeKey: string): ServiceError {
  return new ServiceError(409, wrapped(message, `Microsoft.TeamFoundation.Git.Server.${typeKey}, Microsoft.TeamFoundation.Git.Server`, typeKey));
}

/** 404 for a git resource (pull request, thread, comment, status, push) that does not exist. */
export function gitNotFoundError(message: string, typeKey: string): ServiceError {
  return new ServiceError(404, wrapped(message, `Microsoft.TeamFoundation.Git.Server.${typeKey}, Microsoft.TeamFoundation.Git.Server`, typeKey));
}

/**
 * 400 for a request body whose Content-Type the action does not accept. Text and type as
 * captured from Azure DevOps (VssRequestContentTypeNotSupportedException, status 400 in the
 * server's exception-to-status map).
 */
export function contentTypeNotSupportedError(contentType: string, method: string, allowed: readonly string[]): ServiceError {
  return new ServiceError(
    400,
    wrapped(
      `The request indicated a Content-Type of "${contentType}" for method type "${method}" which is not supported. Valid content types for this method are: ${allowed.join(", ")}.`,
      "Microsoft.VisualStudio.Services.WebApi.VssRequestContentTypeNotSupportedException, Microsoft.VisualStudio.Services.WebApi",
      "VssRequestContentTypeNotSupportedException",
    ),
  );
}
