import { z } from "zod";
import { WORKFLOW_LIMITS } from "@/lib/shared/workflow";
import { checkVariables, rawVariable, type WorkflowVariableInput } from "./builds";
import { textField } from "./form";

// The variable-group forms (admins, Settings → Variable groups): a name and a description as
// plain fields, the variables as one JSON field the editor builds (never echoed: it may carry
// secret values), checked like a workflow's.

const description = z
  .string()
  .optional()
  .default("")
  .transform((value) => value.trim())
  .pipe(
    z
      .string()
      .max(WORKFLOW_LIMITS.groupDescription, `Description must be at most ${WORKFLOW_LIMITS.groupDescription} characters`)
      .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(value), "Description must not contain control characters"),
  );

export const createVariableGroupFields = ["name", "description", "idempotencyKey"] as const;
/** New variable group: its name and what it is for; variables are added on its page. */
export const createVariableGroupSchema = z.object({
  name: textField("Name", { max: WORKFLOW_LIMITS.groupName }),
  description,
  idempotencyKey: z.uuid({ error: "The form is stale: reload the page and try again" }),
});

export type VariableGroupInput = { name: string; description: string; variables: WorkflowVariableInput[]; basedOn: string };

export const updateVariableGroupFields = ["name", "description", "variables", "basedOn"] as const;
/** Save a variable group: name, description, its variables (a secret without a value keeps its stored one), the version the page showed. */
export const updateVariableGroupSchema = z.object({
  name: textField("Name", { max: WORKFLOW_LIMITS.groupName }),
  description,
  variables: z
    .string({ error: "The variables are missing: reload the page and try again" })
    .max(1_000_000, "The variables are too large")
    .transform((text, ctx) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        raw = undefined;
      }
      const shape = z.array(rawVariable).max(500).safeParse(raw);
      if (!shape.success) {
        ctx.addIssue({ code: "custom", message: "The variables could not be read. Reload the page and try again." });
        return z.NEVER;
      }
      const errors: string[] = [];
      const variables = checkVariables(shape.data, errors, "A variable group");
      for (const message of errors) {
        ctx.addIssue({ code: "custom", message });
      }
      return errors.length > 0 ? z.NEVER : variables;
    }),
  basedOn: z.string({ error: "The form is stale: reload the page and try again" }).regex(/^[0-9a-f]{16}$/, "The form is stale: reload the page and try again"),
});
