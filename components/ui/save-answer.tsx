import { Alert } from "@/components/ui/alert";
import type { FormState } from "@/lib/shared/form-state";

/**
 * The answer to a form that saves many things at once (a workflow, a variable group): every
 * problem the server named, as a list under `failedTitle`, or its one message; or the success.
 * A polite live region, so screen readers hear it.
 */
export function SaveAnswer({ state, problems, failedTitle }: { state: FormState; problems: readonly string[]; failedTitle: string }) {
  return (
    <div aria-live="polite">
      {state.status === "error" ? (
        <Alert tone="error" title={failedTitle}>
          {problems.length > 0 ? (
            <ul className="ml-5 list-disc">
              {problems.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          ) : (
            <p>{state.message}</p>
          )}
        </Alert>
      ) : state.status === "success" ? (
        <Alert tone="success">{state.message}</Alert>
      ) : null}
    </div>
  );
}
