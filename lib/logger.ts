// Structured JSON logging (pino) with secrets removed twice: by key path (pino's
// redact) and by value (anything that looks like a credential, wherever it sits —
// an error message that quotes a header, a URL with a code in it).
import pino from "pino";
import { getEnv } from "@/lib/env";

const SECRET_KEYS = [
  "password",
  "passwordHash",
  "token",
  "pat",
  "secret",
  "authorization",
  "cookie",
  "set-cookie",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "client_assertion",
  "assertion",
  "code",
  "code_verifier",
  "sealed",
  "encryptionKeys",
  "sessionSecret",
];

const redactPaths = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).map((p) =>
  p.includes("-") ? p.replace(/(^|\.)([^.]*-[^.]*)$/, '$1["$2"]') : p,
);

// Credential shapes: Authorization header values, JWTs, Azure DevOps PATs (52-char
// legacy and 84-char "…AZDO…" formats), sealed values, query-string secrets. A first
// capture group, when present, is kept (the scheme or parameter name).
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\b((?:Basic|Bearer)\s+)[A-Za-z0-9+/=._~-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  /\b[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}\b/g,
  /\b[a-z2-7]{52}\b/g,
  /\bv1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+/g,
  /([?&](?:code|access_token|refresh_token|client_secret|assertion|client_assertion|token)=)[^&\s"']+/gi,
  // `password=hunter2`, `"client_secret": "…"`, `token: abc` in free text (a driver's error
  // message quoting a connection string, a form echoed into an exception): the name is kept.
  /((?:^|[^A-Za-z0-9_])["']?(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access_token|refresh_token|id_token|token|pat)["']?\s*[:=]\s*)(?!\[redacted\])("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&,;"'}\]]+)/gi,
  // postgresql://user:secret@host — the password part of a URL's user info.
  /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/gi,
  // Credentials inside a URL's user info (SMTP_URL, a database URL in an error), also a bare
  // user name (an SMTP API key): all of it, unless the pattern above already redacted the password.
  /\b((?:smtps?|postgres(?:ql)?):\/\/)(?![^@\s/]*\[redacted\]@)[^@\s/]+@/gi,
];

/** Replaces credential-shaped substrings of a string with "[redacted]". */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) {
    out = out.replace(pattern, (_match, keep: unknown) => (typeof keep === "string" ? `${keep}[redacted]` : "[redacted]"));
  }
  return out;
}

function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") {
    return scrubSecrets(value);
  }
  if (depth > 6 || value === null || typeof value !== "object") {
    return value;
  }
  if (value instanceof Error) {
    return { type: value.name, message: scrubSecrets(value.message), stack: value.stack ? scrubSecrets(value.stack) : undefined };
  }
  if (Array.isArray(value)) {
    return value.map((item) => scrubValue(item, depth + 1));
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = scrubValue(item, depth + 1);
  }
  return out;
}

let root: pino.Logger | undefined;

/** Creates the root logger; `destination` is for tests that read the output. */
export function createRootLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): pino.Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: "[redacted]" },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubValue(object) as Record<string, unknown>,
      },
      hooks: {
        // Messages are scrubbed too: an interpolated error text may quote a header.
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === "string" ? scrubSecrets(arg) : arg)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination,
  );
}

/** Sets the process-wide root logger; with `file`, lines go to stdout and are appended to the file. */
export function configureLogger(level: string, file?: string): void {
  const destination = file
    ? pino.multistream([{ stream: process.stdout }, { stream: pino.destination({ dest: file, append: true, mkdir: true, sync: true }) }])
    : undefined;
  root = createRootLogger({ level, destination });
}

function defaultLevel(): string {
  try {
    return getEnv().LOG_LEVEL;
  } catch {
    return "info";
  }
}

/** A child logger labelled with an `area.module` name. */
export function logger(label: string): pino.Logger {
  root ??= createRootLogger({ level: defaultLevel() });
  return root.child({ label });
}
