import type { Metadata } from "next";
import { ApiTokenTable } from "@/components/api-tokens/token-table";
import { CreateApiTokenForm } from "@/components/api-tokens/create-token-form";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { createApiTokenAction, revokeApiTokenAction } from "@/lib/actions/api-tokens";
import { requireScope } from "@/lib/auth/guards";
import { listApiTokens } from "@/lib/data/api-tokens";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";
import { MAX_API_TOKENS_PER_USER } from "@/lib/shared/api-tokens";

export const metadata: Metadata = { title: "API tokens" };

/**
 * Settings → API tokens: everyone's own tokens for scripts and other CI systems, and a new one;
 * admins also see everyone else's, to revoke a leaked one or one of someone who left.
 */
export default async function ApiTokensPage() {
  const { scope } = await requireScope("apiToken.manage");
  const { own, others } = await listApiTokens(scope);
  const origin = publicUrlOf(getEnv());
  const now = new Date();
  const revoke = (id: string) => revokeApiTokenAction.bind(null, id);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Settings", href: "/settings" }, { label: "API tokens" }]}
        title="API tokens"
        description="Start builds, follow them and download their artifacts from scripts and other CI systems. A token acts as you, with your role — it can read build profiles and builds, start and cancel builds, keep a build forever if you are an admin, and nothing else."
      />
      <div className="space-y-6">
        <Card title="New token" className="max-w-3xl">
          <CreateApiTokenForm action={createApiTokenAction} origin={origin} />
        </Card>
        <section aria-labelledby="own-tokens" className="space-y-3">
          <h2 id="own-tokens" className="text-base font-semibold text-slate-900">
            Your tokens
          </h2>
          {own.length === 0 ? (
            <EmptyState title="You have no API tokens">
              Create one above for each script or system that starts builds, so each can be revoked on its own. Scripts send it as <code>Authorization: Bearer …</code> (README, “Starting builds from scripts”).
            </EmptyState>
          ) : (
            <>
              <ApiTokenTable caption="Your API tokens" tokens={own} showOwner={false} revoke={revoke} now={now} />
              <p className="text-xs text-slate-600">You may hold {MAX_API_TOKENS_PER_USER} tokens; ended ones are deleted 30 days after they end.</p>
            </>
          )}
        </section>
        {others !== null ? (
          <section aria-labelledby="others-tokens" className="space-y-3">
            <h2 id="others-tokens" className="text-base font-semibold text-slate-900">
              Everyone else&apos;s tokens
            </h2>
            {others.length === 0 ? (
              <p className="text-sm text-slate-600">No one else in your organization has an API token.</p>
            ) : (
              <ApiTokenTable caption="Other members' API tokens" tokens={others} showOwner revoke={revoke} now={now} />
            )}
          </section>
        ) : null}
      </div>
    </>
  );
}
