import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SetupForm } from "@/components/auth/setup-form";
import { setupAction } from "@/lib/actions/setup";
import { hasAnyUser } from "@/lib/data/users";

export const metadata: Metadata = { title: "Set up Keel" };

export default async function SetupPage() {
  // First run only: once a user exists this page is gone for good.
  if (await hasAnyUser()) {
    notFound();
  }
  return (
    <>
      <h1 className="mb-1 text-lg font-semibold">Welcome to Keel</h1>
      <p className="mb-5 text-sm text-slate-600">Create your organization and its first admin account. You can invite the rest of your team afterwards.</p>
      <SetupForm action={setupAction} />
    </>
  );
}
