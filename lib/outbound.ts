import "server-only";
import { getEnv } from "@/lib/env";
import type { OutboundPolicy } from "@/lib/net/ssrf-policy";

/**
 * The SSRF policy for every outbound call, from configuration. Keel's own listening
 * port and its database port are always refused (a crafted server URL must not make
 * Keel talk to itself or to PostgreSQL).
 */
export function getOutboundPolicy(): OutboundPolicy {
  const env = getEnv();
  const selfAddresses: OutboundPolicy["selfAddresses"] = [{ host: env.HOSTNAME ?? "*", port: env.PORT }];
  if (env.DATABASE_URL) {
    try {
      const database = new URL(env.DATABASE_URL);
      selfAddresses.push({ host: database.hostname || "127.0.0.1", port: Number(database.port || 5432) });
    } catch {
      // validated by lib/env; nothing to add
    }
  }
  return {
    allowlist: env.KEEL_OUTBOUND_ALLOWLIST,
    denyAllExceptAllowlist: env.KEEL_OUTBOUND_DENY_ALL_EXCEPT_ALLOWLIST,
    // Loopback is for tests and the demo only; lib/env refuses the switch in production.
    allowLoopback: env.KEEL_OUTBOUND_ALLOW_LOOPBACK,
    allowHttp: env.KEEL_OUTBOUND_ALLOW_HTTP,
    selfAddresses,
  };
}

/**
 * The policy for the one call that may reach Azure's Instance Metadata Service (a managed
 * identity's token): Keel's policy plus that single exception. Null when the operator has not
 * enabled managed identity (KEEL_MANAGED_IDENTITY), so nothing can reach the endpoint by accident.
 */
export function instanceMetadataPolicy(): OutboundPolicy | null {
  if (!getEnv().KEEL_MANAGED_IDENTITY) {
    return null;
  }
  return { ...getOutboundPolicy(), instanceMetadata: true };
}
