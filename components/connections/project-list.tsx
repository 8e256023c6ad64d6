import type { CheckSummary } from "@/lib/connections/summary";
import { formatTime } from "@/lib/shared/dates";

/**
 * The projects a connection's token could see at its last check (count and the first ones,
 * from the stored check summary: showing them costs no call to Azure DevOps).
 */
export function ProjectList({ projects, checkedAt, asOf, canCheck }: { projects: CheckSummary["projects"] | undefined; checkedAt: string | null; asOf?: string | null; canCheck: boolean }) {
  return (
    <section aria-labelledby="projects-heading" className="rounded-md border border-slate-200 bg-white p-4">
      <h2 id="projects-heading" className="text-base font-semibold text-slate-900">
        Projects
      </h2>
      {projects === undefined ? (
        <p className="mt-2 text-sm text-slate-600">
          {canCheck ? "No project list yet. Run “Check now”: Keel lists the projects this connection can see." : "No project list yet. An admin can run a check to list the projects."}
        </p>
      ) : projects.count === 0 ? (
        <p className="mt-2 text-sm text-slate-600">The token sees no projects. Give its user access to a project in Azure DevOps, then run the check again.</p>
      ) : (
        <>
          <p className="mt-1 text-sm text-slate-600">
            {projects.count}
            {projects.countIsLowerBound ? " or more" : ""} project{projects.count === 1 && !projects.countIsLowerBound ? "" : "s"} visible to this connection
            {asOf
              ? ` when it last worked (${formatTime(new Date(asOf))}); the last check could not list them, so this is the last-known list`
              : checkedAt
                ? ` at the last check (${formatTime(new Date(checkedAt))})`
                : ""}
            .
          </p>
          <ul className="mt-3 divide-y divide-slate-100 text-sm">
            {projects.first.map((name) => (
              <li key={name} className="py-1.5 text-slate-900">
                {name}
              </li>
            ))}
          </ul>
          {projects.count > projects.first.length ? <p className="mt-2 text-sm text-slate-600">…and {projects.count - projects.first.length} more.</p> : null}
        </>
      )}
    </section>
  );
}
