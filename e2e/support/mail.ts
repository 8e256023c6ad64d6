// The e-mails Keel sent during the browser tests, as the mail catcher (e2e/tools/mail-catcher.ts)
// stored them. Specs run in parallel: filter by recipient or subject.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { e2eMailDir } from "./keel-env";

export type CaughtMail = { to: string[]; from: string | null; subject: string; text: string };

/** Every message caught so far, oldest first. */
export function caughtMails(): CaughtMail[] {
  const dir = e2eMailDir();
  if (!existsSync(dir)) {
    return [];
  }
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), "utf8")) as CaughtMail);
}

/** The messages one address received whose subject contains `about`. */
export function mailsTo(address: string, about: string): CaughtMail[] {
  return caughtMails().filter((mail) => mail.to.includes(address) && mail.subject.includes(about));
}
