import type { Metadata } from "next";
import Link from "next/link";
import { BuildTable } from "@/components/builds/build-table";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { listBuildProfileOptions, listBuilds } from "@/lib/data/builds";
import type { BuildStatus } from "@/lib/generated/prisma/enums";
import { BUILD_STATUSES, buildStatusLabel } from "@/lib/shared/builds";
import { buildListQuerySchema } from "@/lib/validation/builds";
import { searchParamsObject } from "@/lib/validation/profiles";
import Form from "next/form";
import { SubmitButton } from "@/components/ui/submit-button";
import { redirect } from "next/navigation";

export const metadata: Metadata = { title: "Builds" };

const PAGE_SIZE = 25;

type Query = { status?: string; profile?: string; branch?: string; page: number };

function href(query: Query, change: Partial<Query>): string {
  const next = { ...query, ...change };
  const params = new URLSearchParams();
  for (const key of ["status", "profile", "branch"] as const) {
    if (next[key]) {
      params.set(key, next[key]!);
    }
  }
  if (next.page > 1) {
    params.set("page", String(next.page));
  }
  const text = params.toString();
  return text ? `/builds?${text}` : "/builds";
}

export default async function BuildsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("build.read");
  const raw = searchParamsObject(await searchParams);
  // Each filter is checked on its own: a bad one is named and ignored, the others still apply.
  const problems: string[] = [];
  const query: Query = { page: 1 };
  for (const key of ["status", "profile", "branch", "page"] as const) {
    const value = raw[key];
    if (value === undefined || value === "") {
      continue;
    }
    const parsed = buildListQuerySchema.shape[key].safeParse(Array.isArray(value) ? value[0] : value);
    if (parsed.success && parsed.data !== undefined) {
      (query as Record<string, unknown>)[key] = parsed.data;
    } else {
      // Fixed words only: nothing from the address is repeated on the page as a message.
      problems.push(key === "status" ? "The status in the address is not a build status" : key === "profile" ? "The profile in the address is not a profile id" : key === "branch" ? "The branch in the address is not a branch name" : "The page number is not valid");
    }
  }
  const unknown = Object.keys(raw).filter((key) => !["status", "profile", "branch", "page"].includes(key));
  if (unknown.length > 0) {
    problems.push(`The address had ${unknown.length === 1 ? "a parameter" : "parameters"} this page does not know`);
  }
  const [{ rows, total }, profiles] = await Promise.all([
    listBuilds(scope, { ...(query.status ? { status: query.status as BuildStatus } : {}), ...(query.profile ? { profileId: query.profile } : {}), ...(query.branch ? { branch: query.branch } : {}), page: query.page, pageSize: PAGE_SIZE }),
    listBuildProfileOptions(scope),
  ]);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (rows.length === 0 && total > 0 && query.page > pages) {
    // A page past the end (a bookmark, rows deleted since): the last page, not "nothing matches".
    redirect(href(query, { page: pages }));
  }
  const filtered = Boolean(query.status || query.profile || query.branch);
  return (
    <>
      <PageHeader title="Builds" description="Every build of your organization's profiles, newest first." />
      {problems.length > 0 ? (
        <Alert tone="warning" title="Some filters in the address were not valid and were ignored" className="mb-6">
          <ul className="ml-5 list-disc">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </Alert>
      ) : null}
      {total === 0 && !filtered ? (
        <EmptyState
          title="No builds yet"
          action={
            <Link href="/profiles" className={buttonClasses("primary")}>
              Open build profiles
            </Link>
          }
        >
          {profiles.length > 0 ? "Open a build profile and choose Start build: its builds appear here." : "Builds run for build profiles. Create a build profile from a repository first, then start its first build."}
        </EmptyState>
      ) : (
        <>
          <Form action="/builds" role="search" aria-label="Filter builds" className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <div>
              <label htmlFor="builds-status" className="block text-sm font-medium text-slate-800">
                Status
              </label>
              <select id="builds-status" name="status" defaultValue={query.status ?? ""} className="mt-1 block rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm">
                <option value="">Any status</option>
                {BUILD_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {buildStatusLabel(status)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="builds-profile" className="block text-sm font-medium text-slate-800">
                Profile
              </label>
              <select id="builds-profile" name="profile" defaultValue={query.profile ?? ""} className="mt-1 block max-w-64 rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm">
                <option value="">Every profile</option>
                {profiles.map((profile) => (
                  <option key={profile.id} value={profile.id}>
                    {profile.name}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor="builds-branch" className="block text-sm font-medium text-slate-800">
                Branch
              </label>
              <input
                id="builds-branch"
                name="branch"
                type="search"
                defaultValue={query.branch ?? ""}
                maxLength={250}
                placeholder="main"
                className="mt-1 block w-48 rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-600 focus:outline-none focus:ring-1 focus:ring-brand-600"
              />
            </div>
            <SubmitButton variant="secondary" pendingLabel="Applying…">Apply</SubmitButton>
            {filtered ? (
              <Link href="/builds" className="text-sm font-medium text-brand-700 underline">
                Clear filters
              </Link>
            ) : null}
          </Form>
          <p className="mb-2 text-sm text-slate-600" aria-live="polite">
            {total === 1 ? "1 build" : `${total.toLocaleString("en")} builds`}
            {filtered ? " match" : ""}
          </p>
          {rows.length === 0 ? (
            <EmptyState
              title="No builds match"
              action={
                <Link href="/builds" className={buttonClasses("secondary")}>
                  Clear filters
                </Link>
              }
            >
              No build matches these filters{query.page > 1 ? " on this page" : ""}.
            </EmptyState>
          ) : (
            <BuildTable rows={rows} caption="Builds" showProfile />
          )}
          {pages > 1 ? (
            <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm">
              {query.page > 1 ? (
                <Link href={href(query, { page: query.page - 1 })} className={buttonClasses("secondary")}>
                  Newer builds
                </Link>
              ) : (
                <span />
              )}
              <span className="text-slate-600">
                Page {query.page} of {pages}
              </span>
              {query.page < pages ? (
                <Link href={href(query, { page: query.page + 1 })} className={buttonClasses("secondary")}>
                  Older builds
                </Link>
              ) : (
                <span />
              )}
            </nav>
          ) : null}
        </>
      )}
    </>
  );
}
