import "server-only";
import { z } from "zod";
import { requireActionAdmin, requireUser } from "@/lib/auth/guards";
import { getDraft, type Draft } from "@/lib/data/connect-drafts";
import { listAdmins } from "@/lib/data/members";
import type { SessionUser } from "@/lib/data/users";
import { idSchema } from "@/lib/validation/auth";
import { errorState, type ErrorState } from "@/lib/validation/form";

export type WizardPageState =
  | { kind: "ok"; user: SessionUser; draft: Draft }
  | { kind: "member"; admins: { name: string; email: string }[] }
  | { kind: "missing" };

/** Loads the wizard draft for a page: admins only, their own live draft only. */
export async function loadWizardDraft(draftId: string): Promise<WizardPageState> {
  const user = await requireUser();
  if (user.role !== "ADMIN") {
    return { kind: "member", admins: await listAdmins(user.organizationId) };
  }
  if (!z.uuid().safeParse(draftId).success) {
    return { kind: "missing" };
  }
  const draft = await getDraft({ organizationId: user.organizationId, userId: user.id }, draftId);
  return draft ? { kind: "ok", user, draft } : { kind: "missing" };
}

/** The error every wizard action answers for an unknown, expired or foreign draft. */
export const draftExpired: ErrorState = errorState("This connection setup has expired or does not exist. Start connecting again.");

export type ActionDraft = { ok: true; scope: { organizationId: string; userId: string }; draft: Draft } | { ok: false; state: ErrorState };

/** For wizard server actions: the signed-in admin's own live draft, or the error state to return. */
export async function loadActionDraft(draftId: string): Promise<ActionDraft> {
  const auth = await requireActionAdmin();
  if (!auth.ok) {
    return auth;
  }
  if (!idSchema.safeParse(draftId).success) {
    return { ok: false, state: draftExpired };
  }
  const scope = { organizationId: auth.user.organizationId, userId: auth.user.id };
  const draft = await getDraft(scope, draftId);
  return draft ? { ok: true, scope, draft } : { ok: false, state: draftExpired };
}
