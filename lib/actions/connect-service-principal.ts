"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { checkServicePrincipalDraft } from "@/lib/connections/service-principal";
import { checkSavedConnection } from "@/lib/connections/service";
import { lastFour } from "@/lib/crypto";
import { getDraft, setDraftEntraSecret, updateDraft } from "@/lib/data/connect-drafts";
import { connectionNameTaken } from "@/lib/data/connections";
import { getServicePrincipal, replaceServicePrincipalCredential } from "@/lib/data/service-principals";
import { certificateThumbprint } from "@/lib/entra/token-client";
import { action } from "@/lib/entry/action";
import { targetMissing } from "@/lib/entry/targets";
import { azureDevOpsUrls, getEnv } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { errorState } from "@/lib/validation/form";
import { replaceCredentialFields, replaceCredentialSchema, servicePrincipalFields, servicePrincipalSchema } from "@/lib/validation/service-principal";

// The service-principal step of the connect wizard, and replacing a saved principal's secret or
// certificate. Entries of lib/entry like every action: session → policy → form → target.

const SECRET_FIELDS = ["clientSecret", "privateKeyPem"] as const;

/** Wizard: saves the principal's details into the draft (secret or key sealed), then checks it. */
export const checkServicePrincipalAction = action(
  {
    name: "connect.check-service-principal",
    permission: "connection.create",
    target: "draft",
    form: {
      schema: (draft) =>
        servicePrincipalSchema({ hasStoredSecret: draft.hasEntraSecret, hasStoredCertificate: Boolean(draft.entraCertificatePem), managedIdentityEnabled: getEnv().KEEL_MANAGED_IDENTITY }),
      fields: servicePrincipalFields,
      secret: SECRET_FIELDS,
    },
    unexpected: "The check failed unexpectedly. Try again.",
  },
  async ({ scope, target: draft, input, values }) => {
    if (draft.connectionId) {
      // Saved already (the back button, a resubmitted form): show what was saved.
      redirect(`/connections/${draft.connectionId}`);
    }
    if (draft.deploymentType !== "SERVICES" || !draft.entraConnectionId) {
      return errorState("Service principals sign in to Azure DevOps Services only. Go back and choose the sign-in method again.");
    }
    if (await connectionNameTaken(scope, input.name)) {
      return errorState("Check the highlighted fields.", { name: [`A connection named "${input.name}" already exists. Choose another name.`] }, values);
    }
    const kind = input.credentialKind;
    // A secret or key typed for one app (or kind of credential) is never sent as another's:
    // changing the tenant, the app or the kind asks for it again.
    const sameApp = draft.entraCredentialKind === kind && draft.entraTenantId === input.tenantId && (draft.entraClientId ?? null) === input.clientId;
    const keepsSecret = draft.hasEntraSecret && sameApp;
    if (kind === "CLIENT_SECRET" && !input.clientSecret && !keepsSecret) {
      return errorState("Check the highlighted fields.", { clientSecret: ["You changed the application, so enter its client secret again"] }, values);
    }
    if (kind === "CERTIFICATE" && !input.certificate && !(keepsSecret && draft.entraCertificatePem)) {
      return errorState("Check the highlighted fields.", { privateKeyPem: ["You changed the application, so paste the certificate and its private key again"] }, values);
    }
    await updateDraft(scope, draft.id, {
      name: input.name,
      serverUrl: new URL(azureDevOpsUrls().services).origin,
      pathPrefix: "",
      collection: input.organization,
      caBundlePem: null,
      entraCredentialKind: kind,
      entraTenantId: input.tenantId,
      entraClientId: input.clientId,
      entraCertificatePem: kind === "CERTIFICATE" ? (input.certificate?.certificatePem ?? draft.entraCertificatePem) : null,
      // The client secret's expiry lives where a PAT's does (reminders read it).
      tokenExpiresAt: kind === "CLIENT_SECRET" ? (input.secretExpiresAt ?? (keepsSecret ? draft.tokenExpiresAt : null)) : null,
    });
    if (kind === "CLIENT_SECRET" && input.clientSecret) {
      await setDraftEntraSecret(scope, draft.id, input.clientSecret);
    } else if (kind === "CERTIFICATE" && input.certificate) {
      await setDraftEntraSecret(scope, draft.id, input.certificate.privateKeyPem);
    } else if (!keepsSecret || kind === "FEDERATED" || kind === "MANAGED_IDENTITY") {
      // Federation and managed identity hold no secret at all: nothing may linger from an earlier try.
      await setDraftEntraSecret(scope, draft.id, null);
    }
    const fresh = await getDraft(scope, draft.id);
    if (!fresh) {
      throw targetMissing("draft");
    }
    try {
      await checkServicePrincipalDraft(scope, fresh);
    } catch (caught) {
      if (isAppError(caught) && caught.expected) {
        return errorState(caught.message, {}, values);
      }
      throw caught;
    }
    redirect(`/connect/${draft.id}/check`);
  },
);

/** Admin: replaces a saved principal's client secret or certificate (same kind), then checks the connection. */
export const replaceServicePrincipalCredentialAction = action(
  {
    name: "connections.replace-credential",
    permission: "connection.update",
    target: "connection",
    form: {
      // The form depends on the credential the connection has: a secret, or a certificate.
      schema: (connection) => replaceCredentialSchema(connection.servicePrincipal?.kind === "CERTIFICATE" ? "CERTIFICATE" : "CLIENT_SECRET"),
      fields: replaceCredentialFields,
      secret: SECRET_FIELDS,
    },
    unexpected: "Replacing the credential failed unexpectedly. Nothing was changed; try again.",
  },
  async ({ scope, target: connection, input, values }) => {
    const principal = connection.authMethod === "SERVICE_PRINCIPAL" ? await getServicePrincipal(scope, connection.id) : null;
    if (!principal) {
      throw targetMissing("connection");
    }
    if (principal.kind !== input.kind) {
      return errorState(principal.kind === "CERTIFICATE" ? "This connection signs in with a certificate: paste a new certificate and its private key." : "This connection has no secret or certificate to replace.", {}, values);
    }
    if (input.kind === "CLIENT_SECRET") {
      await replaceServicePrincipalCredential(scope, connection.id, { kind: "CLIENT_SECRET", clientSecret: input.clientSecret, expiresAt: input.expiresAt, lastFour: lastFour(input.clientSecret) });
    } else if (input.certificate) {
      await replaceServicePrincipalCredential(scope, connection.id, {
        kind: "CERTIFICATE",
        certificatePem: input.certificate.certificatePem,
        certificateThumbprint: certificateThumbprint(input.certificate.certificatePem),
        privateKeyPem: input.certificate.privateKeyPem,
        expiresAt: input.certificate.expiresAt,
      });
    }
    const summary = await checkSavedConnection(scope, connection.id);
    revalidatePath(`/connections/${connection.id}`);
    revalidatePath("/connections");
    return summary.ok
      ? { status: "success", message: "Replaced. The connection was checked again and works." }
      : { status: "success", message: "Replaced. The connection was checked again: see the findings below." };
  },
);
