import Link from "next/link";
import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { problemForViewer, type PickerProblem, type ProblemViewer } from "@/lib/shared/problems";

/**
 * A problem with the doctor's explanation: what is wrong, and the steps that fix it — told to
 * this reader (`viewer`): members are sent to a named admin, admins get the link that fixes it.
 */
export function ProblemAlert({ problem, viewer, tone = "error", children, className }: { problem: PickerProblem; viewer?: ProblemViewer | null; tone?: "error" | "warning"; children?: ReactNode; className?: string }) {
  const shown = problemForViewer(problem, viewer);
  return (
    <Alert tone={tone} title={shown.title} className={className}>
      <p>{shown.detail}</p>
      {shown.fix.length > 0 ? (
        <div>
          <p className="font-medium">How to fix it</p>
          <ol className="ml-5 list-decimal space-y-1">
            {shown.fix.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      ) : null}
      {shown.action ? (
        <p>
          <Link href={shown.action.href} className="font-medium underline">
            {shown.action.label}
          </Link>
        </p>
      ) : null}
      {children}
    </Alert>
  );
}
