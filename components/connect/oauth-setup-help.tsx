import Link from "next/link";
import type { OAuthProviderInfo } from "@/lib/oauth/config";

/** For providers that are not configured: which variables to set, and why Entra ID is the way. */
export function OAuthSetupHelp({ providers, publicUrl }: { providers: OAuthProviderInfo[]; publicUrl: string }) {
  const missing = providers.filter((provider) => !provider.configured);
  if (missing.length === 0) {
    return null;
  }
  return (
    <section aria-labelledby="oauth-setup-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4 text-sm">
      <h2 id="oauth-setup-heading" className="font-semibold text-slate-900">
        {missing.length === providers.length ? "How to turn on OAuth sign-in" : "Other sign-in methods"}
      </h2>
      <p className="text-slate-700">
        Whoever runs Keel configures these in its environment (or .env file) and restarts it. Step by step, with a ready Azure CLI script:{" "}
        <Link href="/settings/entra" className="font-medium text-brand-700 underline">
          Settings → Microsoft Entra ID
        </Link>
        .
      </p>
      {missing.map((provider) => (
        <div key={provider.id} className="space-y-1">
          <h3 className="font-medium text-slate-900">{provider.label} (not configured)</h3>
          <p className="text-slate-700">{provider.note}</p>
          <p className="text-slate-700">
            Set{" "}
            {provider.envVars.map((name, index) => (
              <span key={name}>
                {index > 0 ? ", " : ""}
                <code className="font-mono text-xs">{name}</code>
              </span>
            ))}
            .
          </p>
          <p className="text-slate-700">
            Redirect URI to register: <code className="break-all font-mono text-xs">{`${publicUrl}/api/auth/callback/${provider.id}`}</code>
          </p>
        </div>
      ))}
    </section>
  );
}
