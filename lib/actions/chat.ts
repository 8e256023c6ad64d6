"use server";

import { revalidatePath } from "next/cache";
import { openChatHook, recordChatDelivery, removeChatHook, saveChatHook } from "@/lib/data/chat";
import { action } from "@/lib/entry/action";
import { getEnv } from "@/lib/env";
import { postChatMessage } from "@/lib/notifications/chat";
import { publicUrlOf } from "@/lib/oauth/config";
import { chatLabel, type ChatMessage } from "@/lib/shared/chat";
import { errorState } from "@/lib/validation/form";
import { chatFields, chatFormSchema } from "@/lib/validation/chat";

// A profile's chat channel (lib/builds/README.md, "Chat"): who may change triggers sets it. A new
// URL is proven with a test message before it is stored, so a typo is found now, not at the
// next failed build.

function testMessage(profile: { id: string; name: string }): ChatMessage {
  return {
    title: `Keel will post here about ${profile.name}`,
    lines: ["A test message: this channel hears when its builds fail and when they are fixed."],
    link: { label: "Open the profile in Keel", url: `${publicUrlOf(getEnv())}/profiles/${profile.id}` },
  };
}

export const saveChatAction = action(
  {
    name: "profiles.chat-save",
    permission: "profile.triggers",
    target: "profile",
    form: { schema: chatFormSchema, fields: chatFields, secret: ["webhookUrl"] },
    unexpected: "Saving the chat channel failed unexpectedly. Nothing changed; try again.",
  },
  async ({ scope, target: profile, input, values }) => {
    if (input.webhookUrl) {
      const sent = await postChatMessage(scope, input.webhookUrl.toString(), testMessage(profile));
      if (!sent.ok) {
        return errorState(`Nothing was saved: the test message did not arrive. ${sent.reason}`, { webhookUrl: [sent.reason] }, values);
      }
    }
    await saveChatHook(scope, profile.id, { url: input.webhookUrl?.toString() ?? null, label: input.webhookUrl ? chatLabel(input.webhookUrl) : null, notify: input.notify });
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: input.webhookUrl ? "Saved. Keel posted a test message to the channel." : "Saved." };
  },
);

export const testChatAction = action(
  { name: "profiles.chat-test", permission: "profile.triggers", target: "profile", unexpected: "Sending the test message failed unexpectedly. Try again." },
  async ({ scope, target: profile }) => {
    const hook = await openChatHook(scope, profile.id);
    if (!hook) {
      return errorState("This profile posts to no chat channel yet: paste a webhook URL first.");
    }
    const sent = await postChatMessage(scope, hook.url, testMessage(profile));
    await recordChatDelivery(scope, profile.id, sent.ok ? null : `Test message: ${sent.reason}`);
    revalidatePath(`/profiles/${profile.id}`);
    return sent.ok ? { status: "success", message: `Sent. Look for it in the channel (${hook.label}).` } : errorState(`The test message did not arrive. ${sent.reason}`);
  },
);

export const removeChatAction = action(
  { name: "profiles.chat-remove", permission: "profile.triggers", target: "profile", unexpected: "Removing the chat channel failed unexpectedly. Try again." },
  async ({ scope, target: profile }) => {
    await removeChatHook(scope, profile.id);
    revalidatePath(`/profiles/${profile.id}`);
    return { status: "success", message: "Removed. Keel no longer posts this profile's builds to a chat channel." };
  },
);
