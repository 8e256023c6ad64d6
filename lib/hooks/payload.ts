// The service-hook payloads Keel acts on, validated with zod (docs/azure-devops-facts.md §1.6;
// Microsoft's service-hooks event reference). Only the fields Keel reads are required; the rest
// passes through untouched into the inbox. Pure: the receiver, the processor, backfill and the
// tests use it.
import { z } from "zod";

export const HOOK_EVENT_TYPES = ["git.push", "git.pullrequest.created", "git.pullrequest.updated"] as const;
export type HookEventType = (typeof HOOK_EVENT_TYPES)[number];

/** "Pull request commented on": subscribed only where a profile lets comments start builds (`/keel build`). */
export const PR_COMMENT_EVENT = "ms.vss-code.git-pullrequest-comment-event";

/** What every delivery carries: which subscription and notification it is, and what happened. */
export const envelopeSchema = z.looseObject({
  subscriptionId: z.string().min(1).max(100),
  notificationId: z.number().int().min(0).max(2_147_483_647),
  id: z.string().max(100).optional(),
  eventType: z.string().min(1).max(200),
  publisherId: z.string().max(100).optional(),
  resource: z.unknown(),
  createdDate: z.string().max(100).optional(),
});

export type HookEnvelope = z.infer<typeof envelopeSchema>;

const objectId = z.string().regex(/^[0-9a-fA-F]{40}$/, "a 40-hex object id");
const repositorySchema = z.looseObject({ id: z.string().min(1).max(100), name: z.string().max(500).optional(), project: z.looseObject({ id: z.string().max(100).optional() }).optional() });

export const pushResourceSchema = z.looseObject({
  refUpdates: z.array(z.looseObject({ name: z.string().min(1).max(1_000), oldObjectId: objectId, newObjectId: objectId })).min(1).max(1_000),
  repository: repositorySchema,
  pushId: z.number().int().optional(),
});

export const pullRequestResourceSchema = z.looseObject({
  pullRequestId: z.number().int().min(1),
  status: z.string().max(50),
  sourceRefName: z.string().min(1).max(1_000),
  targetRefName: z.string().min(1).max(1_000),
  repository: repositorySchema,
  mergeStatus: z.string().max(50).optional(),
  isDraft: z.boolean().optional(),
  /** Present when the source branch is in a fork (lib/shared/triggers.ts, forkOf). */
  forkSource: z.looseObject({ repository: repositorySchema.optional() }).optional(),
  lastMergeSourceCommit: z.looseObject({ commitId: objectId }).optional(),
  lastMergeTargetCommit: z.looseObject({ commitId: objectId }).optional(),
  lastMergeCommit: z.looseObject({ commitId: objectId }).optional(),
});

/** A comment added (or edited) on a pull request: who wrote what, and the pull request as it is. */
export const pullRequestCommentResourceSchema = z.looseObject({
  comment: z.looseObject({
    id: z.number().int().min(0),
    content: z.string().max(200_000).optional(),
    isDeleted: z.boolean().optional(),
    commentType: z.string().max(50).optional(),
    publishedDate: z.string().max(100).optional(),
    author: z.looseObject({ id: z.string().max(100).optional(), displayName: z.string().max(500).optional(), uniqueName: z.string().max(500).optional() }),
    _links: z.looseObject({ threads: z.looseObject({ href: z.string().max(2_000) }).optional() }).optional(),
  }),
  pullRequest: pullRequestResourceSchema,
});

export type PullRequestCommentResource = z.infer<typeof pullRequestCommentResourceSchema>;

/** The comment's thread id, from its links (`…/threads/{id}`), or 0 when they do not say. */
export function commentThreadId(comment: PullRequestCommentResource["comment"]): number {
  const match = /\/threads\/(\d+)(?:\/|$)/.exec(comment._links?.threads?.href ?? "");
  return match ? Number(match[1]) : 0;
}

/**
 * What makes a comment one (its id is only unique within its thread): the thread and the id, or,
 * when the links do not name the thread, when it was first published — an edit keeps both, so an
 * edited command starts nothing more.
 */
export function commentKey(comment: PullRequestCommentResource["comment"]): string {
  const thread = commentThreadId(comment);
  return `${thread > 0 ? thread : (comment.publishedDate ?? "?")}:${comment.id}`;
}

export type PushResource = z.infer<typeof pushResourceSchema>;
export type PullRequestResource = z.infer<typeof pullRequestResourceSchema>;

export const ZERO_OBJECT_ID = "0".repeat(40);

/** Why a payload does not parse, in one line an admin understands ("resource.refUpdates: …"). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "the payload"}: ${issue.message}`)
    .join("; ");
}

/** What a delivery is about, for the log's columns (any of them may be unknown). */
export type DeliveryAbout = { repositoryId: string | null; branch: string | null; commitId: string | null; pullRequestId: number | null };

/** Reads what a (validated) envelope is about, without deciding anything. */
export function aboutEvent(envelope: HookEnvelope): DeliveryAbout {
  if (envelope.eventType === "git.push") {
    const push = pushResourceSchema.safeParse(envelope.resource);
    if (push.success) {
      const update = push.data.refUpdates[0]!;
      return { repositoryId: push.data.repository.id.toLowerCase(), branch: update.name, commitId: update.newObjectId.toLowerCase(), pullRequestId: null };
    }
  } else if (envelope.eventType === PR_COMMENT_EVENT) {
    const commented = pullRequestCommentResourceSchema.safeParse(envelope.resource);
    if (commented.success) {
      const pr = commented.data.pullRequest;
      return { repositoryId: pr.repository.id.toLowerCase(), branch: pr.targetRefName, commitId: pr.lastMergeSourceCommit?.commitId.toLowerCase() ?? null, pullRequestId: pr.pullRequestId };
    }
  } else if (envelope.eventType.startsWith("git.pullrequest.")) {
    const pr = pullRequestResourceSchema.safeParse(envelope.resource);
    if (pr.success) {
      return {
        repositoryId: pr.data.repository.id.toLowerCase(),
        branch: pr.data.targetRefName,
        commitId: pr.data.lastMergeSourceCommit?.commitId.toLowerCase() ?? null,
        pullRequestId: pr.data.pullRequestId,
      };
    }
  }
  return { repositoryId: null, branch: null, commitId: null, pullRequestId: null };
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|credential|apikey|api_key|^pat$/i;

/**
 * The payload as stored and shown: values under credential-shaped keys become "***" and
 * user:password@ in URLs loses its password. Azure DevOps puts no credential in an event, but a
 * hand-made subscription or a changed payload must not leak one into the log.
 */
export function maskPayload(value: unknown, depth = 0): unknown {
  if (depth > 40) {
    return "…";
  }
  if (typeof value === "string") {
    return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, "$1***@");
  }
  if (Array.isArray(value)) {
    return value.map((item) => maskPayload(item, depth + 1));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, SECRET_KEY.test(key) && inner !== null && inner !== "" ? "***" : maskPayload(inner, depth + 1)]),
    );
  }
  return value;
}
