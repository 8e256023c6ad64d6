"use client";

import { useEffect, useRef } from "react";
import type { FormState } from "@/lib/shared/form-state";
import { idleState } from "@/lib/shared/form-state";

/**
 * Tells Keel the notices on the page were seen, once, after they are shown (a page's render
 * changes nothing): the header's count of new notices starts again from there.
 */
export function MarkNoticesSeen({ action }: { action: (previous: FormState, formData: FormData) => Promise<FormState> }) {
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) {
      return;
    }
    sent.current = true;
    void action(idleState as FormState, new FormData()).catch(() => undefined);
  }, [action]);
  return null;
}
