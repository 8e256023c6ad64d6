import { publicRoute } from "@/lib/entry/route";
import { receiveDelivery } from "@/lib/hooks/receive";

/**
 * Azure DevOps service-hook deliveries (lib/hooks/README.md). Public by design — Azure DevOps has
 * no Keel session — and authenticated by the subscription's own Basic credentials, compared in
 * constant time; the body is capped, validated and stored in the inbox before the 200.
 */
export const POST = publicRoute({ name: "api.hooks.azure-devops" }, async ({ request, params }) => {
  const key = typeof params.key === "string" ? params.key : "";
  const result = await receiveDelivery(key, request);
  return Response.json(result.body, { status: result.status, headers: { "Cache-Control": "no-store", ...(result.headers ?? {}) } });
});
