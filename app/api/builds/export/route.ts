import { csvDownload } from "@/lib/audit/csv";
import { buildFilterOf, exportBuilds, type BuildCursor } from "@/lib/data/builds";
import { route } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { BUILD_EXPORT_MAX, buildStatusLabel, buildTriggerLabel } from "@/lib/shared/builds";
import { formatDay } from "@/lib/shared/dates";
import { shortBranchName } from "@/lib/shared/names";
import { buildExportQuerySchema } from "@/lib/validation/builds";

const BATCH = 1_000;

/** Whole seconds between two instants, or "" when one is missing (a build that never started or still runs). */
function seconds(from: Date | null, to: Date | null): number | "" {
  return from && to ? Math.max(0, Math.round((to.getTime() - from.getTime()) / 1_000)) : "";
}

/**
 * The builds list as CSV (everyone who reads builds), with the page's filters and a day range:
 * build minutes per profile and month for whoever pays for the Macs, wait times for whoever sizes
 * the pools (lib/builds/README.md, "Exporting builds"). Streamed in keyset batches; cells are
 * neutralised against formula injection (lib/audit/csv.ts) — commit messages are anyone's text.
 */
export const GET = route({ name: "api.builds.export", permission: "build.read", query: buildExportQuerySchema }, async ({ scope, user, query }) => {
  const filter = buildFilterOf(query, user);
  const origin = publicUrlOf(getEnv());
  const header = [
    "Profile", "Build", "Status", "Trigger", "Started by", "Branch", "Tag", "Pull request", "Commit", "Commit message", "Commit author", "Build pool",
    "Queued at (UTC)", "Started at (UTC)", "Finished at (UTC)", "Wait (s)", "Duration (s)", "Worker lost", "Started again from", "Reason", "Link",
  ];
  return csvDownload(`keel-builds-${formatDay(new Date())}.csv`, header, async function* () {
    let cursor: BuildCursor | null = null;
    let written = 0;
    do {
      const batch: Awaited<ReturnType<typeof exportBuilds>> = await exportBuilds(scope, filter, cursor, Math.min(BATCH, BUILD_EXPORT_MAX - written));
      for (const build of batch.rows) {
        yield [
          build.profile.name, build.number, buildStatusLabel(build.status), buildTriggerLabel(build.trigger), build.requestedBy?.name ?? "",
          build.branch ? shortBranchName(build.branch) : "", build.tag ?? "", build.pullRequestId ?? "", build.commitId, build.commitMessage ?? "", build.commitAuthor ?? "", build.pool,
          build.queuedAt, build.startedAt ?? "", build.finishedAt ?? "", seconds(build.queuedAt, build.startedAt), seconds(build.startedAt, build.finishedAt),
          build.workerLostAt ? "yes" : "", build.retryOf ? build.retryOf.number : "", build.statusReason ?? "", `${origin}/builds/${build.id}`,
        ];
      }
      written += batch.rows.length;
      cursor = batch.next;
    } while (cursor && written < BUILD_EXPORT_MAX);
  });
});
