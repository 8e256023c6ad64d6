// The signature of an outgoing webhook's deliveries (lib/webhooks/README.md, "Verifying a
// delivery"). No "server-only" marker: the end-to-end tests verify what Keel sent with it, as a
// receiver would. It holds no secret of its own.
import { createHmac, timingSafeEqual } from "node:crypto";
import { SIGNATURE_TOLERANCE_SECONDS } from "@/lib/shared/webhooks";

/**
 * The signature of a delivery: HMAC-SHA256 with the webhook's secret over `<timestamp>.<body>`
 * (the timestamp in Unix seconds, as sent in X-Keel-Timestamp), hex, as `sha256=<hex>` in
 * X-Keel-Signature-256. Signing the timestamp too lets a receiver refuse replays.
 */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does (and Keel's tests): the signature matches and the timestamp is recent.
 * Compared in constant time.
 */
export function verifyDelivery(secret: string, headers: { timestamp: string | null; signature: string | null }, body: string, now = Date.now()): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || !headers.signature || Math.abs(now / 1_000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) {
    return false;
  }
  const expected = Buffer.from(signDelivery(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
