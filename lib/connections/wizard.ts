import "server-only";
import { z } from "zod";
import { requireUser } from "@/lib/auth/guards";
import { getDraft, type Draft } from "@/lib/data/connect-drafts";
import { listAdmins } from "@/lib/data/members";
import type { SessionUser } from "@/lib/data/users";

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
