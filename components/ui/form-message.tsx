import type { FormState } from "@/lib/validation/form";
import { Alert } from "./alert";

/** The form-level message of an action's result (errors announced, success politely). */
export function FormMessage({ state }: { state: FormState }) {
  if (state.status === "idle") {
    return null;
  }
  if (state.status === "error") {
    return (
      <Alert tone="error" title="That did not work">
        <p>{state.message}</p>
      </Alert>
    );
  }
  return <Alert tone="success">{state.message}</Alert>;
}
