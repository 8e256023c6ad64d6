import "server-only";
import nodemailer, { type Transporter } from "nodemailer";
import { getEnv } from "@/lib/env";

// E-mail through nodemailer over SMTP_URL (smtp:// with STARTTLS when the server offers it,
// smtps:// for implicit TLS). One pooled transport per process. The URL may carry credentials:
// it is never logged (lib/logger.ts scrubs URL user info as well).

const holder = globalThis as unknown as { __keelMailer?: { url: string; transport: Transporter } };

/** True when SMTP_URL is set: notices are e-mailed as well as shown in Keel. */
export function mailConfigured(): boolean {
  return Boolean(getEnv().SMTP_URL);
}

/** The From header: KEEL_MAIL_FROM, or Keel at the host of KEEL_PUBLIC_URL. */
export function mailFrom(): string {
  const env = getEnv();
  if (env.KEEL_MAIL_FROM) {
    return env.KEEL_MAIL_FROM;
  }
  const host = env.KEEL_PUBLIC_URL ? new URL(env.KEEL_PUBLIC_URL).hostname : "localhost";
  return `Keel <keel@${host}>`;
}

function transport(): Transporter {
  const url = getEnv().SMTP_URL;
  if (!url) {
    throw new Error("SMTP_URL is not set");
  }
  if (!holder.__keelMailer || holder.__keelMailer.url !== url) {
    holder.__keelMailer = { url, transport: nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) };
  }
  return holder.__keelMailer.transport;
}

/** Sends one plain-text e-mail; resolves with the server's message id. */
export async function sendMail(message: { to: string; subject: string; text: string; headers?: Record<string, string> }): Promise<string> {
  const info = await transport().sendMail({ from: mailFrom(), to: message.to, subject: message.subject, text: message.text, ...(message.headers ? { headers: message.headers } : {}) });
  return String(info.messageId ?? "");
}

/** Closes the transport (tests). */
export function closeMailer(): void {
  holder.__keelMailer?.transport.close();
  holder.__keelMailer = undefined;
}
