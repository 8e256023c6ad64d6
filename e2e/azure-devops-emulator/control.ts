import { z } from "zod";
import { createEntraControl, handleEntraControlRequest, type EntraControl } from "./control-entra.js";
import type { EmulatorCore } from "./core.js";
import type { FaultRecord } from "./faults.js";
import type { DeliveryRecord } from "./hooks.js";
import { parseJsonBody, send, sendJson, type DeploymentRuntime, type RequestContext } from "./http.js";
import { PRODUCT_VERSIONS } from "./locations.js";
import type { FaultSpec, Fixture, Product } from "./model.js";
import { issueTokens, revokeGrants } from "./oauth-tokens.js";
import type { RequestLogEntry } from "./request-log.js";
import { byName, gitOf, type HostRecord, type ProjectRecord, type RepoRecord } from "./store.js";
import { enc, listenerOrigin, serverPublicUrl } from "./urls.js";

/** Where a deployment listens and what it serves. */
export type DeploymentInfo = {
  name: string;
  kind: "services" | "server";
  product: Product;
  productLabel: string;
  /** The highest api-version the deployment accepts. */
  maxApiVersion: string;
  tls: boolean;
  port: number;
  /** scheme://host:port of the listener. */
  origin: string;
  /** origin + path prefix (`/tfs` or ""): where organizations/collections start. */
  url: string;
  pathPrefix: string;
  /** Server: the configured (or default) public URL the API writes into responses. */
  publicUrl?: string;
  /** Organization (Services) or collection (Server) base URLs on this listener. */
  hosts: Array<{ name: string; id: string; url: string }>;
};

export type StateSummary = {
  fixture: string;
  clock: { now: string; offsetMs: number };
  deployments: Array<
    DeploymentInfo & {
      hostsState: Array<{
        name: string;
        projects: number;
        repositories: number;
        members: number;
        oauthPolicy: boolean;
        subscriptions: number;
      }>;
    }
  >;
  tokens: { pats: number; accessTokens: number; refreshTokens: number; grants: number; codes: number };
  accessTokenLifetimeSeconds: number;
  faults: number;
  heldRequests: number;
  requests: number;
  deliveries: number;
  statuses: number;
};

export type PushInput = {
  deployment?: string;
  /** Organization (Services) or collection (Server) name. */
  organization: string;
  project: string;
  repository: string;
  branch: string;
  /** Number of commits, or their messages/authors. Default 1. */
  commits?: number | Array<{ message: string; authorName?: string; authorEmail?: string }>;
  /** User id of the pusher; default the host's first member. */
  pusherId?: string;
  /** Delete the branch instead (newObjectId = 40 zeros). */
  delete?: boolean;
};

export type PushResult = {
  pushId: number;
  refUpdates: Array<{ name: string; oldObjectId: string; newObjectId: string }>;
  commits: Array<{ commitId: string; comment: string }>;
  deliveries: DeliveryRecord[];
};

export type PostedStatus = {
  deployment: string;
  host: string;
  project: string;
  repository: string;
  repositoryId: string;
  commitId: string;
  id: number;
  state: string;
  contextName: string;
  contextGenre?: string;
  description?: string;
  targetUrl?: string;
  createdById: string;
  creationDate: string;
};

export type CreatePatInput = {
  userId: string;
  label?: string;
  scopes: string[] | "full";
  deployment?: string;
  organizations: string[] | "all";
  /** ISO instant; default 30 days from the emulator's now. */
  expiresAt?: string;
  token?: string;
};

export type IssueOAuthTokenInput = {
  provider: "legacy" | "entra";
  userId: string;
  /** Default: the fixture's first app of that provider. */
  clientId?: string;
  scopes: string[];
};

/** The operations of the control API, callable in-process (handle.control) or over HTTP (identity operations: control-entra.ts). */
export type EmulatorControl = EntraControl & {
  reset(): void;
  state(): StateSummary;
  credentials(): CredentialsSummary;
  addFault(spec: FaultSpec): FaultRecord;
  listFaults(): FaultRecord[];
  removeFault(id: string): boolean;
  clearFaults(): void;
  clock(): { now: string; offsetMs: number };
  advanceClock(input: { seconds?: number; ms?: number }): { now: string; offsetMs: number };
  setClock(now: string): { now: string; offsetMs: number };
  resetClock(): { now: string; offsetMs: number };
  setAccessTokenLifetime(seconds: number): void;
  expireToken(token: string): boolean;
  revokeToken(token: string): boolean;
  revokeGrants(input: { userId: string; clientId?: string }): number;
  createPat(input: CreatePatInput): { token: string; expiresAt: string };
  issueOAuthToken(input: IssueOAuthTokenInput): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }>;
  setOAuthPolicy(input: { organization: string; enabled: boolean }): void;
  setMembership(input: { deployment?: string; organization: string; userId: string; member: boolean }): void;
  push(input: PushInput): Promise<PushResult>;
  /** Renames a repository in place (same id, new name and URLs), as Project settings → Repositories → Rename does. */
  renameRepository(input: { deployment?: string; organization: string; project: string; repository: string; name: string }): { id: string; name: string };
  requests(filter?: { since?: number; deployment?: string; pathContains?: string; method?: string }): RequestLogEntry[];
  clearRequests(): void;
  deliveries(): DeliveryRecord[];
  clearDeliveries(): void;
  statuses(): PostedStatus[];
  caPem(): string;
};

export type CredentialsSummary = {
  users: Fixture["users"];
  pats: Array<{
    token: string;
    label: string;
    userId: string;
    scopes: string[] | "full";
    deployment: string;
    organizations: string[] | "all";
    expiresAt: string;
    revoked: boolean;
  }>;
  oauth: Fixture["oauth"];
};

/** What the control layer needs from the running emulator. */
export type ControlHost = EmulatorCore & {
  fixture: Fixture;
  reset(): void;
  deploymentInfo(): DeploymentInfo[];
};

/** Thrown for bad control input; the HTTP layer maps it to 400/404. */
export class ControlError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Describes a deployment for handles, CLI output and the state summary. */
export function describeDeployment(deployment: DeploymentRuntime, hosts: HostRecord[]): DeploymentInfo {
  const origin = listenerOrigin(deployment);
  const url = `${origin}${deployment.pathPrefix}`;
  const info: DeploymentInfo = {
    name: deployment.name,
    kind: deployment.kind,
    product: deployment.product,
    productLabel: PRODUCT_VERSIONS[deployment.product].label,
    maxApiVersion: PRODUCT_VERSIONS[deployment.product].max,
    tls: deployment.tls,
    port: deployment.port,
    origin,
    url,
    pathPrefix: deployment.pathPrefix,
    hosts: hosts.map((host) => ({ name: host.name, id: host.id, url: `${url}/${enc(host.name)}` })),
  };
  if (deployment.kind === "server") {
    info.publicUrl = serverPublicUrl(deployment);
  }
  return info;
}

function clockState(host: ControlHost): { now: string; offsetMs: number } {
  return { now: host.store.clock.nowIso(), offsetMs: host.store.clock.offset() };
}

/** Finds an organization/collection or throws a 404 ControlError. */
function findHost(host: ControlHost, deployment: string, name: string): HostRecord {
  const record = host.store.host(deployment, name);
  if (!record) {
    throw new ControlError(404, `No organization/collection '${name}' in deployment '${deployment}'.`);
  }
  return record;
}

/** A repository by organization, project and name or id, or a 404 naming what is missing. */
function findRepo(host: ControlHost, deployment: string, input: { organization: string; project: string; repository: string }): { record: HostRecord; project: ProjectRecord; repo: RepoRecord } {
  const record = findHost(host, deployment, input.organization);
  const project = host.store.project(record, input.project);
  if (!project) {
    throw new ControlError(404, `No project '${input.project}' in '${input.organization}'.`);
  }
  const repo = host.store.repo(record, project, input.repository);
  if (!repo) {
    throw new ControlError(404, `No repository '${input.repository}' in '${input.project}'.`);
  }
  return { record, project, repo };
}

/** Builds the control operations over a running emulator. */
export function createControl(host: ControlHost): EmulatorControl {
  const defaultDeployment = (): string => host.servicesDeployment()?.name ?? host.deployments[0]?.name ?? "services";
  return {
    ...createEntraControl(host),
    reset: () => host.reset(),
    state: () => {
      const store = host.store;
      let statuses = 0;
      const deployments = host.deploymentInfo().map((info) => ({
        ...info,
        hostsState: store.hostsOf(info.name).map((record) => ({
          name: record.name,
          projects: record.projects.length,
          repositories: record.reposById.size,
          members: record.members.size,
          oauthPolicy: record.oauthPolicy,
          subscriptions: record.subscriptions.size,
        })),
      }));
      for (const record of store.hosts.values()) {
        for (const org of record.values()) {
          for (const repo of org.reposById.values()) {
            for (const list of repo.git?.statuses.values() ?? []) {
              statuses += list.length;
            }
          }
        }
      }
      return {
        fixture: host.fixture.name,
        clock: clockState(host),
        deployments,
        tokens: {
          pats: store.pats.size,
          accessTokens: store.accessTokens.size,
          refreshTokens: store.refreshTokens.size,
          grants: store.grants.size,
          codes: store.codes.size,
        },
        accessTokenLifetimeSeconds: store.accessTokenLifetimeSeconds,
        faults: host.faults.list().length,
        heldRequests: host.faults.heldCount(),
        requests: host.log.list().length,
        deliveries: host.hooks.list().length,
        statuses,
      };
    },
    credentials: () => ({
      users: host.fixture.users,
      pats: [...host.store.pats.values()].map((pat) => ({
        token: pat.token,
        label: pat.label,
        userId: pat.userId,
        scopes: pat.scopes,
        deployment: pat.deployment,
        organizations: pat.organizations,
        expiresAt: pat.expiresAt,
        revoked: pat.revoked,
      })),
      oauth: {
        legacy: [...host.store.legacyApps.values()],
        entra: [...host.store.entraApps.values()],
      },
    }),
    addFault: (spec) => host.faults.add(spec),
    listFaults: () => host.faults.list(),
    removeFault: (id) => host.faults.remove(id),
    clearFaults: () => host.faults.clear(),
    clock: () => clockState(host),
    advanceClock: (input) => {
      host.store.clock.advance((input.ms ?? 0) + (input.seconds ?? 0) * 1000);
      return clockState(host);
    },
    setClock: (now) => {
      const instant = Date.parse(now);
      if (Number.isNaN(instant)) {
        throw new ControlError(400, `Not an ISO-8601 instant: ${now}`);
      }
      host.store.clock.set(instant);
      return clockState(host);
    },
    resetClock: () => {
      host.store.clock.reset();
      return clockState(host);
    },
    setAccessTokenLifetime: (seconds) => {
      host.store.accessTokenLifetimeSeconds = seconds;
    },
    expireToken: (token) => {
      const store = host.store;
      const past = store.clock.now() - 1000;
      const pat = store.pats.get(token);
      if (pat) {
        pat.expiresAt = new Date(past).toISOString();
        return true;
      }
      const access = store.accessTokens.get(token);
      if (access) {
        access.expiresAt = past;
        return true;
      }
      const refresh = store.refreshTokens.get(token);
      if (refresh) {
        refresh.expiresAt = past;
        return true;
      }
      return false;
    },
    revokeToken: (token) => {
      const store = host.store;
      const pat = store.pats.get(token);
      if (pat) {
        pat.revoked = true;
        return true;
      }
      const access = store.accessTokens.get(token);
      if (access) {
        access.revoked = true;
        return true;
      }
      const refresh = store.refreshTokens.get(token);
      if (refresh) {
        refresh.revoked = true;
        return true;
      }
      return false;
    },
    revokeGrants: (input) => revokeGrants(host, input.userId, input.clientId),
    createPat: (input) => {
      const store = host.store;
      const owner = store.user(input.userId);
      if (!owner) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      if (owner.kind === "servicePrincipal") {
        // Microsoft: service principals can't create tokens like PATs or SSH keys.
        throw new ControlError(400, "Service principals cannot create personal access tokens.");
      }
      const deployment = input.deployment ?? defaultDeployment();
      if (!store.hosts.has(deployment)) {
        throw new ControlError(404, `No deployment '${deployment}'.`);
      }
      const expiresAt = input.expiresAt ?? new Date(store.clock.now() + 30 * 86_400_000).toISOString();
      const record = store.createPat({
        token: input.token,
        label: input.label ?? "created through the control API",
        userId: input.userId,
        scopes: input.scopes,
        deployment,
        organizations: input.organizations,
        expiresAt,
      });
      return { token: record.token, expiresAt: record.expiresAt };
    },
    issueOAuthToken: async (input) => {
      const store = host.store;
      if (!store.user(input.userId)) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      const apps = input.provider === "legacy" ? [...store.legacyApps.values()] : [...store.entraApps.values()];
      const app = input.clientId === undefined ? apps[0] : apps.find((candidate) => candidate.clientId.toLowerCase() === input.clientId?.toLowerCase());
      if (!app) {
        throw new ControlError(404, `No ${input.provider} OAuth app '${input.clientId ?? "(default)"}'.`);
      }
      const issued = await issueTokens(host, {
        provider: input.provider,
        clientId: app.clientId,
        userId: input.userId,
        scopes: input.scopes,
        redirectUri: app.redirectUris[0] ?? "",
      });
      return { accessToken: issued.accessToken, refreshToken: issued.refreshToken, expiresIn: issued.expiresIn };
    },
    setOAuthPolicy: (input) => {
      const services = host.servicesDeployment();
      if (!services) {
        throw new ControlError(404, "The fixture has no Services deployment.");
      }
      findHost(host, services.name, input.organization).oauthPolicy = input.enabled;
    },
    setMembership: (input) => {
      const record = findHost(host, input.deployment ?? defaultDeployment(), input.organization);
      if (!host.store.user(input.userId)) {
        throw new ControlError(404, `No user '${input.userId}'.`);
      }
      if (input.member) {
        record.members.add(input.userId);
        return;
      }
      record.members.delete(input.userId);
    },
    push: async (input) => {
      const store = host.store;
      const deploymentName = input.deployment ?? defaultDeployment();
      const deployment = host.deployments.find((candidate) => candidate.name === deploymentName);
      if (!deployment) {
        throw new ControlError(404, `No deployment '${deploymentName}'.`);
      }
      const { record, repo } = findRepo(host, deploymentName, input);
      const pusherId = input.pusherId ?? [...record.members][0];
      const pusher = store.user(pusherId);
      if (!pusher) {
        throw new ControlError(404, `No pusher '${pusherId ?? "(none)"}'.`);
      }
      const branch = input.branch.replace(/^refs\/heads\//, "");
      if (input.delete === true) {
        const deleted = store.deleteBranch(repo, branch);
        if (!deleted) {
          throw new ControlError(404, `No branch '${branch}' in '${repo.name}'.`);
        }
        const refUpdates = [{ name: `refs/heads/${branch}`, oldObjectId: deleted.oldObjectId, newObjectId: deleted.newObjectId }];
        const deliveries = await host.hooks.dispatchPush(store, {
          deployment,
          host: record,
          repo,
          pusher,
          pushId: deleted.pushId,
          refUpdates,
          commits: [],
          date: store.clock.nowIso(),
        });
        return { pushId: deleted.pushId, refUpdates, commits: [], deliveries };
      }
      const specs: Array<{ message: string; authorName?: string; authorEmail?: string }> =
        typeof input.commits === "number" || input.commits === undefined
          ? Array.from({ length: Math.max(1, input.commits ?? 1) }, (_, index) => ({ message: `Simulated commit ${index + 1}` }))
          : input.commits;
      const pushed = store.pushCommits(
        repo,
        branch,
        specs.map((spec) => ({
          comment: spec.message,
          authorName: spec.authorName ?? pusher.displayName,
          authorEmail: spec.authorEmail ?? pusher.email,
        })),
      );
      const refUpdates = [{ name: `refs/heads/${branch}`, oldObjectId: pushed.oldObjectId, newObjectId: pushed.newObjectId }];
      const deliveries = await host.hooks.dispatchPush(store, {
        deployment,
        host: record,
        repo,
        pusher,
        pushId: pushed.pushId,
        refUpdates,
        commits: [...pushed.commits].reverse(),
        date: store.clock.nowIso(),
      });
      return {
        pushId: pushed.pushId,
        refUpdates,
        commits: pushed.commits.map((commit) => ({ commitId: commit.id, comment: commit.comment })),
        deliveries,
      };
    },
    renameRepository: (input) => {
      const { project, repo } = findRepo(host, input.deployment ?? defaultDeployment(), input);
      if (project.repos.some((other) => other !== repo && other.name.toLowerCase() === input.name.toLowerCase())) {
        throw new ControlError(409, `'${input.project}' already has a repository named '${input.name}'.`);
      }
      repo.name = input.name;
      project.repos.sort(byName);
      return { id: repo.id, name: repo.name };
    },
    requests: (filter) => host.log.list(filter),
    clearRequests: () => host.log.clear(),
    deliveries: () => host.hooks.list(),
    clearDeliveries: () => host.hooks.clear(),
    statuses: () => {
      const result: PostedStatus[] = [];
      for (const [deployment, records] of host.store.hosts) {
        for (const record of records.values()) {
          for (const repo of record.reposById.values()) {
            if (!repo.git) {
              continue;
            }
            for (const [commitId, list] of gitOf(repo).statuses) {
              for (const status of list) {
                result.push({
                  deployment,
                  host: record.name,
                  project: repo.project.name,
                  repository: repo.name,
                  repositoryId: repo.id,
                  commitId,
                  id: status.id,
                  state: status.state,
                  contextName: status.context.name,
                  contextGenre: status.context.genre,
                  description: status.description,
                  targetUrl: status.targetUrl,
                  createdById: status.createdById,
                  creationDate: status.creationDate,
                });
              }
            }
          }
        }
      }
      return result;
    },
    caPem: () => host.caCertPem,
  };
}

const faultScope = {
  deployment: z.string().optional(),
  pathPrefix: z.string().optional(),
  method: z.string().optional(),
};

const faultSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("latency"), ms: z.number().int().min(0), ...faultScope }),
  z.object({
    kind: z.literal("error"),
    status: z.number().int().min(500).max(599).optional(),
    every: z.number().int().min(1).optional(),
    times: z.number().int().min(1).optional(),
    ...faultScope,
  }),
  z.object({
    kind: z.literal("rateLimit"),
    after: z.number().int().min(0),
    retryAfterSeconds: z.number().int().min(0).optional(),
    windowSeconds: z.number().int().min(1).optional(),
    warnWithin: z.number().int().min(0).optional(),
    ...faultScope,
  }),
  z.object({ kind: z.literal("reset"), every: z.number().int().min(1).optional(), times: z.number().int().min(1).optional(), ...faultScope }),
  z.object({ kind: z.literal("hang"), every: z.number().int().min(1).optional(), times: z.number().int().min(1).optional(), ...faultScope }),
]);

const schemas = {
  advance: z.object({ seconds: z.number().optional(), ms: z.number().optional() }),
  setClock: z.object({ now: z.string() }),
  token: z.object({ token: z.string().min(1) }),
  lifetime: z.object({ seconds: z.number().int().min(1) }),
  grants: z.object({ userId: z.string().min(1), clientId: z.string().optional() }),
  pat: z.object({
    userId: z.string().min(1),
    label: z.string().optional(),
    scopes: z.union([z.literal("full"), z.array(z.string())]),
    deployment: z.string().optional(),
    organizations: z.union([z.literal("all"), z.array(z.string())]),
    expiresAt: z.string().optional(),
    token: z.string().optional(),
  }),
  oauthToken: z.object({
    provider: z.enum(["legacy", "entra"]),
    userId: z.string().min(1),
    clientId: z.string().optional(),
    scopes: z.array(z.string()),
  }),
  policy: z.object({ organization: z.string().min(1), enabled: z.boolean() }),
  membership: z.object({ deployment: z.string().optional(), organization: z.string().min(1), userId: z.string().min(1), member: z.boolean() }),
  rename: z.object({ deployment: z.string().optional(), organization: z.string().min(1), project: z.string().min(1), repository: z.string().min(1), name: z.string().min(1).max(256) }),
  push: z.object({
    deployment: z.string().optional(),
    organization: z.string().min(1),
    project: z.string().min(1),
    repository: z.string().min(1),
    branch: z.string().min(1),
    commits: z
      .union([
        z.number().int().min(1).max(1000),
        z.array(z.object({ message: z.string(), authorName: z.string().optional(), authorEmail: z.string().optional() })),
      ])
      .optional(),
    pusherId: z.string().optional(),
    delete: z.boolean().optional(),
  }),
};

/** Parses a JSON control body with a zod schema or throws 400. */
function input<T>(ctx: RequestContext, schema: z.ZodType<T>): T {
  const body = parseJsonBody(ctx.body) ?? {};
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ControlError(400, result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "));
  }
  return result.data;
}

/** The zod-validated JSON body of a control request (400 naming the field otherwise). */
export const controlInput = input;

/** Handles `/_emulator/…` (never subject to faults). `segments` are after `_emulator`. */
export async function handleControlRequest(control: EmulatorControl, ctx: RequestContext, segments: string[]): Promise<void> {
  const route = `${ctx.method} /${segments.join("/")}`;
  const query = ctx.url.searchParams;
  try {
    switch (route) {
      case "GET /health":
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /state":
        sendJson(ctx, 200, control.state());
        return;
      case "GET /credentials":
        sendJson(ctx, 200, control.credentials());
        return;
      case "POST /reset":
        control.reset();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /faults":
        sendJson(ctx, 200, control.listFaults());
        return;
      case "POST /faults": {
        const spec = input(ctx, faultSchema) as FaultSpec;
        sendJson(ctx, 201, control.addFault(spec));
        return;
      }
      case "DELETE /faults":
        control.clearFaults();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /clock":
        sendJson(ctx, 200, control.clock());
        return;
      case "POST /clock/advance":
        sendJson(ctx, 200, control.advanceClock(input(ctx, schemas.advance)));
        return;
      case "POST /clock/set":
        sendJson(ctx, 200, control.setClock(input(ctx, schemas.setClock).now));
        return;
      case "POST /clock/reset":
        sendJson(ctx, 200, control.resetClock());
        return;
      case "POST /tokens/lifetime":
        control.setAccessTokenLifetime(input(ctx, schemas.lifetime).seconds);
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /tokens/expire": {
        const found = control.expireToken(input(ctx, schemas.token).token);
        sendJson(ctx, found ? 200 : 404, { ok: found });
        return;
      }
      case "POST /tokens/revoke": {
        const found = control.revokeToken(input(ctx, schemas.token).token);
        sendJson(ctx, found ? 200 : 404, { ok: found });
        return;
      }
      case "POST /grants/revoke":
        sendJson(ctx, 200, { revoked: control.revokeGrants(input(ctx, schemas.grants)) });
        return;
      case "POST /pats":
        sendJson(ctx, 201, control.createPat(input(ctx, schemas.pat)));
        return;
      case "POST /oauth/tokens":
        sendJson(ctx, 201, await control.issueOAuthToken(input(ctx, schemas.oauthToken)));
        return;
      case "POST /policies/oauth":
        control.setOAuthPolicy(input(ctx, schemas.policy));
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /memberships":
        control.setMembership(input(ctx, schemas.membership));
        sendJson(ctx, 200, { ok: true });
        return;
      case "POST /pushes":
        sendJson(ctx, 201, await control.push(input(ctx, schemas.push)));
        return;
      case "POST /repositories/rename":
        sendJson(ctx, 200, control.renameRepository(input(ctx, schemas.rename)));
        return;
      case "GET /requests": {
        const since = query.get("since");
        sendJson(
          ctx,
          200,
          control.requests({
            since: since === null ? undefined : Number(since),
            deployment: query.get("deployment") ?? undefined,
            pathContains: query.get("path") ?? undefined,
            method: query.get("method") ?? undefined,
          }),
        );
        return;
      }
      case "DELETE /requests":
        control.clearRequests();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /deliveries":
        sendJson(ctx, 200, control.deliveries());
        return;
      case "DELETE /deliveries":
        control.clearDeliveries();
        sendJson(ctx, 200, { ok: true });
        return;
      case "GET /statuses":
        sendJson(ctx, 200, control.statuses());
        return;
      case "GET /ca.pem":
        send(ctx, 200, control.caPem(), { "Content-Type": "application/x-pem-file" });
        return;
      default:
        break;
    }
    if (await handleEntraControlRequest(control, ctx, segments)) {
      return;
    }
    if (ctx.method === "DELETE" && segments.length === 2 && segments[0] === "faults") {
      const removed = control.removeFault(segments[1] ?? "");
      sendJson(ctx, removed ? 200 : 404, { ok: removed });
      return;
    }
    sendJson(ctx, 404, { error: `Unknown control route ${route}` });
  } catch (error) {
    if (error instanceof ControlError) {
      sendJson(ctx, error.status, { error: error.message });
      return;
    }
    throw error;
  }
}
