import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { OAuthFailure } from "@/components/connect/oauth-failure";
import { OAuthStart } from "@/components/connect/oauth-start";
import { ConnectionStatusBadge } from "@/components/connections/status-badge";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { beginReauthorizeAction } from "@/lib/actions/connect-oauth";
import { getOAuthProviderConfig } from "@/lib/auth/oauth-providers";
import { requireScope } from "@/lib/auth/guards";
import { getConnection } from "@/lib/data/connections";
import { isOAuthProviderId, providerChoice, providerLabel } from "@/lib/oauth/config";
import { failureText, parseFailureReason } from "@/lib/oauth/failures";
import { idSchema } from "@/lib/validation/auth";

export const metadata: Metadata = { title: "Re-authorize connection" };

export default async function ReauthorizePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { scope } = await requireScope("connection.reauthorize");
  const { id } = await params;
  const query = await searchParams;
  const connection = idSchema.safeParse(id).success ? await getConnection(scope, id) : null;
  if (!connection) {
    notFound();
  }
  if (connection.authMethod !== "OAUTH") {
    // A token or a service principal is not re-authorized: its page says how to fix it (an old
    // link, or one guessed from another connection's).
    redirect(`/connections/${connection.id}`);
  }
  const provider = isOAuthProviderId(connection.oauthProvider) ? connection.oauthProvider : isOAuthProviderId(connection.account?.provider) ? connection.account.provider : null;
  const configured = provider !== null && getOAuthProviderConfig(provider) !== null;
  const failed = typeof query.reason === "string" ? parseFailureReason(query.reason) : null;
  const code = typeof query.code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(query.code) ? query.code : undefined;
  const start =
    configured && provider ? (
      <OAuthStart action={beginReauthorizeAction.bind(null, connection.id)} providers={[providerChoice(provider)]} initial={provider} submitLabel={failed ? "Try again" : "Re-authorize"} chooseProvider={false} />
    ) : null;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: "Connections", href: "/connections" }, { label: connection.name, href: `/connections/${connection.id}` }, { label: "Re-authorize" }]}
        title={`Re-authorize “${connection.name}”`}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ConnectionStatusBadge status={connection.status} />
            <span>
              {connection.collection} with {providerLabel(provider)}
            </span>
          </span>
        }
        actions={
          <Link href={`/connections/${connection.id}`} className="text-sm font-medium text-brand-700 underline">
            Back to the connection
          </Link>
        }
      />
      {failed ? (
        <OAuthFailure text={failureText(failed, providerLabel(provider), code)}>{start}</OAuthFailure>
      ) : (
        <Card title="Approve Keel's access again">
          <div className="space-y-4 text-sm text-slate-700">
            <p>
              You sign in at {providerLabel(provider)} and approve Keel&apos;s permissions again. Keel stores the new tokens for this connection and checks it right away. Build profiles that
              use it keep their repository.
            </p>
            {connection.account ? (
              <p>
                Last authorized as {connection.account.displayName ?? "an Azure DevOps account"}
                {connection.account.uniqueName ? ` (${connection.account.uniqueName})` : ""}.
              </p>
            ) : null}
            {start ?? (
              <Alert tone="warning" title="This sign-in method is no longer configured">
                <p>Ask whoever runs Keel to configure {providerLabel(provider)} again, or connect {connection.collection} with a Personal Access Token.</p>
                <p>
                  <Link href="/connect" className={buttonClasses("secondary")}>
                    Connect again
                  </Link>
                </p>
              </Alert>
            )}
          </div>
        </Card>
      )}
    </>
  );
}
