import type { Metadata } from "next";
import type { ReactNode } from "react";
import QRCode from "qrcode";
import DownloadIcon from "lucide-react/icons/download";
import SmartphoneIcon from "lucide-react/icons/smartphone";
import { BuildStatusBadge } from "@/components/builds/build-status-badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { When } from "@/components/ui/when";
import { openShare } from "@/lib/data/shares";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { appLabel, installability, type AppInfo } from "@/lib/shared/app-info";
import { formatDay } from "@/lib/shared/dates";
import { normalizeUdid } from "@/lib/shared/devices";
import { formatSize, shortBranchName } from "@/lib/shared/names";
import { platformLabel } from "@/lib/shared/platforms";
import { iosInstallUrl, SHARE_KEY_SHAPE, shareArtifactPath, sharePath } from "@/lib/shared/shares";

// A shared build's page (lib/builds/README.md, "Sharing with testers"): public by design — the
// link's key is the credential — so it shows only this build's files and where they came from,
// never the organization's other data. Testers open it on a phone (the QR code) and install.

export const metadata: Metadata = { title: "Shared build", robots: { index: false, follow: false }, referrer: "no-referrer" };

function Shell({ children }: { children: ReactNode }) {
  return (
    <main id="main" tabIndex={-1} className="mx-auto max-w-2xl px-4 py-10 outline-none">
      <div className="mb-6 flex items-center gap-2 text-lg font-semibold text-slate-900">
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img src="/keel.svg" alt="" width={28} height={28} />
        Keel
      </div>
      {children}
    </main>
  );
}

/** Whether an app gets an Install button: an iOS app Keel read, not signed for the App Store or with an ended profile, on HTTPS (which iOS requires). */
function canInstall(app: AppInfo | null, https: boolean, now: Date): boolean {
  return app?.platform === "ios" && https && installability(app, now)?.can !== false;
}

/**
 * What installing a kind of file takes, for the tester reading the page. An .ipa whose app Keel
 * read installs from the page when its signing allows it (its embedded provisioning profile: not
 * for the App Store, not ended) and Keel's address is HTTPS.
 */
function installHint(path: string, app: AppInfo | null, https: boolean, now: Date): string | null {
  const who = app?.platform === "ios" ? installability(app, now) : null;
  if (who?.can === false && who.why === "store") {
    return "iPhone and iPad: this build is signed for the App Store, which installs only through TestFlight or the App Store — not from a link. Ask for an ad hoc or enterprise build to install it from here.";
  }
  if (who?.can === false) {
    return `iPhone and iPad: its provisioning profile “${app!.signing!.profile}” expired on ${formatDay(new Date(app!.signing!.expiresAt))}, so iOS refuses to install it. Ask for a build signed with a current profile.`;
  }
  if (app?.platform === "ios" && https) {
    const signing = app.signing;
    if (who?.who === "devices") {
      return `iPhone and iPad: open this page on the device and choose Install. It installs only on the ${who.devices} device${who.devices === 1 ? "" : "s"} registered in its provisioning profile “${signing!.profile}” (until ${formatDay(new Date(signing!.expiresAt))}); if yours is not one of them, register it below.`;
    }
    if (who?.who === "anyone") {
      return `iPhone and iPad: open this page on the device and choose Install. It is an in-house app${signing!.team ? ` of ${signing!.team}` : ""}: the first time, trust its developer under Settings → General → VPN & Device Management.`;
    }
    return "iPhone and iPad: open this page on the device and choose Install. It installs only on devices its provisioning profile lists (ad hoc or enterprise signing); other testers get it through TestFlight.";
  }
  if (app?.platform === "ios") {
    return "iPhone and iPad: this Keel's address is not HTTPS, and iOS installs apps only from HTTPS, so there is no Install button; ask whoever shared it, or install the download with Apple Configurator or Xcode on a device its provisioning profile lists.";
  }
  if (/\.apk$/i.test(path)) {
    return "Android: open this page on the phone, download the file and open it; Android asks you once to allow installs from your browser.";
  }
  if (/\.aab$/i.test(path)) {
    return "An Android App Bundle is for Google Play: phones do not install it directly (upload it to a Play testing track).";
  }
  if (/\.ipa$/i.test(path)) {
    return "iPhone and iPad: an .ipa installs only on devices its provisioning profile lists (ad hoc or enterprise signing), e.g. with Apple Configurator or Xcode; other testers get it through TestFlight.";
  }
  return null;
}

export default async function SharedBuildPage({ params, searchParams }: { params: Promise<{ key: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { key } = await params;
  // Back from registering: the device iOS named (a UDID, or nothing).
  const deviceParam = (await searchParams).device;
  const registered = typeof deviceParam === "string" ? normalizeUdid(deviceParam) : null;
  const shared = SHARE_KEY_SHAPE.test(key) ? await openShare(key) : null;
  if (!shared) {
    return (
      <Shell>
        <h1 className="text-2xl font-semibold text-slate-900">This link no longer works</h1>
        <p className="mt-2 text-sm text-slate-700">It ended, or whoever shared the build turned it off. Ask them for a new link.</p>
      </Shell>
    );
  }
  const { build, profile, standing } = shared;
  // The apps first: what a tester came for.
  const isApp = (path: string) => /\.(apk|aab|ipa)$/i.test(path);
  const artifacts = [...shared.artifacts].sort((a, b) => Number(isApp(b.path)) - Number(isApp(a.path)));
  const publicUrl = publicUrlOf(getEnv());
  const pageUrl = `${publicUrl}${sharePath(key)}`;
  const https = publicUrl.startsWith("https://");
  const now = new Date();
  const qr = await QRCode.toString(pageUrl, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  // An app that installs only on listed devices: testers whose device is not listed register it here.
  const listedApps = artifacts.filter((artifact) => artifact.app?.platform === "ios" && installability(artifact.app, now)?.can === true && artifact.app.signing?.devices !== null);
  const forListedDevices = https && listedApps.length > 0;

  const source = build?.tag ? `tag ${build.tag}` : build?.branch ? shortBranchName(build.branch) : null;
  return (
    <Shell>
      <h1 className="text-2xl font-semibold text-slate-900">{build ? `${profile.name} #${build.number}` : profile.name}</h1>
      {standing ? (
        <p className="mt-1 text-sm text-slate-700">
          This link always opens the newest successful build of <span className="font-mono text-xs">{shortBranchName(standing.branch)}</span>: open it again for the next one.
        </p>
      ) : null}
      {build ? (
        <>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-700">
            <BuildStatusBadge status={build.status} />
            <span>{platformLabel(profile.platform)}</span>
            {source ? <span className="font-mono text-xs">{source}</span> : null}
            <span className="font-mono text-xs">{build.commitId.slice(0, 8)}</span>
            {build.finishedAt ? (
              <span>
                built <When date={build.finishedAt} />
              </span>
            ) : null}
          </p>
          {build.commitMessage ? <p className="mt-2 text-sm text-slate-800">{build.commitMessage}</p> : null}
          {build.status !== "SUCCEEDED" ? <p className="mt-3 text-sm text-amber-800">This build did not succeed: its files may be incomplete.</p> : null}
        </>
      ) : null}

      {registered ? (
        <Alert tone="success" title="Your device is registered" className="mt-6">
          {listedApps.some((artifact) => artifact.app!.signing!.deviceIds.includes(registered)) ? (
            <p>This build&apos;s provisioning profile already lists it ({registered}): choose Install.</p>
          ) : (
            <p>
              Whoever shared this build now sees it ({registered}) in Keel. This build&apos;s provisioning profile does not list it yet: once they add it and build again, open this link again and
              install.
            </p>
          )}
          <p>If iOS kept “Register this device”, remove it under Settings → General → VPN &amp; Device Management.</p>
        </Alert>
      ) : null}
      <section aria-labelledby="files" className="mt-8">
        <h2 id="files" className="text-base font-semibold text-slate-900">
          Files
        </h2>
        {!build && standing ? (
          <p className="mt-2 text-sm text-slate-700">No build of {shortBranchName(standing.branch)} has succeeded with files yet. Open this link again after the next one.</p>
        ) : artifacts.length === 0 ? (
          <p className="mt-2 text-sm text-slate-700">The build&apos;s files were deleted after their retention period. Ask for a newer build.</p>
        ) : (
          <ul aria-label="Shared files" className="mt-3 divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
            {artifacts.map((artifact) => {
              const hint = installHint(artifact.path, artifact.app, https, now);
              const install = canInstall(artifact.app, https, now);
              return (
                <li key={artifact.id} className="flex flex-wrap items-start justify-between gap-3 px-4 py-3">
                  <div className="min-w-0">
                    {artifact.app ? <p className="text-sm font-medium text-slate-900">{appLabel(artifact.app)}</p> : null}
                    <p className="break-all font-mono text-sm text-slate-900">{artifact.path}</p>
                    <p className="text-xs text-slate-600">
                      {formatSize(artifact.size)}
                      {artifact.app?.name ? ` · ${artifact.app.bundleId}` : ""}
                    </p>
                    {hint ? <p className="mt-1 text-xs text-slate-700">{hint}</p> : null}
                  </div>
                  <div className="flex shrink-0 flex-wrap gap-2">
                    {install ? (
                      <a href={iosInstallUrl(publicUrl, key, artifact.id)} className={buttonClasses("primary", "sm")}>
                        <SmartphoneIcon className="h-4 w-4" aria-hidden="true" />
                        Install<span className="sr-only"> {appLabel(artifact.app!)} on this iPhone or iPad</span>
                      </a>
                    ) : null}
                    <a href={shareArtifactPath(key, artifact.id)} download className={buttonClasses(install ? "secondary" : "primary", "sm")}>
                      <DownloadIcon className="h-4 w-4" aria-hidden="true" />
                      Download<span className="sr-only"> {artifact.path}</span>
                    </a>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </section>

      {shared.notes ? (
        <section aria-labelledby="whats-new" className="mt-8">
          <h2 id="whats-new" className="text-base font-semibold text-slate-900">
            What&apos;s new
          </h2>
          {/* Plain text as its author wrote it (React escapes it); lines kept. */}
          <p className="mt-2 rounded-lg border border-slate-200 bg-white px-4 py-3 text-sm break-words whitespace-pre-line text-slate-800">{shared.notes}</p>
        </section>
      ) : null}

      {forListedDevices ? (
        <section aria-labelledby="register" className="mt-8">
          <h2 id="register" className="text-base font-semibold text-slate-900">
            Not one of the listed devices?
          </h2>
          <p className="mt-1 text-sm text-slate-700">
            Open this page on your iPhone or iPad and register it: iOS downloads a profile that sends the device&apos;s identifier (UDID), model and version to Keel, and nothing else. Install it under
            Settings → General → VPN &amp; Device Management; whoever shared this build adds the device and builds again.
          </p>
          <form method="get" action={`/api/share/${key}/device-profile`} className="mt-3 flex flex-wrap items-end gap-3" aria-label="Register this device">
            <div className="min-w-56 flex-1">
              <TextField label="Your name" name="name" optional maxLength={60} autoComplete="name" hint="So whoever shared it knows whose device it is." />
            </div>
            <button type="submit" className={buttonClasses("secondary", "sm")}>
              Register this iPhone or iPad
            </button>
          </form>
        </section>
      ) : null}

      <section aria-labelledby="phone" className="mt-8 flex flex-wrap items-center gap-4">
        {/* Keel's own SVG from the qrcode library: paths only, no script. */}
        <div role="img" aria-label={`QR code of this page's address, ${pageUrl}`} className="h-32 w-32 shrink-0 rounded border border-slate-200 bg-white p-1" dangerouslySetInnerHTML={{ __html: qr }} />
        <div>
          <h2 id="phone" className="text-base font-semibold text-slate-900">
            Open it on your phone
          </h2>
          <p className="mt-1 text-sm text-slate-700">Scan the code with the phone&apos;s camera to open this page there.</p>
          <p className="mt-2 text-xs text-slate-600">
            This link works until <When date={shared.expiresAt} />. Anyone who has it can download these files.
          </p>
        </div>
      </section>
    </Shell>
  );
}
