// Secrets the embedded default needs (session secret, encryption keyring, the
// embedded database's password), generated on first start into the data directory
// with owner-only permissions when the environment gives none.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const storedSchema = z.object({
  sessionSecret: z.string().min(32),
  encryptionKeys: z.string().min(1),
  databasePassword: z.string().min(16),
  createdAt: z.string(),
});

export type GeneratedSecrets = z.infer<typeof storedSchema>;

/** A new keyring entry: `<keyId>:<base64 of 32 random bytes>`. */
export function newKeyringEntry(now: Date = new Date()): string {
  const id = `k${now.toISOString().slice(0, 10).replace(/-/g, "")}${randomBytes(2).toString("hex")}`;
  return `${id}:${randomBytes(32).toString("base64")}`;
}

/** Loads `<dataDir>/secrets.json`, creating it (mode 0600) on first use. */
export async function loadOrCreateSecrets(dataDir: string): Promise<{ secrets: GeneratedSecrets; created: boolean }> {
  const file = path.join(dataDir, "secrets.json");
  try {
    const parsed = storedSchema.parse(JSON.parse(await readFile(file, "utf8")));
    await chmod(file, 0o600);
    return { secrets: parsed, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`${file} is unreadable or damaged; restore it from a backup (tokens sealed with its keys cannot be opened without it)`);
    }
  }
  await mkdir(dataDir, { recursive: true });
  const secrets: GeneratedSecrets = {
    sessionSecret: randomBytes(48).toString("base64url"),
    encryptionKeys: newKeyringEntry(),
    databasePassword: randomBytes(24).toString("base64url"),
    createdAt: new Date().toISOString(),
  };
  // Write-then-rename: a crash mid-write never leaves a half file that would lock
  // every sealed token away.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
  return { secrets, created: true };
}
