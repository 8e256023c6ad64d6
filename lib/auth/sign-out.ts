import "server-only";
import { recordAudit } from "@/lib/data/audit";
import { endSession, getSessionUser } from "@/lib/data/users";
import { userScope } from "@/lib/scope";

/**
 * Ends the session a signing-out cookie names (next-auth's signOut event hands over the decoded
 * cookie): its row is deleted, so the cookie no longer works anywhere, and the sign-out is
 * audited. A cookie whose session already ended does nothing.
 */
export async function endSignedOutSession(userId: unknown, sessionId: unknown): Promise<void> {
  if (typeof userId !== "string" || typeof sessionId !== "string") {
    return;
  }
  const user = await getSessionUser(sessionId, userId);
  if (!user) {
    return;
  }
  const scope = userScope(user);
  if (await endSession(scope, sessionId)) {
    await recordAudit(scope, { action: "auth.signed_out", targetType: "user", targetId: user.id });
  }
}
