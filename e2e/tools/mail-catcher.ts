// The browser tests' mail server: a real SMTP server (the `smtp-server` package) that Keel's
// nodemailer delivers to; every message is written as JSON (envelope, subject and text decoded)
// into the e2e data directory, where specs read it (e2e/support/mail.ts). Started by
// playwright.config.ts before Keel; SIGTERM stops it.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { e2eMailDir } from "@/e2e/support/keel-env";
import { SMTP_PORT } from "@/e2e/support/settings";

/** RFC 2047 encoded words and quoted-printable, as a mail client decodes them. */
export function decodeMail(raw: string): { subject: string; text: string } {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subjectLine = /^Subject: (.*)$/m.exec(unfolded)?.[1] ?? "";
  const bytes = (text: string) => Buffer.from(text.replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), "latin1").toString("utf8");
  const subject = subjectLine.replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/gi, (_match, word: string) => bytes(word.replace(/_/g, " ")));
  const quotedPrintable = /Content-Transfer-Encoding: quoted-printable/i.test(unfolded);
  const body = rest.join("\n\n");
  return { subject, text: quotedPrintable ? bytes(body.replace(/=\r?\n/g, "")) : body };
}

function main(): void {
  const dir = e2eMailDir();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const name = `${Date.now()}-${String(count++).padStart(5, "0")}.json`;
        writeFileSync(path.join(dir, name), JSON.stringify({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null, ...decodeMail(raw) }));
        callback();
      });
    },
  });
  server.listen(SMTP_PORT, "127.0.0.1", () => process.stdout.write(`mail catcher on smtp://127.0.0.1:${SMTP_PORT}\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main();
}
