"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { noteUseFailure } from "@/lib/connections/health";
import { problemViewerFor } from "@/lib/connections/service";
import { problemForViewer } from "@/lib/shared/problems";
import { isAzureDevOpsError } from "@/lib/azure-devops/errors";
import { getConnection } from "@/lib/data/connections";
import { createProfile, deleteProfile, duplicateProfile, findProfileByIdempotencyKey, profileNameTaken, rebindProfile, setProfileWatch, updateProfile } from "@/lib/data/profiles";
import { action } from "@/lib/entry/action";
import { flash } from "@/lib/entry/flash";
import { requestHookSync } from "@/lib/hooks/subscriptions";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { verifyRepository } from "@/lib/repositories/branches";
import { clientForConnection, problemFromError } from "@/lib/repositories/connection-client";
import { repositoryChanges } from "@/lib/repositories/profile-sync";
import { errorState } from "@/lib/validation/form";
import { watchWords } from "@/lib/shared/watch";
import {
  createProfileFields,
  createProfileSchema,
  duplicateProfileFields,
  duplicateProfileSchema,
  editProfileFields,
  editProfileSchema,
  rebindProfileFields,
  rebindProfileSchema,
  watchProfileSchema,
} from "@/lib/validation/profiles";

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
      // The repository's service hooks (or polling) for the profile's default triggers.
      await requestHookSync(scope, { connectionId: connection.id, projectId: (repository.project?.id ?? "").toLowerCase(), repositoryId: repository.id.toLowerCase() });
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
        // Told to this reader: a member is sent to a named admin, not asked to paste a token (lib/shared/problems.ts).
        const shown = problemForViewer(problem, await problemViewerFor(scope, connection));
        return errorState(`${shown.title}. ${shown.detail} ${shown.fix.join(" ")}`.trim(), {}, values);
      }
      throw caught;
    }
    revalidatePath("/profiles");
    revalidatePath(`/connections/${connection.id}`);
    await flash(`Created the build profile “${input.name}”.`);
    redirect(`/profiles/${profileId}`);
  },
);

/** Deletes a build profile (its creator or an admin: the policy decides, with the profile), audited. */
export const deleteProfileAction = action(
  { name: "profiles.delete", permission: "profile.delete", target: "profile", unexpected: "Deleting the build profile failed unexpectedly. Try again." },
  async ({ scope, target: profile }) => {
    const deleted = await deleteProfile(scope, profile.id);
    // The last profile of a repository takes its service hooks with it (the job decides).
    await requestHookSync(scope, { connectionId: deleted.connectionId, projectId: profile.projectId, repositoryId: profile.repositoryId });
    revalidatePath("/profiles");
    if (deleted.connectionId) {
      revalidatePath(`/connections/${deleted.connectionId}`);
    }
    // The id, not the name: the page reads the name from the audit event, so nobody can make
    // it say "Deleted …" with words of their own.
    redirect(`/profiles?deleted=${profile.id}`);
  },
);

/**
 * Re-binds a build profile to another connection that reaches the same repository (its creator
 * or an admin): after its connection was deleted, or to move it to a better connection. The
 * repository GUID is looked up through Azure DevOps with the chosen connection — a connection
 * that does not reach it is refused and nothing changes — and every other setting stays.
 */
export const rebindProfileAction = action(
  {
    name: "profiles.rebind",
    permission: "profile.rebind",
    target: "profile",
    form: { schema: rebindProfileSchema, fields: rebindProfileFields },
    unexpected: "Re-binding the build profile failed unexpectedly. Nothing changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const values = { connectionId: input.connectionId };
    const connection = await getConnection(scope, input.connectionId);
    if (!connection) {
      return errorState("Check the highlighted field.", { connectionId: ["That connection does not exist in your organization. Choose one from the list."] }, values);
    }
    if (connection.id === profile.connectionId) {
      return errorState("Check the highlighted field.", { connectionId: ["The profile already uses this connection. Choose another one."] }, values);
    }
    let changes;
    try {
      const { client } = await clientForConnection(scope, connection);
      const repository = await client.getRepositoryById(profile.repositoryId);
      if (repository.id.toLowerCase() !== profile.repositoryId.toLowerCase()) {
        return errorState("Check the highlighted field.", { connectionId: [`${connection.name} answered with another repository. Choose a connection to the organization of ${profile.repositoryName}.`] }, values);
      }
      changes = repositoryChanges(
        { projectId: profile.projectId, projectName: profile.projectName, repositoryName: profile.repositoryName, defaultBranch: profile.defaultBranch, remoteUrl: profile.remoteUrl, sshUrl: profile.sshUrl, webUrl: profile.webUrl },
        repository,
      );
    } catch (caught) {
      if (isAzureDevOpsError(caught, "not_found")) {
        return errorState(
          "Check the highlighted field.",
          { connectionId: [`${connection.name} does not reach the repository ${profile.repositoryName} (id ${profile.repositoryId}): it was deleted, or it belongs to another organization or collection. Choose another connection.`] },
          values,
        );
      }
      if (isAppError(caught)) {
        throw caught;
      }
      const problem = problemFromError(caught, connection);
      await noteUseFailure(scope, connection, problem);
      if (problem) {
        return errorState(`${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim(), { connectionId: [problem.title] }, values);
      }
      throw caught;
    }
    await rebindProfile(scope, profile.id, connection.id, changes);
    await requestHookSync(scope, { connectionId: connection.id, projectId: profile.projectId, repositoryId: profile.repositoryId });
    await requestHookSync(scope, { connectionId: profile.connectionId, projectId: profile.projectId, repositoryId: profile.repositoryId });
    revalidatePath(`/profiles/${profile.id}`);
    revalidatePath("/profiles");
    revalidatePath(`/connections/${connection.id}`);
    redirect(`/profiles/${profile.id}?rebound=1`);
  },
);

/** Edits a build profile's name, platform and default branch (its creator or an admin), audited. */
export const editProfileAction = action(
  {
    name: "profiles.edit",
    permission: "profile.update",
    target: "profile",
    form: { schema: editProfileSchema, fields: editProfileFields },
    unexpected: "Saving the build profile failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const { changed } = await updateProfile(scope, profile.id, { name: input.name, platform: input.platform, defaultBranch: input.defaultBranch ? `refs/heads/${input.defaultBranch}` : null });
    revalidatePath("/profiles");
    revalidatePath(`/profiles/${profile.id}`);
    if (profile.connectionId) {
      revalidatePath(`/connections/${profile.connectionId}`);
    }
    await flash(changed.length === 0 ? "Nothing changed." : `Saved the build profile “${input.name}”.`);
    redirect(`/profiles/${profile.id}`);
  },
);

/**
 * Copies a profile with its workflow, variables, secret files and triggers (switched to manual):
 * admins, who may see and change the secrets it carries. Opens the copy.
 */
export const duplicateProfileAction = action(
  {
    name: "profiles.duplicate",
    permission: "workflow.update",
    target: "profile",
    form: { schema: duplicateProfileSchema, fields: duplicateProfileFields },
    unexpected: "Copying the build profile failed unexpectedly. Nothing was created; try again.",
  },
  async ({ scope, target: profile, input }) => {
    const copy = await duplicateProfile(scope, profile.id, input);
    revalidatePath("/profiles");
    await flash(`Copied “${profile.name}” as “${input.name}”. Its triggers are manual until you turn them on.`);
    redirect(`/profiles/${copy.id}`);
  },
);

/**
 * Watch on a profile's page (members and admins, for themselves): its default branch's and tags'
 * failures and fixes reach them too, by notice and e-mail; and the way back.
 */
export const watchProfileAction = action(
  { name: "profiles.watch", permission: "profile.watch", target: "profile", form: { schema: watchProfileSchema, fields: ["watch"] }, unexpected: "Saving failed unexpectedly. Try again." },
  async ({ scope, target: profile, input }) => {
    await setProfileWatch(scope, profile.id, input.watch);
    revalidatePath(`/profiles/${profile.id}`);
    revalidatePath("/settings/account");
    return { status: "success", message: watchWords(input.watch) };
  },
);
