// The "Who gets the secrets" form of a profile's workflow page (lib/shared/secret-refs.ts):
// every build, or only builds of the branch patterns and, when ticked, the tag patterns given.
import { z } from "zod";
import type { SecretRefs } from "@/lib/shared/secret-refs";
import { patternsField } from "./triggers";

export const secretRefsFields = ["who", "branches", "tags", "tagPatterns"] as const;

export const secretRefsFormSchema = z
  .object({
    who: z.enum(["every", "refs"], { error: "Choose which builds get the secrets" }),
    branches: patternsField("Branches"),
    tags: z.literal("on", { error: "Reload the page and try again" }).optional(),
    tagPatterns: patternsField("Tags", "tag"),
  })
  .transform((form): SecretRefs | null => (form.who === "every" ? null : { branches: form.branches, tags: { enabled: form.tags === "on", patterns: form.tags === "on" ? form.tagPatterns : [] } }));
