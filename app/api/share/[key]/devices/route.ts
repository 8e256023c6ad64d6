import { DEVICE_ANSWER_MAX_BYTES, openRegistration, registerFromAnswer } from "@/lib/builds/tester-devices";
import { jsonError, publicRoute } from "@/lib/entry/route";
import { getEnv } from "@/lib/env";
import { publicUrlOf } from "@/lib/oauth/config";

export const dynamic = "force-dynamic";

/** Reads at most `max` bytes of the body; null past it. */
async function boundedBody(request: Request, max: number): Promise<Buffer | null> {
  if (Number(request.headers.get("content-length") ?? 0) > max || !request.body) {
    return request.body ? null : Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) {
      return null;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * Where iOS sends a device's UDID, model and version after a tester opened the registration
 * profile (lib/builds/README.md, "Registering testers' devices"); the answer sends iOS back to the
 * testers' page, which says the device was registered. Public by design: the key is the
 * credential, and registrations per link are limited.
 */
export const POST = publicRoute({ name: "api.share.devices" }, async ({ request, params }) => {
  const opened = await openRegistration(request, params);
  if (opened instanceof Response) {
    return opened;
  }
  const body = await boundedBody(request, DEVICE_ANSWER_MAX_BYTES);
  if (body === null) {
    return jsonError(413, "INVALID_INPUT", `The device's answer is larger than ${DEVICE_ANSWER_MAX_BYTES / 1024} KiB: this is not what iOS sends.`);
  }
  const next = await registerFromAnswer(opened.shared, opened.key, body, opened.testerName, publicUrlOf(getEnv()));
  // iOS opens the address of a redirect in Safari: the testers' page, saying it worked.
  return new Response(null, { status: 301, headers: { Location: next, "Cache-Control": "no-store" } });
});
