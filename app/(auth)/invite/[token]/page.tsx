import type { Metadata } from "next";
import Link from "next/link";
import { AcceptInvitationForm } from "@/components/auth/accept-invitation-form";
import { Alert } from "@/components/ui/alert";
import { acceptInvitationAction } from "@/lib/actions/invitations";
import { getCurrentUser } from "@/lib/auth/session";
import { getOpenInvitation } from "@/lib/data/members";

export const metadata: Metadata = { title: "Accept invitation", referrer: "no-referrer" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await getOpenInvitation(token) : null;
  if (!invitation) {
    return (
      <Alert tone="error" title="This invitation link does not work">
        <p>It has expired, was already used, was copied incompletely, or its account was disabled. Ask an admin of your Keel organization for a new link.</p>
        <p>
          <Link href="/signin" className="font-medium underline">
            Go to sign in
          </Link>
        </p>
      </Alert>
    );
  }
  const reset = invitation.purpose === "PASSWORD_RESET";
  // An admin trying the link they just made, or a shared computer: setting the password signs
  // this browser in as the invited person, ending the session it has now — said before, not after.
  const current = await getCurrentUser();
  const someoneElse = current !== null && current.id !== invitation.user.id ? current : null;
  return (
    <>
      {someoneElse ? (
        <Alert tone="warning" title={`You are signed in as ${someoneElse.name}`} className="mb-5">
          <p>
            This link is for {invitation.user.name} ({invitation.user.email}). Setting the password signs this browser in as {invitation.user.name} instead. To keep your session,
            open the link in a private window or send it to {invitation.user.name}.
          </p>
        </Alert>
      ) : null}
      <h1 className="mb-1 text-lg font-semibold">{reset ? `Choose a new password for ${invitation.organization.name}` : `Join ${invitation.organization.name}`}</h1>
      <p className="mb-5 text-sm text-slate-600">
        {reset ? `Hi ${invitation.user.name}, an admin reset your password. Choose a new one for your Keel account.` : `Hi ${invitation.user.name}, choose a password for your Keel account.`}
      </p>
      <AcceptInvitationForm email={invitation.user.email} action={acceptInvitationAction.bind(null, token)} />
    </>
  );
}
