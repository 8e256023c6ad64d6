import type { CheckRecord } from "@/lib/data/connections";

/** A passing check on Azure DevOps Services, as the doctor would store it, for data-layer tests. */
export function healthyCheck(scopes: string[] = ["vso.identity", "vso.code", "vso.code_status", "vso.notification"]): CheckRecord {
  return {
    ok: true,
    status: "HEALTHY",
    statusReason: null,
    serverProduct: "Azure DevOps Services",
    apiVersion: "7.1",
    scopes,
    summary: { ok: true, checkedAt: new Date().toISOString(), findings: [] },
  };
}
