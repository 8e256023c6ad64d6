"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import { FormMessage } from "@/components/ui/form-message";
import { Spinner } from "@/components/ui/spinner";
import { SubmitButton } from "@/components/ui/submit-button";
import { idleState, type FormState } from "@/lib/shared/form-state";

/** How often the list is read again while checks run, and for how long at most. */
const REFRESH_MS = 3_000;
const GIVE_UP_MS = 3 * 60_000;

/**
 * Admins: queue a check of every connection on the job engine now (the scheduled check, on
 * demand), then follow them: the list is read again every few seconds, and the button says how
 * many have finished, until all have (or a few minutes passed: a check of an unreachable server
 * can take its time, and the list then shows what is known). `checkedAt` is each listed
 * connection's last check (ISO), as the page rendered it.
 */
export function CheckAllButton({ action, checkedAt }: { action: (previous: FormState, formData: FormData) => Promise<FormState>; checkedAt: (string | null)[] }) {
  const [state, formAction] = useActionState(action, idleState as FormState);
  const router = useRouter();
  const since = state.status === "success" ? state.data?.since : undefined;
  const total = state.status === "success" ? Number(state.data?.total ?? 0) : 0;
  const done = since ? checkedAt.filter((at) => at !== null && at >= since).length : 0;
  const [gaveUp, setGaveUp] = useState<string | null>(null);
  const following = since !== undefined && total > 0 && done < total && gaveUp !== since;

  useEffect(() => {
    if (!following || !since) {
      return;
    }
    const refresh = setInterval(() => router.refresh(), REFRESH_MS);
    const stop = setTimeout(() => setGaveUp(since), GIVE_UP_MS);
    return () => {
      clearInterval(refresh);
      clearTimeout(stop);
    };
  }, [following, since, router]);

  return (
    <form action={formAction} className="space-y-2">
      <SubmitButton variant="secondary" pendingLabel="Queueing checks…">
        Check all now
      </SubmitButton>
      <div aria-live="polite">
        {state.status !== "idle" ? <FormMessage state={state} /> : null}
        {since && total > 0 ? (
          <p className="mt-1 flex items-center gap-2 text-sm text-slate-700" data-testid="check-all-progress">
            {following ? <Spinner /> : null}
            {done >= total ? (total === 1 ? "Checked." : `All ${total} checked.`) : following ? `${done} of ${total} checked…` : `${done} of ${total} checked so far; the others finish in the background (reload to see them).`}
          </p>
        ) : null}
      </div>
    </form>
  );
}
