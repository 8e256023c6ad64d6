// The audit log's CSV export: RFC 4180 quoting, and formula injection neutralised. A cell a
// spreadsheet would run as a formula — one starting with = + - @ (or a tab or carriage return,
// which some spreadsheets strip before looking) — gets a leading apostrophe, as OWASP's "CSV
// Injection" page recommends. Every value is scrubbed of credential-shaped text on the way out,
// although audit data never holds a secret by construction. Pure.
import { scrubSecrets } from "@/lib/logger";

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: neutralised, scrubbed, quoted. */
export function csvCell(value: unknown): string {
  const raw = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  const scrubbed = scrubSecrets(raw);
  const safe = FORMULA_START.test(scrubbed) ? `'${scrubbed}` : scrubbed;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One CSV line (CRLF-terminated, as RFC 4180 writes them). */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
