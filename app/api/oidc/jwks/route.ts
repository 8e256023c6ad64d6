import { publicRoute } from "@/lib/entry/route";
import { OIDC_CACHE_HEADERS, jsonWebKeySet } from "@/lib/entra/federation";

// Keel's public signing keys (JWKS) for workload identity federation: every key that signs now,
// will sign soon, or signed recently (lib/entra/signing-keys.ts). Public keys only.
export const dynamic = "force-dynamic";

export const GET = publicRoute({ name: "api.oidc.jwks" }, async () => Response.json(await jsonWebKeySet(), { headers: OIDC_CACHE_HEADERS }));
