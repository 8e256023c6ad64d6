import DownloadIcon from "lucide-react/icons/download";
import Link from "next/link";
import type { ArtifactsKept, ArtifactView } from "@/lib/data/artifacts";
import { appIdentity, certificateWords, signingWords } from "@/lib/shared/app-info";
import { formatDay } from "@/lib/shared/dates";
import { matchSizes, sizeChange } from "@/lib/shared/artifact-sizes";
import { formatSize, shortBranchName } from "@/lib/shared/names";
import { ARTIFACTS_VARIABLE } from "@/lib/shared/workflow";

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** What a build's files are compared with: the last successful build of its line and its files (lib/shared/artifact-sizes.ts). */
export type ArtifactBaseline = { build: { id: string; number: number }; files: Array<{ path: string; size: number }> };

/**
 * Download links of a build's artifacts, each with its size (the build page, the profile's latest
 * app) and, given a `baseline`, how it changed since that build.
 */
export function ArtifactLinks({ buildId, artifacts, label, baseline = null }: { buildId: string; artifacts: ArtifactView[]; label: string; baseline?: ArtifactBaseline | null }) {
  const compared = baseline ? matchSizes(artifacts, baseline.files) : new Map<string, { path: string; size: number }>();
  return (
    <ul className="space-y-2" aria-label={label}>
      {artifacts.map((artifact) => (
        <li key={artifact.id} className="flex items-start justify-between gap-3">
          <div className="min-w-0">
            <a
              href={`/api/builds/${buildId}/artifacts/${artifact.id}`}
              download
              className="flex items-start gap-2 font-mono text-xs break-all text-brand-700 underline"
              title={`SHA-256 ${artifact.sha256}`}
            >
              <DownloadIcon aria-hidden="true" className="mt-0.5 size-3.5 shrink-0" />
              <span>{artifact.path}</span>
            </a>
            {artifact.app ? (
              <p className="mt-0.5 pl-5.5 text-xs text-slate-600">
                {appIdentity(artifact.app)}
                {artifact.app.signing ? <span className="block">{capitalized(signingWords(artifact.app.signing, new Date()))}</span> : null}
                {artifact.app.certificate ? <span className={`block break-all ${artifact.app.certificate.debug ? "text-amber-800" : ""}`}>{capitalized(certificateWords(artifact.app.certificate))}</span> : null}
              </p>
            ) : null}
          </div>
          <span className="shrink-0 text-right text-xs text-slate-600 tabular-nums">
            {formatSize(artifact.size)}
            {baseline && compared.has(artifact.id) ? (
              <span className="block" title={`${compared.get(artifact.id)!.path} in #${baseline.build.number}: ${formatSize(compared.get(artifact.id)!.size)}`}>
                {sizeChange(compared.get(artifact.id)!.size, artifact.size)} since #{baseline.build.number}
              </span>
            ) : null}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Why a build's files outlive the retention period, in the words of the Artifacts card. */
function keptPastWords(kept: NonNullable<ArtifactsKept>): string {
  if (kept.reason === "latest") {
    return "Kept until a newer build of this profile succeeds: this is its latest successful build.";
  }
  const branch = shortBranchName(kept.branch);
  return kept.reason === "default"
    ? `Kept until a newer build of ${branch} keeps files: this is the newest successful build of the profile's default branch.`
    : `Kept while the testers' link to the newest build of ${branch} opens it: until a newer build of ${branch} keeps files.`;
}

/**
 * A build's artifacts: each file to download, how long they are kept, and — when there are
 * none — how to keep the app a build makes.
 */
export function ArtifactList({
  buildId,
  artifacts,
  keptPast,
  keptForever = false,
  retentionDays,
  final,
  workflowHref,
  baseline = null,
}: {
  buildId: string;
  artifacts: ArtifactView[];
  /** The last successful build of its line, whose files' sizes each file is compared with. */
  baseline?: ArtifactBaseline | null;
  /** Why its files outlive the retention period, if they do (lib/data/artifacts.ts, keptPastRetention). */
  keptPast: ArtifactsKept;
  /** The build is kept forever (Keep forever): its files are never deleted. */
  keptForever?: boolean;
  retentionDays: number;
  final: boolean;
  /** The workflow editor, for those who may change it. */
  workflowHref: string | null;
}) {
  if (artifacts.length === 0) {
    if (!final) {
      return <p className="text-sm text-slate-600">Files are kept when the steps have run.</p>;
    }
    return (
      <div className="space-y-2 text-sm text-slate-600">
        <p>This build kept no files.</p>
        <p>
          To keep the app a build makes, list where it is (such as <code className="font-mono text-xs">build/**/*.ipa</code>)
          {workflowHref ? (
            <>
              {" under "}
              <Link href={`${workflowHref}#artifacts`} className="text-brand-700 underline">
                Edit workflow → Artifacts
              </Link>
            </>
          ) : (
            " in the workflow (an admin edits it)"
          )}
          , or copy it into <code className="font-mono text-xs">${ARTIFACTS_VARIABLE}</code> in a step.
        </p>
      </div>
    );
  }
  const total = artifacts.reduce((sum, artifact) => sum + artifact.size, 0);
  const until = new Date(artifacts[0]!.createdAt.getTime() + retentionDays * 24 * 3_600_000);
  return (
    <div className="space-y-3 text-sm">
      <ArtifactLinks buildId={buildId} artifacts={artifacts} label="Artifacts" baseline={baseline} />
      {artifacts.length > 1 ? (
        <a href={`/api/builds/${buildId}/artifacts.zip`} download className="inline-flex items-center gap-2 text-sm font-medium text-brand-700 underline">
          <DownloadIcon aria-hidden="true" className="size-4" />
          Download all ({formatSize(total)}, one zip)
        </a>
      ) : null}
      <p className="text-xs text-slate-600">
        {artifacts.length} file{artifacts.length === 1 ? "" : "s"}, {formatSize(total)}.{" "}
        {keptForever ? "Kept forever, with the build." : keptPast ? keptPastWords(keptPast) : `Kept until ${formatDay(until)} (${retentionDays} days).`}
      </p>
    </div>
  );
}
