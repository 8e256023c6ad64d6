/**
 * Whether Microsoft Entra ID can plausibly read Keel's issuer documents: it fetches them from the
 * internet over https (docs/azure-devops-facts.md §3.7). Pure: the wizard warns before the admin
 * creates a federated credential that could never work; the doctor reports the real failure.
 */
export function issuerReachabilityWarning(issuer: string): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return "Keel's public URL (KEEL_PUBLIC_URL) is not a valid URL.";
  }
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const local = host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\./.test(host) || /^(10|192\.168|169\.254)\./.test(host) || /^172\.(1[6-9]|2\d|3[01])\./.test(host) || host.endsWith(".local") || host.endsWith(".internal");
  if (url.protocol !== "https:") {
    return `Keel's issuer ${issuer} is plain http. Microsoft Entra ID reads issuers over https only: set KEEL_PUBLIC_URL to Keel's public https address.`;
  }
  if (local) {
    return `Keel's issuer ${issuer} is a local address that Microsoft Entra ID cannot reach from the internet. Set KEEL_PUBLIC_URL to Keel's public https address, or choose another credential.`;
  }
  return null;
}
