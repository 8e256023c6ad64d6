import "server-only";
import { requireScope } from "@/lib/auth/guards";
import { getDraft, type Draft } from "@/lib/data/connect-drafts";
import { listAdmins } from "@/lib/data/members";
import type { SessionUser } from "@/lib/data/users";
import { can } from "@/lib/policy";
import type { Scope } from "@/lib/scope";
import { idSchema } from "@/lib/validation/auth";

export type WizardPageState =
  | { kind: "ok"; user: SessionUser; scope: Scope; draft: Draft }
  | { kind: "member"; admins: { name: string; email: string }[] }
  | { kind: "missing" };

/**
 * Loads the wizard draft for a page: for those the policy lets connect, their own live draft
 * only; the others are shown whom to ask. (Wizard actions load it as their target: lib/entry.)
 */
export async function loadWizardDraft(draftId: string): Promise<WizardPageState> {
  const { user, scope } = await requireScope();
  if (!can(scope, "connection.create")) {
    return { kind: "member", admins: await listAdmins(scope) };
  }
  if (!idSchema.safeParse(draftId).success) {
    return { kind: "missing" };
  }
  const draft = await getDraft(scope, draftId);
  return draft ? { kind: "ok", user, scope, draft } : { kind: "missing" };
}
