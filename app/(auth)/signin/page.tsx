import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getCurrentUser } from "@/lib/auth/session";
import { hasAnyUser } from "@/lib/data/users";
import { DEFAULT_AFTER_SIGN_IN, safeRedirectPath } from "@/lib/shared/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await hasAnyUser())) {
    redirect("/setup");
  }
  const params = await searchParams;
  // Only a path on Keel's own origin (lib/shared/safe-redirect.ts): never an open redirect.
  const raw = params.callbackUrl;
  const callbackUrl = safeRedirectPath(Array.isArray(raw) ? undefined : raw) ?? DEFAULT_AFTER_SIGN_IN;
  if (await getCurrentUser()) {
    redirect(callbackUrl);
  }
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Sign in to Keel</h1>
      <p className="mb-5 text-sm text-slate-600">Use the email and password your Keel admin set up for you.</p>
      <SignInForm callbackUrl={callbackUrl} />
      {/* No self-service reset (no mail is needed to run Keel): say who can help before anyone looks for a link. */}
      <p className="mt-5 text-sm text-slate-600">Forgot your password? An admin of your Keel organization resets it under Settings → Members and gives you a one-time link.</p>
    </>
  );
}
