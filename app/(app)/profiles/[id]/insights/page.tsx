import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { buttonClasses } from "@/components/ui/button";
import { requireScope } from "@/lib/auth/guards";
import { branchRecoveryOf, failingTestInsights, profileInsights, type InsightsDay } from "@/lib/data/insights";
import { Badge } from "@/components/ui/badge";
import { getProfile } from "@/lib/data/profiles";
import { formatDuration, recoveryWords, weekTrendWords } from "@/lib/shared/builds";
import { shortBranchName } from "@/lib/shared/names";
import { When } from "@/components/ui/when";
import { idSchema } from "@/lib/validation/auth";

export const metadata: Metadata = { title: "Insights" };

const DAYS = 30;

/** Builds per day as stacked bars (succeeded, failed, other), drawn on the server; the table below says the same in words. */
function DayChart({ perDay }: { perDay: InsightsDay[] }) {
  const most = Math.max(1, ...perDay.map((day) => day.succeeded + day.failed + day.other));
  const width = 12;
  const gap = 4;
  const height = 96;
  const scale = (count: number) => (count / most) * height;
  return (
    <svg viewBox={`0 0 ${perDay.length * (width + gap)} ${height}`} className="h-28 w-full" preserveAspectRatio="none" aria-hidden="true">
      {perDay.map((day, index) => {
        const x = index * (width + gap);
        const ok = scale(day.succeeded);
        const bad = scale(day.failed);
        const other = scale(day.other);
        return (
          <g key={day.day}>
            <rect x={x} y={height - ok} width={width} height={ok} className="fill-emerald-500" />
            <rect x={x} y={height - ok - bad} width={width} height={bad} className="fill-red-500" />
            <rect x={x} y={height - ok - bad - other} width={width} height={other} className="fill-slate-400" />
          </g>
        );
      })}
    </svg>
  );
}

/** Successful builds' median duration per day as bars (days without one stay empty); the table says the same in words. */
function DurationChart({ perDay }: { perDay: InsightsDay[] }) {
  const longest = Math.max(1, ...perDay.map((day) => day.medianMs ?? 0));
  const width = 12;
  const gap = 4;
  const height = 64;
  return (
    <svg viewBox={`0 0 ${perDay.length * (width + gap)} ${height}`} className="h-20 w-full" preserveAspectRatio="none" aria-hidden="true">
      {perDay.map((day, index) =>
        day.medianMs === null ? null : <rect key={day.day} x={index * (width + gap)} y={height - (day.medianMs / longest) * height} width={width} height={(day.medianMs / longest) * height} className="fill-brand-600" />,
      )}
    </svg>
  );
}

/** How a profile's builds went over the last 30 days: outcomes per day, durations, waiting, and the time each step takes. */
export default async function InsightsPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("profile.read");
  const { id } = await params;
  const profile = idSchema.safeParse(id).success ? await getProfile(scope, id) : null;
  if (!profile) {
    notFound();
  }
  const [insights, failing, recovery] = await Promise.all([
    profileInsights(scope, profile.id, DAYS),
    failingTestInsights(scope, profile.id, DAYS),
    profile.defaultBranch ? branchRecoveryOf(scope, profile.id, profile.defaultBranch, DAYS) : null,
  ]);
  const branch = profile.defaultBranch ? shortBranchName(profile.defaultBranch) : null;
  const rate = insights.finished > 0 ? Math.round((insights.succeeded / insights.finished) * 100) : null;
  const slowest = Math.max(1, ...insights.steps.map((step) => step.medianMs));
  const busy = insights.perDay.filter((day) => day.succeeded + day.failed + day.other > 0);
  const trend = weekTrendWords(insights.week.thisMs, insights.week.beforeMs);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Build profiles", href: "/profiles" }, { label: profile.name, href: `/profiles/${profile.id}` }, { label: "Insights" }]}
        title={`Insights of ${profile.name}`}
        description={`How its builds went over the last ${DAYS} days (UTC), from the builds Keel keeps.`}
      />
      {insights.finished === 0 ? (
        <EmptyState
          title={`No build of this profile finished in the last ${DAYS} days`}
          action={
            <Link href={`/profiles/${profile.id}`} className={buttonClasses("primary")}>
              Start a build
            </Link>
          }
        >
          Insights count finished builds: start one on the profile&apos;s page, or turn on its triggers so pushes build by themselves.
        </EmptyState>
      ) : (
        <div className="space-y-6">
          <dl className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            {[
              { label: "Builds finished", value: insights.finished.toLocaleString("en"), detail: `${insights.failed} failed${insights.other > 0 ? `, ${insights.other} canceled or errors` : ""}` },
              { label: "Succeeded", value: rate === null ? "—" : `${rate} %`, detail: `${insights.succeeded} of ${insights.finished}` },
              { label: "A successful build takes", value: insights.medianMs === null ? "—" : formatDuration(insights.medianMs), detail: insights.p90Ms === null ? "no successful build yet" : `9 in 10 within ${formatDuration(insights.p90Ms)}` },
              { label: "Waiting for a worker", value: insights.medianWaitMs === null ? "—" : formatDuration(insights.medianWaitMs), detail: "median time in the queue" },
            ].map((item) => (
              <div key={item.label} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                <dt className="text-sm text-slate-600">{item.label}</dt>
                <dd className="mt-1 text-2xl font-semibold text-slate-900">{item.value}</dd>
                <dd className="text-xs text-slate-600">{item.detail}</dd>
              </div>
            ))}
          </dl>
          <Card title="Builds per day" description="Green succeeded, red failed or timed out, grey canceled or ended by an error; below, how long the day's successful builds took (median).">
            <DayChart perDay={insights.perDay} />
            {insights.succeeded > 0 ? (
              <div className="mt-3 border-t border-slate-100 pt-3">
                <DurationChart perDay={insights.perDay} />
                {trend ? <p className="mt-2 text-sm text-slate-700">{trend}</p> : null}
              </div>
            ) : null}
            <div className="mt-1 flex justify-between text-xs text-slate-500" aria-hidden="true">
              <span>{insights.perDay[0]!.day}</span>
              <span>{insights.perDay.at(-1)!.day}</span>
            </div>
            <details className="mt-3 text-sm">
              <summary className="cursor-pointer text-slate-700">The days with builds, as a table</summary>
              <table className="mt-2 w-full max-w-xl text-left text-sm">
                <caption className="sr-only">Builds per day</caption>
                <thead className="text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="py-1">Day</th>
                    <th scope="col" className="py-1">Succeeded</th>
                    <th scope="col" className="py-1">Failed</th>
                    <th scope="col" className="py-1">Other</th>
                    <th scope="col" className="py-1">Successful builds took</th>
                  </tr>
                </thead>
                <tbody>
                  {busy.map((day) => (
                    <tr key={day.day} className="border-t border-slate-100">
                      <th scope="row" className="py-1 font-normal">{day.day}</th>
                      <td className="py-1">{day.succeeded}</td>
                      <td className="py-1">{day.failed}</td>
                      <td className="py-1">{day.other}</td>
                      <td className="py-1">{day.medianMs === null ? "—" : formatDuration(day.medianMs)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </Card>
          {recovery && branch ? (
            <Card title={`Time ${branch} was red`} description={`While its newest build failed, nobody could ship from ${branch}: how often that happened and how long a fix took. Canceled builds and errors do not count either way.`}>
              <p className="text-sm text-slate-800">{recoveryWords(branch, recovery, DAYS)}</p>
              {recovery.redNow ? (
                <p className="mt-2 text-sm text-red-800">
                  Red now
                  {recovery.redNow.brokenBy ? (
                    <>
                      , since{" "}
                      <Link href={`/builds/${recovery.redNow.brokenBy.id}`} className="font-medium underline">
                        #{recovery.redNow.brokenBy.number}
                      </Link>{" "}
                      <When date={recovery.redNow.since} relative />
                    </>
                  ) : (
                    <>, since before the last {DAYS} days</>
                  )}
                  .
                </p>
              ) : null}
              {recovery.longest && recovery.longest.brokenBy && recovery.longest.fixedBy && recovery.fixed > 1 ? (
                <p className="mt-2 text-sm text-slate-700">
                  The longest:{" "}
                  <Link href={`/builds/${recovery.longest.brokenBy.id}`} className="font-medium text-brand-700 underline">
                    #{recovery.longest.brokenBy.number}
                  </Link>{" "}
                  broke it,{" "}
                  <Link href={`/builds/${recovery.longest.fixedBy.id}`} className="font-medium text-brand-700 underline">
                    #{recovery.longest.fixedBy.number}
                  </Link>{" "}
                  fixed it {formatDuration(recovery.longest.ms)} later.
                </p>
              ) : null}
            </Card>
          ) : null}
          <Card title="Where the time goes" description="Each step's median duration in successful builds: the longest bar is where a faster build starts.">
            {insights.steps.length === 0 ? (
              <p className="text-sm text-slate-600">{insights.succeeded === 0 ? `No successful build in the last ${DAYS} days to measure.` : "The successful builds' steps have no times to measure."}</p>
            ) : (
              <ol className="space-y-2" aria-label="Median duration of each step">
                {insights.steps.map((step) => (
                  <li key={step.index} className="grid grid-cols-[10rem_1fr_6rem] items-center gap-3 text-sm">
                    <span className="truncate text-slate-800" title={step.name}>
                      {step.name}
                      {step.retried > 0 ? <span className="block truncate text-xs text-amber-800">passed only when tried again in {step.retried} of {step.builds}</span> : null}
                    </span>
                    <span className="h-3 rounded bg-slate-100" aria-hidden="true">
                      <span className="block h-3 rounded bg-brand-600" style={{ width: `${Math.max(1, (step.medianMs / slowest) * 100)}%` }} />
                    </span>
                    <span className="text-right tabular-nums text-slate-700">{formatDuration(step.medianMs)}</span>
                  </li>
                ))}
              </ol>
            )}
          </Card>
          <Card
            title="Tests that fail most"
            description={`The cases the builds' JUnit reports failed most often, out of ${failing.builds.toLocaleString("en")} build${failing.builds === 1 ? "" : "s"} with test results. Flaky: one commit has a build that failed it and one that did not.`}
          >
            {failing.builds === 0 ? (
              <p className="text-sm text-slate-600">
                None of these builds kept a JUnit report. Add the reports to the workflow&apos;s <strong>Artifacts</strong> (such as <code>build/test-results/**/*.xml</code> or fastlane&apos;s{" "}
                <code>fastlane/test_output/*.junit</code>) to see which tests fail.
              </p>
            ) : failing.tests.length === 0 ? (
              <p className="text-sm text-slate-600">No test failed in them.</p>
            ) : (
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Tests that fail most</caption>
                <thead className="text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="py-1 pr-3">Test</th>
                    <th scope="col" className="py-1 pr-3">Failed in</th>
                    <th scope="col" className="py-1">Last failed</th>
                  </tr>
                </thead>
                <tbody>
                  {failing.tests.map((test) => (
                    <tr key={`${test.lastFailed.id}-${test.name}`} className="border-t border-slate-100 align-top">
                      <th scope="row" className="py-1.5 pr-3 font-normal">
                        <span className="font-mono text-xs break-all">{test.name}</span>
                        {test.flaky ? <> <Badge tone="warning">Flaky</Badge></> : null}
                      </th>
                      <td className="py-1.5 pr-3 tabular-nums whitespace-nowrap">
                        {test.failures} of {failing.builds}
                      </td>
                      <td className="py-1.5">
                        <Link href={`/builds/${test.lastFailed.id}`} className="font-medium text-brand-700 underline">
                          #{test.lastFailed.number}
                        </Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
