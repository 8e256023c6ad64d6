import "server-only";
import { getApiToken } from "@/lib/data/api-tokens";
import { getDraft } from "@/lib/data/connect-drafts";
import { getBuild } from "@/lib/data/builds";
import { getConnection, getPickerConnection } from "@/lib/data/connections";
import { getDelivery } from "@/lib/data/hooks";
import { getMember } from "@/lib/data/members";
import { getProfile } from "@/lib/data/profiles";
import { getVariableGroup } from "@/lib/data/variable-groups";
import { getOutgoingDelivery, getWebhook } from "@/lib/data/webhooks";
import { AppError } from "@/lib/errors";
import type { Scope } from "@/lib/scope";
import { idSchema } from "@/lib/validation/auth";

// The things an entry point acts on, each loaded through its organization-scoped lib/data
// function. A malformed id, a missing row and another organization's row all get the same
// NOT_FOUND answer, so ids of other organizations cannot be told apart from made-up ones.

const TARGETS = {
  connection: { load: getConnection, missing: "That connection does not exist in your organization." },
  /** A connection's columns the picker's calls use, with its repository listing, in one query. */
  pickerConnection: { load: getPickerConnection, missing: "That connection does not exist in your organization." },
  profile: { load: getProfile, missing: "That build profile does not exist in your organization." },
  /** The caller's own live draft of the connect wizard (drafts are private to the admin who started them). */
  draft: { load: getDraft, missing: "This connection setup has expired or does not exist. Start connecting again." },
  member: { load: getMember, missing: "That member is not in your organization." },
  build: { load: getBuild, missing: "That build does not exist in your organization." },
  /** A service-hook delivery of the webhook inbox. */
  delivery: { load: getDelivery, missing: "That delivery does not exist in your organization." },
  /** An API token of the organization (revoking: its owner, or an admin — the policy decides with the target). */
  apiToken: { load: getApiToken, missing: "That API token does not exist any more: it was revoked already." },
  /** An outgoing webhook (Settings → Webhooks). */
  webhook: { load: getWebhook, missing: "That webhook does not exist in your organization (someone may have deleted it)." },
  /** One delivery of an outgoing webhook (Redeliver). */
  webhookDelivery: { load: getOutgoingDelivery, missing: "That delivery does not exist any more (deliveries are kept 30 days, and go with their webhook)." },
  variableGroup: { load: getVariableGroup, missing: "That variable group does not exist in your organization (someone may have deleted it)." },
} as const;

export type TargetKind = keyof typeof TARGETS;

/** What the loader of a target kind returns when it finds it. */
export type TargetOf<K extends TargetKind> = NonNullable<Awaited<ReturnType<(typeof TARGETS)[K]["load"]>>>;

/** The NOT_FOUND error of a target kind (also for a target that vanished half-way). */
export function targetMissing(kind: TargetKind): AppError {
  return new AppError("NOT_FOUND", TARGETS[kind].missing);
}

/** Loads the target named by an untrusted id in the scope's organization, or throws NOT_FOUND. */
export async function loadTarget<K extends TargetKind>(kind: K, scope: Scope, rawId: unknown): Promise<TargetOf<K>> {
  const id = idSchema.safeParse(rawId);
  if (!id.success) {
    throw targetMissing(kind);
  }
  const load = TARGETS[kind].load as (scope: Scope, id: string) => Promise<TargetOf<K> | null>;
  const found = await load(scope, id.data);
  if (found === null) {
    throw targetMissing(kind);
  }
  return found;
}
