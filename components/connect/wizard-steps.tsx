import CheckIcon from "lucide-react/icons/check";
import { cn } from "@/components/ui/cn";

export type WizardStep = { id: string; label: string };

/** The connect wizard's steps, in order (one route each). */
export const CONNECT_STEPS: WizardStep[] = [
  { id: "provider", label: "Provider" },
  { id: "method", label: "Sign-in method" },
  { id: "details", label: "Details" },
  { id: "check", label: "Check and save" },
  { id: "repository", label: "Repository" },
];

/** Step indicator: where the admin is in the wizard (announced as the current step). */
export function WizardSteps({ current }: { current: string }) {
  const index = CONNECT_STEPS.findIndex((step) => step.id === current);
  return (
    <nav aria-label="Connect steps" className="mb-8">
      <ol className="flex flex-wrap gap-1.5 text-sm sm:gap-2">
        {CONNECT_STEPS.map((step, i) => (
          <li
            key={step.id}
            aria-current={i === index ? "step" : undefined}
            className={cn(
              "flex items-center gap-1.5 rounded-full px-2.5 py-1 sm:gap-2 sm:px-3",
              i === index ? "bg-brand-600 text-white" : i < index ? "bg-brand-50 text-brand-700" : "bg-slate-100 text-slate-600",
            )}
          >
            {i < index ? <CheckIcon className="h-3.5 w-3.5" aria-hidden="true" /> : null}
            <span className="font-semibold">{i + 1}</span>
            <span>{step.label}</span>
            {i < index ? <span className="sr-only">(done)</span> : null}
          </li>
        ))}
      </ol>
    </nav>
  );
}
