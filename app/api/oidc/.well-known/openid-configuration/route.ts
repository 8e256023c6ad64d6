import { publicRoute } from "@/lib/entry/route";
import { OIDC_CACHE_HEADERS, openIdConfiguration } from "@/lib/entra/federation";

// Keel's OpenID discovery document as the issuer of workload identity federation
// (lib/entra/README.md): public by nature — Microsoft Entra ID reads it anonymously to find
// Keel's keys. Nothing secret or organization-specific is in it.
export const dynamic = "force-dynamic";

export const GET = publicRoute({ name: "api.oidc.configuration" }, async () => Response.json(openIdConfiguration(), { headers: OIDC_CACHE_HEADERS }));
