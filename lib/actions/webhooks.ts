"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { createWebhook, deleteWebhook, pingWebhook, redeliver, rotateWebhookSecret, updateWebhook } from "@/lib/data/webhooks";
import { action } from "@/lib/entry/action";
import { flash } from "@/lib/entry/flash";
import { requestWebhook } from "@/lib/webhooks/deliver";
import { webhookEditSchema, webhookFields, webhookFormSchema } from "@/lib/validation/webhooks";

// Settings → Webhooks (lib/webhooks/README.md): admins add receivers of build events, see every
// delivery, send one again, replace a signing secret, delete a receiver.

/** "Add webhook": the answer carries the signing secret, the one time anyone sees it; a ping goes out at once. */
export const createWebhookAction = action(
  {
    name: "webhooks.create",
    permission: "webhook.manage",
    form: { schema: webhookFormSchema, fields: webhookFields, secret: ["url"] },
    unexpected: "Adding the webhook failed unexpectedly. Nothing was added; try again.",
  },
  async ({ scope, input }) => {
    const created = await createWebhook(scope, { name: input.name, url: input.url.toString(), host: input.url.host, events: input.events, profileIds: input.profileIds });
    await requestWebhook(scope, created.id);
    revalidatePath("/settings/webhooks");
    return {
      status: "success",
      message: `Added “${created.name}”. Copy the signing secret now: the receiver checks every delivery with it, and Keel cannot show it again. A ping is on its way.`,
      data: { secret: created.secret, id: created.id, name: created.name },
    };
  },
);

/** "Save" on a webhook's page: its name and events, and its URL when a new one is pasted. */
export const updateWebhookAction = action(
  {
    name: "webhooks.update",
    permission: "webhook.manage",
    target: "webhook",
    form: { schema: webhookEditSchema, fields: webhookFields, secret: ["url"] },
    unexpected: "Saving the webhook failed unexpectedly. Nothing changed; try again.",
  },
  async ({ scope, target: webhook, input }) => {
    const saved = await updateWebhook(scope, webhook.id, { name: input.name, url: input.url?.toString() ?? null, host: input.url?.host ?? null, events: input.events, profileIds: input.profileIds });
    revalidatePath(`/settings/webhooks/${webhook.id}`);
    revalidatePath("/settings/webhooks");
    const whose = input.profileIds === null ? "of every build profile" : `of ${input.profileIds.length} build profile${input.profileIds.length === 1 ? "" : "s"}`;
    return { status: "success", message: saved.changed.length === 0 ? "Nothing to change." : `Saved.${saved.changed.includes("url") ? " Deliveries go to the new URL." : ""} From now on “${saved.name}” gets ${input.events.join(", ")} ${whose}.` };
  },
);

/** "Replace the secret": deliveries from now on are signed with the new one. */
export const rotateWebhookSecretAction = action(
  { name: "webhooks.rotate-secret", permission: "webhook.manage", target: "webhook", unexpected: "Replacing the secret failed unexpectedly. The old one still signs; try again." },
  async ({ scope, target: webhook }) => {
    const rotated = await rotateWebhookSecret(scope, webhook.id);
    revalidatePath(`/settings/webhooks/${webhook.id}`);
    return {
      status: "success",
      message: `New signing secret for “${rotated.name}”. Put it in the receiver now: deliveries from now on are signed with it, and Keel cannot show it again.`,
      data: { secret: rotated.secret },
    };
  },
);

/** "Send a ping": a delivery that names the webhook, to check the receiver. */
export const pingWebhookAction = action(
  { name: "webhooks.ping", permission: "webhook.manage", target: "webhook", unexpected: "Sending the ping failed unexpectedly. Try again." },
  async ({ scope, target: webhook }) => {
    await pingWebhook(scope, webhook.id);
    await requestWebhook(scope, webhook.id);
    revalidatePath(`/settings/webhooks/${webhook.id}`);
    return { status: "success", message: "Ping queued: it appears in the deliveries below with the receiver's answer." };
  },
);

/** "Redeliver": the same event and body again, as a new delivery. */
export const redeliverWebhookAction = action(
  { name: "webhooks.redeliver", permission: "webhook.manage", target: "webhookDelivery", unexpected: "Redelivering failed unexpectedly. Try again." },
  async ({ scope, target: delivery }) => {
    const copy = await redeliver(scope, delivery.id);
    await requestWebhook(scope, copy.webhookId);
    revalidatePath(`/settings/webhooks/${copy.webhookId}`);
    return { status: "success", message: `Queued again: the new delivery of ${delivery.event} is at the top of the list.` };
  },
);

/** "Delete webhook": nothing more is sent to it; its deliveries go with it. */
export const deleteWebhookAction = action(
  { name: "webhooks.delete", permission: "webhook.manage", target: "webhook", unexpected: "Deleting the webhook failed unexpectedly. Try again." },
  async ({ scope, target: webhook }) => {
    const deleted = await deleteWebhook(scope, webhook.id);
    revalidatePath("/settings/webhooks");
    await flash(`Deleted the webhook “${deleted.name}”: Keel sends it nothing more.`);
    redirect("/settings/webhooks");
  },
);
