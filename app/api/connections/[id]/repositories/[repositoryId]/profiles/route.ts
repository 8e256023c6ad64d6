import { z } from "zod";
import { listProfilesOfRepository } from "@/lib/data/profiles";
import { json, route } from "@/lib/entry/route";
import { adoIdSchema } from "@/lib/validation/profiles";

/**
 * The organization's build profiles of a repository, for the create form: picking a repository
 * that already builds says so (and links to them) before a second profile is made. Profiles are
 * the organization's to read, so nothing here goes to Azure DevOps.
 */
export const GET = route(
  {
    name: "api.connections.repository-profiles",
    permission: "profile.read",
    target: "connection",
    params: z.object({ repositoryId: adoIdSchema }),
  },
  async ({ scope, params }) => json(await listProfilesOfRepository(scope, params.repositoryId)),
);
