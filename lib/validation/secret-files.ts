// A secret file of a profile's workflow (lib/builds/README.md, "Secret files"): the environment
// variable that will hold its path, and the file, read in the browser and sent as base64 with its
// name (never echoed back: it is a secret).
import { z } from "zod";
import { reservedVariableReason, VARIABLE_NAME, WORKFLOW_LIMITS } from "@/lib/shared/workflow";

export const secretFileFields = ["variable", "fileName", "content"] as const;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const secretFileSchema = z.object({
  variable: z
    .string()
    .trim()
    .min(1, { error: "Variable is required: the name the steps read the file's path from, e.g. ANDROID_KEYSTORE", abort: true })
    .max(WORKFLOW_LIMITS.variableName, `Variable must be at most ${WORKFLOW_LIMITS.variableName} characters`)
    .regex(VARIABLE_NAME, "Variable must use letters, digits and underscores, not starting with a digit")
    .superRefine((name, ctx) => {
      const reserved = reservedVariableReason(name);
      if (reserved) {
        ctx.addIssue({ code: "custom", message: `Variable: ${reserved}; choose another name` });
      }
    }),
  fileName: z
    .string()
    .trim()
    .min(1, { error: "File is required: choose the file to upload", abort: true })
    .max(WORKFLOW_LIMITS.secretFileName, `File name must be at most ${WORKFLOW_LIMITS.secretFileName} characters`)
    .refine((name) => !/[/\\\u0000-\u001f\u007f]/.test(name) && name !== "." && name !== "..", "File name must be a plain file name (no folders or control characters): rename the file and choose it again"),
  content: z
    .string({ error: "File is required: choose the file to upload" })
    .max(Math.ceil((WORKFLOW_LIMITS.secretFileBytes * 4) / 3) + 8, `File must be at most ${WORKFLOW_LIMITS.secretFileBytes / 1024} KB (signing keys and provisioning profiles are a few KB)`)
    .transform((text, ctx) => {
      if (text === "" || !BASE64.test(text)) {
        ctx.addIssue({ code: "custom", message: text === "" ? "File is required: choose the file to upload (an empty file cannot be used)" : "The file could not be read: choose it again" });
        return z.NEVER;
      }
      const bytes = Buffer.from(text, "base64");
      if (bytes.length === 0) {
        ctx.addIssue({ code: "custom", message: "File is empty: choose the file to upload" });
        return z.NEVER;
      }
      if (bytes.length > WORKFLOW_LIMITS.secretFileBytes) {
        ctx.addIssue({ code: "custom", message: `File must be at most ${WORKFLOW_LIMITS.secretFileBytes / 1024} KB (signing keys and provisioning profiles are a few KB)` });
        return z.NEVER;
      }
      return bytes;
    }),
});
