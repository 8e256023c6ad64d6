import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { DataTable } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { requireScope } from "@/lib/auth/guards";
import { listOrganizationSigningFiles } from "@/lib/data/secret-files";
import { signingDetails, signingExpiryWords, signingState, signingTitle, SIGNING_WARNING_DAYS } from "@/lib/shared/signing-files";

export const metadata: Metadata = { title: "Signing files" };

const BADGES = { expired: { tone: "error", label: "Expired" }, expiring: { tone: "warning", label: "Expires soon" }, valid: { tone: "success", label: "Valid" } } as const;

/**
 * Settings → Signing files (admins): every provisioning profile, certificate and keystore the
 * organization's profiles hand their builds, the soonest to end first — one place to plan renewals
 * (lib/builds/README.md, "Signing files that expire").
 */
export default async function SigningFilesPage() {
  const { scope } = await requireScope("workflow.update");
  const files = await listOrganizationSigningFiles(scope);
  const now = new Date();
  const ending = files.filter((file) => file.expiresAt && signingState(file.expiresAt, now) !== "valid").length;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "Signing files" }]}
        title="Signing files"
        description={`The provisioning profiles, certificates and keystores your build profiles hand their builds, the soonest to end first. Admins hear ${SIGNING_WARNING_DAYS}, 7 and 1 days before one ends, and when it has.`}
      />
      {files.length === 0 ? (
        <EmptyState title="No signing files yet">
          Upload provisioning profiles, certificates and keystores on a build profile&apos;s workflow page (Edit workflow → Secret files): Keel reads when each ends and lists them here.
        </EmptyState>
      ) : (
        <>
          <p className="mb-4 text-sm text-slate-700" role="status">
            {ending === 0 ? `None ends within ${SIGNING_WARNING_DAYS} days.` : `${ending} of ${files.length} ha${ending === 1 ? "s" : "ve"} ended or end${ending === 1 ? "s" : ""} within ${SIGNING_WARNING_DAYS} days.`}
          </p>
          <DataTable
            caption="Signing files"
            columns={[
              { key: "file", label: "File" },
              { key: "profile", label: "Build profile" },
              { key: "ends", label: "Ends" },
            ]}
          >
            {files.map((file) => {
              const state = file.expiresAt ? signingState(file.expiresAt, now) : null;
              return (
                <tr key={file.id} className="border-t border-slate-100 align-top">
                  <td className="px-4 py-3">
                    <span className="font-medium text-slate-900">{signingTitle(file.signing)}</span>
                    {file.signing.kind !== "pkcs12" && signingDetails(file.signing) ? <span className="block text-xs text-slate-600">{signingDetails(file.signing)}</span> : null}
                    <span className="block text-xs text-slate-600">
                      <code>${file.variable}</code> · {file.fileName}
                    </span>
                  </td>
                  <td className="px-4 py-3" data-label="Build profile">
                    <Link href={`/profiles/${file.profileId}/workflow#secret-files`} className="font-medium text-brand-700 underline">
                      {file.profileName}
                    </Link>
                  </td>
                  <td className="px-4 py-3" data-label="Ends">
                    {state && file.expiresAt ? (
                      <span className="flex flex-wrap items-center gap-2">
                        <Badge tone={BADGES[state].tone}>{BADGES[state].label}</Badge>
                        <span className="text-xs text-slate-700">{signingExpiryWords(file.expiresAt, now)}</span>
                      </span>
                    ) : (
                      <span className="text-xs text-slate-600">Not known{file.signing.kind === "pkcs12" ? " (password-protected)" : ""}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </DataTable>
        </>
      )}
    </>
  );
}
