"use client";

import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { stripAnsi } from "@/lib/shared/ansi";
import { LOG_SEARCH_LIMIT, type LogSearchDto } from "@/lib/shared/builds";

type SearchState = { kind: "idle" } | { kind: "pending" } | { kind: "done"; query: string; result: LogSearchDto } | { kind: "error"; message: string };

/**
 * "Find in the log": searches the build's whole stored log on the server (the page holds only
 * its last 5,000 lines) and lists the matching lines; choosing one scrolls the log to it when the
 * page has it, and says where to find it (the download) when it does not.
 */
export function LogSearch({ buildId, onJump }: { buildId: string; onJump: (seq: number) => boolean }) {
  const [query, setQuery] = useState("");
  const [state, setState] = useState<SearchState>({ kind: "idle" });
  const [note, setNote] = useState<string | null>(null);

  async function find(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (query.trim() === "") {
      setState({ kind: "error", message: "Type what to find in the log." });
      return;
    }
    setState({ kind: "pending" });
    setNote(null);
    try {
      const response = await fetch(`/api/builds/${buildId}/log/search?q=${encodeURIComponent(query)}`, { headers: { accept: "application/json" } });
      const body = (await response.json().catch(() => null)) as (LogSearchDto & { error?: { message?: string } }) | null;
      if (!response.ok || !body || body.error) {
        setState({ kind: "error", message: body?.error?.message ?? `Searching the log failed (${response.status}). Try again.` });
        return;
      }
      setState({ kind: "done", query, result: body });
    } catch {
      setState({ kind: "error", message: "Keel did not answer: check your connection and try again." });
    }
  }

  const jump = (seq: number) => {
    setNote(onJump(seq) ? null : `Line ${(seq + 1).toLocaleString("en")} is before the lines shown on this page: Download log has it.`);
  };

  return (
    <div className="space-y-2 px-5 pt-3">
      <form role="search" aria-label="Find in the log" onSubmit={find} className="flex flex-wrap items-center gap-2">
        <label htmlFor={`log-search-${buildId}`} className="text-sm text-slate-700">
          Find in the log
        </label>
        <input
          id={`log-search-${buildId}`}
          type="search"
          value={query}
          maxLength={200}
          spellCheck={false}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="error:, FAILURE, BUILD FAILED…"
          className="w-64 rounded-md border border-slate-300 px-2 py-1 font-mono text-xs focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
        />
        <Button type="submit" variant="secondary" size="sm" pending={state.kind === "pending"} pendingLabel="Finding…">
          Find
        </Button>
        {state.kind === "done" || state.kind === "error" ? (
          <Button
            type="button"
            variant="ghost"
            size="sm"
            onClick={() => {
              setState({ kind: "idle" });
              setNote(null);
            }}
          >
            Close
          </Button>
        ) : null}
      </form>
      <div aria-live="polite" className="text-sm">
        {state.kind === "error" ? <p className="text-red-700">{state.message}</p> : null}
        {state.kind === "done" ? (
          <p className="text-slate-700">
            {state.result.total === 0
              ? `No line of the log contains “${state.query}”.`
              : state.result.total > LOG_SEARCH_LIMIT
                ? `${state.result.total.toLocaleString("en")} lines contain “${state.query}”; the first ${LOG_SEARCH_LIMIT} are listed.`
                : `${state.result.total.toLocaleString("en")} line${state.result.total === 1 ? " contains" : "s contain"} “${state.query}”.`}
          </p>
        ) : null}
        {note ? <p className="text-slate-700">{note}</p> : null}
      </div>
      {state.kind === "done" && state.result.matches.length > 0 ? (
        <ol aria-label="Lines that match" className="max-h-48 space-y-0.5 overflow-auto rounded-md border border-slate-200 p-2 font-mono text-xs">
          {state.result.matches.map((match) => (
            <li key={match.seq} className="flex gap-3">
              <button type="button" onClick={() => jump(match.seq)} className="shrink-0 text-brand-700 underline">
                <span className="sr-only">Go to line </span>
                {match.seq + 1}
              </button>
              <span className="min-w-0 whitespace-pre-wrap text-slate-900 [overflow-wrap:anywhere]">{stripAnsi(match.text)}</span>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
