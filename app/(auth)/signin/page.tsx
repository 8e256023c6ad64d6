import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getCurrentUser } from "@/lib/auth/session";
import { hasAnyUser } from "@/lib/data/users";

export const metadata: Metadata = { title: "Sign in" };

function safeCallback(value: string | string[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value;
  // Only same-site paths: never an open redirect to another host.
  return raw && raw.startsWith("/") && !raw.startsWith("//") && !raw.includes("\\") ? raw.slice(0, 500) : "/connections";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (!(await hasAnyUser())) {
    redirect("/setup");
  }
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await getCurrentUser()) {
    redirect(callbackUrl);
  }
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Sign in to Keel</h1>
      <p className="mb-5 text-sm text-slate-600">Use the email and password your Keel admin set up for you.</p>
      <SignInForm callbackUrl={callbackUrl} />
    </>
  );
}
