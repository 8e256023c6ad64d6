import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import { guidFrom, randomGuid } from "./ids.js";
import type { DeploymentRuntime } from "./http.js";
import { identityRefOf } from "./identities.js";
import type { FixtureUser } from "./model.js";
import { maskHeaders } from "./request-log.js";
import { defaultBranchRef, type CommitRecord, type HostRecord, type RepoRecord, type Store, type SubscriptionRecord } from "./store.js";
import { primaryUrls, projectUrl, repoApiUrl, repoRemoteUrl, repoWebUrl, type HostUrls } from "./urls.js";

/** One attempt to deliver a service-hook event to a consumer URL. */
export type DeliveryRecord = {
  id: number;
  deployment: string;
  host: string;
  subscriptionId: string;
  notificationId: number;
  eventId: string;
  eventType: string;
  url: string;
  /** Headers sent, secrets masked. */
  requestHeaders: Record<string, string>;
  payload: unknown;
  status?: number;
  error?: string;
  time: string;
};

export type PushEvent = {
  deployment: DeploymentRuntime;
  host: HostRecord;
  repo: RepoRecord;
  pusher: FixtureUser;
  pushId: number;
  refUpdates: Array<{ name: string; oldObjectId: string; newObjectId: string }>;
  commits: CommitRecord[];
  date: string;
};

/** Parses the webHooks consumer's `httpHeaders` input: "Key:value" one per line (docs/azure-devops-facts.md §1.6). */
export function parseHttpHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (raw ?? "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.length > 0) {
      headers[name] = value;
    }
  }
  return headers;
}

/** True when a git.push subscription's publisher inputs match the push. */
function matchesPush(subscription: SubscriptionRecord, event: PushEvent): boolean {
  if (subscription.status !== "enabled" || subscription.eventType !== "git.push") {
    return false;
  }
  const inputs = subscription.publisherInputs;
  const projectId = inputs.projectId ?? "";
  if (projectId.length > 0 && projectId.toLowerCase() !== event.repo.project.id.toLowerCase()) {
    return false;
  }
  const repository = inputs.repository ?? "";
  if (repository.length > 0 && repository.toLowerCase() !== event.repo.id.toLowerCase()) {
    return false;
  }
  const branch = (inputs.branch ?? "").replace(/^refs\/heads\//, "");
  if (branch.length > 0 && !event.refUpdates.some((update) => update.name === `refs/heads/${branch}`)) {
    return false;
  }
  const pushedBy = (inputs.pushedBy ?? "").toLowerCase();
  if (pushedBy.length > 0 && pushedBy !== event.pusher.id.toLowerCase() && pushedBy !== event.pusher.email.toLowerCase()) {
    return false;
  }
  return true;
}

/** The git.push event payload (docs/azure-devops-facts.md §1.6), with URLs in the organization's primary form. */
export function pushPayload(
  subscription: SubscriptionRecord,
  notificationId: number,
  eventId: string,
  event: PushEvent,
  createdDate: string,
): Record<string, unknown> {
  const urls: HostUrls = primaryUrls(event.deployment, event.host);
  const { repo, pusher } = event;
  const branchName = (event.refUpdates[0]?.name ?? "").replace(/^refs\/heads\//, "");
  const apiUrl = repoApiUrl(urls, repo);
  const count = event.commits.length;
  const commitLines = event.commits.map((commit) => ` - ${commit.comment} ${commit.id.slice(0, 8)}`).join("\n");
  const message = {
    text: `${pusher.displayName} pushed updates to branch ${branchName} of repository ${repo.name}.`,
    html: `${pusher.displayName} pushed updates to branch <a href="${repoWebUrl(urls, repo)}?version=GB${encodeURIComponent(branchName)}">${branchName}</a> of repository <a href="${repoWebUrl(urls, repo)}">${repo.name}</a>.`,
    markdown: `${pusher.displayName} pushed updates to branch \`${branchName}\` of repository \`${repo.name}\`.`,
  };
  const detailedMessage = {
    text: `${pusher.displayName} pushed ${count} commit${count === 1 ? "" : "s"} to branch ${branchName} of repository ${repo.name}.\n${commitLines}`,
    html: `${pusher.displayName} pushed ${count} commit${count === 1 ? "" : "s"} to branch ${branchName} of repository ${repo.name}.`,
    markdown: `${pusher.displayName} pushed ${count} commit${count === 1 ? "" : "s"} to branch \`${branchName}\` of repository \`${repo.name}\`.\n${commitLines}`,
  };
  const pushUrl = `${apiUrl}/pushes/${event.pushId}`;
  const resourceAll: Record<string, unknown> = {
    commits: event.commits.map((commit) => ({
      commitId: commit.id,
      author: commit.author,
      committer: commit.committer,
      comment: commit.comment,
      url: `${repoWebUrl(urls, repo)}/commit/${commit.id}`,
    })),
    refUpdates: event.refUpdates,
    repository: {
      id: repo.id,
      name: repo.name,
      url: apiUrl,
      project: {
        id: repo.project.id,
        name: repo.project.name,
        url: projectUrl(urls, repo.project),
        state: repo.project.state,
        visibility: repo.project.visibility,
        lastUpdateTime: repo.project.lastUpdateTime,
      },
      defaultBranch: defaultBranchRef(repo),
      remoteUrl: repoRemoteUrl(urls, repo),
    },
    pushedBy: identityRefOf(pusher, urls),
    pushId: event.pushId,
    date: event.date,
    url: pushUrl,
    _links: {
      self: { href: pushUrl },
      repository: { href: apiUrl },
      commits: { href: `${pushUrl}/commits` },
      pusher: { href: `${urls.base}/_apis/Identities/${pusher.id}` },
      refs: { href: `${apiUrl}/refs` },
    },
  };
  const inputs = subscription.consumerInputs;
  const resourceDetails = (inputs.resourceDetailsToSend ?? "all").toLowerCase();
  const messages = (inputs.messagesToSend ?? "all").toLowerCase();
  const detailed = (inputs.detailedMessagesToSend ?? "all").toLowerCase();
  const payload: Record<string, unknown> = {
    subscriptionId: subscription.id,
    notificationId,
    id: eventId,
    eventType: "git.push",
    publisherId: "tfs",
  };
  if (messages !== "none") {
    payload.message = pickMessage(message, messages);
  }
  if (detailed !== "none") {
    payload.detailedMessage = pickMessage(detailedMessage, detailed);
  }
  if (resourceDetails === "all") {
    payload.resource = resourceAll;
  } else if (resourceDetails === "minimal") {
    payload.resource = { pushId: event.pushId, url: pushUrl, repository: { id: repo.id, url: apiUrl } };
  }
  payload.resourceVersion = subscription.resourceVersion;
  const collectionId = event.deployment.kind === "services" ? guidFrom(`${event.host.id}/collection`) : event.host.id;
  const accountId = event.deployment.kind === "services" ? event.host.id : event.deployment.deploymentId;
  payload.resourceContainers = {
    collection: { id: collectionId, baseUrl: `${urls.base}/` },
    account: { id: accountId, baseUrl: `${urls.base}/` },
    project: { id: repo.project.id, baseUrl: `${urls.base}/` },
  };
  payload.createdDate = createdDate;
  return payload;
}

/** Keeps the requested message formats ("all", "text", "html", "markdown"). */
function pickMessage(message: { text: string; html: string; markdown: string }, which: string): Record<string, string> {
  if (which === "text" || which === "html" || which === "markdown") {
    return { [which]: message[which] };
  }
  return message;
}

/** Sends one POST and resolves with the status code (never rejects). */
function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  acceptUntrusted: boolean,
  caPem: string,
): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ error: "invalid consumer URL" });
      return;
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const request = send(
      target,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        timeout: 20_000,
        // The emulator's own CA is trusted so hooks can target the emulator's TLS listeners.
        ...(target.protocol === "https:" ? { rejectUnauthorized: !acceptUntrusted, ca: [...rootCertificates, caPem] } : {}),
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode }));
        response.on("error", (error) => resolve({ status: response.statusCode, error: error.message }));
      },
    );
    request.on("timeout", () => {
      request.destroy(new Error("timeout"));
    });
    request.on("error", (error) => resolve({ error: error.message }));
    request.end(body);
  });
}

/** Delivers service-hook events and keeps a log of every delivery. */
export class HookDispatcher {
  private deliveries: DeliveryRecord[] = [];
  private nextId = 1;
  private readonly caPem: () => string;

  constructor(caPem: () => string) {
    this.caPem = caPem;
  }

  /** Every delivery so far (oldest first). */
  list(): DeliveryRecord[] {
    return [...this.deliveries];
  }

  /** Forgets the delivery log. */
  clear(): void {
    this.deliveries = [];
  }

  /** Delivers a push to every matching subscription of its host; resolves when all answered. */
  async dispatchPush(store: Store, event: PushEvent): Promise<DeliveryRecord[]> {
    const matching = [...event.host.subscriptions.values()].filter((subscription) => matchesPush(subscription, event));
    const createdDate = store.clock.nowIso();
    const results = await Promise.all(
      matching.map(async (subscription) => {
        const notificationId = store.nextNotificationId;
        store.nextNotificationId += 1;
        const eventId = randomGuid();
        const payload = pushPayload(subscription, notificationId, eventId, event, createdDate);
        const inputs = subscription.consumerInputs;
        const headers: Record<string, string> = {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "VSServices/19.225.34309.2 (Azure DevOps emulator)",
          ...parseHttpHeaders(inputs.httpHeaders),
        };
        const username = inputs.basicAuthUsername ?? "";
        const password = inputs.basicAuthPassword ?? "";
        if (username.length > 0 || password.length > 0) {
          headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
        }
        const url = inputs.url ?? "";
        const outcome = await post(url, JSON.stringify(payload), headers, inputs.acceptUntrustedCerts === "true", this.caPem());
        const record: DeliveryRecord = {
          id: this.nextId,
          deployment: event.deployment.name,
          host: event.host.name,
          subscriptionId: subscription.id,
          notificationId,
          eventId,
          eventType: subscription.eventType,
          url,
          requestHeaders: maskHeaders(Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]))),
          payload,
          status: outcome.status,
          error: outcome.error,
          time: createdDate,
        };
        this.nextId += 1;
        this.deliveries.push(record);
        return record;
      }),
    );
    return results;
  }
}
