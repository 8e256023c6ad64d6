import { z } from "zod";
import { searchParam } from "@/lib/validation/profiles";
import { json, route } from "@/lib/entry/route";
import { clientForConnection } from "@/lib/repositories/connection-client";
import { disconnectedProfile, upstreamFailure } from "@/lib/repositories/route-helpers";
import type { TagListDto } from "@/lib/shared/repository-dto";

const querySchema = z.strictObject({
  q: searchParam,
});

/**
 * The profile repository's tags (up to 100, newest versions first), live from Azure DevOps and
 * searched by `q` (contained in the name): what "Start build" offers when someone builds a tag.
 */
export const GET = route({ name: "api.profiles.tags", permission: "profile.read", target: "profile", query: querySchema }, async ({ scope, target: profile, query }) => {
  const connection = profile.connection;
  if (!connection) {
    return disconnectedProfile(profile);
  }
  try {
    const { client } = await clientForConnection(scope, connection);
    const page = await client.listRefsPage(profile.projectId, profile.repositoryId, { filter: "tags/", ...(query.q ? { filterContains: query.q } : {}), top: 100 });
    const names = page.items.map((ref) => ref.name.replace(/^refs\/tags\//, ""));
    // Azure DevOps answers in name order; people look for the latest release, so version order, newest first.
    const body: TagListDto = { items: names.sort((a, b) => b.localeCompare(a, "en", { numeric: true })).map((name) => ({ name })) };
    return json(body);
  } catch (error) {
    return upstreamFailure(scope, error, connection, "Listing the tags");
  }
});
