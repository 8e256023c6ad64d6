/**
 * Wire shapes of the Azure DevOps REST resources Keel reads and writes (docs/azure-devops-facts.md §1), with
 * the JSON casing of the wire. Only the fields Keel uses or that tests assert are spelled out;
 * the server may send more, and optional fields really are optional on some product versions
 * (Server 2019 has no `webUrl`, TFS has no `isDisabled`, empty repositories no `defaultBranch`).
 */

/** `{ count, value }`, the envelope of every list. */
export type AdoList<T> = { count: number; value: T[] };

/** One page of a paged list; `continuationToken` comes from the `x-ms-continuationtoken` header. */
export type Page<T> = { items: T[]; continuationToken?: string };

/** Everything up to a cap; `truncated` says the cap stopped the walk before the last page. */
export type Collected<T> = { items: T[]; truncated: boolean };

/** A `properties` entry of an Identity (`{"$type":"System.String","$value":"…"}`). */
export type IdentityProperty = { $type?: string; $value?: unknown };

/** The Identity of connectionData and of the identities API. */
export type AdoIdentity = {
  id: string;
  descriptor?: string;
  subjectDescriptor?: string;
  providerDisplayName?: string;
  customDisplayName?: string;
  isActive?: boolean;
  isContainer?: boolean;
  properties?: Record<string, IdentityProperty>;
  resourceVersion?: number;
  metaTypeId?: number;
};

/** The IdentityRef embedded in refs, statuses, subscriptions. */
export type IdentityRef = {
  id: string;
  displayName?: string;
  uniqueName?: string;
  url?: string;
  imageUrl?: string;
  descriptor?: string;
  _links?: Record<string, { href: string }>;
};

export type AccessMapping = {
  accessPoint: string;
  displayName?: string;
  moniker: string;
  serviceOwner?: string;
  virtualDirectory?: string;
};

export type LocationServiceData = {
  serviceOwner?: string;
  defaultAccessMappingMoniker?: string;
  lastChangeId?: number;
  lastChangeId64?: number;
  clientCacheFresh?: boolean;
  clientCacheTimeToLive?: number;
  /** Only with `connectOptions=1` (IncludeServices). */
  accessMappings?: AccessMapping[];
  serviceDefinitions?: unknown[];
};

/** `GET {base}/_apis/connectionData` (docs/azure-devops-facts.md §1.1). */
export type ConnectionData = {
  authenticatedUser: AdoIdentity;
  authorizedUser: AdoIdentity;
  instanceId: string;
  deploymentId: string;
  /** `hosted` (Services) or `onPremises` (Server). */
  deploymentType: "hosted" | "onPremises" | (string & {});
  lastUserAccess?: string;
  locationServiceData?: LocationServiceData;
  webApplicationRelativeDirectory?: string;
};

/** One ApiResourceLocation of `OPTIONS {base}/_apis[/{area}]` (docs/azure-devops-facts.md §4.2). */
export type ApiResourceLocation = {
  id: string;
  area: string;
  resourceName: string;
  routeTemplate: string;
  resourceVersion: number;
  minVersion: string;
  maxVersion: string;
  /** "0.0" when the resource never left preview. */
  releasedVersion: string;
};

export type ProjectState = "deleting" | "new" | "wellFormed" | "createPending" | "all" | "unchanged" | "deleted";

/** TeamProjectReference (docs/azure-devops-facts.md §1.2). */
export type TeamProjectReference = {
  id: string;
  name: string;
  description?: string;
  url?: string;
  state?: ProjectState | (string & {});
  revision?: number;
  visibility?: "private" | "public" | (string & {});
  lastUpdateTime?: string;
  abbreviation?: string;
  defaultTeamImageUrl?: string;
};

/** `GET {base}/_apis/projects/{idOrName}`. */
export type TeamProject = TeamProjectReference & {
  _links?: Record<string, { href: string }>;
  defaultTeam?: { id: string; name: string; url?: string };
  capabilities?: Record<string, Record<string, string>>;
};

/** GitRepository (docs/azure-devops-facts.md §1.3). */
export type GitRepository = {
  id: string;
  name: string;
  url: string;
  project: TeamProjectReference;
  defaultBranch?: string;
  size?: number;
  remoteUrl?: string;
  sshUrl?: string;
  webUrl?: string;
  isDisabled?: boolean;
  isInMaintenance?: boolean;
  isFork?: boolean;
  parentRepository?: { id: string; name: string; url?: string; project?: TeamProjectReference };
  validRemoteUrls?: string[];
  _links?: Record<string, { href: string }>;
};

/** GitRef (docs/azure-devops-facts.md §1.4). */
export type GitRef = {
  name: string;
  objectId: string;
  peeledObjectId?: string;
  creator?: IdentityRef;
  isLocked?: boolean;
  url?: string;
  statuses?: GitStatus[];
};

export type GitUserDate = { name: string; email: string; date: string };

/** GitCommitRef. */
export type GitCommitRef = {
  commitId: string;
  author?: GitUserDate;
  committer?: GitUserDate;
  comment?: string;
  parents?: string[];
  treeId?: string;
  url?: string;
  remoteUrl?: string;
  _links?: Record<string, { href: string }>;
};

export type GitStatusState = "notSet" | "pending" | "succeeded" | "failed" | "error" | "notApplicable";

export type GitStatusContext = { name: string; genre?: string };

/** The body of `POST …/commits/{commitId}/statuses` (docs/azure-devops-facts.md §1.5). */
export type GitStatusToCreate = {
  state: GitStatusState;
  description?: string;
  targetUrl?: string;
  context: GitStatusContext;
};

/** GitStatus as the server returns it. */
export type GitStatus = {
  id?: number;
  state: GitStatusState | (string & {});
  description?: string;
  context: GitStatusContext;
  creationDate?: string;
  updatedDate?: string;
  createdBy?: IdentityRef;
  targetUrl?: string;
  _links?: Record<string, { href: string }>;
};

/** A comment of a pull-request thread. */
export type GitPullRequestComment = { id: number; content?: string; isDeleted?: boolean; author?: IdentityRef };

/** A pull-request thread; `properties` as `{ name: { $type, $value } }`. */
export type GitPullRequestThread = {
  id: number;
  status?: string;
  comments: GitPullRequestComment[];
  properties?: Record<string, { $type?: string; $value?: unknown }>;
  isDeleted?: boolean;
};

/** The body of `POST {base}/_apis/hooks/subscriptions` (docs/azure-devops-facts.md §1.6). */
export type HookSubscriptionToCreate = {
  publisherId: string;
  eventType: string;
  resourceVersion: string;
  consumerId: string;
  consumerActionId: string;
  publisherInputs: Record<string, string>;
  consumerInputs: Record<string, string>;
};

/** A service-hook subscription as the server returns it. */
export type HookSubscription = HookSubscriptionToCreate & {
  id: string;
  url?: string;
  status?: string;
  eventDescription?: string;
  actionDescription?: string;
  createdBy?: IdentityRef;
  createdDate?: string;
  modifiedBy?: IdentityRef;
  modifiedDate?: string;
  _links?: Record<string, { href: string }>;
};

/** A pull request as the pull-request list and get calls return it (the fields Keel reads). */
export type GitPullRequest = {
  pullRequestId: number;
  status?: string;
  title?: string;
  sourceRefName: string;
  targetRefName: string;
  isDraft?: boolean;
  /** The fork the source branch is in, for a pull request from a fork. */
  forkSource?: { name?: string; repository?: { id: string; name?: string } };
  mergeStatus?: string;
  lastMergeSourceCommit?: { commitId: string };
  lastMergeTargetCommit?: { commitId: string };
  lastMergeCommit?: { commitId: string };
  repository?: { id: string; name?: string; project?: { id: string; name?: string } };
};

/** What `…/diffs/commits` answers: the changes between two commits (a page of them). */
export type GitCommitDiffs = { allChangesIncluded?: boolean; changes: Array<{ changeType?: string; item?: { path?: string; isFolder?: boolean } }>; commonCommit?: string };

/** One iteration of a pull request (`…/pullRequests/{id}/iterations`). */
export type GitPullRequestIteration = { id: number; sourceRefCommit?: { commitId: string }; createdDate?: string };

/** A service-hook notification from a subscription's history (`…/hooks/subscriptions/{id}/notifications`). */
export type HookNotification = {
  id: number;
  subscriptionId: string;
  eventId?: string;
  eventType?: string;
  status?: string;
  result?: string;
  createdDate?: string;
  /** With details: the event as it was (or would have been) delivered. */
  details?: { event?: unknown };
};

/** A notification subscription (only listed, to prove `vso.notification`). */
export type NotificationSubscription = {
  id: string;
  description?: string;
  status?: string;
  subscriber?: IdentityRef;
  url?: string;
};

/** `GET /_apis/profile/profiles/me?details=true` on the profile host (docs/azure-devops-facts.md §1.7). */
export type Profile = {
  id: string;
  displayName?: string;
  publicAlias?: string;
  emailAddress?: string;
  coreRevision?: number;
  timeStamp?: string;
  revision?: number;
};

/** `GET /_apis/accounts?memberId=…` (docs/azure-devops-facts.md §1.8). */
export type Account = {
  accountId: string;
  accountName: string;
  accountUri?: string;
  accountOwner?: string;
  accountStatus?: string;
  accountType?: string;
  organizationName?: string;
  properties?: Record<string, unknown>;
};
