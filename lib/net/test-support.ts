// Test helpers for lib/net (not a test file).
import { checkUrlInput, evaluateAddresses, isInstanceMetadataTarget, type BlockRule, type ClassifiedAddress, type InputRule, type OutboundPolicy, type RequestTarget } from "./ssrf-policy";

/** The strictest policy: https only, public addresses only, nothing local (tests widen it per case). */
export const STRICT_OUTBOUND_POLICY: Readonly<OutboundPolicy> = Object.freeze({
  allowlist: [],
  denyAllExceptAllowlist: false,
  allowLoopback: false,
  allowHttp: false,
  selfAddresses: [],
});

/** The whole policy without I/O, as guardedRequest applies it: the input checks, then the address rules for a literal IP or the DNS answers given. */
export function checkRequestTarget(
  raw: string,
  policy: OutboundPolicy,
  resolvedAddresses?: readonly string[],
): { ok: true; target: RequestTarget; addresses: ClassifiedAddress[] } | { ok: false; stage: "input"; rule: InputRule; message: string } | { ok: false; stage: "policy"; rule: BlockRule; message: string; address?: string; range?: string } {
  const input = checkUrlInput(raw);
  if (!input.ok) {
    return { ok: false, stage: "input", rule: input.rule, message: input.message };
  }
  const { target } = input;
  const metadataCall = policy.instanceMetadata === true && target.literalIp !== null && isInstanceMetadataTarget(target, [target.literalIp]);
  if (policy.allowHttp === false && target.protocol === "http:" && !metadataCall) {
    // Fail before any DNS lookup when http is off entirely.
    return { ok: false, stage: "policy", rule: "http_not_allowed", message: `Plain http to ${target.hostname}:${target.port} is not allowed; use https.` };
  }
  const addresses = target.literalIp !== null ? [target.literalIp] : (resolvedAddresses ?? []);
  const decision = evaluateAddresses(target, addresses, policy);
  if (!decision.allowed) {
    const { allowed: _allowed, ...rest } = decision;
    return { ok: false, stage: "policy", ...rest };
  }
  return { ok: true, target, addresses: decision.addresses };
}
