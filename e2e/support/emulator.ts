// The Azure DevOps emulator the browser tests run against (started by playwright.config.ts
// on EMULATOR_BASE_PORT with the `default` fixture). Specs read deployment URLs from its
// control API and drive faults, clocks and tokens through it. Specs run in parallel
// workers against one emulator: never reset it; scope faults to a path and remove them.
import { expect } from "@playwright/test";
import type {
  CreatePullRequestControlInput,
  DeliveryFilter,
  DeliveryRecord,
  DeploymentInfo,
  FaultSpec,
  NotificationFilter,
  NotificationRecord,
  PullRequestSnapshot,
  PushResult,
  RepositoryInput,
  RequestLogEntry,
  UpdatePullRequestControlInput,
} from "@/e2e/azure-devops-emulator/index";
import { EMULATOR_URL } from "./settings";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${EMULATOR_URL}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.ok, `emulator control ${method} ${path}: ${response.status} ${text.slice(0, 300)}`).toBe(true);
  return (text ? JSON.parse(text) : undefined) as T;
}

let deploymentsCache: DeploymentInfo[] | undefined;

/** Every emulated deployment (Services first), with its listener URL and hosts. */
export async function emulatorDeployments(): Promise<DeploymentInfo[]> {
  deploymentsCache ??= (await call<{ deployments: DeploymentInfo[] }>("GET", "state")).deployments;
  return deploymentsCache;
}

/** One deployment by its fixture name (`services`, `server2022`, `serverTls`, …). */
export async function emulatorDeployment(name: string): Promise<DeploymentInfo> {
  const found = (await emulatorDeployments()).find((deployment) => deployment.name === name);
  if (!found) {
    throw new Error(`The emulator has no deployment named ${name}`);
  }
  return found;
}

/** The emulator's control API (same operations as `handle.control`). */
export const emulator = {
  call,
  /** Adds a fault; returns its id. Remove it with `removeFault` in a `finally`. */
  addFault: async (spec: FaultSpec): Promise<string> => (await call<{ id: string }>("POST", "faults", spec)).id,
  removeFault: (id: string) => call<unknown>("DELETE", `faults/${encodeURIComponent(id)}`),
  /** Requests the emulator received (secrets masked), optionally filtered. */
  requests: (filter: { since?: number; deployment?: string; path?: string; method?: string } = {}) => {
    const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== undefined).map(([key, value]) => [key, String(value)]));
    return call<{ requests: RequestLogEntry[] } | RequestLogEntry[]>("GET", `requests?${query}`).then((body) => (Array.isArray(body) ? body : body.requests));
  },
  caPem: async (): Promise<string> => {
    const response = await fetch(`${EMULATOR_URL}/_emulator/ca.pem`);
    expect(response.ok).toBe(true);
    return response.text();
  },
  setOAuthPolicy: (organization: string, enabled: boolean) => call<unknown>("POST", "policies/oauth", { organization, enabled }),
  advanceClock: (seconds: number) => call<unknown>("POST", "clock/advance", { seconds }),
  setTokenLifetime: (seconds: number) => call<unknown>("POST", "tokens/lifetime", { seconds }),
  expireToken: (token: string) => call<unknown>("POST", "tokens/expire", { token }),
  revokeGrants: (userId: string, clientId?: string) => call<unknown>("POST", "grants/revoke", { userId, ...(clientId ? { clientId } : {}) }),
  createPat: (input: { userId: string; scopes: string[] | "full"; organizations: string[] | "all"; deployment?: string; expiresAt?: string; label?: string }) =>
    call<{ token: string }>("POST", "pats", input),
  /** Renames a repository in place (same id). Rename it back in a `finally`: other workers share the emulator. */
  renameRepository: (input: { organization: string; project: string; repository: string; name: string; deployment?: string }) => call<{ id: string; name: string }>("POST", "repositories/rename", input),
  push: (input: {
    organization: string;
    project: string;
    repository: string;
    branch: string;
    /** How many commits, or each one's message and the files it adds or replaces. */
    commits?: number | Array<{ message: string; files?: Array<{ path: string; content: string }> }>;
    deployment?: string;
    pusherId?: string;
    delete?: boolean;
  }) =>
    call<PushResult>("POST", "pushes", input),
  /** Refs of a repository as git has them (tip commit ids for statuses). */
  refs: (input: RepositoryInput) => call<Array<{ name: string; objectId: string; creatorId?: string }>>("GET", `refs?${new URLSearchParams(Object.entries(input).filter(([, value]) => value !== undefined) as Array<[string, string]>)}`),
  /** Opens a pull request (a missing source branch gets one commit); queues git.pullrequest.created. */
  createPullRequest: (input: CreatePullRequestControlInput) => call<PullRequestSnapshot>("POST", "pullrequests", input),
  /** Pushes to the source (`commits`) and/or changes status/title; queues git.pullrequest.updated. */
  updatePullRequest: ({ pullRequestId, ...input }: UpdatePullRequestControlInput) => call<PullRequestSnapshot>("PATCH", `pullrequests/${pullRequestId}`, input),
  /** A pull request with its iterations, statuses and threads (what Keel posted). */
  pullRequest: (organization: string, pullRequestId: number, deployment?: string) =>
    call<PullRequestSnapshot>("GET", `pullrequests/${pullRequestId}?${new URLSearchParams({ organization, ...(deployment ? { deployment } : {}) })}`),
  /** Waits until `count` delivery attempts match (filter by subscriptionId: workers share the emulator). */
  waitForDeliveries: (input: DeliveryFilter & { count?: number; timeoutMs?: number }) => call<DeliveryRecord[]>("POST", "deliveries/wait", input),
  waitForNotifications: (input: NotificationFilter & { count?: number; timeoutMs?: number }) => call<NotificationRecord[]>("POST", "notifications/wait", input),
  /** Runs every scheduled hook retry (transient or probation) now. */
  retryDeliveries: () => call<{ retried: number }>("POST", "deliveries/retry", {}),
  /** Sets a subscription's status as Azure DevOps would (e.g. disabledBySystem after failures). */
  setSubscriptionStatus: (input: { organization: string; subscriptionId: string; status: string; deployment?: string }) => call<unknown>("POST", "subscriptions/status", input),
  /** Registers an Entra app of its own for a spec (workers share the emulator: never reuse a fixture app you change). */
  registerEntraApp: (input: { name: string; tenantId: string }) =>
    call<{ clientId: string; clientSecret: string; servicePrincipal: { objectId: string; identityId: string } }>("POST", "entra/apps", input),
  addClientSecret: (clientId: string, input: { value?: string; expiresAt?: string } = {}) => call<{ id: string; value: string; expiresAt: string }>("POST", `entra/apps/${clientId}/secrets`, input),
  addCertificate: (clientId: string, certificatePem: string) => call<{ thumbprint: string }>("POST", `entra/apps/${clientId}/certificates`, { certificatePem }),
  addFederatedCredential: (clientId: string, input: { name: string; issuer: string; subject: string; audiences?: string[] }) => call<unknown>("POST", `entra/apps/${clientId}/federated-credentials`, input),
  /** Adds (or removes) a principal to an organization, with the projects it sees (default all). */
  setServicePrincipalMembership: (input: { clientId: string; organization: string; member: boolean; projects?: string[] | "all"; access?: "contributors" | "readers" }) =>
    call<unknown>("POST", "entra/service-principals/memberships", input),
};
