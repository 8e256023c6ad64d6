import type { Metadata } from "next";
import Link from "next/link";
import { OAuthFailure } from "@/components/connect/oauth-failure";
import { OAuthStart } from "@/components/connect/oauth-start";
import { WizardFallback } from "@/components/connect/wizard-fallback";
import { WizardSteps } from "@/components/connect/wizard-steps";
import { buttonClasses } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import { beginOAuthAction } from "@/lib/actions/connect-oauth";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { loadWizardDraft } from "@/lib/connections/wizard";
import { isOAuthProviderId, providerChoice, providerLabel } from "@/lib/oauth/config";
import { failureText, parseFailureReason } from "@/lib/oauth/failures";

export const metadata: Metadata = { title: "Connect: sign-in did not complete" };

type Search = Promise<Record<string, string | string[] | undefined>>;

function one(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value.slice(0, 100) : undefined;
}

export default async function OAuthFailedPage({ params, searchParams }: { params: Promise<{ draftId: string }>; searchParams: Search }) {
  const { draftId } = await params;
  const query = await searchParams;
  const state = await loadWizardDraft(draftId);
  if (state.kind !== "ok") {
    return <WizardFallback state={state} />;
  }
  const { draft } = state;
  const reason = parseFailureReason(one(query.reason));
  const requested = one(query.provider);
  const provider = isOAuthProviderId(requested) ? requested : isOAuthProviderId(draft.oauthProvider) ? draft.oauthProvider : null;
  // The provider's own error code is shown only when it looks like one.
  const code = one(query.code);
  const text = failureText(reason, providerLabel(provider), code && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined);
  const canRetry = text.retry && provider !== null && getOAuthProviderConfig(provider) !== null;
  return (
    <>
      <PageHeader title="The sign-in did not complete" description="Azure DevOps Services (cloud)" />
      <WizardSteps current="details" />
      <OAuthFailure text={text}>
        {canRetry && provider ? <OAuthStart action={beginOAuthAction.bind(null, draft.id)} providers={[providerChoice(provider)]} initial={provider} submitLabel="Try again" /> : null}
        <Link href={`/connect/${draft.id}/oauth`} className={buttonClasses("secondary")}>
          Choose another sign-in
        </Link>
        <Link href={`/connect/${draft.id}/pat`} className={buttonClasses("ghost")}>
          Use a Personal Access Token instead
        </Link>
      </OAuthFailure>
    </>
  );
}
