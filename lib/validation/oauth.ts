import { z } from "zod";
import { collectionField, connectionNameField } from "./connections";

export const oauthProviderFields = ["provider"] as const;
export const oauthProviderSchema = z.object({
  provider: z.enum(["microsoft-entra-id", "azure-devops"], { error: "Choose Microsoft Entra ID or Azure DevOps OAuth" }),
});

export const organizationChoiceFields = ["organization", "name"] as const;
export const organizationChoiceSchema = z.object({
  organization: collectionField("Organization"),
  name: connectionNameField,
});
