import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { EditProfileForm } from "@/components/profiles/edit-profile-form";
import { PageHeader } from "@/components/ui/page-header";
import { editProfileAction } from "@/lib/actions/profiles";
import { requireScope } from "@/lib/auth/guards";
import { getProfile } from "@/lib/data/profiles";
import { can, refusalOf } from "@/lib/policy";
import { shortBranchName } from "@/lib/shared/names";
import { idSchema } from "@/lib/validation/auth";
import { PLATFORMS } from "@/lib/validation/profiles";

export const metadata: Metadata = { title: "Edit build profile" };

export default async function EditProfilePage({ params }: { params: Promise<{ id: string }> }) {
  const { scope } = await requireScope("profile.read");
  const { id } = await params;
  const profile = idSchema.safeParse(id).success ? await getProfile(scope, id) : null;
  if (!profile) {
    notFound();
  }
  const crumbs = [{ label: "Build profiles", href: "/profiles" }, { label: profile.name, href: `/profiles/${profile.id}` }, { label: "Edit" }];
  if (!can(scope, "profile.update", profile)) {
    // The policy's own words: the creator may, not only admins (app/forbidden.tsx says "admins").
    return (
      <>
        <PageHeader breadcrumbs={crumbs} title={`Edit “${profile.name}”`} />
        <Alert tone="warning" title="You cannot edit this build profile">
          <p>{refusalOf("profile.update")}</p>
          <p>
            <Link href={`/profiles/${profile.id}`} className="font-medium underline">
              Back to the build profile
            </Link>
          </p>
        </Alert>
      </>
    );
  }
  return (
    <>
      <PageHeader
        breadcrumbs={crumbs}
        title={`Edit “${profile.name}”`}
        description={`${profile.projectName} / ${profile.repositoryName}`}
        actions={
          <Link href={`/profiles/${profile.id}`} className="text-sm font-medium text-brand-700 underline">
            Back to the build profile
          </Link>
        }
      />
      <EditProfileForm
        action={editProfileAction.bind(null, profile.id)}
        platforms={PLATFORMS}
        initial={{ name: profile.name, platform: profile.platform, defaultBranch: profile.defaultBranch ? shortBranchName(profile.defaultBranch) : "" }}
      />
    </>
  );
}
