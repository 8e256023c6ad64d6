"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { noteUseFailure } from "@/lib/connections/health";
import { createProfile, deleteProfile, findProfileByIdempotencyKey, profileNameTaken } from "@/lib/data/profiles";
import { action } from "@/lib/entry/action";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { verifyRepository } from "@/lib/repositories/branches";
import { clientForConnection, problemFromError } from "@/lib/repositories/connection-client";
import { errorState } from "@/lib/validation/form";
import { createProfileFields, createProfileSchema } from "@/lib/validation/profiles";

const log = logger("actions.profiles");

/**
 * Creates a build profile for a repository of a connection (members and admins). The
 * repository is re-checked against Azure DevOps — a tampered or foreign id is refused and
 * nothing is written — and the name, project and URLs come from Azure DevOps' answer. A
 * repeated submit of the same form (its idempotency key) lands on the profile it created.
 */
export const createProfileAction = action(
  {
    name: "profiles.create",
    permission: "profile.create",
    target: "connection",
    form: { schema: createProfileSchema, fields: createProfileFields },
    unexpected: "Creating the build profile failed unexpectedly. Nothing was saved; try again.",
  },
  async ({ user, scope, target: connection, input }) => {
    const values = { name: input.name, platform: input.platform, repositoryId: input.repositoryId, defaultBranch: input.defaultBranch ?? "" };
    const earlier = await findProfileByIdempotencyKey(scope, input.idempotencyKey);
    if (earlier) {
      // The same form was submitted before (double click, back button): show what it made.
      redirect(`/profiles/${earlier.id}`);
    }
    if (await profileNameTaken(scope, input.name)) {
      return errorState("Check the highlighted fields.", { name: [`A build profile named "${input.name}" already exists. Choose another name.`] }, values);
    }
    let profileId: string;
    try {
      const { client } = await clientForConnection(scope, connection);
      const where = connection.deploymentType === "SERVICES" ? `the organization ${connection.collection}` : `the collection ${connection.collection}`;
      const verified = await verifyRepository(client, input.repositoryId, input.defaultBranch, where);
      if (!verified.ok) {
        if (verified.field === "repositoryId") {
          log.warn({ connectionId: connection.id, repositoryId: input.repositoryId, userId: user.id }, "profile refused: the repository is not usable in this connection");
        }
        return errorState(verified.message, { [verified.field]: [verified.message] }, values);
      }
      const { repository, defaultBranch } = verified.value;
      const created = await createProfile(scope, {
        connectionId: connection.id,
        name: input.name,
        platform: input.platform,
        projectId: (repository.project?.id ?? "").toLowerCase(),
        projectName: repository.project?.name ?? "",
        repositoryId: repository.id.toLowerCase(),
        repositoryName: repository.name,
        defaultBranch,
        remoteUrl: repository.remoteUrl ?? null,
        sshUrl: repository.sshUrl ?? null,
        webUrl: repository.webUrl ?? null,
        idempotencyKey: input.idempotencyKey,
      });
      profileId = created.id;
    } catch (caught) {
      if (isAppError(caught)) {
        // Keel's own refusals (a name taken meanwhile, no usable token) say what they are.
        throw caught;
      }
      // Azure DevOps' answer (or a credential Keel cannot use) explained like the picker does,
      // and a refused credential becomes the connection's health.
      const problem = problemFromError(caught, connection);
      await noteUseFailure(scope, connection, problem);
      if (problem) {
        return errorState(`${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim(), {}, values);
      }
      throw caught;
    }
    revalidatePath("/profiles");
    revalidatePath(`/connections/${connection.id}`);
    redirect(`/profiles/${profileId}`);
  },
);

/** Deletes a build profile (its creator or an admin: the policy decides, with the profile), audited. */
export const deleteProfileAction = action(
  { name: "profiles.delete", permission: "profile.delete", target: "profile", unexpected: "Deleting the build profile failed unexpectedly. Try again." },
  async ({ scope, target: profile }) => {
    const deleted = await deleteProfile(scope, profile.id);
    revalidatePath("/profiles");
    revalidatePath(`/connections/${deleted.connectionId}`);
    // The id, not the name: the page reads the name from the audit event, so nobody can make
    // it say "Deleted …" with words of their own.
    redirect(`/profiles?deleted=${profile.id}`);
  },
);
