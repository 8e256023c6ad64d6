import { readFileSync } from "node:fs";
import { join } from "node:path";
import AjvModule from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_ENTRA_APP, DEFAULT_PATS, DEFAULT_REPOS, DEFAULT_SERVERS, DEFAULT_USERS } from "./fixtures/default.js";
import { startEmulator, type EmulatorHandle } from "./index.js";
import { SpecSchemas, SPECS_DIR, type SpecArea, type SpecVersion } from "./spec-schemas.js";
import { acceptVersion, basic, body, pkcePair, postForm, postJson, request, values, type RawResponse } from "./test-support.js";

/**
 * Every JSON body the emulator returns for the endpoints Keel uses is validated against the
 * matching definition of Microsoft's specs: 7.1 for Services, azure-devops-server-7.1/6.0/5.0
 * for Server 2022.1/2020/2019 (TFS 2018 against 5.0, the oldest spec available). Bodies of
 * endpoints the specs do not cover (connectionData, OPTIONS, ResourceAreas, identities,
 * notification subscriptions, errors, OAuth) are checked against schemas written from the
 * Node client's interfaces and docs/azure-devops-facts.md, further below.
 */

type Json = Record<string, unknown>;
type Check = { label: string; area: SpecArea; definition: string; list: boolean; response: RawResponse; expectStatus: number };

const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as typeof AjvModule;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as typeof addFormatsModule;

let handle: EmulatorHandle;
const schemaCache = new Map<string, SpecSchemas>();

function schemas(area: SpecArea, version: SpecVersion): SpecSchemas {
  const key = `${area}|${version}`;
  let found = schemaCache.get(key);
  if (!found) {
    found = new SpecSchemas(area, version);
    schemaCache.set(key, found);
  }
  return found;
}

/** Runs every check and returns readable failures (empty when all conform). */
function failures(checks: Check[], version: SpecVersion): string[] {
  const result: string[] = [];
  for (const check of checks) {
    if (check.response.status !== check.expectStatus) {
      result.push(`${check.label}: HTTP ${check.response.status} (expected ${check.expectStatus}) ${check.response.text.slice(0, 200)}`);
      continue;
    }
    for (const error of schemas(check.area, version).errors(check.definition, check.response.json, check.list)) {
      result.push(`${check.label} [${check.definition}]: ${error}`);
    }
  }
  return result;
}

/** Walks every endpoint of one organization/collection and returns the checks. */
async function walk(input: {
  base: string;
  auth: Record<string, string>;
  version: string;
  project: string;
  repository: string;
  ca?: string;
  withVssps?: string;
  /** Where the walk pushes a topic branch and opens a pull request from it. */
  deployment: string;
  collection: string;
  userId: string;
}): Promise<Check[]> {
  const { base, version, ca } = input;
  const headers = { ...input.auth, ...acceptVersion(version) };
  const get = (path: string): Promise<RawResponse> => request(`${base}${path}`, { headers, ca });
  const project = encodeURIComponent(input.project);
  const repoPath = `/${project}/_apis/git/repositories/${encodeURIComponent(input.repository)}`;
  const checks: Check[] = [];
  const add = (label: string, area: SpecArea, definition: string, list: boolean, response: RawResponse, expectStatus = 200): void => {
    checks.push({ label, area, definition, list, response, expectStatus });
  };
  add("projects", "core", "TeamProjectReference", true, await get("/_apis/projects"));
  add("projects all states", "core", "TeamProjectReference", true, await get("/_apis/projects?stateFilter=all&getDefaultTeamImageUrl=true&$top=2"));
  add("project by name", "core", "TeamProject", false, await get(`/_apis/projects/${project}?includeCapabilities=true`));
  add("org repositories", "git", "GitRepository", true, await get("/_apis/git/repositories?includeLinks=true&includeAllUrls=true&includeHidden=true"));
  add("project repositories", "git", "GitRepository", true, await get(`/${project}/_apis/git/repositories`));
  const repository = await get(repoPath);
  add("repository", "git", "GitRepository", false, repository);
  const repoId = String(body(repository).id);
  const refs = await get(`${repoPath}/refs?filter=heads/&includeLinks=true`);
  add("refs", "git", "GitRef", true, refs);
  const head = String(values(refs)[0]?.objectId ?? "");
  const created = await postJson(
    `${base}/${project}/_apis/git/repositories/${repoId}/commits/${head}/statuses`,
    { state: 2, description: "Build succeeded", targetUrl: "https://ci.example.test/builds/1", context: { name: "keel/build", genre: "continuous-integration" } },
    headers,
    ca,
  );
  add("create status", "git", "GitStatus", false, created, 201);
  add("statuses", "git", "GitStatus", true, await get(`${repoPath}/commits/${head}/statuses`));
  add("refs with statuses", "git", "GitRef", true, await get(`${repoPath}/refs?filter=heads/&includeStatuses=true&latestStatusesOnly=true`));
  add("commits", "git", "GitCommitRef", true, await get(`${repoPath}/commits?searchCriteria.$top=5`));
  add("commit", "git", "GitCommit", false, await get(`${repoPath}/commits/${head}`));
  const subscription = await postJson(
    `${base}/_apis/hooks/subscriptions`,
    {
      publisherId: "tfs",
      eventType: "git.push",
      resourceVersion: "1.0",
      consumerId: "webHooks",
      consumerActionId: "httpRequest",
      publisherInputs: { projectId: body(repository).project ? String((body(repository).project as Json).id) : "", repository: repoId, branch: "main", pushedBy: "" },
      consumerInputs: { url: "https://ci.example.test/hooks", httpHeaders: "X-Hook-Secret:abc", basicAuthUsername: "keel", basicAuthPassword: "s3cret" },
    },
    headers,
    ca,
  );
  add("create subscription", "hooks", "Subscription", false, subscription);
  // Pushes and pull requests (a write-capable PAT of the same user).
  const writer = handle.control.createPat({ userId: input.userId, scopes: "full", organizations: "all", deployment: input.deployment });
  const writeHeaders = { ...basic(writer.token), ...acceptVersion(version) };
  const topic = await handle.control.push({ deployment: input.deployment, organization: input.collection, project: input.project, repository: input.repository, branch: "conformance/topic", commits: 2 });
  add("pushes", "git", "GitPush", true, await get(`${repoPath}/pushes?searchCriteria.includeRefUpdates=true`));
  add("push", "git", "GitPush", false, await get(`${repoPath}/pushes/${topic.pushId}`));
  const defaultBranch = String(body(repository).defaultBranch);
  const pr = await postJson(`${base}${repoPath}/pullrequests`, { sourceRefName: "refs/heads/conformance/topic", targetRefName: defaultBranch, title: "Conformance", description: "Checks shapes" }, writeHeaders, ca);
  add("create pull request", "git", "GitPullRequest", false, pr, 201);
  const prPath = `${repoPath}/pullRequests/${String(body(pr).pullRequestId)}`;
  add("pull requests", "git", "GitPullRequest", true, await get(`${repoPath}/pullrequests`));
  add("pull request", "git", "GitPullRequest", false, await get(prPath));
  add("pull request by id", "git", "GitPullRequest", false, await get(`/_apis/git/pullrequests/${String(body(pr).pullRequestId)}`));
  add("iterations", "git", "GitPullRequestIteration", true, await get(`${prPath}/iterations?includeCommits=true`));
  add("iteration", "git", "GitPullRequestIteration", false, await get(`${prPath}/iterations/1`));
  const prStatus = { state: "pending", description: "Build queued", targetUrl: "https://ci.example.test/builds/2", context: { name: "keel/build", genre: "keel" } };
  add("create pull request status", "git", "GitPullRequestStatus", false, await postJson(`${base}${prPath}/statuses`, prStatus, headers, ca));
  add("create iteration status", "git", "GitPullRequestStatus", false, await postJson(`${base}${prPath}/iterations/1/statuses`, { ...prStatus, state: 2 }, headers, ca));
  add("pull request statuses", "git", "GitPullRequestStatus", true, await get(`${prPath}/statuses`));
  add("iteration statuses", "git", "GitPullRequestStatus", true, await get(`${prPath}/iterations/1/statuses`));
  const thread = await postJson(`${base}${prPath}/threads`, { comments: [{ parentCommentId: 0, content: "Build succeeded", commentType: 1 }], status: 1 }, writeHeaders, ca);
  add("create thread", "git", "GitPullRequestCommentThread", false, thread);
  const threadPath = `${prPath}/threads/${String(body(thread).id)}`;
  add("create comment", "git", "Comment", false, await postJson(`${base}${threadPath}/comments`, { content: "Rebuilt", parentCommentId: 1, commentType: 1 }, writeHeaders, ca));
  add("threads", "git", "GitPullRequestCommentThread", true, await get(`${prPath}/threads`));
  add("comments", "git", "Comment", true, await get(`${threadPath}/comments`));
  add("subscriptions", "hooks", "Subscription", true, await get("/_apis/hooks/subscriptions"));
  add("subscription", "hooks", "Subscription", false, await get(`/_apis/hooks/subscriptions/${String(body(subscription).id)}`));
  if (input.withVssps !== undefined) {
    const root = input.withVssps;
    add(
      "profile",
      "profile",
      "Profile",
      false,
      await request(`${root}/_apis/profile/profiles/me?details=true&coreAttributes=Avatar`, { headers: { ...input.auth, ...acceptVersion("7.1-preview.3") } }),
    );
    const me = await request(`${root}/_apis/profile/profiles/me`, { headers: { ...input.auth, ...acceptVersion("7.1-preview.3") } });
    add("accounts", "account", "Account", true, await request(`${root}/_apis/accounts?memberId=${String(body(me).id)}`, { headers: { ...input.auth, ...acceptVersion("7.1") } }));
  }
  return checks;
}

beforeAll(async () => {
  handle = await startEmulator({ fixture: "default" });
});

afterAll(async () => {
  await handle.stop();
});

describe("spec schemas", () => {
  it("accept Microsoft's own example bodies for every definition the walk uses (strict mode is not stricter than the spec's data)", () => {
    const examples: Array<[SpecArea, string, string, boolean, string]> = [
      ["core", "projects/GET__projects.json", "TeamProjectReference", true, "200"],
      ["git", "repositories/GET__git_repositories.json", "GitRepository", true, "200"],
      ["git", "repositories/GET__git_repositories__repositoryId_.json", "GitRepository", false, "200"],
      ["git", "refs/GET__git_repositories__repositoryId__refs_heads.json", "GitRef", true, "200"],
      ["git", "commits/GET__git_repositories__repositoryId__commits__commitId_.json", "GitCommit", false, "200"],
      ["git", "statuses/POST__git_repositories__repositoryId__commits__commitId__statuses.json", "GitStatus", false, "201"],
      ["git", "statuses/GET__git_repositories__repositoryId__commits__commitId__statuses.json", "GitStatus", true, "200"],
      ["hooks", "subscriptions/POST__hooks_subscriptions.json", "Subscription", false, "200"],
      ["git", "pullRequests/POST__git_repositories__repositoryId__pullRequests.json", "GitPullRequest", false, "201"],
      ["git", "pullRequestStatuses/POST_git_pullRequestStatuses_status.json", "GitPullRequestStatus", false, "200"],
      ["git", "pullRequestIterationStatuses/POST_git_pullRequestStatuses_iterationStatus.json", "GitPullRequestStatus", false, "200"],
      ["git", "pullRequestThreadComments/POST__git_repositories__repositoryId__pullRequests__pullRequestId__threads__threadId__comments.json", "Comment", false, "200"],
      ["git", "pushes/GET__git_repositories__repositoryId__pushes__pushId_.json", "GitPush", false, "200"],
      ["profile", "profiles/GET__profile_profiles_me.json", "Profile", false, "200"],
      ["account", "accounts/GET__Accounts_memberId-_userId_.json", "Account", true, "200"],
    ];
    const problems: string[] = [];
    for (const [area, file, definition, list, status] of examples) {
      const example = JSON.parse(readFileSync(join(SPECS_DIR, area, "7.1", "httpExamples", file), "utf8").replace(/^\uFEFF/, "")) as { responses: Record<string, { body: Json }> };
      let sample: unknown = example.responses[status]?.body;
      if (list && sample !== null && typeof sample === "object" && (sample as Json).count === undefined) {
        sample = { ...(sample as Json), count: ((sample as Json).value as unknown[]).length };
      }
      for (const error of schemas(area, "7.1").errors(definition, sample, list)) {
        problems.push(`${file}: ${error}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("reject unknown fields, wrong enum values and wrong types (the validators are not vacuous)", () => {
    const git = schemas("git", "7.1");
    const good = { id: "5febef5a-833d-4e14-b9c0-14cb638f91e6", name: "repo", isDisabled: false };
    expect(git.errors("GitRepository", good)).toEqual([]);
    expect(git.errors("GitRepository", { ...good, invented: 1 })).not.toEqual([]);
    expect(git.errors("GitRepository", { ...good, id: "not-a-guid" })).not.toEqual([]);
    expect(git.errors("GitStatus", { state: "green" })).not.toEqual([]);
    expect(git.errors("GitStatus", { state: 2 })).not.toEqual([]);
    expect(schemas("git", "azure-devops-server-5.0").errors("GitRepository", good)).not.toEqual([]);
  });
});

describe("Services (cloud) against the 7.1 spec", () => {
  it("every endpoint's body conforms", async () => {
    const services = handle.servicesUrl ?? "";
    const checks = await walk({
      base: `${services}/fabrikam`,
      auth: basic(DEFAULT_PATS.allOrgs),
      version: "7.1",
      project: DEFAULT_REPOS.walletApp.project,
      repository: DEFAULT_REPOS.walletApp.name,
      withVssps: services,
      deployment: "services",
      collection: "fabrikam",
      userId: DEFAULT_USERS.alex.id,
    });
    // The fork, the empty and the disabled repository have their own shapes.
    const headers = { ...basic(DEFAULT_PATS.allOrgs), ...acceptVersion("7.1") };
    for (const repo of [DEFAULT_REPOS.fork, DEFAULT_REPOS.empty, DEFAULT_REPOS.disabled, DEFAULT_REPOS.unicode]) {
      const response = await request(`${services}/fabrikam/${encodeURIComponent(repo.project)}/_apis/git/repositories/${encodeURIComponent(repo.name)}`, { headers });
      checks.push({ label: `repository ${repo.name}`, area: "git", definition: "GitRepository", list: false, response, expectStatus: 200 });
    }
    // Legacy host form returns the same shapes.
    const legacy = await request(`${services}/_apis/git/repositories`, { headers, host: `fabrikam.visualstudio.com:${new URL(services).port}` });
    checks.push({ label: "legacy host repositories", area: "git", definition: "GitRepository", list: true, response: legacy, expectStatus: 200 });
    expect(checks.length).toBeGreaterThan(35);
    expect(failures(checks, "7.1")).toEqual([]);
  });
});

describe("Server deployments against their azure-devops-server specs", () => {
  const cases: Array<[keyof typeof DEFAULT_SERVERS, SpecVersion, string, keyof typeof DEFAULT_PATS]> = [
    ["server2022", "azure-devops-server-7.1", "7.1", "server2022"],
    // The yearless server's newest on-prem spec is 7.1 (its 7.2 is preview).
    ["serverYearless", "azure-devops-server-7.1", "7.1", "serverYearless"],
    ["serverLocalhost", "azure-devops-server-7.1", "7.1", "serverLocalhost"],
    ["serverTls", "azure-devops-server-7.1", "7.1", "serverTls"],
    ["server2020", "azure-devops-server-6.0", "6.0", "server2020"],
    ["server2019", "azure-devops-server-5.0", "5.0", "server2019"],
    ["tfs2018", "azure-devops-server-5.0", "4.1", "tfs2018"],
  ];
  for (const [key, specVersion, apiVersion, pat] of cases) {
    it(`${key} conforms to ${specVersion}`, async () => {
      const server = DEFAULT_SERVERS[key];
      const deployment = handle.deployment(server.name);
      const checks = await walk({
        base: `${deployment.url}/${server.collection}`,
        auth: basic(DEFAULT_PATS[pat]),
        version: apiVersion,
        project: server.project,
        repository: server.repository,
        ca: deployment.tls ? handle.caCertPem : undefined,
        deployment: server.name,
        collection: server.collection,
        userId: DEFAULT_USERS.jane.id,
      });
      expect(checks.length).toBeGreaterThanOrEqual(30);
      expect(failures(checks, specVersion)).toEqual([]);
    });
  }
});

describe("endpoints without a spec definition (schemas from the Node client's interfaces and the facts doc)", () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const guid = { type: "string", format: "uuid" };
  const identity = {
    type: "object",
    required: ["id", "descriptor", "subjectDescriptor", "providerDisplayName", "isActive", "properties", "resourceVersion", "metaTypeId"],
    properties: {
      id: guid,
      descriptor: { type: "string", minLength: 1 },
      subjectDescriptor: { type: "string", pattern: "^(aad|msa|win)\\." },
      providerDisplayName: { type: "string" },
      isActive: { type: "boolean" },
      isContainer: { type: "boolean" },
      members: { type: "array" },
      memberOf: { type: "array" },
      properties: { type: "object", required: ["Account"] },
      resourceVersion: { type: "integer" },
      metaTypeId: { type: "integer" },
    },
    additionalProperties: false,
  };
  const connectionData = {
    type: "object",
    required: ["authenticatedUser", "authorizedUser", "instanceId", "deploymentId", "deploymentType", "locationServiceData"],
    properties: {
      authenticatedUser: identity,
      authorizedUser: identity,
      instanceId: guid,
      deploymentId: guid,
      deploymentType: { enum: ["hosted", "onPremises"] },
      webApplicationRelativeDirectory: { type: "string" },
      locationServiceData: {
        type: "object",
        required: ["serviceOwner", "defaultAccessMappingMoniker", "lastChangeId", "lastChangeId64"],
        properties: {
          serviceOwner: guid,
          defaultAccessMappingMoniker: { type: "string" },
          lastChangeId: { type: "integer" },
          lastChangeId64: { type: "integer" },
          clientCacheFresh: { type: "boolean" },
          clientCacheTimeToLive: { type: "integer" },
          accessMappings: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              required: ["accessPoint", "displayName", "moniker", "serviceOwner", "virtualDirectory"],
              properties: {
                accessPoint: { type: "string", format: "uri" },
                displayName: { type: "string" },
                moniker: { type: "string" },
                serviceOwner: guid,
                virtualDirectory: { type: "string" },
              },
              additionalProperties: false,
            },
          },
          serviceDefinitions: { type: "array", minItems: 1 },
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  };
  const location = {
    type: "object",
    required: ["id", "area", "resourceName", "routeTemplate", "resourceVersion", "minVersion", "maxVersion", "releasedVersion"],
    properties: {
      id: guid,
      area: { type: "string" },
      resourceName: { type: "string" },
      routeTemplate: { type: "string", pattern: "_apis/" },
      resourceVersion: { type: "integer", minimum: 1 },
      minVersion: { type: "string", pattern: "^\\d+\\.\\d+$" },
      maxVersion: { type: "string", pattern: "^\\d+\\.\\d+$" },
      releasedVersion: { type: "string", pattern: "^\\d+\\.\\d+$" },
    },
    additionalProperties: false,
  };
  const list = (items: Json, min = 0): Json => ({
    type: "object",
    required: ["count", "value"],
    properties: { count: { type: "integer" }, value: { type: "array", items, minItems: min } },
    additionalProperties: false,
  });
  const wrappedError = {
    type: "object",
    required: ["$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"],
    properties: {
      $id: { const: "1" },
      customProperties: { type: "object" },
      innerException: { type: "null" },
      message: { type: "string", minLength: 1 },
      typeName: { type: "string", pattern: "^[A-Za-z0-9_.]+, [A-Za-z0-9_.]+$" },
      typeKey: { type: "string" },
      errorCode: { const: 0 },
      eventId: { const: 3000 },
    },
    additionalProperties: false,
  };
  const check = (schema: Json, data: unknown): string[] => {
    const validate = ajv.compile(schema);
    return validate(data) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ""}`);
  };

  it("connectionData, OPTIONS, ResourceAreas, identities and notification subscriptions on Services and Server", async () => {
    const problems: string[] = [];
    const targets: Array<[string, Record<string, string>, string | undefined]> = [
      [`${handle.servicesUrl ?? ""}/fabrikam`, basic(DEFAULT_PATS.fabrikamFull), undefined],
      [`${handle.urls.server2022 ?? ""}/DefaultCollection`, basic(DEFAULT_PATS.server2022), undefined],
      [`${handle.urls["server-localhost"] ?? ""}/DefaultCollection`, basic(DEFAULT_PATS.serverLocalhost), undefined],
    ];
    for (const [base, auth] of targets) {
      const cd = await request(`${base}/_apis/connectionData?connectOptions=1&lastChangeId=-1&lastChangeId64=-1`, { headers: auth });
      problems.push(...check(connectionData, cd.json).map((error) => `${base} connectionData ${error}`));
      const options = await request(`${base}/_apis`, { method: "OPTIONS", headers: auth });
      problems.push(...check(list(location, 8), options.json).map((error) => `${base} OPTIONS ${error}`));
      const identities = await request(`${base}/_apis/identities?searchFilter=General&filterValue=${encodeURIComponent("doe")}`, { headers: auth });
      const identitiesById = await request(`${base}/_apis/identities?identityIds=${DEFAULT_USERS.alex.id},${DEFAULT_USERS.jane.id}`, { headers: auth });
      problems.push(...check(list(identity), identities.json).map((error) => `${base} identities ${error}`));
      problems.push(...check(list(identity, 1), identitiesById.json).map((error) => `${base} identities by id ${error}`));
      const notifications = await request(`${base}/_apis/notification/subscriptions`, { headers: auth });
      problems.push(
        ...check(
          list({ type: "object", required: ["id", "description", "status", "subscriber", "url"], properties: { id: { type: "string" }, status: { const: "enabled" } } }, 1),
          notifications.json,
        ).map((error) => `${base} notification ${error}`),
      );
    }
    const areas = await request(`${handle.servicesUrl ?? ""}/fabrikam/_apis/ResourceAreas`, { headers: { ...basic(DEFAULT_PATS.fabrikamFull), ...acceptVersion("7.2-preview.1") } });
    problems.push(
      ...check(
        list({ type: "object", required: ["id", "name", "locationUrl"], properties: { id: guid, name: { type: "string" }, locationUrl: { type: "string", format: "uri" } }, additionalProperties: false }, 4),
        areas.json,
      ),
    );
    const onPremAreas = await request(`${handle.urls.server2022 ?? ""}/DefaultCollection/_apis/ResourceAreas`, { headers: { ...basic(DEFAULT_PATS.server2022), ...acceptVersion("7.1-preview.1") } });
    expect(onPremAreas.json).toEqual({ count: 0, value: null });
    expect(problems).toEqual([]);
  });

  it("error bodies have the wrapped-exception shape with keys in the service's order", async () => {
    const services = handle.servicesUrl ?? "";
    const responses = [
      await request(`${services}/fabrikam/_apis/projects`),
      await request(`${services}/fabrikam/_apis/projects`, { headers: basic(DEFAULT_PATS.fabrikamExpired) }),
      await request(`${services}/fabrikam/_apis/projects/NoSuchProject`, { headers: basic(DEFAULT_PATS.fabrikamFull) }),
      await request(`${services}/fabrikam/MOBILE_IOS/_apis/git/repositories/nope`, { headers: basic(DEFAULT_PATS.fabrikamFull) }),
      await postJson(`${services}/fabrikam/_apis/hooks/subscriptions`, {}, basic(DEFAULT_PATS.fabrikamFull)),
      await request(`${services}/fabrikam/_apis/projects?api-version=9.0`, { headers: basic(DEFAULT_PATS.fabrikamFull) }),
    ];
    for (const response of responses) {
      expect(check(wrappedError, response.json)).toEqual([]);
      const keys = Object.keys(body(response)).filter((key) => key !== "customProperties");
      expect(keys).toEqual(["$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"]);
    }
    expect(Object.keys(body(responses[1] as RawResponse))[1]).toBe("customProperties");
  });

  it("OAuth token responses: legacy `expires_in` is a string, Entra's a number with an RS256 id_token", async () => {
    const services = handle.servicesUrl ?? "";
    const { verifier, challenge } = pkcePair();
    const redirectUri = DEFAULT_ENTRA_APP.redirectUris[0] ?? "";
    const consent = await postForm(`${services}/${DEFAULT_ENTRA_APP.tenantId}/oauth2/v2.0/authorize`, {
      client_id: DEFAULT_ENTRA_APP.clientId,
      response_type: "code",
      redirect_uri: redirectUri,
      scope: "openid offline_access 499b84ac-1321-427f-aa17-267ca6975798/vso.code",
      state: "s",
      code_challenge: challenge,
      code_challenge_method: "S256",
      user_id: DEFAULT_USERS.alex.id,
      decision: "accept",
    });
    const code = new URL(consent.headers.location ?? "").searchParams.get("code") ?? "";
    const token = await postForm(`${services}/${DEFAULT_ENTRA_APP.tenantId}/oauth2/v2.0/token`, {
      grant_type: "authorization_code",
      client_id: DEFAULT_ENTRA_APP.clientId,
      client_secret: DEFAULT_ENTRA_APP.clientSecret,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(
      check(
        {
          type: "object",
          required: ["token_type", "scope", "expires_in", "ext_expires_in", "access_token", "refresh_token", "id_token"],
          properties: {
            token_type: { const: "Bearer" },
            scope: { type: "string" },
            expires_in: { type: "integer" },
            ext_expires_in: { type: "integer" },
            access_token: { type: "string", pattern: "^[\\w-]+\\.[\\w-]+\\.[\\w-]+$" },
            refresh_token: { type: "string" },
            id_token: { type: "string", pattern: "^[\\w-]+\\.[\\w-]+\\.[\\w-]+$" },
          },
          additionalProperties: false,
        },
        token.json,
      ),
    ).toEqual([]);
  });
});
