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
      <ol className="flex flex-wrap gap-2 text-sm">
        {CONNECT_STEPS.map((step, i) => (
          <li
            key={step.id}
            aria-current={i === index ? "step" : undefined}
            className={cn(
              "flex items-center gap-2 rounded-full px-3 py-1",
              i === index ? "bg-brand-600 text-white" : i < index ? "bg-brand-50 text-brand-700" : "bg-slate-100 text-slate-600",
            )}
          >
            <span className="font-semibold">{i + 1}</span>
            <span>{step.label}</span>
            {i < index ? <span className="sr-only">(done)</span> : null}
          </li>
        ))}
      </ol>
    </nav>
  );
}
