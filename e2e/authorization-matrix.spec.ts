// The authorization matrix: every server action and every route handler, called over real HTTP
// against `next start`, as four callers — nobody signed in, a member and an admin of the Keel
// organization that owns the target, and an admin of another Keel organization — with the
// outcome each must get.
//
// Why over HTTP and not by importing the actions: an action is a public endpoint whatever the
// UI offers; anyone may post any arguments to it (bound ids included), so the matrix posts them
// the way React does (its own `encodeReply`, `Next-Action: <id>`) with each caller's real
// session cookie, through Next.js' real action and route dispatch.
//
// The entry points are discovered, not listed by hand: actions from the build's
// server-reference manifest (and every export of lib/actions must be in it), routes from the
// `app/api/**/route.ts` files and their exported methods. An entry point without a row, or a
// row without an entry point, fails the first test. Adding a row: see lib/entry/README.md.
//
// Outcomes: "ok" — the action's own code ran (a success, a redirect, or an answer of its own
// without a code) or the route answered 2xx; otherwise the code the entry wrapper (lib/entry)
// answered: UNAUTHENTICATED (401), FORBIDDEN (403), NOT_FOUND (404), INVALID_INPUT (400),
// CONFLICT (409). Inputs are valid, so an admin of another organization can only be stopped by
// the organization-scoped load of the target (NOT_FOUND), never earlier by the form.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEFAULT_PATS, DEFAULT_PROJECTS, DEFAULT_REPOS, DEFAULT_SERVICE_PRINCIPALS, DEFAULT_TENANT_ID } from "@/e2e/azure-devops-emulator/fixtures/default";
import { createTlsMaterial } from "@/e2e/azure-devops-emulator/tls";
import { signInViaApi } from "./support/auth";
import { e2eKeyring, removeConnection, seedPatConnection, seedServicePrincipalConnection, uniqueName } from "./support/connections";
import { seal } from "@/lib/crypto";
import { createUser, prisma } from "./support/db";
import { callAction, discoverActions, discoverRoutes, exportedActions } from "./support/entry-points";
import { seedProfile } from "./support/profiles";
import { emulator } from "./support/emulator";
import { EMULATOR_URL, KEEL_URL } from "./support/settings";

type Caller = "anonymous" | "member" | "admin" | "otherAdmin";
const CALLERS: readonly Caller[] = ["anonymous", "member", "admin", "otherAdmin"];
type Expect = Record<Caller, string>;

/** The caller signed in to the target's organization as admin may; members and strangers may not. */
const ADMIN_TARGET: Expect = { anonymous: "UNAUTHENTICATED", member: "FORBIDDEN", admin: "ok", otherAdmin: "NOT_FOUND" };
/** Members and admins of the target's organization may. */
const MEMBER_TARGET: Expect = { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "NOT_FOUND" };
/** Admins may, in their own organization (there is no target to be foreign). */
const ADMIN_ANYWHERE: Expect = { anonymous: "UNAUTHENTICATED", member: "FORBIDDEN", admin: "ok", otherAdmin: "ok" };

type Fixture = {
  organizationId: string;
  otherOrganizationId: string;
  adminId: string;
  memberId: string;
  connectionId: string;
  oauthConnectionId: string;
  /** A service-principal connection (client secret). */
  servicePrincipalConnectionId: string;
  connectionName: string;
  profileId: string;
  /** A finished build of the profile. */
  buildId: string;
  /** An artifact that build kept. */
  artifactId: string;
  /** The status badge key of the profile. */
  badgeKey: string;
  /** The key of a live share link to the finished build. */
  shareKey: string;
  caPem: string;
  /** A fresh wizard draft of the admin (each call may use one up). */
  draft(): Promise<string>;
  /** A fresh draft at the service-principal step (its connection id reserved). */
  principalDraft(): Promise<string>;
  /** A fresh build profile the admin created. */
  profile(): Promise<string>;
  /** A fresh PAT connection (each delete call uses one up). */
  connection(): Promise<{ id: string; name: string }>;
  /** A fresh invitation link's token. */
  invitation(): Promise<string>;
  /** A fresh member of the organization (for actions that end their sessions). */
  freshMember(): Promise<string>;
  /** A fresh build of the fixture's profile (of main's tip), in this status. */
  build(status?: "QUEUED" | "SUCCEEDED"): Promise<string>;
  /** A fresh variable group of the organization (each delete call uses one up). */
  variableGroup(): Promise<string>;
  /** A fresh API token of a fresh member (not the fixture's: its owner could revoke it). */
  apiToken(): Promise<string>;
  /** A fresh outgoing webhook of the organization (posting to the emulator, which answers 404: nothing is retried). */
  webhook(): Promise<string>;
  /** A fresh delivery of a fresh webhook, already failed (what Redeliver sends again). */
  webhookDelivery(): Promise<string>;
  /** The Authorization header of the caller's own API token (none for the anonymous caller). */
  bearer(context: APIRequestContext): Record<string, string>;
};

type ActionRow = { expect: Expect; call(fixture: Fixture): Promise<{ args: unknown[]; form: Record<string, string> }> };
type RouteRow = { expect: Expect; request(fixture: Fixture, context: APIRequestContext): Promise<string> };

const noForm = async (args: unknown[] = []) => ({ args, form: {} });

/** An outgoing webhook sealed as Keel seals one, posting to the emulator (a 404: given up at once, never retried). */
async function matrixWebhook(organizationId: string): Promise<string> {
  const id = randomUUID();
  const sealed = (column: "urlSealed" | "secretSealed", value: string) => seal(e2eKeyring(), value, { table: "OutgoingWebhook", column, rowId: id });
  await prisma().outgoingWebhook.create({
    data: { id, organizationId, name: uniqueName("Matrix Webhook"), urlSealed: sealed("urlSealed", `${EMULATOR_URL}/matrix-webhook`), host: new URL(EMULATOR_URL).host, secretSealed: sealed("secretSealed", "whsec_matrix"), events: ["build.finished"] },
  });
  return id;
}

/** A route answer as an outcome: 2xx is "ok", otherwise the error code it carries. */
async function routeOutcome(response: Awaited<ReturnType<APIRequestContext["get"]>>): Promise<string> {
  if (response.status() < 300) {
    return "ok";
  }
  const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null;
  return body?.error?.code ?? `HTTP ${response.status()}`;
}

const get = (path: (fixture: Fixture) => string) => async (fixture: Fixture, context: APIRequestContext) => routeOutcome(await context.get(path(fixture)));
/** The token API: each caller sends an API token of their own instead of a session (the anonymous caller none). */
const tokenGet = (path: (fixture: Fixture) => string) => async (fixture: Fixture, context: APIRequestContext) => routeOutcome(await context.get(path(fixture), { headers: fixture.bearer(context) }));
const tokenPost = (path: (fixture: Fixture) => Promise<string> | string, data?: unknown) => async (fixture: Fixture, context: APIRequestContext) =>
  routeOutcome(await context.post(await path(fixture), { headers: fixture.bearer(context), ...(data === undefined ? {} : { data }) }));

const ACTIONS: Record<string, ActionRow> = {
  "lib/actions/connect.ts#startConnectAction": { expect: ADMIN_ANYWHERE, call: async () => ({ args: [], form: { provider: "SERVICES" } }) },
  "lib/actions/connect.ts#chooseMethodAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.draft()], form: { method: "PAT" } }) },
  "lib/actions/connect.ts#checkPatAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({
      args: [await f.draft()],
      form: { name: uniqueName("Matrix PAT"), serverUrl: EMULATOR_URL, collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, tokenExpiresAt: "" },
    }),
  },
  "lib/actions/connect.ts#recheckDraftAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.draft()]) },
  "lib/actions/connect.ts#uploadCaAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.draft()], form: { caPem: f.caPem } }) },
  "lib/actions/connect.ts#saveConnectionAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.draft()]) },
  "lib/actions/connect-oauth.ts#beginOAuthAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.draft()], form: { provider: "azure-devops" } }) },
  "lib/actions/connect-oauth.ts#chooseOrganizationAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.draft()], form: { organization: "fabrikam", name: uniqueName("Matrix OAuth") } }) },
  // The admin reaches the action, which says the draft has no linked identity yet.
  "lib/actions/connect-oauth.ts#refreshOrganizationsAction": { expect: { ...ADMIN_TARGET, admin: "INVALID_INPUT" }, call: async (f) => noForm([await f.draft()]) },
  // Before beginReauthorizeAction: the last intent an admin sets must be for azure-devops (the next-auth POST row).
  "lib/actions/connect-oauth.ts#beginSwitchToEntraAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.oauthConnectionId]) },
  "lib/actions/connect-oauth.ts#beginReauthorizeAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.oauthConnectionId]) },
  "lib/actions/connect-service-principal.ts#checkServicePrincipalAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({
      args: [await f.principalDraft()],
      form: {
        name: uniqueName("Matrix Principal"),
        organization: "fabrikam",
        credentialKind: "CLIENT_SECRET",
        tenantId: DEFAULT_TENANT_ID,
        clientId: DEFAULT_SERVICE_PRINCIPALS.pipeline.clientId,
        clientSecret: DEFAULT_SERVICE_PRINCIPALS.pipeline.clientSecret,
        secretExpiresAt: `${new Date().getUTCFullYear() + 1}-06-30`,
        certificatePem: "",
        privateKeyPem: "",
      },
    }),
  },
  "lib/actions/connect-service-principal.ts#replaceServicePrincipalCredentialAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({
      args: [f.servicePrincipalConnectionId],
      form: { clientSecret: DEFAULT_SERVICE_PRINCIPALS.pipeline.clientSecret, secretExpiresAt: `${new Date().getUTCFullYear() + 1}-06-30`, certificatePem: "", privateKeyPem: "" },
    }),
  },
  "lib/actions/connections.ts#checkConnectionAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.connectionId]) },
  "lib/actions/connections.ts#uploadConnectionCaAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.connectionId], form: { caPem: f.caPem } }) },
  "lib/actions/connections.ts#replaceTokenAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.connectionId], form: { token: DEFAULT_PATS.fabrikamFull, tokenExpiresAt: "" } }) },
  "lib/actions/connections.ts#checkAllConnectionsAction": { expect: ADMIN_ANYWHERE, call: async () => noForm() },
  "lib/actions/connections.ts#changeOwnerAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.connectionId], form: { ownerId: f.adminId } }) },
  "lib/actions/connections.ts#deleteConnectionAction": {
    expect: ADMIN_TARGET,
    call: async (f) => {
      const doomed = await f.connection();
      return { args: [doomed.id], form: { confirmName: doomed.name } };
    },
  },
  "lib/actions/connections.ts#updateConnectionAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({ args: [f.connectionId], form: { name: f.connectionName, serverUrl: EMULATOR_URL, collection: "fabrikam", token: "", tokenExpiresAt: "" } }),
  },
  "lib/actions/connections.ts#renameConnectionAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.oauthConnectionId], form: { name: uniqueName("Matrix Renamed") } }) },
  "lib/actions/profiles.ts#createProfileAction": {
    expect: MEMBER_TARGET,
    call: async (f) => ({
      args: [f.connectionId],
      form: { name: uniqueName("Matrix Profile"), platform: "IOS", repositoryId: DEFAULT_REPOS.walletApp.id, defaultBranch: "", idempotencyKey: randomUUID() },
    }),
  },
  // Members may re-bind only the profiles they created; this one an admin created (the admin is told it already uses that connection).
  "lib/actions/profiles.ts#rebindProfileAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.profile()], form: { connectionId: f.connectionId } }) },
  "lib/actions/builds.ts#startBuildAction": {
    expect: MEMBER_TARGET,
    call: async (f) => ({ args: [f.profileId], form: { source: "branch", branch: "main", idempotencyKey: randomUUID() } }),
  },
  "lib/actions/builds.ts#cancelBuildAction": { expect: MEMBER_TARGET, call: async (f) => noForm([await f.build("QUEUED")]) },
  // Scoped to the fixture's profile, so that the admins' call cancels none of the other rows' queued builds.
  "lib/actions/builds.ts#cancelQueuedAction": { expect: ADMIN_ANYWHERE, call: async (f) => ({ args: [], form: { profile: f.profileId } }) },
  "lib/actions/builds.ts#runNextAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.build("QUEUED")]) },
  "lib/actions/builds.ts#keepBuildAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.build("SUCCEEDED")], form: { keep: "yes" } }) },
  "lib/actions/builds.ts#rebuildAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [await f.build("SUCCEEDED")], form: { idempotencyKey: randomUUID() } }) },
  "lib/actions/builds.ts#updateWorkflowAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({ args: [f.profileId], form: { workflow: JSON.stringify({ steps: [{ name: "Build", command: "./build.sh" }], timeoutMinutes: 20, variables: [] }) } }),
  },
  // Members may edit only the profiles they created; this one an admin created.
  "lib/actions/profiles.ts#editProfileAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.profile()], form: { name: uniqueName("Matrix Edited"), platform: "ANDROID", defaultBranch: "main" } }) },
  // Members may delete only the profiles they created; this one an admin created.
  "lib/actions/profiles.ts#deleteProfileAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.profile()]) },
  "lib/actions/profiles.ts#watchProfileAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [await f.profile()], form: { watch: "yes" } }) },
  // Members may change only the triggers of profiles they created; this one an admin created.
  "lib/actions/hooks.ts#updateTriggersAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({ args: [f.profileId], form: { mode: "automatic", push: "on", pushBranches: "main\nrelease/*", pullRequest: "on", pullRequestBranches: "" } }),
  },
  // A stored push delivery about a repository no profile uses: processing it again starts nothing.
  "lib/actions/hooks.ts#replayDeliveryAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await matrixDelivery(f)]) },
  // The connection has no subscriptions: the admin is told there is nothing to backfill.
  "lib/actions/hooks.ts#backfillDeliveriesAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.connectionId]) },
  // Nothing listens on the discard port: the test message fails at once and nothing is stored (an answer of the action's own).
  "lib/actions/chat.ts#saveChatAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { webhookUrl: "http://127.0.0.1:9/matrix-hook", notify: "changes" } }) },
  // "on" while on keeps the address (the fixture's badge stays).
  "lib/actions/badges.ts#setBadgeAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { what: "on" } }) },
  "lib/actions/profiles.ts#duplicateProfileAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { name: uniqueName("Matrix Copy"), idempotencyKey: randomUUID() } }) },
  "lib/actions/secret-files.ts#saveSecretFileAction": {
    expect: ADMIN_TARGET,
    call: async (f) => ({ args: [f.profileId], form: { variable: "MATRIX_FILE", fileName: "matrix.bin", content: Buffer.from("matrix").toString("base64") } }),
  },
  // An id no file has: the admin's call answers that it was already removed.
  "lib/actions/secret-files.ts#removeSecretFileAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.profileId, randomUUID()]) },
  "lib/actions/builds.ts#clearCachesAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.profileId]) },
  // Resume (the fixture's profile is not paused: the admin's call changes nothing, and other rows' builds still start).
  // Every build (the fixture's profile's setting already): the admin's call changes nothing.
  "lib/actions/builds.ts#secretRefsAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { who: "every" } }) },
  "lib/actions/builds.ts#pauseBuildsAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { pause: "no", reason: "" } }) },
  // Above any number the fixture's profile has given (its seeded builds count from 1001; the same number again changes nothing, and is allowed too).
  "lib/actions/builds.ts#setBuildNumberAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.profileId], form: { nextNumber: "50000" } }) },
  "lib/actions/variable-groups.ts#createVariableGroupAction": { expect: ADMIN_ANYWHERE, call: async () => ({ args: [], form: { name: uniqueName("Matrix Group"), description: "", idempotencyKey: randomUUID() } }) },
  // A version no page showed: the admin gets past the policy and is told someone saved since.
  "lib/actions/variable-groups.ts#updateVariableGroupAction": {
    expect: { ...ADMIN_TARGET, admin: "CONFLICT" },
    call: async (f) => ({ args: [await f.variableGroup()], form: { name: uniqueName("Matrix Group"), description: "", variables: "[]", basedOn: "0".repeat(16) } }),
  },
  "lib/actions/variable-groups.ts#deleteVariableGroupAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.variableGroup()]) },
  "lib/actions/chat.ts#testChatAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.profileId]) },
  "lib/actions/chat.ts#removeChatAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.profileId]) },
  "lib/actions/hooks.ts#issueHookCredentialsAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await refusedSubscription(f), "git.push"]) },
  "lib/actions/repositories.ts#refreshRepositoriesAction": { expect: MEMBER_TARGET, call: async (f) => noForm([f.connectionId]) },
  "lib/actions/members.ts#addMemberAction": {
    expect: ADMIN_ANYWHERE,
    call: async () => ({ args: [], form: { name: "Matrix Invitee", email: `matrix-${randomBytes(4).toString("hex")}@keel.test`, role: "MEMBER", method: "invitation", password: "" } }),
  },
  "lib/actions/members.ts#changeRoleAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [f.memberId], form: { role: "MEMBER" } }) },
  "lib/actions/members.ts#setMemberActiveAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.memberId, true]) },
  // Ends the member's sessions: a fresh member each time, so the member caller stays signed in.
  "lib/actions/members.ts#resetPasswordAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.freshMember()], form: { method: "link" } }) },
  "lib/actions/members.ts#unlockSignInAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.memberId]) },
  // Each admin edits their own organization's list (an empty list: nothing to undo for other specs).
  "lib/actions/network.ts#updateAllowlistAction": { expect: ADMIN_ANYWHERE, call: async () => ({ args: [], form: { entries: "" } }) },
  // Everyone changes their own password (createUser's default one); only their other sessions end.
  "lib/actions/session.ts#changePasswordAction": {
    expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" },
    call: async () => ({ args: [], form: { current: "violet harbor lantern", password: "matrix quartz meadow", confirm: "matrix quartz meadow" } }),
  },
  // Everyone sets their own build e-mails (on: the default, so other specs see no change).
  "lib/actions/session.ts#setBuildEmailsAction": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, call: async () => ({ args: [], form: { buildEmails: "on" } }) },
  // The fixture's member has a password: the admin's call reaches the action, which says no link is needed.
  "lib/actions/members.ts#regenerateInvitationAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.memberId]) },
  // The link's token is the credential: whoever holds a live one may set the password.
  "lib/actions/invitations.ts#acceptInvitationAction": {
    expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" },
    call: async (f) => ({ args: [await f.invitation()], form: { password: "matrix lantern harbor", confirm: "matrix lantern harbor" } }),
  },
  // Only while no user exists: this Keel is set up, so everyone is told so.
  "lib/actions/setup.ts#setupAction": {
    expect: { anonymous: "CONFLICT", member: "CONFLICT", admin: "CONFLICT", otherAdmin: "CONFLICT" },
    call: async () => ({ args: [], form: { organizationName: "Intruder Org", name: "Mallory", email: "mallory@keel.test", password: "correct horse battery staple" } }),
  },
  // Members and admins share a finished build's files with testers, and turn links off (a made-up link: "already off").
  "lib/actions/shares.ts#shareBuildAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [await f.build("SUCCEEDED").then((id) => withArtifact(f, id))], form: { days: "7" } }) },
  "lib/actions/shares.ts#unshareBuildAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [f.buildId], form: { shareId: randomUUID() } }) },
  "lib/actions/shares.ts#shareProfileAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [f.profileId], form: { branch: "main", days: "30" } }) },
  // An id no link has: the call answers that it was already off.
  "lib/actions/shares.ts#unshareProfileAction": { expect: MEMBER_TARGET, call: async (f) => ({ args: [f.profileId], form: { shareId: randomUUID() } }) },
  // Admins keep the list of testers' devices (an id no device has: "already removed").
  "lib/actions/shares.ts#removeTesterDeviceAction": { expect: ADMIN_TARGET, call: async (f) => noForm([f.profileId, randomUUID()]) },
  // Everyone makes tokens of their own; revoking a member's is for its owner and admins.
  "lib/actions/api-tokens.ts#createApiTokenAction": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, call: async () => ({ args: [], form: { name: uniqueName("Matrix Token"), days: "30" } }) },
  "lib/actions/api-tokens.ts#revokeApiTokenAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.apiToken()]) },
  "lib/actions/webhooks.ts#createWebhookAction": {
    expect: ADMIN_ANYWHERE,
    call: async () => ({ args: [], form: { name: uniqueName("Matrix Webhook"), url: `${EMULATOR_URL}/matrix-webhook`, finished: "on", profiles: "all" } }),
  },
  "lib/actions/webhooks.ts#updateWebhookAction": { expect: ADMIN_TARGET, call: async (f) => ({ args: [await f.webhook()], form: { name: uniqueName("Matrix Webhook"), url: "", finished: "on", started: "on", profiles: "all" } }) },
  "lib/actions/webhooks.ts#rotateWebhookSecretAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.webhook()]) },
  "lib/actions/webhooks.ts#pingWebhookAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.webhook()]) },
  "lib/actions/webhooks.ts#redeliverWebhookAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.webhookDelivery()]) },
  "lib/actions/webhooks.ts#deleteWebhookAction": { expect: ADMIN_TARGET, call: async (f) => noForm([await f.webhook()]) },
  // Ends the caller's own sessions: runs last (see below).
  "lib/actions/session.ts#markNoticesSeenAction": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, call: async () => noForm() },
  "lib/actions/session.ts#signOutEverywhereAction": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, call: async () => noForm() },
};

/** Gives a fresh build a file to share (a link needs one), and returns its id. */
async function withArtifact(f: Fixture, buildId: string): Promise<string> {
  await prisma().buildArtifact.create({ data: { organizationId: f.organizationId, buildId, path: "out/App.apk", size: 3n, sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from("apk") } } } });
  return buildId;
}

/** A stored delivery of the fixture's connection (a push to a repository no profile uses). */
async function matrixDelivery(f: Fixture): Promise<string> {
  const zeros = "0".repeat(40);
  const row = await prisma().hookDelivery.create({
    data: {
      organizationId: f.organizationId,
      connectionId: f.connectionId,
      remoteSubscriptionId: randomUUID(),
      notificationId: 1,
      eventType: "git.push",
      status: "PROCESSED",
      payload: { subscriptionId: randomUUID(), notificationId: 1, eventType: "git.push", resource: { refUpdates: [{ name: "refs/heads/main", oldObjectId: zeros, newObjectId: "a".repeat(40) }], repository: { id: randomUUID() } } },
    },
  });
  return row.id;
}

/**
 * A fresh profile (the admin's) of a repository no other row syncs, whose push subscription Azure
 * DevOps refused: hand-made credentials are allowed for it. Returns the profile.
 */
async function refusedSubscription(f: Fixture): Promise<string> {
  const profileId = await f.profile();
  const repositoryId = randomUUID();
  const profile = await prisma().buildProfile.update({ where: { id: profileId }, data: { repositoryId } });
  await prisma().hookSubscription.create({
    data: {
      organizationId: f.organizationId,
      connectionId: profile.connectionId!,
      projectId: profile.projectId,
      repositoryId,
      eventType: "git.push",
      urlKey: randomBytes(24).toString("base64url"),
      basicUsername: "keel-matrix",
      passwordHash: "0".repeat(64),
      passwordSealed: "unused",
      state: "NO_PERMISSION",
    },
  });
  return profileId;
}

const ROUTES: Record<string, RouteRow> = {
  // Public: Azure DevOps has no session; the subscription's key and Basic credentials decide (an unknown key: 410).
  "POST /api/hooks/azure-devops/[key]": {
    expect: { anonymous: "NOT_FOUND", member: "NOT_FOUND", admin: "NOT_FOUND", otherAdmin: "NOT_FOUND" },
    request: async (_fixture, context) => routeOutcome(await context.post(`/api/hooks/azure-devops/${randomBytes(24).toString("base64url")}`, { data: { notificationId: 1 } })),
  },
  "GET /api/audit/export": { expect: ADMIN_ANYWHERE, request: get(() => "/api/audit/export?action=connection.") },
  // Public by design (a README shows it to anyone); the key an admin turned on decides, an unknown one draws "not found" (404).
  "GET /api/badges/[key]": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get((f) => `/api/badges/${f.badgeKey}`) },
  // Public by design (testers have no account): the link's key decides, and it names the fixture's build.
  "GET /api/share/[key]/artifacts/[artifactId]": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get((f) => `/api/share/${f.shareKey}/artifacts/${f.artifactId}`) },
  "GET /api/share/[key]/artifacts/[artifactId]/manifest": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get((f) => `/api/share/${f.shareKey}/artifacts/${f.artifactId}/manifest`) },
  // Testers register their iPhones under the link's key: the profile that asks iOS, and where iOS answers (not a device's answer: refused).
  "GET /api/share/[key]/device-profile": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get((f) => `/api/share/${f.shareKey}/device-profile?name=Matrix`) },
  "POST /api/share/[key]/devices": {
    expect: { anonymous: "INVALID_INPUT", member: "INVALID_INPUT", admin: "INVALID_INPUT", otherAdmin: "INVALID_INPUT" },
    request: async (f, context) => routeOutcome(await context.post(`/api/share/${f.shareKey}/devices`, { data: Buffer.from("not a device's answer") })),
  },
  "GET /api/health": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get(() => "/api/health") },
  // Keel's OpenID issuer documents: public by nature (Microsoft Entra ID reads them anonymously).
  "GET /api/oidc/.well-known/openid-configuration": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get(() => "/api/oidc/.well-known/openid-configuration") },
  "GET /api/oidc/jwks": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get(() => "/api/oidc/jwks") },
  "GET /api/connections/[id]/listing": { expect: MEMBER_TARGET, request: get((f) => `/api/connections/${f.connectionId}/listing`) },
  "GET /api/connections/[id]/projects": { expect: MEMBER_TARGET, request: get((f) => `/api/connections/${f.connectionId}/projects`) },
  "GET /api/connections/[id]/repositories": { expect: MEMBER_TARGET, request: get((f) => `/api/connections/${f.connectionId}/repositories?limit=5`) },
  "GET /api/connections/[id]/repositories/[repositoryId]/branches": {
    expect: MEMBER_TARGET,
    request: get((f) => `/api/connections/${f.connectionId}/repositories/${DEFAULT_REPOS.walletApp.id}/branches`),
  },
  "GET /api/connections/[id]/repositories/[repositoryId]/profiles": {
    expect: MEMBER_TARGET,
    request: get((f) => `/api/connections/${f.connectionId}/repositories/${DEFAULT_REPOS.walletApp.id}/profiles`),
  },
  // A finished build without output: the event stream sends its state and ends.
  // Everyone signed in exports their own organization's builds (no target: the filters are their organization's).
  "GET /api/builds/export": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get(() => "/api/builds/export?status=SUCCEEDED") },
  "GET /api/builds/[id]/events": { expect: MEMBER_TARGET, request: get((f) => `/api/builds/${f.buildId}/events`) },
  "GET /api/builds/[id]/log": { expect: MEMBER_TARGET, request: get((f) => `/api/builds/${f.buildId}/log`) },
  "GET /api/builds/[id]/artifacts.zip": { expect: MEMBER_TARGET, request: get((f) => `/api/builds/${f.buildId}/artifacts.zip`) },
  "GET /api/builds/[id]/log/search": { expect: MEMBER_TARGET, request: get((f) => `/api/builds/${f.buildId}/log/search?q=fetch`) },
  "GET /api/builds/[id]/artifacts/[artifactId]": { expect: MEMBER_TARGET, request: get((f) => `/api/builds/${f.buildId}/artifacts/${f.artifactId}`) },
  "GET /api/profiles/[id]/branches": { expect: MEMBER_TARGET, request: get((f) => `/api/profiles/${f.profileId}/branches?limit=5`) },
  "GET /api/profiles/[id]/tester-devices": { expect: MEMBER_TARGET, request: get((f) => `/api/profiles/${f.profileId}/tester-devices`) },
  "GET /api/profiles/[id]/commits": { expect: MEMBER_TARGET, request: get((f) => `/api/profiles/${f.profileId}/commits?branch=main&top=5`) },
  "GET /api/profiles/[id]/pull-requests": { expect: MEMBER_TARGET, request: get((f) => `/api/profiles/${f.profileId}/pull-requests`) },
  "GET /api/profiles/[id]/tags": { expect: MEMBER_TARGET, request: get((f) => `/api/profiles/${f.profileId}/tags?q=v1`) },
  // The token API: a caller's own API token is the credential (a session is not), so the anonymous caller is refused first.
  "GET /api/v1/profiles": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, request: tokenGet(() => "/api/v1/profiles?q=Matrix") },
  // Every profile's builds: the caller's own organization's (no target).
  "GET /api/v1/builds": { expect: { anonymous: "UNAUTHENTICATED", member: "ok", admin: "ok", otherAdmin: "ok" }, request: tokenGet(() => "/api/v1/builds?status=succeeded&limit=5") },
  "GET /api/v1/builds/[id]": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/builds/${f.buildId}`) },
  "GET /api/v1/builds/[id]/log": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/builds/${f.buildId}/log`) },
  "GET /api/v1/builds/[id]/artifacts/[artifactId]": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/builds/${f.buildId}/artifacts/${f.artifactId}`) },
  "GET /api/v1/builds/[id]/artifacts.zip": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/builds/${f.buildId}/artifacts.zip`) },
  "POST /api/v1/builds/[id]/rebuild": { expect: MEMBER_TARGET, request: tokenPost(async (f) => `/api/v1/builds/${await f.build("SUCCEEDED")}/rebuild`) },
  "POST /api/v1/builds/[id]/cancel": { expect: MEMBER_TARGET, request: tokenPost(async (f) => `/api/v1/builds/${await f.build("QUEUED")}/cancel`) },
  "POST /api/v1/builds/[id]/keep": { expect: ADMIN_TARGET, request: tokenPost(async (f) => `/api/v1/builds/${await f.build("SUCCEEDED")}/keep`) },
  "GET /api/v1/profiles/[id]/builds": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/profiles/${f.profileId}/builds?limit=5`) },
  "GET /api/v1/profiles/[id]/insights": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/profiles/${f.profileId}/insights?days=7`) },
  "GET /api/v1/profiles/[id]/tester-devices": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/profiles/${f.profileId}/tester-devices?format=apple&missing=1`) },
  "GET /api/v1/profiles/[id]": { expect: MEMBER_TARGET, request: tokenGet((f) => `/api/v1/profiles/${f.profileId}`) },
  // Pausing the profile every row shares is undone at once (the resume's own row follows), so builds other rows start still run.
  "POST /api/v1/profiles/[id]/pause": {
    expect: ADMIN_TARGET,
    request: async (fixture, context) => {
      const outcome = await tokenPost((f) => `/api/v1/profiles/${f.profileId}/pause`, { reason: "Matrix" })(fixture, context);
      await context.post(`/api/v1/profiles/${fixture.profileId}/resume`, { headers: fixture.bearer(context) });
      return outcome;
    },
  },
  "POST /api/v1/profiles/[id]/resume": { expect: ADMIN_TARGET, request: tokenPost((f) => `/api/v1/profiles/${f.profileId}/resume`) },
  "POST /api/v1/builds/[id]/run-next": { expect: ADMIN_TARGET, request: tokenPost(async (f) => `/api/v1/builds/${await f.build("QUEUED")}/run-next`) },
  "POST /api/v1/profiles/[id]/builds": { expect: MEMBER_TARGET, request: tokenPost((f) => `/api/v1/profiles/${f.profileId}/builds`, { branch: "main" }) },
  // next-auth's own flow: its public endpoints…
  "GET /api/auth/[...nextauth]": { expect: { anonymous: "ok", member: "ok", admin: "ok", otherAdmin: "ok" }, request: get(() => "/api/auth/csrf") },
  // …and leaving for a consent page, which needs an admin and the intent their own wizard set.
  "POST /api/auth/[...nextauth]": {
    expect: { anonymous: "no_session", member: "not_admin", admin: "ok", otherAdmin: "no_intent" },
    request: async (fixture, context) => {
      const { csrfToken } = (await (await context.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const response = await context.post("/api/auth/signin/azure-devops", {
        form: { csrfToken, json: "true", callbackUrl: `${KEEL_URL}/connections` },
        headers: { origin: KEEL_URL },
        maxRedirects: 0,
      });
      const { url } = (await response.json()) as { url: string };
      // A refused start goes to Keel's failure page with the reason; a granted one to the provider.
      return new URL(url).searchParams.get("reason") ?? (url.startsWith(EMULATOR_URL) ? "ok" : `went to ${url}`);
    },
  },
};

// The next-auth POST row's admin needs an intent: the admin's own beginOAuthAction call sets it
// (as the wizard does), and the action rows run before the route rows.

test.describe("authorization matrix", () => {
  test.describe.configure({ mode: "serial" });

  test("every server action and route handler has a row, and every row an entry point", () => {
    const manifest = discoverActions();
    const keelActions = [...manifest.keys()].filter((key) => key.startsWith("lib/actions/")).sort();
    expect(keelActions.length, "the build's manifest lists Keel's actions").toBeGreaterThan(10);
    // An export of lib/actions that no page imports is still an endpoint once a page does; it
    // must be in the manifest (and so in this table) — or be deleted.
    expect(exportedActions().filter((key) => !manifest.has(key)), "lib/actions exports missing from the build's manifest").toEqual([]);
    expect([...manifest.keys()].filter((key) => !key.startsWith("lib/actions/")), "'use server' outside lib/actions").toEqual([]);
    expect(keelActions.filter((key) => !(key in ACTIONS)), "actions without a row").toEqual([]);
    expect(Object.keys(ACTIONS).filter((key) => !manifest.has(key)), "rows without an action").toEqual([]);
    const routes = discoverRoutes();
    expect(routes.length).toBeGreaterThan(5);
    expect(routes.filter((key) => !(key in ROUTES)), "routes without a row").toEqual([]);
    expect(Object.keys(ROUTES).filter((key) => !routes.includes(key)), "rows without a route").toEqual([]);
  });

  test("each caller gets exactly the outcome of its cell", async ({ playwright }) => {
    test.setTimeout(240_000);
    const suffix = randomBytes(3).toString("hex");
    const organization = await prisma().organization.create({ data: { name: `Matrix A ${suffix}` } });
    const other = await prisma().organization.create({ data: { name: `Matrix B ${suffix}` } });
    const admin = await createUser({ role: "ADMIN", name: "Matrix Admin", organizationId: organization.id });
    const member = await createUser({ role: "MEMBER", name: "Matrix Member", organizationId: organization.id });
    const otherAdmin = await createUser({ role: "ADMIN", name: "Other Admin", organizationId: other.id });
    const contexts = {} as Record<Caller, APIRequestContext>;
    try {
      contexts.anonymous = await playwright.request.newContext({ baseURL: KEEL_URL });
      for (const [caller, user] of [
        ["member", member],
        ["admin", admin],
        ["otherAdmin", otherAdmin],
      ] as const) {
        contexts[caller] = await playwright.request.newContext({ baseURL: KEEL_URL });
        await signInViaApi(contexts[caller], user.email, user.password);
      }

      const connection = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: admin.id, name: uniqueName("Matrix") });
      const oauthConnection = await prisma().connection.create({
        data: {
          organizationId: organization.id,
          ownerId: admin.id,
          name: uniqueName("Matrix OAuth"),
          nameKey: `matrix oauth ${suffix}`,
          deploymentType: "SERVICES",
          authMethod: "OAUTH",
          oauthProvider: "azure-devops",
          serverUrl: EMULATOR_URL,
          collection: "fabrikam",
        },
      });
      const principalConnection = await seedServicePrincipalConnection({
        organizationId: organization.id,
        collection: "fabrikam",
        tenantId: DEFAULT_TENANT_ID,
        clientId: DEFAULT_SERVICE_PRINCIPALS.pipeline.clientId,
        clientSecret: DEFAULT_SERVICE_PRINCIPALS.pipeline.clientSecret,
        name: uniqueName("Matrix Principal Seeded"),
      });
      // A listing the picker routes can read without listing anything (an empty repository needs no branch call).
      await prisma().repositoryListing.create({
        data: { organizationId: organization.id, connectionId: connection.id, status: "READY", generation: 1, readyGeneration: 1, finishedAt: new Date(), expiresAt: new Date(Date.now() + 3_600_000) },
      });
      await prisma().listedRepository.create({
        data: {
          connectionId: connection.id,
          generation: 1,
          repositoryId: DEFAULT_REPOS.walletApp.id.toLowerCase(),
          projectId: DEFAULT_PROJECTS.mobileIos.id.toLowerCase(),
          projectName: DEFAULT_PROJECTS.mobileIos.name,
          projectNameKey: DEFAULT_PROJECTS.mobileIos.name.toLowerCase(),
          name: DEFAULT_REPOS.walletApp.name,
          nameKey: DEFAULT_REPOS.walletApp.name.toLowerCase(),
          isEmpty: true,
        },
      });
      const newProfile = async () =>
        (
          await seedProfile({
            organizationId: organization.id,
            connectionId: connection.id,
            name: uniqueName("Matrix Seeded"),
            projectId: DEFAULT_PROJECTS.mobileIos.id,
            projectName: DEFAULT_PROJECTS.mobileIos.name,
            repositoryId: DEFAULT_REPOS.walletApp.id,
            repositoryName: DEFAULT_REPOS.walletApp.name,
            createdById: admin.id,
          })
        ).id;
      const main = (await emulator.refs({ organization: "fabrikam", project: DEFAULT_PROJECTS.mobileIos.name, repository: DEFAULT_REPOS.walletApp.name })).find((ref) => ref.name === "refs/heads/main")!.objectId;
      let buildNumber = 1_000;
      const matrixProfileId = await newProfile();
      const newBuild = async (status: "QUEUED" | "SUCCEEDED" = "SUCCEEDED") =>
        (
          await prisma().build.create({
            data: {
              organizationId: organization.id,
              profileId: matrixProfileId,
              number: (buildNumber += 1),
              status,
              trigger: "MANUAL",
              idempotencyKey: randomUUID(),
              commitId: main,
              branch: "refs/heads/main",
              steps: [],
              timeoutSeconds: 600,
              ...(status === "SUCCEEDED" ? { startedAt: new Date(), finishedAt: new Date() } : {}),
            },
          })
        ).id;
      const buildId = await newBuild("SUCCEEDED");
      const artifact = await prisma().buildArtifact.create({
        data: {
          organizationId: organization.id, buildId, path: "out/App.ipa", size: 3n, sha256: "0".repeat(64), complete: true, chunks: { create: { seq: 0, data: Buffer.from("ipa") } },
          // What the worker reads from an .ipa's Info.plist: the share's install manifest answers with it.
          app: { bundleId: "com.fabrikam.wallet", version: "1", shortVersion: "1.0", name: "Wallet" },
        },
      });
      // Each signed-in caller's own API token, for the token API's rows.
      const bearers = new Map<APIRequestContext, string>();
      for (const [caller, user] of [
        ["member", member],
        ["admin", admin],
        ["otherAdmin", otherAdmin],
      ] as const) {
        const token = `keel_${randomBytes(32).toString("base64url")}`;
        await prisma().apiToken.create({
          data: { organizationId: user.organizationId, userId: user.id, name: `Matrix ${caller}`, tokenHash: createHash("sha256").update(token).digest("hex"), prefix: token.slice(0, 11), expiresAt: new Date(Date.now() + 3_600_000) },
        });
        bearers.set(contexts[caller], token);
      }
      const shareKey = randomBytes(32).toString("base64url");
      await prisma().buildShare.create({
        data: { organizationId: organization.id, buildId, keyHash: createHash("sha256").update(shareKey).digest("hex"), keySealed: "not-opened-by-the-route", expiresAt: new Date(Date.now() + 3_600_000) },
      });
      const badgeKey = randomBytes(24).toString("base64url");
      await prisma().buildProfile.update({ where: { id: matrixProfileId }, data: { badgeKey } });
      const fixture: Fixture = {
        organizationId: organization.id,
        otherOrganizationId: other.id,
        adminId: admin.id,
        memberId: member.id,
        connectionId: connection.id,
        oauthConnectionId: oauthConnection.id,
        servicePrincipalConnectionId: principalConnection.id,
        connectionName: connection.name,
        profileId: matrixProfileId,
        buildId,
        artifactId: artifact.id,
        badgeKey,
        shareKey,
        build: newBuild,
        caPem: createTlsMaterial().caCertPem,
        draft: async () =>
          (await prisma().connectDraft.create({ data: { organizationId: organization.id, userId: admin.id, deploymentType: "SERVICES", expiresAt: new Date(Date.now() + 3_600_000) } })).id,
        principalDraft: async () =>
          (
            await prisma().connectDraft.create({
              data: { organizationId: organization.id, userId: admin.id, deploymentType: "SERVICES", authMethod: "SERVICE_PRINCIPAL", entraConnectionId: randomUUID(), expiresAt: new Date(Date.now() + 3_600_000) },
            })
          ).id,
        profile: newProfile,
        connection: async () => {
          const fresh = await seedPatConnection({ collection: "fabrikam", token: DEFAULT_PATS.fabrikamFull, organizationId: organization.id, ownerId: admin.id, name: uniqueName("Matrix Doomed") });
          return { id: fresh.id, name: fresh.name };
        },
        invitation: async () => {
          const token = randomBytes(32).toString("base64url");
          const invited = await prisma().user.create({
            data: { organizationId: organization.id, email: `invited-${randomBytes(4).toString("hex")}@keel.test`, name: "Invited", memberships: { create: { organizationId: organization.id, role: "MEMBER" } } },
          });
          await prisma().invitation.create({ data: { organizationId: organization.id, userId: invited.id, createdById: admin.id, tokenHash: createHash("sha256").update(token).digest("hex"), expiresAt: new Date(Date.now() + 3_600_000) } });
          return token;
        },
        freshMember: async () => (await createUser({ role: "MEMBER", name: "Matrix Fresh", organizationId: organization.id })).id,
        apiToken: async () => {
          const owner = await createUser({ role: "MEMBER", name: "Matrix Token Owner", organizationId: organization.id });
          return (await prisma().apiToken.create({ data: { organizationId: organization.id, userId: owner.id, name: uniqueName("Matrix Token"), tokenHash: randomBytes(32).toString("hex"), prefix: "keel_matrix", expiresAt: new Date(Date.now() + 3_600_000) } })).id;
        },
        bearer: (context): Record<string, string> => {
          const token = bearers.get(context);
          return token ? { authorization: `Bearer ${token}` } : {};
        },
        webhook: async () => matrixWebhook(organization.id),
        webhookDelivery: async () => {
          const webhookId = await matrixWebhook(organization.id);
          return (await prisma().outgoingDelivery.create({ data: { organizationId: organization.id, webhookId, event: "ping", payload: { event: "ping" }, state: "FAILED", attempts: 1 } })).id;
        },
        variableGroup: async () => {
          const name = uniqueName("Matrix Group");
          return (await prisma().variableGroup.create({ data: { organizationId: organization.id, name, nameKey: name.toLowerCase(), idempotencyKey: randomUUID() } })).id;
        },
      };

      const manifest = discoverActions();
      const mismatches: string[] = [];
      const record = (entry: string, caller: Caller, expected: string, actual: string) => {
        if (actual !== expected) {
          mismatches.push(`${entry} as ${caller}: expected ${expected}, got ${actual}`);
        }
      };
      // Sign-out-everywhere ends the sessions the other rows use: it goes last.
      const actionOrder = Object.keys(ACTIONS).sort((a, b) => Number(a.endsWith("#signOutEverywhereAction")) - Number(b.endsWith("#signOutEverywhereAction")));
      const routeEntries = Object.entries(ROUTES);
      for (const entry of actionOrder.filter((key) => !key.endsWith("#signOutEverywhereAction"))) {
        await runAction(entry);
      }
      for (const [entry, row] of routeEntries) {
        await test.step(entry, async () => {
          for (const caller of CALLERS) {
            record(entry, caller, row.expect[caller], await row.request(fixture, contexts[caller]));
          }
        });
      }
      await runAction("lib/actions/session.ts#signOutEverywhereAction");

      async function runAction(entry: string): Promise<void> {
        const row = ACTIONS[entry]!;
        await test.step(entry, async () => {
          for (const caller of CALLERS) {
            const { args, form } = await row.call(fixture);
            const result = await callAction(contexts[caller], manifest.get(entry)!, args, form);
            const actual =
              result.status >= 500
                ? `HTTP ${result.status}`
                : result.redirect !== null
                  ? "ok"
                  : result.state === null
                    ? "no readable answer"
                    : result.state.status === "error"
                      ? (result.state.code ?? "ok")
                      : "ok";
            record(entry, caller, row.expect[caller], actual === "UNEXPECTED" ? `UNEXPECTED (${result.state?.message})` : actual);
          }
        });
      }

      expect(mismatches, "cells whose outcome differs from the table").toEqual([]);
      // The other admin never changed anything in the first organization.
      expect(await prisma().auditEvent.count({ where: { organizationId: organization.id, actorId: otherAdmin.id } })).toBe(0);
    } finally {
      for (const context of Object.values(contexts)) {
        await context.dispose();
      }
      await prisma().buildProfile.deleteMany({ where: { organizationId: organization.id } });
      for (const { id } of await prisma().connection.findMany({ where: { organizationId: organization.id }, select: { id: true } })) {
        await removeConnection(id);
      }
      const users = await prisma().membership.findMany({ where: { organizationId: { in: [organization.id, other.id] } }, select: { userId: true } });
      await prisma().organization.deleteMany({ where: { id: { in: [organization.id, other.id] } } });
      await prisma().user.deleteMany({ where: { id: { in: users.map((row) => row.userId) } } });
    }
  });
});
