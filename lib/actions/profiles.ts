"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActionUser } from "@/lib/auth/guards";
import { noteUseFailure } from "@/lib/connections/health";
import { getConnection } from "@/lib/data/connections";
import { createProfile, deleteProfile, findProfileByIdempotencyKey, profileNameTaken } from "@/lib/data/profiles";
import { isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { verifyRepository } from "@/lib/repositories/branches";
import { clientForConnection, problemFromError } from "@/lib/repositories/connection-client";
import { idSchema } from "@/lib/validation/auth";
import { parseForm, type FormState, errorState } from "@/lib/validation/form";
import { createProfileFields, createProfileSchema } from "@/lib/validation/profiles";

const log = logger("actions.profiles");

/**
 * Creates a build profile for a repository of a connection (members and admins). The
 * repository is re-checked against Azure DevOps — a tampered or foreign id is refused and
 * nothing is written — and the name, project and URLs come from Azure DevOps' answer. A
 * repeated submit of the same form (its idempotency key) lands on the profile it created.
 */
export async function createProfileAction(connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionUser();
  if (!auth.ok) {
    return auth.state;
  }
  if (!idSchema.safeParse(connectionId).success) {
    return errorState("That connection does not exist in your organization.");
  }
  const parsed = parseForm(formData, createProfileSchema, { fields: createProfileFields });
  if (!parsed.ok) {
    return parsed.state;
  }
  const input = parsed.data;
  const values = { name: input.name, platform: input.platform, repositoryId: input.repositoryId, defaultBranch: input.defaultBranch ?? "" };
  const scope = { organizationId: auth.user.organizationId, userId: auth.user.id };
  const connection = await getConnection(scope.organizationId, connectionId);
  if (!connection) {
    return errorState("That connection does not exist in your organization.", {}, values);
  }
  const earlier = await findProfileByIdempotencyKey(scope.organizationId, input.idempotencyKey);
  if (earlier) {
    // The same form was submitted before (double click, back button): show what it made.
    redirect(`/profiles/${earlier.id}`);
  }
  if (await profileNameTaken(scope.organizationId, input.name)) {
    return errorState("Check the highlighted fields.", { name: [`A build profile named "${input.name}" already exists. Choose another name.`] }, values);
  }
  let profileId: string;
  try {
    const { client } = await clientForConnection(scope, connection);
    const where = connection.deploymentType === "SERVICES" ? `the organization ${connection.collection}` : `the collection ${connection.collection}`;
    const verified = await verifyRepository(client, input.repositoryId, input.defaultBranch, where);
    if (!verified.ok) {
      if (verified.field === "repositoryId") {
        log.warn({ connectionId, repositoryId: input.repositoryId, userId: auth.user.id }, "profile refused: the repository is not usable in this connection");
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
      return errorState(caught.message, caught.details?.field === "name" ? { name: [caught.message] } : {}, values);
    }
    const problem = problemFromError(caught, connection);
    await noteUseFailure(scope.organizationId, connection, problem);
    if (problem) {
      return errorState(`${problem.title}. ${problem.detail} ${problem.fix.join(" ")}`.trim(), {}, values);
    }
    log.error({ err: caught, connectionId }, "creating the build profile failed");
    return errorState("Creating the build profile failed unexpectedly. Nothing was saved; try again.", {}, values);
  }
  revalidatePath("/profiles");
  revalidatePath(`/connections/${connection.id}`);
  redirect(`/profiles/${profileId}`);
}

/** Deletes a build profile (its creator or an admin), audited. */
export async function deleteProfileAction(profileId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  const auth = await requireActionUser();
  if (!auth.ok) {
    return auth.state;
  }
  if (!idSchema.safeParse(profileId).success) {
    return errorState("That build profile does not exist in your organization.");
  }
  const parsed = parseForm(formData, z.object({}), { fields: [] });
  if (!parsed.ok) {
    return parsed.state;
  }
  let name: string;
  let connectionId: string;
  try {
    const deleted = await deleteProfile({ organizationId: auth.user.organizationId, userId: auth.user.id, isAdmin: auth.user.role === "ADMIN" }, profileId);
    name = deleted.name;
    connectionId = deleted.connectionId;
  } catch (caught) {
    if (isAppError(caught)) {
      return errorState(caught.message);
    }
    log.error({ err: caught, profileId }, "deleting the build profile failed");
    return errorState("Deleting the build profile failed unexpectedly. Try again.");
  }
  revalidatePath("/profiles");
  revalidatePath(`/connections/${connectionId}`);
  redirect(`/profiles?deleted=${encodeURIComponent(name)}`);
}
