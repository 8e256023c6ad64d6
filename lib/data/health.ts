import "server-only";
import { db } from "@/lib/db";

/** Runs `SELECT 1` with a short timeout; ok=false when the database does not answer. */
export async function checkDatabase(timeoutMs = 3_000): Promise<{ ok: boolean }> {
  try {
    await Promise.race([
      db.$queryRaw`SELECT 1`,
      new Promise((_, reject) => setTimeout(() => reject(new Error("database check timed out")), timeoutMs).unref()),
    ]);
    return { ok: true };
  } catch {
    return { ok: false };
  }
}
