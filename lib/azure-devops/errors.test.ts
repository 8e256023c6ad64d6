import { describe, expect, it } from "vitest";

import { decodeServiceErrorHeader, errorFromFailure, errorFromHttp, parseServiceErrorBody, parseVersionCeiling, userInNotAuthorized } from "./errors";
import { auditUrl, authorizationHeader } from "./transport";

const USER = "4a7c9e21-3b5d-4f68-8a1b-0c2d3e4f5a61";

function wrapped(message: string, typeKey: string): Record<string, unknown> {
  return { $id: "1", innerException: null, message, typeName: `Some.${typeKey}, Assembly`, typeKey, errorCode: 0, eventId: 3000 };
}

function http(status: number, json: unknown, extra: { headers?: Record<string, string>; credentialKind?: "pat" | "bearer"; authenticatedUserId?: string } = {}) {
  return errorFromHttp({
    status,
    headers: extra.headers ?? {},
    json,
    method: "GET",
    url: "https://dev.azure.com/fabrikam/_apis/projects",
    credentialKind: extra.credentialKind ?? "pat",
    ...(extra.authenticatedUserId === undefined ? {} : { authenticatedUserId: extra.authenticatedUserId }),
    now: Date.parse("2026-01-01T00:00:00Z"),
  });
}

describe("Azure DevOps error bodies and headers", () => {
  it("reads the wrapped-exception body and its TF code", () => {
    const body = parseServiceErrorBody(wrapped("TF401019: The Git repository with name or identifier x does not exist.", "GitRepositoryNotFoundException"));
    expect(body).toMatchObject({ tfCode: "TF401019", typeKey: "GitRepositoryNotFoundException", errorCode: 0, eventId: 3000 });
    // A bare {"message"} is not Azure DevOps' shape.
    expect(parseServiceErrorBody({ message: "nope" })).toBeNull();
    expect(parseServiceErrorBody([1])).toBeNull();
  });

  it("decodes X-TFS-ServiceError in both encodings", () => {
    expect(decodeServiceErrorHeader("Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired.")).toBe("Access Denied: The Personal Access Token used has expired.");
    expect(decodeServiceErrorHeader("TF400813%3a+Resource+not+available+for+anonymous+access.")).toBe("TF400813: Resource not available for anonymous access.");
    expect(decodeServiceErrorHeader("%E0%A4%A")).toBeNull();
  });

  it("parses the version ceiling and the user of TF400813", () => {
    expect(parseVersionCeiling("The requested REST API version of 7.2 is out of range for this server. The latest REST API version this server supports is 6.1.")).toBe("6.1");
    expect(userInNotAuthorized(`TF400813: The user '${USER}' is not authorized to access this resource.`)).toBe(USER);
    expect(userInNotAuthorized("TF400813: The user '' is not authorized to access this resource.")).toBe("");
    expect(userInNotAuthorized("something else")).toBeNull();
  });
});

describe("classification", () => {
  it("401s: expired, revoked, invalid, not_member, oauth_policy, missing_scope", () => {
    expect(http(401, wrapped("Access Denied: The Personal Access Token used has expired.", "AccessCheckException")).reason).toMatchObject({ kind: "unauthorized", unauthorized: "expired" });
    expect(http(401, wrapped("Access Denied: The Personal Access Token used has been revoked.", "AccessCheckException")).reason).toMatchObject({ unauthorized: "revoked" });
    expect(http(401, wrapped("TF400813: The user '' is not authorized to access this resource.", "UnauthorizedRequestException")).reason).toMatchObject({ unauthorized: "invalid" });
    const notAuthorized = wrapped(`TF400813: The user '${USER}' is not authorized to access this resource.`, "UnauthorizedRequestException");
    expect(http(401, notAuthorized).reason).toMatchObject({ unauthorized: "not_member", userId: USER });
    expect(http(401, notAuthorized, { credentialKind: "bearer" }).reason).toMatchObject({ unauthorized: "oauth_policy", userId: USER });
    expect(http(401, notAuthorized, { authenticatedUserId: USER.toUpperCase() }).reason).toMatchObject({ kind: "missing_scope", userId: USER });
  });

  it("401 TF401444: a service principal nobody added to the organization, with its object id", () => {
    const objectId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const message = `TF401444: Please sign-in at least once as b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b\\b9e4d7c2-1a3f-4e5d-8c6b-7a9f0e1d2c3b\\${objectId} in a web browser to enable access to the service.`;
    const error = http(401, wrapped(message, "UnauthorizedRequestException"), { credentialKind: "bearer" });
    expect(error.reason).toMatchObject({ kind: "unauthorized", unauthorized: "principal_not_added", userId: objectId });
    expect(error.message).toContain("has not been added to this organization");
  });

  it("uses X-TFS-ServiceError when the body is not Azure DevOps' shape", () => {
    const error = http(401, undefined, { headers: { "X-TFS-ServiceError": "Access%20Denied%3A%20The%20Personal%20Access%20Token%20used%20has%20expired." } });
    expect(error.reason).toMatchObject({ unauthorized: "expired" });
    expect(error.serviceError?.message).toBe("Access Denied: The Personal Access Token used has expired.");
  });

  it("429 reads Retry-After, or X-RateLimit-Reset when Retry-After is missing", () => {
    expect(http(429, wrapped("TF400733: The request has been canceled", "RequestBlockedException"), { headers: { "Retry-After": "30" } }).reason).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 30 });
    const reset = Date.parse("2026-01-01T00:01:00Z") / 1000;
    expect(http(429, undefined, { headers: { "X-RateLimit-Reset": String(reset) } }).reason).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 60, resetAt: "2026-01-01T00:01:00.000Z" });
  });

  it("404 with an Azure DevOps body is not_found; 4xx JSON of another shape is not_azure_devops and not quoted", () => {
    expect(http(404, wrapped("TF200016: The following project does not exist: Foo.", "ProjectDoesNotExistWithNameException")).reason).toMatchObject({ kind: "not_found", code: "TF200016" });
    const other = http(404, { error: "route not found", internal: "stack trace here" });
    expect(other.reason).toMatchObject({ kind: "not_azure_devops", status: 404 });
    expect(other.message).not.toContain("stack trace");
  });

  it("400s: out-of-range versions with the ceiling, other 400s as bad_request; 403; 5xx", () => {
    const outOfRange = wrapped("The requested REST API version of 99.0 is out of range for this server. The latest REST API version this server supports is 5.0.", "VssVersionOutOfRangeException");
    expect(http(400, outOfRange).reason).toEqual({ kind: "version_out_of_range", status: 400, requested: "99.0", ceiling: "5.0" });
    expect(http(400, wrapped("The status context name cannot be null or empty.", "VssPropertyValidationException")).reason).toMatchObject({ kind: "bad_request", typeKey: "VssPropertyValidationException" });
    expect(http(403, undefined).reason).toMatchObject({ kind: "forbidden" });
    expect(http(503, undefined).reason).toMatchObject({ kind: "server_error", status: 503 });
  });

  it("non-JSON answers: 203 is the sign-in page, 200 HTML is not Azure DevOps", () => {
    const base = { host: "dev.azure.com", port: 443, message: "dev.azure.com did not answer like Azure DevOps." } as const;
    expect(errorFromFailure({ ...base, kind: "not_json", status: 203, contentType: "html" }, "GET", "u").reason).toMatchObject({ kind: "unauthorized", unauthorized: "sign_in_page", status: 203 });
    expect(errorFromFailure({ ...base, kind: "not_json", status: 200, contentType: "html" }, "GET", "u").reason).toMatchObject({ kind: "not_azure_devops", contentType: "html" });
    expect(errorFromFailure({ ...base, kind: "not_json", status: 429, contentType: "html", retryAfter: "12" }, "GET", "u").reason).toMatchObject({ kind: "rate_limited", retryAfterSeconds: 12 });
    expect(errorFromFailure({ ...base, kind: "tls", tls: "expired" }, "GET", "u").reason).toMatchObject({ kind: "network", failure: "tls", tls: "expired" });
  });
});

describe("request headers and audit URLs", () => {
  it("PAT is Basic with an empty user name; bearer is Bearer; unusable tokens are refused", () => {
    expect(authorizationHeader({ kind: "pat", token: "abc" })).toBe(`Basic ${Buffer.from(":abc").toString("base64")}`);
    expect(authorizationHeader({ kind: "bearer", token: "eyJ.x.y" })).toBe("Bearer eyJ.x.y");
    expect(authorizationHeader({ kind: "pat", token: "  " })).toBeNull();
    expect(authorizationHeader({ kind: "bearer", token: "a\r\nX-Injected: 1" })).toBeNull();
  });

  it("keeps only non-secret query parameters in audit URLs", () => {
    expect(auditUrl("https://h/c/_apis/identities?searchFilter=General&filterValue=alice%40example.com&api-version=7.1")).toBe("https://h/c/_apis/identities?api-version=7.1");
    expect(auditUrl("https://h/c/_apis/projects?%24top=5&continuationToken=20")).toBe("https://h/c/_apis/projects?%24top=5");
  });
});
