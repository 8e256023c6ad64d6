"use client";

import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import BellIcon from "lucide-react/icons/bell";
import { Button } from "@/components/ui/button";
import { buildStatusLabel, isFinal } from "@/lib/shared/builds";

type Choice = "off" | "on" | "blocked";

/** Whether the browser has notifications does not change while the page is open. */
const noSubscription = () => () => undefined;

/**
 * Mobile builds take long; people start one and switch to other work. **Notify me when it
 * finishes** asks the browser for a notification when the build ends — no e-mail, no setting to
 * keep: it lasts as long as the page. (The tab's title says the build's state: the page's metadata.)
 */
export function FinishNotifier({ buildId, title, status, statusReason, finishedWhenShown }: { buildId: string; title: string; status: string; statusReason: string | null; finishedWhenShown: boolean }) {
  // The server renders no button (it cannot know); the browser shows it when it has notifications.
  const supported = useSyncExternalStore(
    noSubscription,
    () => "Notification" in window,
    () => false,
  );
  const [choice, setChoice] = useState<Choice>("off");
  const told = useRef(false);
  const final = isFinal(status);

  useEffect(() => {
    if (!final || finishedWhenShown || choice !== "on" || told.current) {
      return;
    }
    told.current = true;
    const notice = new Notification(`${title} ${buildStatusLabel(status).toLowerCase()}`, { body: statusReason ?? "", tag: `keel-build-${buildId}` });
    notice.onclick = () => window.focus();
  }, [final, finishedWhenShown, choice, title, status, statusReason, buildId]);

  if (!supported || final) {
    return null;
  }
  if (choice === "on") {
    return (
      <p className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <BellIcon className="h-4 w-4 text-slate-500" aria-hidden="true" />
        Your browser will notify you when it finishes, while this page is open.
        <Button type="button" variant="ghost" className="py-1" onClick={() => setChoice("off")}>
          Don&apos;t notify me
        </Button>
      </p>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm">
      <Button
        type="button"
        variant="secondary"
        className="py-1.5"
        onClick={async () => {
          const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
          setChoice(permission === "granted" ? "on" : "blocked");
        }}
      >
        <BellIcon className="h-4 w-4" aria-hidden="true" />
        Notify me when it finishes
      </Button>
      {choice === "blocked" ? (
        <span role="status" className="text-slate-700">
          Your browser blocks notifications from Keel: allow them in its site settings, then try again.
        </span>
      ) : null}
    </div>
  );
}
