"use client";

import { useEffect, useRef } from "react";
import type { FormState } from "@/lib/shared/form-state";
import { Alert } from "./alert";

/**
 * The form-level message of an action's result (errors announced, success politely). Each new
 * answer moves focus to the result — the first invalid field when fields failed, otherwise this
 * message — so keyboard and screen-reader users land where the answer is (issue 16's standard).
 */
export function FormMessage({ state, focus = true }: { state: FormState; focus?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!focus || state.status === "idle" || !box.current) {
      return;
    }
    const form = box.current.closest("form");
    const invalid = state.status === "error" && Object.keys(state.fieldErrors).some((key) => key !== "_form") ? form?.querySelector<HTMLElement>("[aria-invalid=true]") : null;
    (invalid ?? box.current).focus();
  }, [state, focus]);
  if (state.status === "idle") {
    return null;
  }
  return (
    <div ref={box} tabIndex={-1} className="outline-none" data-form-message={state.status}>
      {state.status === "error" ? (
        <Alert tone="error" title="That did not work">
          <p>{state.message}</p>
        </Alert>
      ) : (
        <Alert tone="success">{state.message}</Alert>
      )}
    </div>
  );
}
