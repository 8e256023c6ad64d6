import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInvitationForm } from "@/components/auth/accept-invitation-form";
import { Alert } from "@/components/ui/alert";
import { acceptInvitationAction } from "@/lib/actions/invitations";
import { getOpenInvitation } from "@/lib/data/members";

export const metadata: Metadata = { title: "Accept invitation", referrer: "no-referrer" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await getOpenInvitation(token) : null;
  if (!invitation) {
    return (
      <Alert tone="error" title="This invitation link does not work">
        <p>It has expired, was already used, or was copied incompletely. Ask an admin of your Keel organization for a new link.</p>
        <p>
          <Link href="/signin" className="font-medium underline">
            Go to sign in
          </Link>
        </p>
      </Alert>
    );
  }
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Join {invitation.organization.name}</h1>
      <p className="mb-5 text-sm text-slate-600">Hi {invitation.user.name}, choose a password for your Keel account.</p>
      <AcceptInvitationForm email={invitation.user.email} action={acceptInvitationAction.bind(null, token)} />
    </>
  );
}
