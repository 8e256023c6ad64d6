// Keel's CSV exports (the audit log's, the builds'): RFC 4180 quoting, and formula injection
// neutralised. A cell a spreadsheet would run as a formula — one starting with = + - @ (or a tab
// or carriage return, which some spreadsheets strip before looking) — gets a leading apostrophe,
// as OWASP's "CSV Injection" page recommends. Every value is scrubbed of credential-shaped text on
// the way out, although neither export holds a secret by construction.
import { scrubSecrets } from "@/lib/logger";
import { downloadHeaders } from "@/lib/shared/names";

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

/** Rows gathered into one chunk of a download (a few hundred), so 100,000 rows are not 100,000 writes. */
const CHUNK_CHARS = 64 * 1024;

/**
 * A CSV file as a download (the audit log's and the builds' exports): the header, then each row
 * `rows` yields. Pulled as the client reads — a slow reader holds the export to its pace, a chunk
 * ahead, and the caller reads its batches one at a time — so a large export never sits in
 * memory. A failure mid-way ends the download with an error, never a file that looks complete.
 */
export function csvDownload(filename: string, header: readonly string[], rows: () => AsyncIterable<readonly unknown[]>): Response {
  const encoder = new TextEncoder();
  let lines: AsyncIterator<readonly unknown[]> | null = null;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk = "";
      if (lines === null) {
        lines = rows()[Symbol.asyncIterator]();
        chunk = csvLine(header);
      }
      while (chunk.length < CHUNK_CHARS) {
        const next = await lines.next();
        if (next.done) {
          if (chunk) {
            controller.enqueue(encoder.encode(chunk));
          }
          controller.close();
          return;
        }
        chunk += csvLine(next.value);
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await lines?.return?.();
    },
  });
  return new Response(stream, { headers: downloadHeaders("text/csv; charset=utf-8", filename) });
}
