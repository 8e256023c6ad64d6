import type { Metadata } from "next";
import Link from "next/link";
import { OAuthFailure } from "@/components/connect/oauth-failure";
import { buttonClasses } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { requireUser } from "@/lib/auth/guards";
import { providerLabel } from "@/lib/oauth/config";
import { failureText, parseFailureReason } from "@/lib/oauth/failures";

export const metadata: Metadata = { title: "Sign-in did not complete" };

// Where an OAuth round trip that belongs to no setup (no intent cookie, or it expired) ends.
export default async function OAuthFailedWithoutSetupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireUser();
  const query = await searchParams;
  const reason = parseFailureReason(typeof query.reason === "string" ? query.reason : undefined);
  // The provider's own error code (e.g. an AADSTS code, explained on the page) only when it looks like one.
  const code = typeof query.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(query.code) ? query.code : undefined;
  const text = failureText(reason, providerLabel(typeof query.provider === "string" ? query.provider : null), code);
  return (
    <>
      <PageHeader title="The sign-in did not complete" />
      <OAuthFailure text={text}>
        <Link href="/connect" className={buttonClasses("primary")}>
          Start connecting
        </Link>
        <Link href="/connections" className={buttonClasses("ghost")}>
          Back to connections
        </Link>
      </OAuthFailure>
    </>
  );
}
