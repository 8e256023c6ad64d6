// Small inline marks for the services Keel connects to, so the product needs no image requests.
// The Azure DevOps path is Simple Icons' "azuredevops" (CC0 1.0, public domain dedication,
// https://simpleicons.org); the Microsoft Entra ID mark is a simplified drawing made for Keel.
// Both are decorative by default (aria-hidden): the text beside them names the provider. Pass
// `title` where a logo stands alone, and it becomes an image with that name.

type LogoProps = { className?: string; title?: string };

function a11y(title: string | undefined) {
  return title ? ({ role: "img", "aria-label": title } as const) : ({ "aria-hidden": true } as const);
}

/** The Azure DevOps mark (Azure DevOps Services and Server). */
export function AzureDevOpsLogo({ className = "h-5 w-5", title }: LogoProps) {
  return (
    <svg viewBox="0 0 24 24" className={`shrink-0 ${className}`} focusable="false" {...a11y(title)}>
      <path fill="#0078D4" d="M0 8.877L2.247 5.91l8.405-3.416V.022l7.37 5.393L2.966 8.338v8.225L0 15.707zm24-4.45v14.651l-5.753 4.9-9.303-3.057v3.056l-5.978-7.416 15.057 1.798V5.415z" />
    </svg>
  );
}

/** A Microsoft Entra ID mark (Keel's simplified drawing: a faceted diamond in Microsoft blues). */
export function EntraLogo({ className = "h-5 w-5", title }: LogoProps) {
  return (
    <svg viewBox="0 0 24 24" className={`shrink-0 ${className}`} focusable="false" {...a11y(title)}>
      <path fill="#1490DF" d="M12 1.5 3 13.2l9 5.1z" />
      <path fill="#0F6CBD" d="M12 1.5l9 11.7-9 5.1z" />
      <path fill="#28AFEA" d="M4.6 15.4 12 22.5l7.4-7.1-7.4 4.3z" />
    </svg>
  );
}

/** The logo of an OAuth provider id (`microsoft-entra-id` or `azure-devops`). */
export function OAuthProviderLogo({ provider, className, title }: LogoProps & { provider: string | null | undefined }) {
  return provider === "microsoft-entra-id" ? <EntraLogo className={className} title={title} /> : <AzureDevOpsLogo className={className} title={title} />;
}
