import { listBranchPage } from "@/lib/repositories/branches";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { json, parseQuery, routeProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import { branchQuerySchema } from "@/lib/validation/profiles";

/** A page of the profile repository's branches, live from Azure DevOps, optionally searched. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const target = await routeProfile(id);
  if (!target.ok) {
    return target.response;
  }
  const query = parseQuery(request, branchQuerySchema);
  if (!query.ok) {
    return query.response;
  }
  const { profile, user } = target;
  try {
    const { client } = await clientForConnection({ organizationId: user.organizationId, userId: user.id }, profile.connection);
    const page = await listBranchPage(client, profile.projectId, profile.repositoryId, {
      ...(query.data.q ? { q: query.data.q } : {}),
      ...(query.data.cursor ? { cursor: query.data.cursor } : {}),
      limit: query.data.limit,
    });
    return json({ ...page, defaultBranch: profile.defaultBranch });
  } catch (error) {
    return upstreamFailure(error, profile.connection, "Listing the branches", user.organizationId);
  }
}
