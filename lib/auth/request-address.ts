import "server-only";
import { headers } from "next/headers";
import { clientAddress } from "./options";

/** The client address of the request being served (as Keel's web server decided it), for audit rows and rate limits. */
export async function requestAddress(): Promise<string> {
  return clientAddress(await headers());
}
