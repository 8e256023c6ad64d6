import { CopyBlock } from "@/components/ui/copy-block";
import { entraSetupScript, entraSetupSteps, type EntraSetupInput } from "@/lib/shared/entra-setup";

/**
 * The steps that create this connection's principal in Microsoft Entra ID and Azure DevOps: the
 * Azure CLI commands with this connection's values, and the same by clicking through the portals.
 * Plain markup (its Copy buttons aside), so the wizard's form and the connection page both render it.
 */
export function EntraSetupGuide({ input, headingLevel = 2 }: { input: EntraSetupInput; headingLevel?: 2 | 3 }) {
  const steps = entraSetupSteps(input);
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby="entra-setup-heading" className="space-y-4 rounded-md border border-slate-200 bg-white p-4 text-sm">
      <Heading id="entra-setup-heading" className="font-semibold text-slate-900">
        Set it up in Microsoft Entra ID and Azure DevOps
      </Heading>
      <ol className="space-y-4">
        {steps.map((step, index) => (
          <li key={step.id} className="space-y-2">
            <p className="font-medium text-slate-900">
              {index + 1}. {step.title}
            </p>
            {step.commands ? (
              <CopyBlock label={`Azure CLI: ${step.title}`} text={step.commands} />
            ) : null}
            <details>
              <summary className="cursor-pointer text-brand-700">{step.commands ? "Or in the portal" : "In the portal"}</summary>
              <ol className="mt-1 list-decimal space-y-1 pl-5 text-slate-700">
                {step.portal.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ol>
            </details>
          </li>
        ))}
      </ol>
      <details>
        <summary className="cursor-pointer text-brand-700">The whole script</summary>
        <CopyBlock label="The whole setup script" text={entraSetupScript(input)} className="mt-2" />
      </details>
    </section>
  );
}
