import type { HookEvent } from "./hooks.js";
import type { DeploymentRuntime } from "./http.js";
import { guidFrom } from "./ids.js";
import { identityRefOf } from "./identities.js";
import type { FixtureUser } from "./model.js";
import { commentJson, pullRequestJson, pullRequestUrl, type CommentRecord, type PullRequestRecord, type ThreadRecord } from "./pull-requests.js";
import { defaultBranchRef, type CommitRecord, type HostRecord, type RepoRecord, type Store, type SubscriptionRecord } from "./store.js";
import { primaryUrls, projectUrl, repoApiUrl, repoRemoteUrl, repoWebUrl, type HostUrls } from "./urls.js";

/**
 * Payloads of the events the emulator publishes (Microsoft's service-hooks event reference, learn.microsoft.com/azure/devops/service-hooks/events): git.push,
 * git.pullrequest.created, git.pullrequest.updated. URLs use the organization's primary URL
 * (new form) or the server's public URL (docs/azure-devops-facts.md §0), whatever URL the action came through.
 */

export type PushEvent = {
  deployment: DeploymentRuntime;
  host: HostRecord;
  repo: RepoRecord;
  pusher: FixtureUser;
  pushId: number;
  refUpdates: Array<{ name: string; oldObjectId: string; newObjectId: string }>;
  /** New commits, newest first. */
  commits: CommitRecord[];
  date: string;
};

/** Pull-request change kinds of git.pullrequest.updated (`notificationType` input, event reference). */
export type PullRequestChange = "PushNotification" | "ReviewersUpdateNotification" | "StatusUpdateNotification" | "ReviewerVoteNotification";

export type PullRequestEvent = {
  deployment: DeploymentRuntime;
  host: HostRecord;
  pr: PullRequestRecord;
  actor: FixtureUser;
  kind: "created" | "updated";
  change?: PullRequestChange;
  /** Commits of the push that updated the source branch, newest first. */
  commits?: CommitRecord[];
};

type Message = { text: string; html: string; markdown: string };

/** Keeps the requested message formats (`all`, `text`, `html`, `markdown`). */
function pickMessage(message: Message, which: string): Record<string, string> {
  if (which === "text" || which === "html" || which === "markdown") {
    return { [which]: message[which] };
  }
  return message;
}

/** The envelope every event shares; `resource`/`minimal` honour `resourceDetailsToSend`. */
function envelope(
  subscription: SubscriptionRecord,
  notificationId: number,
  eventId: string,
  eventType: string,
  createdDate: string,
  parts: { message: Message; detailedMessage: Message; resource: Record<string, unknown>; minimal: Record<string, unknown>; deployment: DeploymentRuntime; host: HostRecord; repo: RepoRecord; urls: HostUrls },
): Record<string, unknown> {
  const inputs = subscription.consumerInputs;
  const resourceDetails = (inputs.resourceDetailsToSend ?? "all").toLowerCase();
  const messages = (inputs.messagesToSend ?? "all").toLowerCase();
  const detailed = (inputs.detailedMessagesToSend ?? "all").toLowerCase();
  const payload: Record<string, unknown> = {
    subscriptionId: subscription.id,
    notificationId,
    id: eventId,
    eventType,
    publisherId: "tfs",
  };
  if (messages !== "none") {
    payload.message = pickMessage(parts.message, messages);
  }
  if (detailed !== "none") {
    payload.detailedMessage = pickMessage(parts.detailedMessage, detailed);
  }
  if (resourceDetails === "all") {
    payload.resource = parts.resource;
  } else if (resourceDetails === "minimal") {
    payload.resource = parts.minimal;
  }
  payload.resourceVersion = subscription.resourceVersion;
  const collectionId = parts.deployment.kind === "services" ? guidFrom(`${parts.host.id}/collection`) : parts.host.id;
  const accountId = parts.deployment.kind === "services" ? parts.host.id : parts.deployment.deploymentId;
  payload.resourceContainers = {
    collection: { id: collectionId, baseUrl: `${parts.urls.base}/` },
    account: { id: accountId, baseUrl: `${parts.urls.base}/` },
    project: { id: parts.repo.project.id, baseUrl: `${parts.urls.base}/` },
  };
  payload.createdDate = createdDate;
  return payload;
}

/** Common publisher-input filters: project and repository. */
function matchesRepository(subscription: SubscriptionRecord, repo: RepoRecord): boolean {
  const inputs = subscription.publisherInputs;
  const projectId = inputs.projectId ?? "";
  if (projectId.length > 0 && projectId.toLowerCase() !== repo.project.id.toLowerCase()) {
    return false;
  }
  const repository = inputs.repository ?? "";
  return repository.length === 0 || repository.toLowerCase() === repo.id.toLowerCase();
}

/** A user filter input (`pushedBy`, `pullrequestCreatedBy`, …): an id or a sign-in name. */
function matchesUser(filter: string | undefined, user: FixtureUser): boolean {
  const wanted = (filter ?? "").toLowerCase();
  return wanted.length === 0 || wanted === user.id.toLowerCase() || wanted === user.email.toLowerCase();
}

/** The repository object of event resources (event reference samples). */
function eventRepository(urls: HostUrls, repo: RepoRecord): Record<string, unknown> {
  return {
    id: repo.id,
    name: repo.name,
    url: repoApiUrl(urls, repo),
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
  };
}

/** The git.push event (docs/azure-devops-facts.md §1.6). */
export function pushHookEvent(event: PushEvent): HookEvent {
  const urls = primaryUrls(event.deployment, event.host);
  const { repo, pusher } = event;
  const branchName = (event.refUpdates[0]?.name ?? "").replace(/^refs\/heads\//, "");
  const apiUrl = repoApiUrl(urls, repo);
  const count = event.commits.length;
  const commitLines = event.commits.map((commit) => ` - ${commit.comment.split("\n")[0] ?? ""} ${commit.id.slice(0, 8)}`).join("\n");
  const web = repoWebUrl(urls, repo);
  const message: Message = {
    text: `${pusher.displayName} pushed updates to branch ${branchName} of repository ${repo.name}.`,
    html: `${pusher.displayName} pushed updates to branch <a href="${web}?version=GB${encodeURIComponent(branchName)}">${branchName}</a> of repository <a href="${web}">${repo.name}</a>.`,
    markdown: `${pusher.displayName} pushed updates to branch \`${branchName}\` of repository \`${repo.name}\`.`,
  };
  const summary = `${pusher.displayName} pushed ${count} commit${count === 1 ? "" : "s"} to branch`;
  const detailedMessage: Message = {
    text: `${summary} ${branchName} of repository ${repo.name}.\n${commitLines}`,
    html: `${summary} ${branchName} of repository ${repo.name}.`,
    markdown: `${summary} \`${branchName}\` of repository \`${repo.name}\`.\n${commitLines}`,
  };
  const pushUrl = `${apiUrl}/pushes/${event.pushId}`;
  const resource: Record<string, unknown> = {
    commits: event.commits.map((commit) => ({
      commitId: commit.id,
      author: commit.author,
      committer: commit.committer,
      comment: commit.comment,
      url: `${web}/commit/${commit.id}`,
    })),
    refUpdates: event.refUpdates,
    repository: eventRepository(urls, repo),
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
  return {
    deployment: event.deployment.name,
    host: event.host,
    eventType: "git.push",
    matches: (subscription) => {
      if (!matchesRepository(subscription, repo)) {
        return false;
      }
      const branch = (subscription.publisherInputs.branch ?? "").replace(/^refs\/heads\//, "");
      if (branch.length > 0 && !event.refUpdates.some((update) => update.name === `refs/heads/${branch}`)) {
        return false;
      }
      return matchesUser(subscription.publisherInputs.pushedBy, pusher);
    },
    payload: (subscription, notificationId, eventId, createdDate) =>
      envelope(subscription, notificationId, eventId, "git.push", createdDate, {
        message,
        detailedMessage,
        resource,
        minimal: { pushId: event.pushId, url: pushUrl, repository: { id: repo.id, url: apiUrl } },
        deployment: event.deployment,
        host: event.host,
        repo,
        urls,
      }),
  };
}

/** The first line of a pull-request message per change (texts partly UNVERIFIED, see README). */
function pullRequestSentence(event: PullRequestEvent): string {
  const { pr, actor } = event;
  const what = `pull request ${pr.id} (${pr.title}) in ${pr.repo.name}`;
  if (event.kind === "created") {
    return `${actor.displayName} created ${what}`;
  }
  switch (event.change) {
    case "PushNotification":
      return `${actor.displayName} updated the source branch of ${what}`;
    case "StatusUpdateNotification":
      return pr.status === "active" ? `${actor.displayName} reactivated ${what}` : `${actor.displayName} marked the pull request as ${pr.status}`;
    case "ReviewersUpdateNotification":
      return `${actor.displayName} changed the reviewer list of ${what}`;
    default:
      return `${actor.displayName} updated ${what}`;
  }
}

/** git.pullrequest.created and git.pullrequest.updated (event reference). */
export function pullRequestHookEvent(store: Store, event: PullRequestEvent): HookEvent {
  const urls = primaryUrls(event.deployment, event.host);
  const { pr } = event;
  const eventType = event.kind === "created" ? "git.pullrequest.created" : "git.pullrequest.updated";
  const sentence = pullRequestSentence(event);
  const mergeLines = pr.lastMergeCommit === undefined ? [`Merge status: ${pr.mergeStatus}`] : [`Merge status: ${pr.mergeStatus}`, `Merge commit: ${pr.lastMergeCommit.slice(0, 6)}`];
  const message: Message = { text: sentence, html: sentence, markdown: sentence };
  const detailedMessage: Message = {
    text: `${sentence}\r\n\r\n${mergeLines.map((line) => `- ${line}`).join("\r\n")}\r\n`,
    html: `${sentence}\r\n<ul>\r\n${mergeLines.map((line) => `<li>${line}</li>`).join("\r\n")}\r\n</ul>`,
    markdown: `${sentence}\r\n\r\n${mergeLines.map((line) => `+ ${line}`).join("\r\n")}\r\n`,
  };
  const resource = pullRequestJson(store, urls, pr, { links: true });
  if (event.commits !== undefined) {
    resource.commits = event.commits.map((commit) => ({ commitId: commit.id, url: `${repoApiUrl(urls, pr.repo)}/commits/${commit.id}` }));
  }
  const creator = store.user(pr.createdById);
  return {
    deployment: event.deployment.name,
    host: event.host,
    eventType,
    matches: (subscription) => {
      const inputs = subscription.publisherInputs;
      if (!matchesRepository(subscription, pr.repo)) {
        return false;
      }
      const branch = (inputs.branch ?? "").replace(/^refs\/heads\//, "");
      if (branch.length > 0 && pr.targetRefName !== `refs/heads/${branch}`) {
        return false;
      }
      if (creator && !matchesUser(inputs.pullrequestCreatedBy, creator)) {
        return false;
      }
      const reviewer = (inputs.pullrequestReviewersContains ?? "").toLowerCase();
      if (reviewer.length > 0 && !pr.reviewers.some((entry) => entry.id.toLowerCase() === reviewer || store.user(entry.id)?.email.toLowerCase() === reviewer)) {
        return false;
      }
      const type = inputs.notificationType ?? "";
      return event.kind === "created" || type.length === 0 || type === event.change;
    },
    payload: (subscription, notificationId, eventId, createdDate) =>
      envelope(subscription, notificationId, eventId, eventType, createdDate, {
        message,
        detailedMessage,
        resource,
        minimal: { pullRequestId: pr.id, url: pullRequestUrl(urls, pr), repository: { id: pr.repo.id, url: repoApiUrl(urls, pr.repo) } },
        deployment: event.deployment,
        host: event.host,
        repo: pr.repo,
        urls,
      }),
  };
}

export type PullRequestCommentEvent = {
  deployment: DeploymentRuntime;
  host: HostRecord;
  pr: PullRequestRecord;
  actor: FixtureUser;
  thread: ThreadRecord;
  comment: CommentRecord;
};

/**
 * ms.vss-code.git-pullrequest-comment-event ("Pull request commented on", event reference):
 * `resource` is `{ comment, pullRequest }`, the comment as the threads API shows it (its
 * `_links.threads` name its thread) and the pull request as the pull-request events carry it.
 */
export function pullRequestCommentHookEvent(store: Store, event: PullRequestCommentEvent): HookEvent {
  const urls = primaryUrls(event.deployment, event.host);
  const { pr, actor, thread, comment } = event;
  const eventType = "ms.vss-code.git-pullrequest-comment-event";
  const sentence = `${actor.displayName} has commented on pull request ${pr.id} (${pr.title}) in ${pr.repo.name}`;
  const message: Message = { text: sentence, html: sentence, markdown: sentence };
  const detailedMessage: Message = { text: `${sentence}\r\n${comment.content}\r\n`, html: `${sentence}<p>${comment.content}</p>`, markdown: `${sentence}\r\n${comment.content}\r\n` };
  const resource = { comment: commentJson(store, urls, pr, thread, comment), pullRequest: pullRequestJson(store, urls, pr, { links: true }) };
  return {
    deployment: event.deployment.name,
    host: event.host,
    eventType,
    matches: (subscription) => matchesRepository(subscription, pr.repo),
    payload: (subscription, notificationId, eventId, createdDate) =>
      envelope(subscription, notificationId, eventId, eventType, createdDate, {
        message,
        detailedMessage,
        resource,
        minimal: { comment: { id: comment.id }, pullRequest: { pullRequestId: pr.id, repository: { id: pr.repo.id, url: repoApiUrl(urls, pr.repo) } } },
        deployment: event.deployment,
        host: event.host,
        repo: pr.repo,
        urls,
      }),
  };
}

