import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { BuildNumberForm } from "@/components/builds/build-number-form";
import { CacheList } from "@/components/builds/cache-list";
import { SecretFiles } from "@/components/builds/secret-files";
import { WorkflowEditor } from "@/components/builds/workflow-editor";
import { stepLibrary } from "@/lib/shared/step-library";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { clearCachesAction, secretRefsAction, setBuildNumberAction, updateWorkflowAction } from "@/lib/actions/builds";
import { SecretRefsForm } from "@/components/builds/secret-refs-form";
import { describeSecretRefs } from "@/lib/shared/secret-refs";
import { removeSecretFileAction, saveSecretFileAction } from "@/lib/actions/secret-files";
import { requireScope } from "@/lib/auth/guards";
import { getProfileWorkflow } from "@/lib/data/builds";
import { isolatedWorkers, summarizeWorkers } from "@/lib/data/jobs";
import { getEnv } from "@/lib/env";
import { listCaches } from "@/lib/data/caches";
import { listSecretFiles } from "@/lib/data/secret-files";
import { listVariableGroups } from "@/lib/data/variable-groups";
import { formatTime } from "@/lib/shared/dates";
import { formatSize } from "@/lib/shared/names";
import { profileAppMatch, signingDetails, signingExpiry, signingExpiryWords, signingFingerprints, signingState, signingTitle, type SigningFacts } from "@/lib/shared/signing-files";
import { latestSuccessfulArtifacts } from "@/lib/data/artifacts";
import { ARTIFACT_EXAMPLES, CACHE_EXAMPLES, cacheScopeWords, defaultWorkflowHint, defaultWorkflowSteps } from "@/lib/shared/workflow";
import { idSchema } from "@/lib/validation/auth";
import { platformLabel } from "@/lib/shared/platforms";

export const metadata: Metadata = { title: "Workflow" };

/** A signing file's words for its row (null: not a signing file, or not read yet); `bundleIds`: the newest build's iOS apps, to check a provisioning profile against. */
function signingAbout(facts: SigningFacts | null, now: Date, bundleIds: string[]) {
  const title = facts ? signingTitle(facts) : null;
  if (!facts || !title) {
    return null;
  }
  const expiresAt = signingExpiry(facts);
  const match = facts.kind === "provisioning-profile" ? profileAppMatch(facts.appId, bundleIds) : null;
  const note =
    facts.kind !== "provisioning-profile" || match === null || match === "app"
      ? null
      : match === "extension"
        ? { warning: false, text: `For the app extension ${facts.appId} of ${bundleIds.join(", ")}.` }
        : { warning: true, text: `It is for ${facts.appId}, not the newest build's app (${bundleIds.join(", ")}): signing that app with it fails.` };
  return { title, details: signingDetails(facts), expiry: expiresAt ? signingExpiryWords(expiresAt, now) : null, state: expiresAt ? signingState(expiresAt, now) : null, fingerprints: signingFingerprints(facts), note };
}

export default async function WorkflowPage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("workflow.update");
  const { id } = await params;
  const found = idSchema.safeParse(id).success ? await getProfileWorkflow(scope, id) : null;
  if (!found) {
    notFound();
  }
  const { profile, workflow, version } = found;
  const now = new Date();
  const [files, groups, caches, workers, latest, isolated] = await Promise.all([
    listSecretFiles(scope, profile.id),
    listVariableGroups(scope),
    listCaches(scope, profile.id),
    summarizeWorkers(3 * getEnv().KEEL_WORKER_HEARTBEAT_MS),
    latestSuccessfulArtifacts(scope, profile.id),
    isolatedWorkers(workflow.pool, 3 * getEnv().KEEL_WORKER_HEARTBEAT_MS),
  ]);
  // The newest successful build's iOS apps: what its provisioning profiles must be for.
  const bundleIds = [...new Set(latest?.artifacts.flatMap((artifact) => (artifact.app?.platform === "ios" ? [artifact.app.bundleId] : [])) ?? [])];
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Build profiles", href: "/profiles" }, { label: profile.name, href: `/profiles/${profile.id}` }, { label: "Workflow" }]}
        title={`Workflow of ${profile.name}`}
        description={
          <>
            {platformLabel(profile.platform)} · {profile.projectName} / {profile.repositoryName} ·{" "}
            <Link href={`/profiles/${profile.id}`} className="font-medium text-brand-700 underline">
              Back to the profile
            </Link>
          </>
        }
      />
      <Card>
        <WorkflowEditor
          action={updateWorkflowAction.bind(null, profile.id)}
          steps={workflow.steps}
          workflowFile={workflow.workflowFile}
          timeoutMinutes={workflow.timeoutMinutes}
          fetchSubmodules={workflow.fetchSubmodules}
          fetchLfs={workflow.fetchLfs}
          artifacts={workflow.artifacts}
          artifactExample={ARTIFACT_EXAMPLES[profile.platform] ?? ARTIFACT_EXAMPLES.OTHER!}
          library={stepLibrary(profile.platform)}
          cachePaths={workflow.cachePaths}
          cacheKeyFiles={workflow.cacheKeyFiles}
          cacheExample={CACHE_EXAMPLES[profile.platform] ?? CACHE_EXAMPLES.OTHER!}
          variables={workflow.variables}
          variableGroups={workflow.variableGroups.map((group) => group.id)}
          groups={groups.map(({ id: groupId, name, description, variables, secrets }) => ({ id: groupId, name, description, variables, secrets }))}
          pool={workflow.pool}
          oneAtATime={workflow.oneAtATime}
          retryLostBuilds={workflow.retryLostBuilds}
          livePools={workers.pools}
          version={version}
          defaults={defaultWorkflowSteps(profile.platform)}
          defaultHint={defaultWorkflowHint(profile.platform)}
        />
      </Card>
      <Card
        title="Build numbers"
        id="build-numbers"
        className="mt-6"
        description={
          <>
            The next build is <strong className="font-medium text-slate-900">#{profile.nextBuildNumber}</strong>. Its steps get the number as <code>KEEL_BUILD_NUMBER</code>: use it as the app&apos;s build number (iOS <code>CFBundleVersion</code>, Android <code>versionCode</code>). Moving from another CI? The App Store and Google Play refuse a build number that is not above the last one uploaded, so continue above it.
          </>
        }
      >
        <BuildNumberForm action={setBuildNumberAction.bind(null, profile.id)} next={profile.nextBuildNumber} />
      </Card>
      <Card
        title="Secret files"
        id="secret-files"
        className="mt-6"
        description="Files every build gets outside the repository — signing keystores, certificates, provisioning profiles, service credentials — each at the path in its variable."
      >
        <SecretFiles
          files={files.map((file) => ({
            id: file.id,
            variable: file.variable,
            fileName: file.fileName,
            size: file.size,
            sha256: file.sha256,
            updated: formatTime(file.updatedAt),
            uploadedBy: file.uploadedBy,
            signing: signingAbout(file.signing, now, bundleIds),
            removeAction: removeSecretFileAction.bind(null, profile.id, file.id),
          }))}
          saveAction={saveSecretFileAction.bind(null, profile.id)}
        />
      </Card>
      <Card
        title="Who gets the secrets"
        id="secrets-for"
        className="mt-6"
        description={
          workflow.secretRefs
            ? `Only ${describeSecretRefs(workflow.secretRefs, profile.defaultBranch)} get the secret variables (this workflow's and its variable groups') and the secret files; other builds run without them.`
            : "Every build gets the secret variables (this workflow's and its variable groups') and the secret files."
        }
      >
        <SecretRefsForm action={secretRefsAction.bind(null, profile.id)} current={workflow.secretRefs} defaultBranch={profile.defaultBranch} pool={workflow.pool} isolated={isolated} />
      </Card>
      <Card title="Saved caches" id="saved-caches" className="mt-6" description="What builds of this profile restore before their steps (see Caches in the workflow above).">
        <CacheList
          caches={caches.map((cache) => ({ id: cache.id, branch: cacheScopeWords(cache.branch), paths: cache.paths.join(", "), size: formatSize(cache.size), savedBy: `#${cache.buildNumber}`, saved: formatTime(cache.createdAt), used: formatTime(cache.lastUsedAt) }))}
          configured={workflow.cachePaths.length > 0}
          clearAction={clearCachesAction.bind(null, profile.id)}
        />
      </Card>
    </>
  );
}
