import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import type { PickerProblem } from "@/lib/shared/problems";

/** A problem with the doctor's explanation: what is wrong, and the steps that fix it. */
export function ProblemAlert({ problem, tone = "error", children, className }: { problem: PickerProblem; tone?: "error" | "warning"; children?: ReactNode; className?: string }) {
  return (
    <Alert tone={tone} title={problem.title} className={className}>
      <p>{problem.detail}</p>
      {problem.fix.length > 0 ? (
        <div>
          <p className="font-medium">How to fix it</p>
          <ol className="ml-5 list-decimal space-y-1">
            {problem.fix.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      ) : null}
      {children}
    </Alert>
  );
}
