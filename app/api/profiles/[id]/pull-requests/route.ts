import { json, route } from "@/lib/entry/route";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { disconnectedProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { shortBranchName } from "@/lib/shared/names";
import type { PullRequestListDto } from "@/lib/shared/repository-dto";
import { forkOf } from "@/lib/shared/triggers";

/**
 * The profile repository's active pull requests (up to 100, newest first), live from Azure
 * DevOps: what "Start build" offers when someone builds a pull request by hand.
 */
export const GET = route({ name: "api.profiles.pullRequests", permission: "profile.read", target: "profile" }, async ({ scope, target: profile }) => {
  const connection = profile.connection;
  if (!connection) {
    return disconnectedProfile(profile);
  }
  try {
    const { client } = await clientForConnection(scope, connection);
    const pullRequests = await client.listPullRequests(profile.projectId, profile.repositoryId, { status: "active", top: 100 });
    const body: PullRequestListDto = {
      items: pullRequests
        .sort((a, b) => b.pullRequestId - a.pullRequestId)
        .map((pr) => ({ id: pr.pullRequestId, title: pr.title ?? "", sourceBranch: shortBranchName(pr.sourceRefName), targetBranch: shortBranchName(pr.targetRefName), isDraft: pr.isDraft === true, fork: forkOf(pr) })),
    };
    return json(body);
  } catch (error) {
    return upstreamFailure(scope, error, connection, "Listing the pull requests");
  }
});
