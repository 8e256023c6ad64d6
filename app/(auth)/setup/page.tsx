import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { setupAction } from "@/lib/actions/setup";
import { hasAnyUser } from "@/lib/data/users";

export const metadata: Metadata = { title: "Set up Keel" };

export default async function SetupPage() {
  // First run only: once a user exists the page is gone for good. A bookmark or a second tab
  // lands where Keel starts instead of on a 404 (signed in: the app; otherwise sign-in).
  if (await hasAnyUser()) {
    redirect("/");
  }
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Welcome to Keel</h1>
      <p className="mb-5 text-sm text-slate-600">Create your organization and its first admin account. You can invite the rest of your team afterwards.</p>
      <SetupForm action={setupAction} />
    </>
  );
}
