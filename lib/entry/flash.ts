import "server-only";
import { cookies } from "next/headers";
import { FLASH_COOKIE } from "@/lib/shared/flash";

/**
 * Leaves a one-time confirmation for the page an action redirects to: the app layout's toaster
 * shows it (aria-live, focused) and deletes it. Plain text only, never a secret.
 */
export async function flash(message: string): Promise<void> {
  // Next.js percent-encodes the value itself; the toaster decodes it once.
  (await cookies()).set(FLASH_COOKIE, message.slice(0, 300), { path: "/", maxAge: 60, sameSite: "lax" });
}
